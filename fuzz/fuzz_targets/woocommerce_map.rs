//! WooCommerce deliveries: any body under either order topic maps, is ignored or unusable, or is
//! refused; never a panic.
#![no_main]

use cartback_core::config::demo_config;
use cartback_core::intake::contract::parse_event;
use cartback_core::intake::woocommerce::{Mapped, is_ping, map};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&t, body)) = data.split_first() else { return };
    let topic = if t % 2 == 0 { "order.created" } else { "order.updated" };
    let _ = is_ping(body);
    static CONFIG: std::sync::OnceLock<cartback_core::config::Config> = std::sync::OnceLock::new();
    let store = CONFIG.get_or_init(demo_config).store("demo").expect("demo store");
    if let Ok(Mapped::Event(native)) = map(topic, "1", Some("https://shop.example/"), body) {
        let _ = parse_event(&native, store);
    }
});
