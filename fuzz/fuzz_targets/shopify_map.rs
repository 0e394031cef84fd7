//! Shopify deliveries: any body under any topic maps, is ignored or is refused; never a panic.
//! A mapped event is itself a valid native event body or a clear error.
#![no_main]

use cartback_core::config::demo_config;
use cartback_core::intake::contract::parse_event;
use cartback_core::intake::shopify::{Mapped, map, native_clear};
use libfuzzer_sys::fuzz_target;

const TOPICS: [&str; 5] = ["checkouts/create", "checkouts/update", "checkouts/delete", "orders/create", "x/y"];

fuzz_target!(|data: &[u8]| {
    let Some((&t, body)) = data.split_first() else { return };
    let topic = TOPICS[usize::from(t) % TOPICS.len()];
    static CONFIG: std::sync::OnceLock<cartback_core::config::Config> = std::sync::OnceLock::new();
    let store = CONFIG.get_or_init(demo_config).store("demo").expect("demo store");
    match map(topic, "2026-11-30T12:00:00Z", body) {
        Ok(Mapped::Event { native, .. }) => {
            let _ = parse_event(&native, store);
        }
        Ok(Mapped::ClearByAlias { event_id, occurred_at, .. }) => {
            let _ = parse_event(&native_clear(&event_id, &occurred_at, "shopify-x"), store);
        }
        _ => {}
    }
});
