//! A shopper's text as the lexicon reads it: lower-cased, Turkish, Norwegian and Persian letters
//! folded to the forms people type without them (ş→s, ı→i, å→a, ø→o, ي→ی, Persian digits →
//! ASCII), punctuation dropped, and Persian's verb prefix می split off ("میسوزه" → "می سوزه"),
//! so one entry matches the ways a word is typed on any keyboard.

fn is_arabic_script(c: char) -> bool {
    matches!(c, '\u{0600}'..='\u{06FF}')
}

/// A text's words, folded.
#[derive(Debug, Clone)]
pub struct Words {
    pub tokens: Vec<String>,
}

fn fold(c: char, out: &mut String) {
    match c {
        'ı' | 'î' | 'ï' | 'í' => out.push('i'),
        'ş' => out.push('s'),
        'ğ' => out.push('g'),
        'ç' => out.push('c'),
        'ö' | 'ø' | 'ó' | 'ô' => out.push('o'),
        'ü' | 'û' | 'ú' => out.push('u'),
        'â' | 'å' | 'ä' | 'á' | 'à' => out.push('a'),
        'æ' => out.push_str("ae"),
        'é' | 'è' | 'ê' | 'ë' => out.push('e'),
        'ي' | 'ى' | 'ئ' => out.push('ی'),
        'ك' => out.push('ک'),
        'ة' | 'ۀ' => out.push('ه'),
        'أ' | 'إ' | 'ٱ' | 'آ' => out.push('ا'),
        'ؤ' => out.push('و'),
        '۰'..='۹' => out.push(char::from(b'0' + (c as u32 - '۰' as u32) as u8)),
        '٠'..='٩' => out.push(char::from(b'0' + (c as u32 - '٠' as u32) as u8)),
        // Harakat, the superscript alef, tatweel and the combining dot of a lower-cased İ.
        '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' | '\u{0307}' => {}
        '\'' | '’' | '‘' | '`' | '´' => {}
        c if c.is_alphanumeric() => out.push(c),
        _ => out.push(' '),
    }
}

impl Words {
    pub fn new(text: &str) -> Self {
        let mut folded = String::with_capacity(text.len());
        for c in text.chars() {
            for l in c.to_lowercase() {
                fold(l, &mut folded);
            }
        }
        let mut tokens = Vec::new();
        for t in folded.split_whitespace() {
            // Persian's continuous prefix: "میسوزه" reads as "می سوزه", "نمیشه" as "نمی شه".
            let split = ["نمی", "می"]
                .iter()
                .find_map(|p| t.strip_prefix(p).filter(|rest| rest.chars().count() >= 2).map(|rest| (*p, rest)));
            match split {
                Some((p, rest)) => {
                    tokens.push(p.to_string());
                    tokens.push(rest.to_string());
                }
                None => tokens.push(t.to_string()),
            }
        }
        Words { tokens }
    }

    /// Whether a token is a whole number (an order number, a waist size).
    pub fn number_at(&self, i: usize) -> Option<u64> {
        self.tokens.get(i).and_then(|t| t.parse().ok())
    }
}

/// One entry of the lexicon: words that must follow each other, each matched as a prefix of a
/// token (`kumas` matches `kumasi`) unless it is 3 letters or fewer or ends in `=`, which must
/// match a whole token (`var`, `lys`, `s`); a word ending in `*` is a prefix however short (`gun*`),
/// and so is a Persian one.
#[derive(Debug, Clone)]
pub struct Phrase(Vec<(String, bool)>);

impl Phrase {
    pub fn new(text: &str) -> Self {
        let exact_marked: Vec<(String, Option<bool>)> = text
            .split_whitespace()
            .map(|w| match (w.strip_suffix('='), w.strip_suffix('*')) {
                (Some(w), _) => (w.to_string(), Some(true)),
                (_, Some(w)) => (w.to_string(), Some(false)),
                _ => (w.to_string(), None),
            })
            .collect();
        let mut out = Vec::new();
        for (w, marked) in exact_marked {
            for t in Words::new(&w).tokens {
                // Short Latin words must match whole tokens ("var", "lys"); Persian words take
                // their suffixes ("جنس" in "جنسش"), so they match as prefixes.
                let exact = marked.unwrap_or(t.chars().count() <= 3 && !t.chars().any(is_arabic_script));
                out.push((t, exact));
            }
        }
        Phrase(out)
    }

    /// Where the phrase starts in `words`, and how many tokens it covers.
    pub fn find(&self, words: &Words, from: usize) -> Option<(usize, usize)> {
        let n = self.0.len();
        if n == 0 || words.tokens.len() < n {
            return None;
        }
        (from..=words.tokens.len() - n).find_map(|i| {
            self.0
                .iter()
                .zip(&words.tokens[i..i + n])
                .all(|((p, exact), t)| if *exact { t == p } else { t.starts_with(p.as_str()) })
                .then_some((i, n))
        })
    }
}

/// Alternatives, each a set of phrases that must all occur ("how many & left").
#[derive(Debug, Clone)]
pub struct Concept(Vec<Vec<Phrase>>);

impl Concept {
    pub fn new(entries: &[&str]) -> Self {
        Concept(entries.iter().map(|e| e.split('&').map(|p| Phrase::new(p.trim())).collect()).collect())
    }

    pub fn in_(&self, words: &Words) -> bool {
        self.0.iter().any(|all| all.iter().all(|p| p.find(words, 0).is_some()))
    }

    /// Every place any phrase of any alternative occurs: the words this concept accounts for.
    pub fn covered(&self, words: &Words) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for p in self.0.iter().flatten() {
            let mut from = 0;
            while let Some((i, n)) = p.find(words, from) {
                out.push((i, n));
                from = i + 1;
            }
        }
        out
    }

    /// Every place one of the single-phrase alternatives occurs.
    pub fn spans(&self, words: &Words) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for alt in self.0.iter().filter(|a| a.len() == 1) {
            let mut from = 0;
            while let Some((i, n)) = alt[0].find(words, from) {
                out.push((i, n));
                from = i + 1;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_and_matching() {
        let w = Words::new("Siparişim NEREDE? İade süreniz ۳۰ gün mü; می‌سوزه, سرمه‌ای");
        assert_eq!(w.tokens, ["siparisim", "nerede", "iade", "sureniz", "30", "gun", "mu", "می", "سوزه", "سرمه", "ای"]);
        assert!(Concept::new(&["siparis"]).in_(&w));
        assert!(Concept::new(&["iade & 30"]).in_(&w));
        assert!(!Concept::new(&["gu"]).in_(&w), "short words match whole tokens");
        assert!(Concept::new(&["سوز"]).in_(&w));
        assert_eq!(Concept::new(&["سرمه ای"]).spans(&w), vec![(9, 2)]);
    }
}
