//! The table's layout is one fact: `shared/aws/src/table.rs` names every key and attribute,
//! `infra/template.yaml` declares the same key schema, index and TTL, and `docs/dynamodb.md`
//! describes every name and key pattern.
#![allow(clippy::unwrap_used)]

use cartback_aws::table::*;

const TEMPLATE: &str = include_str!("../../../infra/template.yaml");
const DOC: &str = include_str!("../../../docs/dynamodb.md");

/// The `Table` resource's lines (up to the next resource).
fn table_resource() -> Vec<&'static str> {
    let mut lines = TEMPLATE.lines().skip_while(|l| *l != "  Table:").skip(1);
    let mut out = Vec::new();
    for l in lines.by_ref() {
        if l.starts_with("  ") && !l.starts_with("   ") && l.ends_with(':') {
            break;
        }
        out.push(l);
    }
    out
}

fn value_after<'a>(line: &'a str, field: &str) -> Option<&'a str> {
    let rest = line.split(&format!("{field}: ")).nth(1)?;
    Some(rest.split([',', ' ', '}']).next().unwrap().trim_matches('"'))
}

#[test]
fn the_template_declares_the_table_the_code_uses() {
    let lines = table_resource();
    assert!(lines.len() > 10, "no Table resource found in infra/template.yaml");
    let defined: Vec<&str> = lines
        .iter()
        .filter(|l| l.contains("AttributeType"))
        .map(|l| value_after(l, "AttributeName").unwrap())
        .collect();
    assert_eq!(defined, [PK, SK, TIMER_BUCKET], "AttributeDefinitions");
    let keys: Vec<(&str, &str)> = lines
        .iter()
        .filter(|l| l.contains("KeyType"))
        .map(|l| (value_after(l, "AttributeName").unwrap(), value_after(l, "KeyType").unwrap()))
        .collect();
    assert_eq!(keys, [(PK, "HASH"), (SK, "RANGE"), (TIMER_BUCKET, "HASH"), (PK, "RANGE")], "table and index keys");
    let index = lines.iter().find_map(|l| value_after(l, "IndexName")).unwrap();
    assert_eq!(index, TIMER_INDEX);
    let projected = lines.iter().find_map(|l| l.split("NonKeyAttributes: [").nth(1)).unwrap();
    let projected: Vec<&str> = projected.trim_end_matches(']').split(", ").collect();
    assert_eq!(projected, [TIMER_SEQ, TIMER_DUE, TIMER_CONTACT], "the index's projection");
    let ttl = lines.iter().find(|l| l.contains("TimeToLiveSpecification")).unwrap();
    assert_eq!(value_after(ttl, "AttributeName"), Some(TTL));
}

#[test]
fn the_design_document_names_every_key_and_attribute() {
    let names = [
        PK,
        SK,
        TTL,
        VERSION,
        BODY,
        TIMER_BUCKET,
        TIMER_SEQ,
        TIMER_DUE,
        TIMER_CONTACT,
        LINK_STORE,
        LINK_CART,
        LINK_EXPIRES,
        SWEPT_MINUTE,
        CONFIG_TOML,
        CONFIG_UPDATED_AT,
        SK_CART,
        SK_CONTACT,
        SK_LINK,
        SK_STATS,
        SK_CHECKPOINT,
        SK_CONFIG,
        CHECKPOINT_PK,
        CONFIG_PK,
        TIMER_INDEX,
    ];
    let counter = format!("{COUNTER_PREFIX}{{name}}");
    let patterns = [
        cart_pk("{store}", "{cart}"),
        contact_pk("{store}", "{key}"),
        link_pk("{key}"),
        stats_pk("{store}"),
        counter,
        cartback_core::domain::link_key::coupon("{store}", "{code}"),
    ];
    let missing: Vec<String> =
        names.iter().map(|n| n.to_string()).chain(patterns).filter(|n| !DOC.contains(&format!("`{n}`"))).collect();
    assert!(missing.is_empty(), "docs/dynamodb.md does not name: {missing:?}");
    for alias in ["email:", "customer:"] {
        assert!(DOC.contains(&format!("`{alias}")), "docs/dynamodb.md does not describe the `{alias}` links");
    }
}
