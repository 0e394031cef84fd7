//! The SMS segment counter: any text gets a count, and the count agrees with the encoding's
//! per-segment capacity (GSM-7: 160 septets, or 153 per part of a long message; UCS-2: 70
//! UTF-16 units, or 67).
#![no_main]

use cartback_core::text::sms_segments::{Encoding, segments};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let s = segments(text);
    let (single, part) = match s.encoding {
        Encoding::Gsm7 => (160, 153),
        Encoding::Ucs2 => (70, 67),
    };
    if s.encoding == Encoding::Ucs2 {
        assert_eq!(s.units, text.encode_utf16().count());
    }
    match s.units {
        0 => assert_eq!(s.segments, 0),
        u if u <= single => assert_eq!(s.segments, 1),
        u => assert!(s.segments >= u.div_ceil(part), "{s:?}"),
    }
});
