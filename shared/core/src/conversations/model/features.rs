//! What the reply model sees of a text: hashed word, word-pair and character n-gram features of
//! its normalised form. Training and answering share this one function, so the model checked in
//! is always read the way it was written.

use std::sync::OnceLock;

use crate::conversations::opt_out::fold;

/// The number of feature buckets (a power of two): large enough that the corpus's n-grams
/// rarely collide, small enough for the model to stay well under a megabyte (`weights`).
pub const BUCKETS: usize = 1 << 16;

/// A concept (`concepts.tsv`) counts as much as this many n-grams: it is what carries across
/// languages and phrasings.
pub const CONCEPT_WEIGHT: f32 = 8.0;

/// The text as the model reads it: Persian letters in one form (Arabic yeh and kaf as Persian,
/// the zero-width non-joiner, tatweel and short-vowel marks dropped so "نمی‌خوام" and "نمیخوام"
/// are one word), then `fold` — lower case, full-width as ASCII, Latin diacritics dropped
/// (Turkish and Norwegian as people type without them), digits of any script as ASCII,
/// punctuation and emoji as spaces. Repeated letters are cut to two ("pleeease" → "pleease").
pub fn normalize(text: &str) -> String {
    let persian: String = text
        .chars()
        .filter(|c| !matches!(*c, '\u{200c}' | '\u{200d}' | '\u{0640}' | '\u{064b}'..='\u{0652}'))
        .map(|c| match c {
            'ي' | 'ى' => 'ی',
            'ك' => 'ک',
            'ة' => 'ه',
            'أ' | 'إ' | 'آ' => 'ا',
            _ => c,
        })
        .collect();
    let folded = fold(&persian);
    // A word of letters and digits together is a code ("STOP20", "yaz25"): read as the word
    // "code", not for the letters in it (a discount code named STOP is no opt-out).
    let folded: String = if folded.split(' ').any(is_code) {
        folded.split(' ').map(|w| if is_code(w) { "code" } else { w }).collect::<Vec<_>>().join(" ")
    } else {
        folded
    };
    let mut out = String::with_capacity(folded.len());
    let (mut last, mut run) = ('\0', 0);
    for c in folded.chars() {
        run = if c == last { run + 1 } else { 1 };
        last = c;
        if run <= 2 {
            out.push(c);
        }
    }
    out
}

/// Letters and digits in one word, at least two of each: a code, not a word.
fn is_code(w: &str) -> bool {
    w.chars().filter(char::is_ascii_digit).count() >= 2 && w.chars().filter(|c| c.is_alphabetic()).count() >= 2
}

/// The features of a text: sorted, distinct bucket indices. Each word (`w`), each pair of
/// neighbouring words (`b`), the character 2- to 5-grams of each word padded with spaces (`c`,
/// which carry meaning across Turkish and Persian suffixes and typos), and two signs the words
/// lose: a question mark (`?`) and a symbol or emoji with no letter in it (`s`).
pub fn features(text: &str) -> Vec<(u32, f32)> {
    let norm = normalize(text);
    let words: Vec<&str> = norm.split(' ').filter(|w| !w.is_empty()).collect();
    let mut out = Vec::with_capacity(words.len() * 16);
    let mut push = |kind: u8, parts: &[&[u8]]| out.push((bucket(kind, parts), 1.0));
    let mut weighty = Vec::new();
    let mut padded = Vec::new();
    let mut bounds = Vec::new();
    for w in &words {
        push(b'w', &[w.as_bytes()]);
        // Character n-grams as byte slices between char boundaries: no allocation per gram.
        padded.clear();
        bounds.clear();
        padded.push(b' ');
        for (i, _) in w.char_indices() {
            bounds.push(i + 1);
        }
        padded.extend_from_slice(w.as_bytes());
        padded.push(b' ');
        bounds.insert(0, 0);
        bounds.push(padded.len() - 1);
        bounds.push(padded.len());
        for n in 2..=5 {
            for win in bounds.windows(n + 1) {
                push(b'c', &[&padded[win[0]..win[n]]]);
            }
        }
    }
    for pair in words.windows(2) {
        push(b'b', &[pair[0].as_bytes(), pair[1].as_bytes()]);
    }
    // Concepts shared across the four languages, alone and in pairs: "shipping" with
    // "expensive" is a fee, with "when" a delivery time, in any of the languages.
    let mut found = concepts_in(&norm);
    // A price written with a currency sign is an amount, as "99 kr" is ("amount" in the lexicon).
    if text.contains(['$', '€', '£', '₺']) && !found.contains(&"amount") {
        found.push("amount");
    }
    for (i, a) in found.iter().enumerate() {
        weighty.push((bucket(b'k', &[a.as_bytes()]), CONCEPT_WEIGHT));
        for b in &found[i + 1..] {
            weighty.push((bucket(b'p', &[a.as_bytes(), b.as_bytes()]), CONCEPT_WEIGHT));
        }
    }
    if text.contains('?') || text.contains('؟') {
        push(b'?', &[]);
    }
    if text.chars().any(|c| !c.is_alphanumeric() && !c.is_whitespace() && !c.is_ascii_punctuation() && c > '\u{2000}') {
        push(b's', &[]);
    }
    if words.is_empty() {
        push(b'e', &[]);
    }
    out.extend(weighty);
    // One value per bucket (the largest), in bucket order; scaled to unit length so a long
    // reply weighs no more than a short one.
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
    out.dedup_by_key(|f| f.0);
    let norm = out.iter().map(|f| f.1 * f.1).sum::<f32>().sqrt().max(1.0);
    out.iter_mut().for_each(|f| f.1 /= norm);
    out
}

/// The concept lexicon (`shared/core/data/replies/concepts.tsv`), in normal form, indexed for
/// the hot path: one-word terms sorted by their first byte, so a word is compared only with the
/// terms that start like it.
struct Lexicon {
    names: Vec<&'static str>,
    /// (term, whether a word starting with it matches, concept index), sorted by term.
    words: Vec<(String, bool, usize)>,
    /// (" term of several words", concept index): matched at a word's start.
    phrases: Vec<(String, usize)>,
}

fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| {
        let mut lex = Lexicon { names: Vec::new(), words: Vec::new(), phrases: Vec::new() };
        let rows = include_str!("../../../data/replies/concepts.tsv")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| l.split_once('\t'));
        for (i, (name, terms)) in rows.enumerate() {
            lex.names.push(name);
            for t in terms.split(',').map(normalize).filter(|t| !t.is_empty()) {
                if t.contains(' ') {
                    lex.phrases.push((format!(" {t}"), i));
                } else {
                    let prefix = t.chars().count() >= 4;
                    lex.words.push((t, prefix, i));
                }
            }
        }
        lex.words.sort();
        lex
    })
}

/// The names of the concepts a normalised text mentions, in lexicon order.
fn concepts_in(norm: &str) -> Vec<&'static str> {
    let lex = lexicon();
    let mut hit = vec![false; lex.names.len()];
    for w in norm.split(' ').filter(|w| !w.is_empty()) {
        let first = w.as_bytes()[0];
        let start = lex.words.partition_point(|(t, _, _)| t.as_bytes()[0] < first);
        for (t, prefix, i) in lex.words[start..].iter().take_while(|(t, _, _)| t.as_bytes()[0] == first) {
            if !hit[*i] && (w == t || *prefix && w.starts_with(t.as_str())) {
                hit[*i] = true;
            }
        }
    }
    let padded = format!(" {norm} ");
    for (p, i) in &lex.phrases {
        if !hit[*i] && padded.contains(p.as_str()) {
            hit[*i] = true;
        }
    }
    lex.names.iter().zip(hit).filter(|(_, h)| *h).map(|(n, _)| *n).collect()
}

/// FNV-1a (32 bit) of the kind and the parts, separated: fixed across platforms and releases,
/// unlike the standard library's hasher.
fn bucket(kind: u8, parts: &[&[u8]]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    let mut eat = |b: u8| {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    };
    eat(kind);
    for p in parts {
        eat(0x1f);
        p.iter().copied().for_each(&mut eat);
    }
    h % BUCKETS as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_form_for_the_ways_people_type() {
        assert_eq!(normalize("Kargo ÇOK pahalı!!!"), normalize("kargo cok pahali"));
        assert_eq!(normalize("نمی\u{200c}خوام"), normalize("نمیخوام"));
        assert_eq!(normalize("سايز"), normalize("سایز"));
        assert_eq!(normalize("pleeeeease"), "pleease");
        assert_eq!(normalize("ＳＴＯＰ ۱۲"), "stop 12");
    }

    #[test]
    fn features_are_stable_and_sorted() {
        let f = features("Is the jacket waterproof?");
        assert!(f.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(f, features("is the  JACKET waterproof ?"));
        assert_ne!(features("👍"), features(""));
        assert_eq!(concepts_in(&normalize("Kargo ücreti çok pahalı")), ["ship", "fee", "expensive"]);
        assert_eq!(concepts_in(&normalize("هزینه ارسال خیلی زیاده")), ["ship", "fee", "expensive"]);
        assert!(lexicon().names.len() >= 20);
        // The hash is part of the checked-in model's format: a change must retrain it.
        assert_eq!(bucket(b'w', &[b"stop"]), 0xa703);
    }
}
