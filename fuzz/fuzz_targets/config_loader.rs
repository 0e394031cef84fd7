//! The configuration loader (`cartback store --check`, every start): any text is a
//! configuration or a list of problems, never a panic.
#![no_main]

use cartback_core::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Config::from_toml("fuzz.toml", text);
    }
});
