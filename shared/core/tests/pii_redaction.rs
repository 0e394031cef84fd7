//! Property test of the redaction every log line and console line of a shopper's own text goes
//! through (`pii::redact_free_text`, issue #28): a phone number in any digit script the four
//! languages use (ASCII, Arabic-Indic, Persian, full-width), grouped in any way people write it
//! (spaces of every width, dashes, dots, slashes, underscores, brackets), with or without a plus,
//! inside a sentence in English, Turkish, Norwegian or Persian, never survives with 7 or more of
//! its digits; an e-mail address written with `@`, `＠` or `﹫` never keeps its local part; and
//! nothing unprintable comes out.
#![allow(clippy::unwrap_used)]

use cartback_core::domain::pii::{redact_free_text, unprintable};
use proptest::prelude::*;

/// The zero of each digit script shoppers of the four languages type.
const ZEROS: [u32; 4] = [0x30, 0x660, 0x6F0, 0xFF10];
const SEPARATORS: [&str; 14] =
    [" ", "-", ".", "/", "_", "(", ")", " / ", " - ", "\u{00A0}", "\u{3000}", "\u{FF0D}", "\u{FF0F}", "\u{2013}"];
const SENTENCES: [&str; 4] =
    ["please call me at {} thanks", "numaram {} arayın", "ring meg på {} i kveld", "شماره من {} است"];

fn number() -> impl Strategy<Value = (String, usize)> {
    (
        prop::collection::vec(0u32..10, 7..=15),
        prop::sample::select(ZEROS.to_vec()),
        prop::collection::vec((prop::sample::select(SEPARATORS.to_vec()), any::<bool>()), 15),
        prop::sample::select(vec!["", "+", "\u{FF0B}", "00"]),
    )
        .prop_map(|(digits, zero, seps, plus)| {
            let mut s = plus.to_string();
            for (i, d) in digits.iter().enumerate() {
                s.push(char::from_u32(zero + d).unwrap());
                if i + 1 < digits.len() && seps[i].1 {
                    s.push_str(seps[i].0);
                }
            }
            (s, digits.len())
        })
}

fn digits_in(s: &str) -> usize {
    s.chars().filter(|c| c.is_numeric()).count()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn no_phone_number_survives_in_any_script_or_grouping(
        (n, _) in number(),
        sentence in prop::sample::select(SENTENCES.to_vec()),
    ) {
        let text = sentence.replace("{}", &n);
        let out = redact_free_text(&text);
        prop_assert!(digits_in(&out) < 7, "{text:?} → {out:?}");
        prop_assert!(out.contains("[number]"), "{text:?} → {out:?}");
        prop_assert!(!out.chars().any(unprintable), "{out:?}");
    }

    #[test]
    fn no_email_keeps_its_local_part(
        local in "[a-z]{3,8}[0-9]{2,4}",
        at in prop::sample::select(vec!["@", "\u{FF20}", "\u{FE6B}"]),
        sentence in prop::sample::select(SENTENCES.to_vec()),
    ) {
        let address = format!("{local}{at}example.com");
        let out = redact_free_text(&sentence.replace("{}", &address));
        prop_assert!(!out.contains(&local), "{address:?} → {out:?}");
    }

    #[test]
    fn control_and_direction_characters_never_come_out(
        text in "[a-z \\x00-\\x1f\\x7f\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}\\u{1b}]{0,40}",
    ) {
        let out = redact_free_text(&text);
        prop_assert!(!out.chars().any(unprintable), "{text:?} → {out:?}");
    }
}
