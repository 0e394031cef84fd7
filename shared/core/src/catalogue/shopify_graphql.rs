//! Shopify's Admin GraphQL API: the query Cartback sends (`QUERY`, every variant with its
//! product, 200 a page) and its answers read into products — a page, a throttle (`THROTTLED`
//! with the bucket's state in `extensions.cost`), or the errors GraphQL reports with HTTP 200.

use crate::catalogue::CatalogueError;
use crate::catalogue::body_facts;
use crate::domain::catalogue::{Product, Variant};
use crate::domain::money::Currency;
use serde::Deserialize;

/// Variants a page: 80 × 12 points (the variant, its options, its product, the product's
/// options: 4; its first 5 collections: 2 + 5; the complementary-products metafield: 1) + 2 is
/// 962, under the 1 000 points a single query may cost. The collections and the metafield are
/// what recommendations go by (docs/recommendations.md); without them a page held 200.
pub const PAGE_SIZE: usize = 80;

/// Every variant with its product. Products that are not `ACTIVE` (drafts, archived) are left out
/// when read (`status`): a shopper cannot buy them.
pub const QUERY: &str = "query CartbackCatalogue($first: Int!, $after: String) { productVariants(first: $first, after: $after) { pageInfo { hasNextPage endCursor } nodes { id title sku price availableForSale selectedOptions { name value } product { id handle title descriptionHtml productType tags collections(first: 5) { nodes { handle } } complementary: metafield(namespace: \"shopify--discovery--product_recommendation\", key: \"complementary_products\") { value } onlineStoreUrl status options { name } } } } }";

/// The request body for the page after `cursor`.
pub fn request_body(cursor: Option<&str>) -> Vec<u8> {
    serde_json::json!({"query": QUERY, "variables": {"first": PAGE_SIZE, "after": cursor}}).to_string().into_bytes()
}

/// What one answer says.
#[derive(Debug, PartialEq)]
pub enum Answer {
    Page {
        variants: Vec<PageVariant>,
        next: Option<String>,
    },
    /// Throttled: wait this many seconds (what the bucket lacks for the query, at its restore rate).
    Throttled {
        wait_secs: f64,
    },
    /// GraphQL errors other than a throttle: their messages (an unknown field, a missing scope).
    Errors(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PageVariant {
    pub variant: Variant,
    /// Option name and value, as the variant lists them.
    pub selected: Vec<(String, String)>,
    pub product: PageProduct,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PageProduct {
    pub id: String,
    pub handle: String,
    pub title: String,
    pub html: String,
    pub product_type: String,
    pub tags: Vec<String>,
    pub collections: Vec<String>,
    pub goes_with: Vec<String>,
    pub url: Option<String>,
    pub options: Vec<String>,
    pub active: bool,
}

#[derive(Deserialize)]
struct Response {
    data: Option<Data>,
    #[serde(default)]
    errors: Option<serde_json::Value>,
    #[serde(default)]
    extensions: Option<Extensions>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    product_variants: Option<Connection>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Connection {
    page_info: PageInfo,
    nodes: Vec<RawVariant>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageInfo {
    has_next_page: bool,
    end_cursor: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawVariant {
    id: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    sku: Option<String>,
    price: serde_json::Value,
    #[serde(default)]
    available_for_sale: bool,
    #[serde(default)]
    selected_options: Vec<NameValue>,
    product: RawProduct,
}

#[derive(Deserialize)]
struct Handles {
    nodes: Vec<Handle>,
}

#[derive(Deserialize)]
struct Handle {
    handle: String,
}

#[derive(Deserialize)]
struct MetafieldValue {
    value: String,
}

#[derive(Deserialize)]
struct NameValue {
    name: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawProduct {
    id: String,
    handle: String,
    title: String,
    #[serde(default)]
    description_html: Option<String>,
    #[serde(default)]
    product_type: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    collections: Option<Handles>,
    /// Search & Discovery's complementary products: a JSON list of product GIDs as text.
    #[serde(default)]
    complementary: Option<MetafieldValue>,
    #[serde(default)]
    online_store_url: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    options: Vec<Name>,
}

#[derive(Deserialize)]
struct Name {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Extensions {
    cost: Option<Cost>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cost {
    requested_query_cost: Option<f64>,
    throttle_status: Option<Throttle>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Throttle {
    currently_available: f64,
    restore_rate: f64,
}

/// `gid://shopify/ProductVariant/123` → `123`: the id cart permalinks and webhooks use.
pub fn legacy_id(gid: &str) -> String {
    gid.rsplit('/').next().unwrap_or(gid).to_string()
}

/// Reads one answer (HTTP 200); prices in `currency`.
pub fn parse(body: &[u8], currency: Currency) -> Result<Answer, CatalogueError> {
    let r: Response =
        serde_json::from_slice(body).map_err(|e| CatalogueError::Malformed(format!("Admin GraphQL: {e}")))?;
    if let Some(errors) = r.errors.as_ref().and_then(serde_json::Value::as_array).filter(|e| !e.is_empty()) {
        let throttled = errors.iter().any(|e| e["extensions"]["code"] == "THROTTLED");
        if throttled {
            let cost = r.extensions.and_then(|e| e.cost);
            let requested = cost.as_ref().and_then(|c| c.requested_query_cost).unwrap_or(PAGE_SIZE as f64 * 12.0);
            let wait_secs = match cost.and_then(|c| c.throttle_status) {
                Some(t) if t.restore_rate > 0.0 => ((requested - t.currently_available) / t.restore_rate).max(1.0),
                _ => 2.0,
            };
            return Ok(Answer::Throttled { wait_secs });
        }
        let messages: Vec<String> =
            errors.iter().map(|e| e["message"].as_str().unwrap_or("an error").chars().take(200).collect()).collect();
        return Ok(Answer::Errors(messages.join("; ")));
    }
    let conn = r
        .data
        .and_then(|d| d.product_variants)
        .ok_or_else(|| CatalogueError::Malformed("Admin GraphQL: no data.productVariants".into()))?;
    let next = if conn.page_info.has_next_page {
        Some(
            conn.page_info
                .end_cursor
                .ok_or_else(|| CatalogueError::Malformed("Admin GraphQL: hasNextPage without an endCursor".into()))?,
        )
    } else {
        None
    };
    let mut variants = Vec::with_capacity(conn.nodes.len());
    for (i, v) in conn.nodes.into_iter().enumerate() {
        let at = |what: &str| CatalogueError::Malformed(format!("productVariants.nodes[{i}].{what}"));
        let price = match &v.price {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            // API versions before 2024-04 gave `price` as a MoneyV2 object.
            serde_json::Value::Object(m) => m.get("amount").and_then(|a| a.as_str()).ok_or_else(|| at("price"))?.into(),
            _ => return Err(at("price: missing")),
        };
        let price_minor = currency.parse_amount(&price).map_err(|e| at(&format!("price: {e}")))?;
        let selected: Vec<(String, String)> = v.selected_options.into_iter().map(|o| (o.name, o.value)).collect();
        let values: Vec<String> = selected.iter().map(|(_, v)| v.clone()).collect();
        let p = v.product;
        variants.push(PageVariant {
            variant: Variant {
                id: legacy_id(&v.id),
                sku: v.sku.unwrap_or_default(),
                title: v.title.unwrap_or_else(|| values.join(" / ")),
                options: values,
                price_minor,
                available: v.available_for_sale,
            },
            selected,
            product: PageProduct {
                id: legacy_id(&p.id),
                handle: p.handle,
                title: p.title,
                html: p.description_html.unwrap_or_default(),
                product_type: p.product_type.unwrap_or_default(),
                tags: p.tags,
                collections: p.collections.map(|c| c.nodes.into_iter().map(|n| n.handle).collect()).unwrap_or_default(),
                // A value that is not a list of GIDs is left out, not an error: it is an app's.
                goes_with: p
                    .complementary
                    .and_then(|m| serde_json::from_str::<Vec<String>>(&m.value).ok())
                    .unwrap_or_default()
                    .iter()
                    .filter(|g| g.starts_with("gid://shopify/Product/"))
                    .map(|g| legacy_id(g))
                    .collect(),
                url: p.online_store_url,
                options: p.options.into_iter().map(|o| o.name).collect(),
                active: p.status.as_deref().is_none_or(|s| s == "ACTIVE"),
            },
        });
    }
    Ok(Answer::Page { variants, next })
}

/// The variants of every page, grouped into products in the order first seen; products that are
/// not active or not published to the online store left out.
pub fn products(variants: Vec<PageVariant>) -> Vec<Product> {
    let mut products: Vec<Product> = Vec::new();
    let mut html: Vec<String> = Vec::new();
    // Not on the online store (no `onlineStoreUrl`): a cart permalink cannot sell it.
    for pv in variants.into_iter().filter(|v| v.product.active && v.product.url.is_some()) {
        let i = match products.iter().position(|p| p.id == pv.product.id) {
            Some(i) => i,
            None => {
                let p = pv.product;
                let url = p.url;
                products.push(Product {
                    id: p.id,
                    handle: p.handle,
                    title: p.title,
                    product_type: p.product_type,
                    tags: p.tags,
                    collections: p.collections,
                    goes_with: p.goes_with,
                    url,
                    // "Title" alone is Shopify's name for a product without options.
                    options: p.options.into_iter().filter(|o| o != "Title").collect(),
                    facts: Default::default(),
                    variants: Vec::new(),
                });
                html.push(p.html);
                products.len() - 1
            }
        };
        // One value per product option, in the product's order.
        let mut v = pv.variant;
        v.options = products[i]
            .options
            .iter()
            .map(|name| pv.selected.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default())
            .collect();
        products[i].variants.push(v);
    }
    for (p, html) in products.iter_mut().zip(html) {
        let values: Vec<String> = p.variants.iter().flat_map(|v| v.options.iter().cloned()).collect();
        p.facts = body_facts::read(&html, &values);
    }
    products
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_is_within_a_single_query_s_cost() {
        // Shopify: a connection costs 2 + first × its node's cost; objects 1, scalars 0.
        let node = 1 + 1 + 1 + 1; // the variant, selectedOptions, product, product.options
        assert!(2 + PAGE_SIZE * node <= 1000);
        assert!(QUERY.contains("productVariants(first: $first, after: $after)"));
    }

    /// Shopify's documented THROTTLED answer (tests/fixtures/shopify, SOURCES.md): wait what the
    /// bucket lacks for the query at its restore rate, (75 − 12) / 50 s.
    #[test]
    fn the_documented_throttle() {
        let body = include_bytes!("../../../../tests/fixtures/shopify/admin_graphql_throttled.json");
        assert_eq!(parse(body, Currency::parse("EUR").unwrap()).unwrap(), Answer::Throttled { wait_secs: 1.26 });
    }

    #[test]
    fn a_throttle_waits_for_what_the_bucket_lacks() {
        let body = br#"{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED","documentation":"https://shopify.dev/api/usage/rate-limits"}}],"extensions":{"cost":{"requestedQueryCost":802,"actualQueryCost":null,"throttleStatus":{"maximumAvailable":1000.0,"currentlyAvailable":302,"restoreRate":50.0}}}}"#;
        assert_eq!(parse(body, Currency::parse("EUR").unwrap()).unwrap(), Answer::Throttled { wait_secs: 10.0 });
    }
}
