//! The event contract's limits, in one table: the parser's checks (`contract.rs`) read them
//! from here. `docs/openapi.yaml` documents the same numbers as `maxLength` / `maxItems`.

/// The whole body.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Items in a cart.
pub const MAX_ITEMS: usize = 100;
/// `customer.orders_count` above this is a mistake, not a customer.
pub const MAX_ORDERS_COUNT: u32 = 1_000_000;
/// An item's quantity: at least one, at most this.
pub const MAX_QUANTITY: u64 = 10_000;

/// Longest text, in characters, per field.
pub const ID: usize = 128; // event_id, cart_id, customer.id, item sku, order.order_id
pub const KIND: usize = 64; // type
pub const TIMESTAMP: usize = 64; // occurred_at
pub const FIRST_NAME: usize = 100;
pub const EMAIL: usize = 254; // RFC 5321's path limit
pub const PHONE: usize = 32;
pub const LOCALE: usize = 35; // BCP 47's longest practical tag
pub const TIMEZONE: usize = 64;
pub const CONSENT_VERSION: usize = 64;
pub const ITEM_NAME: usize = 200;
pub const URL: usize = 2048; // checkout_url, item url and image_url

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `maxLength` / `maximum` / `maxItems` the OpenAPI document gives these fields.
    fn documented(field: &str, keyword: &str) -> Vec<u64> {
        let doc = include_str!("../../../../../docs/openapi.yaml");
        let mut lines = doc.lines();
        let mut found = Vec::new();
        while let Some(line) = lines.next() {
            let t = line.trim_start();
            if !t.starts_with(&format!("{field}:")) {
                continue;
            }
            // `field: { …, keyword: N }` on one line, or `field:` then `keyword: N` among the
            // few lines below it.
            let text = if t.contains(keyword) {
                t.to_string()
            } else {
                lines.clone().take(3).find(|l| l.contains(keyword)).map(str::to_string).unwrap_or_default()
            };
            if let Some(rest) = text.split(&format!("{keyword}: ")).nth(1) {
                found.push(rest.split([',', ' ', '}']).next().unwrap_or_default().parse().unwrap_or(u64::MAX));
            }
        }
        found
    }

    #[test]
    fn the_openapi_document_states_the_same_limits() {
        let table: [(&str, &str, u64); 18] = [
            ("event_id", "maxLength", ID as u64),
            ("cart_id", "maxLength", ID as u64),
            ("id", "maxLength", ID as u64),
            ("sku", "maxLength", ID as u64),
            ("order_id", "maxLength", ID as u64),
            ("first_name", "maxLength", FIRST_NAME as u64),
            ("email", "maxLength", EMAIL as u64),
            ("phone", "maxLength", PHONE as u64),
            ("locale", "maxLength", LOCALE as u64),
            ("timezone", "maxLength", TIMEZONE as u64),
            ("consent_version", "maxLength", CONSENT_VERSION as u64),
            ("name", "maxLength", ITEM_NAME as u64),
            ("checkout_url", "maxLength", URL as u64),
            ("url", "maxLength", URL as u64),
            ("image_url", "maxLength", URL as u64),
            ("quantity", "maximum", MAX_QUANTITY),
            ("orders_count", "maximum", MAX_ORDERS_COUNT as u64),
            ("items", "maxItems", MAX_ITEMS as u64),
        ];
        for (field, keyword, limit) in table {
            let doc = documented(field, keyword);
            assert!(!doc.is_empty(), "docs/openapi.yaml gives `{field}` no {keyword}");
            assert!(
                doc.iter().all(|d| *d == limit),
                "`{field}`: {keyword} {doc:?} in docs/openapi.yaml, {limit} in the code"
            );
        }
    }
}
