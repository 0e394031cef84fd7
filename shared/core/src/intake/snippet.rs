//! What the capture snippet may put into a message. Its key is public, so whatever it sends can
//! be written by anyone: a first name such as `Account locked! Verify: https://evil.example/x`
//! would otherwise reach the store's own SMS and e-mail (phishing under the merchant's name).
//! Free text from it is kept only when it is plainly a name or a product name — letters, and
//! for products digits and a little punctuation — never a link, an address or markup; anything
//! else is left out (the message greets without a name) or replaced by a neutral word.

pub use crate::domain::cart::{BROWSER_CART_PREFIX, proven};

/// A person's name: 1 to 40 characters of letters (any script), spaces, `-`, `'` and `.`, at
/// most four words.
pub fn plain_name(s: &str) -> bool {
    let s = s.trim();
    (1..=40).contains(&s.chars().count())
        && s.split_whitespace().count() <= 4
        && s.chars().all(|c| c.is_alphabetic() || is_mark(c) || matches!(c, ' ' | '-' | '\'' | '.' | '’'))
        && !looks_like_link(s)
}

/// A product name: 1 to 80 characters of letters, digits, spaces and ordinary punctuation;
/// nothing that reads as a link, an address or markup.
pub fn plain_item_name(s: &str) -> bool {
    let s = s.trim();
    (1..=80).contains(&s.chars().count())
        && s.chars().all(|c| {
            c.is_alphanumeric()
                || is_mark(c)
                || matches!(c, ' ' | '-' | '\'' | '.' | ',' | '(' | ')' | '&' | '+' | '%' | '’' | '/')
        })
        && !looks_like_link(s)
}

/// The word an unusable product name becomes.
pub const NEUTRAL_ITEM_NAME: &str = "Item";

/// Combining marks (Devanagari vowel signs, Arabic harakat): part of names in many scripts.
fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x0610..=0x061A | 0x064B..=0x065F | 0x0900..=0x097F | 0x1AB0..=0x1AFF)
}

/// `www.`, a scheme, or anything shaped like a domain (`evil.example`, `bit.ly/r3fund`,
/// `Hi evil.com'x`): a dot between letters or digits followed by at least two letters. Read in
/// runs of letters, digits and dots, so an apostrophe, a slash or a bracket glued to a domain
/// does not hide it; the dots browsers also accept (`。`, `．`, `｡`) count as dots.
fn looks_like_link(s: &str) -> bool {
    let lower: String = s
        .to_lowercase()
        .chars()
        .map(|c| if matches!(c, '\u{3002}' | '\u{FF0E}' | '\u{FF61}') { '.' } else { c })
        .collect();
    if lower.contains("www") || lower.contains("//") || lower.contains("http") {
        return true;
    }
    lower.split(|c: char| !(c.is_alphanumeric() || is_mark(c) || c == '.')).any(|run| {
        let parts: Vec<&str> = run.split('.').collect();
        parts.len() >= 2 && {
            // The last label that follows a dot with at least two letters: `evil.com`,
            // `evil.com.` (trailing dot), but not `J.R.` or `2.5`.
            let labels: Vec<&str> = parts.iter().copied().filter(|p| !p.is_empty()).collect();
            labels.len() >= 2 && {
                let tld = labels[labels.len() - 1];
                tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic) && !parts[0].is_empty()
            }
        }
    })
}

pub use crate::domain::phone::country as phone_country;

/// The country calling code of an E.164 number (`+905…` → 90).
pub fn calling_code(e164: &str) -> Option<u16> {
    phonenumber::parse(None, e164).ok().map(|n| n.code().value())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_pass_and_messages_do_not() {
        for ok in ["Ayşe", "Jean-Luc", "O'Neil", "Anne Marie", "محمد", "Nguyễn Văn An", "J. R."] {
            assert!(plain_name(ok), "{ok}");
        }
        for bad in [
            "Account locked! Verify: https://evil.example/x",
            "evil.example",
            "Visit bit.ly now",
            "<b>Ayşe</b>",
            "Call +1 555 0100",
            "a@b.co",
            "Hi evil.com'x",
            "Kari(evil.com)",
            "evil。com",
            "www",
            "",
            "one two three four five",
        ] {
            assert!(!plain_name(bad), "{bad}");
        }
    }

    #[test]
    fn product_names_pass_and_links_do_not() {
        for ok in ["Wool socks (2-pack)", "Kazak 100% yün", "T-shirt, size M", "Vol. 2", "2.5 kg coffee"] {
            assert!(plain_item_name(ok), "{ok}");
        }
        for bad in [
            "Free gift at evil.example",
            "https://x.io",
            "<img src=x>",
            "win $$$ now!!",
            "Claim refund at bit.ly/r3fund",
            "Socks/evil.co",
        ] {
            assert!(!plain_item_name(bad), "{bad}");
        }
    }

    #[test]
    fn a_phone_has_a_country_and_a_calling_code() {
        assert_eq!(phone_country("+905321234567").as_deref(), Some("TR"));
        assert_eq!(phone_country("+4791234567").as_deref(), Some("NO"));
        assert_eq!(calling_code("+14155552671"), Some(1));
    }
}
