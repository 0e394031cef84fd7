//! Twilio's webhook as the replies route reads it: the form body parsed, the signature computed
//! and checked. Never a panic, and a body always verifies under its own signature (the check is
//! a function of the parsed parameters, whatever their order or encoding).
#![no_main]

use cartback_core::conversations::twilio_webhook::{signature, verify};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let params: Vec<(String, String)> = form_urlencoded::parse(data).into_owned().collect();
    let url = "https://api.example/v1/replies/twilio/demo";
    let sig = signature("token", url, &params);
    assert!(verify("token", url, &params, &sig));
    let header = String::from_utf8_lossy(data);
    let _ = verify("token", url, &params, &header);
});
