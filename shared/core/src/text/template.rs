//! Message templates (minijinja), compiled and checked when the configuration loads.

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;
use std::sync::Arc;

/// The variables a message template may use.
pub const VARIABLES: &[&str] = &[
    "first_name",
    "store_name",
    "items",
    "item_count",
    "total",
    "link",
    "incentive",
    "coupon_code",
    "coupon_expires",
    "free_shipping_gap",
    "free_shipping_threshold",
    "cross_sell",
];

#[derive(Debug, Serialize, Clone, Default)]
pub struct ItemView {
    pub name: String,
    pub quantity: u32,
    pub price: String,
}

/// Everything a template can say about one cart and one message.
#[derive(Debug, Serialize, Clone, Default)]
pub struct MessageContext {
    pub first_name: String,
    pub store_name: String,
    pub items: Vec<ItemView>,
    pub item_count: u32,
    pub total: String,
    pub link: String,
    /// A ready sentence about the incentive ("10% off with code X until 14:30"), or empty.
    pub incentive: String,
    pub coupon_code: String,
    pub coupon_expires: String,
    pub free_shipping_gap: String,
    pub free_shipping_threshold: String,
    pub cross_sell: String,
}

impl MessageContext {
    /// A realistic cart: what templates are checked and measured against at load.
    pub fn sample() -> MessageContext {
        MessageContext {
            first_name: "Ayşe".into(),
            store_name: "Shop".into(),
            items: vec![ItemView { name: "Kazak".into(), quantity: 2, price: "349.90 TRY".into() }],
            item_count: 2,
            total: "699.80 TRY".into(),
            link: "https://example.invalid/r/x".into(),
            incentive: "10% off".into(),
            coupon_code: "CODE".into(),
            coupon_expires: "14:30".into(),
            free_shipping_gap: "10.00 TRY".into(),
            free_shipping_threshold: "50.00 TRY".into(),
            cross_sell: "Socks".into(),
        }
    }
}

#[derive(Clone)]
pub struct Template {
    env: Arc<Environment<'static>>,
    source: Arc<str>,
    /// Bit `i` set: the template uses `VARIABLES[i]`; composing skips what it does not use.
    used: u32,
}

impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Template").field(&self.source).finish()
    }
}

impl Template {
    /// Compiles and checks: syntax, only known variables, and a non-empty sample rendering.
    pub fn compile(source: &str) -> Result<Template, String> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.add_template_owned("t", source.to_string()).map_err(|e| format!("template does not parse: {e}"))?;
        let t = env.get_template("t").map_err(|e| e.to_string())?;
        let mut unknown: Vec<String> =
            t.undeclared_variables(false).into_iter().filter(|v| !VARIABLES.contains(&v.as_str())).collect();
        if !unknown.is_empty() {
            unknown.sort();
            return Err(format!("unknown variable(s) {}; known: {}", unknown.join(", "), VARIABLES.join(", ")));
        }
        let used = VARIABLES
            .iter()
            .enumerate()
            .filter(|(_, v)| t.undeclared_variables(false).contains(**v))
            .fold(0, |m, (i, _)| m | 1 << i);
        let rendered = t.render(MessageContext::sample()).map_err(|e| format!("template does not render: {e}"))?;
        if rendered.trim().is_empty() {
            return Err("template renders to nothing".into());
        }
        Ok(Template { env: Arc::new(env), source: source.into(), used })
    }

    /// Whether the template uses this variable (one of `VARIABLES`).
    pub fn uses(&self, variable: &str) -> bool {
        VARIABLES.iter().position(|v| *v == variable).is_some_and(|i| self.used & (1 << i) != 0)
    }

    pub fn render(&self, ctx: &MessageContext) -> Result<String, String> {
        let t = self.env.get_template("t").map_err(|e| e.to_string())?;
        t.render(ctx).map(|s| s.trim().to_string()).map_err(|e| e.to_string())
    }

    pub fn source(&self) -> &str {
        &self.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_unknown_variables_and_empty_output() {
        assert!(Template::compile("Hi {{ first_name }}, {{ link }}").is_ok());
        let err = Template::compile("Hi {{ frist_name }}").unwrap_err();
        assert!(err.contains("frist_name"), "{err}");
        assert!(Template::compile("{% if false %}x{% endif %}").is_err());
        assert!(Template::compile("{{ unclosed").is_err());
    }
}
