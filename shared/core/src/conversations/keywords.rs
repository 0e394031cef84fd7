//! Carrier keywords for inbound SMS/WhatsApp (CTIA and Twilio's defaults).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    Stop,
    Start,
    Help,
}

// Then the built-in languages' own words (Norwegian, Turkish, Persian). Widening STOP is the safe
// direction: a shopper who meant it in their language is never messaged again.
const STOP: &[&str] = &[
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "REVOKE",
    "OPTOUT", // carriers
    "STOPP",
    "AVSLUTT",
    "AVMELD", // nb
    "IPTAL",
    "İPTAL",
    "DUR",
    "RET", // tr (RET: the opt-out word of Turkey's İYS)
    "لغو",
    "توقف", // fa
];
const START: &[&str] = &["START", "UNSTOP", "YES", "BASLA", "BAŞLA", "شروع"];
const HELP: &[&str] = &["HELP", "INFO", "HJELP", "YARDIM", "راهنما", "کمک"];

/// The keyword a whole message is, if any: case-, space- and punctuation-insensitive, so
/// " stop! ", "Opt out" and "OPT-OUT" all count.
pub fn keyword(body: &str) -> Option<Keyword> {
    let norm: String = body
        .chars()
        .map(|c| super::confusables::to_latin(halfwidth(c)))
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect();
    if norm.is_empty() || norm.len() > 16 {
        return None;
    }
    // A STOP word and a number ("STOP 11", "لغو۱۱"): how some carriers and short codes ask it
    // to be written. The safe direction again: only STOP is read through a number.
    let without_number = norm.trim_end_matches(|c: char| c.is_numeric());
    if STOP.contains(&norm.as_str()) || (without_number.len() < norm.len() && STOP.contains(&without_number)) {
        Some(Keyword::Stop)
    } else if START.contains(&norm.as_str()) {
        Some(Keyword::Start)
    } else if HELP.contains(&norm.as_str()) {
        Some(Keyword::Help)
    } else {
        None
    }
}

/// Full-width Latin letters and digits (`ＳＴＯＰ`, typed on Japanese, Chinese and Korean
/// keyboards) as their ASCII forms (Unicode's compatibility mapping for U+FF01..U+FF5E).
fn halfwidth(c: char) -> char {
    match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_variants() {
        for s in [
            "STOP",
            "ＳＴＯＰ",
            "ｓｔｏｐ！",
            " stop ",
            "Stop!",
            "stopall",
            "unsubscribe",
            "cancel",
            "END",
            "quit",
            "revoke",
            "opt out",
            "OPT-OUT",
        ] {
            assert_eq!(keyword(s), Some(Keyword::Stop), "{s}");
        }
        for s in ["start", "UNSTOP"] {
            assert_eq!(keyword(s), Some(Keyword::Start), "{s}");
        }
        for s in ["help", "Info"] {
            assert_eq!(keyword(s), Some(Keyword::Help), "{s}");
        }
        for s in [
            "please stop sending",
            "stoppp",
            "",
            "shipping is too expensive",
            "durum",
            "retur",
            "لغو کنید لطفا",
            "START 1",
            "11",
        ] {
            assert_eq!(keyword(s), None, "{s}");
        }
    }

    #[test]
    fn recognises_the_built_in_languages_words() {
        for s in ["Stopp", "avslutt", "iptal", "İptal", "Dur.", "RET", "لغو", " توقف ", "لغو۱۱", "لغو 11", "STOP 123"]
        {
            assert_eq!(keyword(s), Some(Keyword::Stop), "{s}");
        }
        for s in ["başla", "Basla", "شروع"] {
            assert_eq!(keyword(s), Some(Keyword::Start), "{s}");
        }
        for s in ["hjelp", "Yardım", "راهنما", "کمک"] {
            assert_eq!(keyword(s), Some(Keyword::Help), "{s}");
        }
    }
}
