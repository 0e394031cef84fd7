//! Carrier keywords for inbound SMS/WhatsApp (CTIA and Twilio's defaults).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    Stop,
    Start,
    Help,
}

const STOP: &[&str] = &["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"];
const START: &[&str] = &["START", "UNSTOP", "YES"];
const HELP: &[&str] = &["HELP", "INFO"];

/// The keyword a whole message is, if any: case-, space- and punctuation-insensitive, so
/// " stop! ", "Opt out" and "OPT-OUT" all count.
pub fn keyword(body: &str) -> Option<Keyword> {
    let norm: String = body.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_uppercase).collect();
    if norm.is_empty() || norm.len() > 16 {
        return None;
    }
    if STOP.contains(&norm.as_str()) {
        Some(Keyword::Stop)
    } else if START.contains(&norm.as_str()) {
        Some(Keyword::Start)
    } else if HELP.contains(&norm.as_str()) {
        Some(Keyword::Help)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_variants() {
        for s in [
            "STOP",
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
        for s in ["please stop sending", "stopp", "", "shipping is too expensive"] {
            assert_eq!(keyword(s), None, "{s}");
        }
    }
}
