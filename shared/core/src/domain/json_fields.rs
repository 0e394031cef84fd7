//! The platforms' loosely typed payload fields, read one way everywhere: a text that is present
//! and not blank, and an id that may come as a number (Shopify's 18-digit ids, WooCommerce's) or
//! as a string.

use serde_json::Value;

/// `v[key]` when it is a string with something in it.
pub fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

/// An id as text: a number's digits, or a non-empty string.
pub fn id(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `v[key]` as an id.
pub fn id_at(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_and_texts() {
        let v = json!({"a": 788032119674292922u64, "b": "x1", "c": "", "d": "  ", "e": null});
        assert_eq!(id_at(&v, "a").as_deref(), Some("788032119674292922"));
        assert_eq!(id_at(&v, "b").as_deref(), Some("x1"));
        assert_eq!((id_at(&v, "c"), id_at(&v, "e"), id_at(&v, "z")), (None, None, None));
        assert_eq!((text(&v, "b"), text(&v, "d")), (Some("x1"), None));
    }
}
