//! The link records' key space, in one place. A link record (`ports::LinkRecord`) points from a
//! key to a cart; four kinds of key share the space, told apart by prefix:
//!
//! | key | what finds the cart |
//! | --- | --- |
//! | `{token}` (22 base64url characters, no `:`) | a restore link `/r/{token}` |
//! | `coupon:{store}:{code}` | a discount code, checked and redeemed by the store |
//! | `email:{keyed hash of store and address}` | an order that carries only the shopper's e-mail |
//! | `customer:{keyed hash of store and id}` | an order that carries only the store's customer id |
//! | `shopify:{store}:{cart_token\|checkout}:{value}` | a `checkouts/delete` without the checkout token |
//!
//! Tokens never contain `:`, so no token can collide with another kind of key. No key holds a
//! phone, an e-mail or a customer id in clear.

use super::contact_key_uncached;

/// A discount code's record.
pub fn coupon(store: &str, code: &str) -> String {
    format!("coupon:{store}:{code}")
}

/// Where a cart reached by phone is found from its shopper's e-mail: the key of the cart last
/// messaged about (an order carrying only the e-mail must still end it).
pub fn email_alias(store: &str, email: &str) -> String {
    format!("email:{}", contact_key_uncached(store, email))
}

/// The same for the store's own customer id (`customer.id`): an order that carries it but not
/// the address the cart was reached on.
pub fn customer_alias(store: &str, id: &str) -> String {
    format!("customer:{}", contact_key_uncached(store, id))
}

/// The aliases as the first versions keyed them (unkeyed SHA-256). Written with a cart's first
/// message and kept as long as its restore link, so an order may still name one for a week
/// after the upgrade: looked up when the current key finds nothing.
pub fn legacy_aliases(store: &str, email: Option<&str>, customer_id: Option<&str>) -> Vec<String> {
    use super::contact::legacy_contact_key;
    let email = email.map(|e| format!("email:{}", legacy_contact_key(store, e)));
    let id = customer_id.map(|i| format!("customer:{}", legacy_contact_key(store, i)));
    email.into_iter().chain(id).collect()
}

/// A Shopify checkout's other identifier (`cart_token`, or its `id` as `checkout`), recorded
/// with `checkouts/create`: Shopify's `checkouts/delete` may carry only these. Opaque platform
/// ids, no personal data.
pub fn shopify_alias(store: &str, kind: &str, value: &str) -> String {
    format!("shopify:{store}:{kind}:{value}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kinds_of_key_cannot_collide_and_hold_no_address() {
        let keys = [
            coupon("demo", "CB-1"),
            email_alias("demo", "a@example.com"),
            customer_alias("demo", "cust_9"),
            shopify_alias("demo", "cart_token", "ct9"),
        ];
        let prefixes: Vec<&str> = keys.iter().map(|k| k.split(':').next().unwrap_or_default()).collect();
        assert_eq!(prefixes, ["coupon", "email", "customer", "shopify"]);
        assert!(!keys[1].contains("a@example.com") && !keys[2].contains("cust_9"));
        assert_ne!(email_alias("demo", "a@example.com"), email_alias("other", "a@example.com"));
    }
}
