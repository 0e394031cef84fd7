//! Meta's WhatsApp webhook bodies: statuses parsed or refused, the signature check total;
//! never a panic.
#![no_main]

use cartback_core::feedback::whatsapp_statuses::{statuses, verify};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = statuses(data);
    let header = String::from_utf8_lossy(data);
    let _ = verify("app-secret", data, &header);
});
