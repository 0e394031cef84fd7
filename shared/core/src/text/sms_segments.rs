//! SMS economics: how many segments a text costs. GSM-7 (with its extension table, whose
//! characters take two septets) fits 160 septets in one message and 153 per part of a long one;
//! any character outside it switches the whole message to UCS-2: 70 UTF-16 units, 67 per part.
//! Turkish ç, ş, ğ, ı and Persian script are outside GSM-7.

use unicode_segmentation::UnicodeSegmentation;

/// The GSM 03.38 basic character set.
const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The extension table: each costs an escape and the character, two septets.
const EXTENSION: &str = "^{}\\[~]|€\u{c}";

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Encoding {
    #[serde(rename = "GSM-7")]
    Gsm7,
    #[serde(rename = "UCS-2")]
    Ucs2,
}

impl Encoding {
    pub fn as_str(&self) -> &'static str {
        match self {
            Encoding::Gsm7 => "GSM-7",
            Encoding::Ucs2 => "UCS-2",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segments {
    pub encoding: Encoding,
    /// Septets (GSM-7) or UTF-16 code units (UCS-2).
    pub units: usize,
    pub segments: usize,
}

/// The encoding and segment count of `text` as an SMS, as Twilio splits it (3GPP TS 23.040, and
/// Twilio's own calculator, held to it by `scripts/sms-reference`): a part of a long message
/// never ends inside a character, so an extension character (escape + character, two septets)
/// that would straddle two parts starts the next one; in UCS-2 a part never ends inside a
/// grapheme cluster either (a surrogate pair, an emoji with its skin tone or variation selector,
/// a flag), except that CR LF may be split. No national language shift tables are used: Turkish
/// letters outside GSM-7 make the message UCS-2, as Twilio sends it.
pub fn segments(text: &str) -> Segments {
    if text.chars().all(|c| gsm_septets(c).is_some()) {
        let (units, segments) = pack(text.chars().filter_map(gsm_septets), 160, 153);
        Segments { encoding: Encoding::Gsm7, units, segments }
    } else {
        let clusters = text.graphemes(true).flat_map(|g| {
            // CR LF is one grapheme cluster, but two characters an encoder may split.
            let (a, b) = if g == "\r\n" { (1, Some(1)) } else { (g.encode_utf16().count(), None) };
            std::iter::once(a).chain(b)
        });
        let (units, segments) = pack(clusters, 70, 67);
        Segments { encoding: Encoding::Ucs2, units, segments }
    }
}

/// Total units and parts: one part up to `single` units, else parts of at most `part` units,
/// each character whole in one part.
fn pack(sizes: impl Iterator<Item = usize> + Clone, single: usize, part: usize) -> (usize, usize) {
    let total: usize = sizes.clone().sum();
    if total == 0 {
        return (0, 0);
    }
    if total <= single {
        return (total, 1);
    }
    let (mut parts, mut used) = (1, 0);
    for s in sizes {
        if used + s > part {
            parts += 1;
            used = 0;
        }
        used += s;
    }
    (total, parts)
}

/// Septets for one character in GSM-7, or `None` outside it. Plain ASCII is answered without
/// searching the tables (every SMS is measured as it is sent).
fn gsm_septets(c: char) -> Option<usize> {
    match c {
        'A'..='Z' | 'a'..='z' | '0'..='9' | ' ' | '\n' | '\r' | '!'..='/' | ':'..='?' | '@' | '_' => Some(1),
        '^' | '{' | '}' | '\\' | '[' | '~' | ']' | '|' => Some(2),
        '`' => None,
        _ if BASIC.contains(c) => Some(1),
        _ if EXTENSION.contains(c) => Some(2),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ascii_shortcut_agrees_with_the_tables() {
        for c in (0u8..128).map(char::from) {
            let table = if BASIC.contains(c) {
                Some(1)
            } else if EXTENSION.contains(c) {
                Some(2)
            } else {
                None
            };
            assert_eq!(gsm_septets(c), table, "{c:?}");
        }
    }

    #[test]
    fn gsm7_fits_160_then_parts_of_153() {
        assert_eq!(segments(&"a".repeat(160)), Segments { encoding: Encoding::Gsm7, units: 160, segments: 1 });
        assert_eq!(segments(&"a".repeat(161)).segments, 2);
        assert_eq!(segments(&"a".repeat(306)).segments, 2);
        assert_eq!(segments(&"a".repeat(307)).segments, 3);
        assert_eq!(segments("").segments, 0);
    }

    #[test]
    fn extension_characters_cost_two_septets() {
        let s = segments(&format!("{}€", "a".repeat(158)));
        assert_eq!((s.encoding, s.units, s.segments), (Encoding::Gsm7, 160, 1));
        assert_eq!(segments(&format!("{}€", "a".repeat(159))).segments, 2);
        assert_eq!(segments("[x]").units, 5);
    }

    /// Twilio's calculator (sms-segments-calculator 1.3.0) agrees: an escape sequence or a
    /// surrogate pair is never split across parts.
    #[test]
    fn a_character_is_never_split_across_parts() {
        assert_eq!(segments(&format!("{}€", "a".repeat(305))).segments, 3);
        assert_eq!(segments(&"a".repeat(306)).segments, 2);
        assert_eq!(segments(&format!("{}🛒", "ş".repeat(133))).segments, 3);
        assert_eq!(segments(&format!("{}🛒", "ş".repeat(132))).segments, 2);
    }

    #[test]
    fn one_character_outside_gsm7_makes_it_ucs2() {
        // Turkish: Ç, ö and ü are GSM-7; ç (lower case only has Ç in the table), ş, ğ and ı are not.
        assert_eq!(segments("Çöü").encoding, Encoding::Gsm7);
        assert_eq!(segments("ç").encoding, Encoding::Ucs2);
        let s = segments("Sepetiniz sizi bekliyor, Ayşe");
        assert_eq!(s.encoding, Encoding::Ucs2);
        assert_eq!(segments(&"ş".repeat(70)).segments, 1);
        assert_eq!(segments(&"ş".repeat(71)).segments, 2);
        assert_eq!(segments(&"ş".repeat(134)).segments, 2);
        assert_eq!(segments(&"ş".repeat(135)).segments, 3);
        // Persian, and an emoji (two UTF-16 units).
        assert_eq!(segments("سبد خرید شما").encoding, Encoding::Ucs2);
        assert_eq!(segments("🛒").units, 2);
    }
}
