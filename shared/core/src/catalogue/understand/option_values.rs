//! Which option values a question names: a value's own words ("sea salt", "36"), or a word of
//! its family in any of the four languages ("lacivert", "مدیوم", "dobbel"). A family word that
//! names two values of one option ("red" for Burgundy and Rust) names neither: the question is
//! not clear, and a person answers it.

use crate::catalogue::understand::words::{Concept, Phrase, Words};
use crate::domain::catalogue::Product;
use std::sync::LazyLock;

struct Family {
    /// How a question says it.
    said: Concept,
    /// Folded English words a value of the family contains ("navy" in "Navy Blue").
    values: Concept,
}

fn f(said: &[&str], values: &[&str]) -> Family {
    Family { said: Concept::new(said), values: Concept::new(values) }
}

static FAMILIES: LazyLock<Vec<Family>> = LazyLock::new(|| {
    vec![
        // Sizes, longest first: "extra large" before "large".
        f(&["xxl=", "2xl=", "xx large"], &["xxl=", "2xl="]),
        f(&["xl=", "x large", "extra large", "xlarge", "ایکس لارج", "ekstra stor"], &["xl=", "x large", "extra large"]),
        f(&["xs=", "x small", "extra small"], &["xs=", "x small", "extra small"]),
        f(&["s=", "small", "اسمال"], &["s=", "small"]),
        f(&["m=", "medium", "medyum", "مدیوم", "medioom"], &["m=", "medium"]),
        f(&["l=", "large", "لارج", "larj="], &["l=", "large"]),
        f(
            &["single", "tek kisilik", "enkel=", "enkeltseng", "یک نفره", "یکنفره", "یه نفره", "yek nafare"],
            &["single", "twin="],
        ),
        f(&["double", "cift kisilik", "dobbel", "dobbeltseng", "دو نفره", "دونفره", "do nafare"], &["double"]),
        f(&["hand towel", "el havlu", "حوله دستی", "دستی"], &["hand="]),
        f(&["bath towel", "bath=", "banyo havlu", "badehandkle", "حوله حمام", "حمام", "حموم"], &["bath="]),
        // Colours.
        f(&["black", "svart", "sort=", "siyah", "مشکی", "سیاه", "meshki"], &["black", "jet=", "onyx"]),
        f(&["white", "hvit", "kvit", "beyaz", "سفید", "sefid"], &["white"]),
        f(&["grey", "gray", "gra=", "graa", "gratt", "gri=", "grisi", "طوسی", "خاکستری", "toosi"], &["grey", "gray"]),
        f(&["charcoal", "antrasit", "koksgra", "dark grey", "koyu gri", "ذغالی", "زغالی"], &["charcoal", "anthracite"]),
        f(&["navy", "lacivert", "marine", "dark blue", "morkebla", "سرمه", "sorme"], &["navy"]),
        f(&["blue", "bla=", "blatt", "blaa", "mavi", "ابی", "abi="], &["blue", "navy", "denim", "sky="]),
        f(&["beige", "bej", "بژ", "bezh"], &["beige", "sand=", "stone"]),
        f(&["camel", "kamel", "deve tuyu", "شتری"], &["camel", "tan="]),
        f(&["brown", "brun", "kahverengi", "قهوه ای", "ghahvei"], &["brown", "camel", "chocolate", "tan="]),
        f(&["olive", "oliven", "zeytin", "haki=", "khaki", "زیتونی", "خاکی"], &["olive", "khaki"]),
        f(&["green", "gronn", "gront", "yesil", "سبز", "sabz"], &["green", "sage", "olive", "mint", "forest"]),
        f(&["sage", "adacayi", "salvie"], &["sage"]),
        f(&["red", "rod=", "rodt", "kirmizi", "قرمز", "ghermez"], &["red=", "burgundy", "wine", "rust", "brick"]),
        f(
            &["burgundy", "bordo", "bordeaux", "vinrod", "burgunder", "زرشکی", "بورگاندی", "zereshki", "maroon"],
            &["burgundy", "wine", "bordeaux", "maroon"],
        ),
        f(&["rust", "rustrod", "kiremit", "اجری", "ajori", "terracotta"], &["rust", "terracotta", "brick"]),
        f(&["yellow", "gul=", "sari=", "زرد", "zard"], &["yellow", "mustard"]),
        f(&["mustard", "sennep", "hardal", "خردلی"], &["mustard"]),
        f(&["cream", "krem", "ekru", "کرم", "ivory"], &["cream", "ecru", "ivory", "off white"]),
        f(&["natural", "natur", "dogal", "naturel", "طبیعی"], &["natural", "undyed"]),
        f(&["pink", "rosa", "pembe", "صورتی"], &["pink", "rose", "blush"]),
        f(&["orange", "oransje", "turuncu", "نارنجی"], &["orange"]),
    ]
});

/// How questions name sizes and colours (`coverage`).
pub fn vocabulary() -> impl Iterator<Item = &'static Concept> {
    FAMILIES.iter().map(|f| &f.said)
}

/// What a question names of a product's options: per option, the values named.
#[derive(Debug, Default)]
pub struct Named {
    pub values: Vec<Vec<String>>,
    /// A size or colour word that names none of this product's values ("XL" for a beanie).
    pub unmatched: bool,
}

pub fn named(words: &Words, p: &Product) -> Named {
    let mut words = words.clone();
    let mut out = Named { values: vec![Vec::new(); p.options.len()], unmatched: false };
    let distinct = |i: usize| -> Vec<String> {
        let mut vs: Vec<String> = Vec::new();
        for v in p.variants.iter().filter_map(|v| v.options.get(i)) {
            if !vs.contains(v) {
                vs.push(v.clone());
            }
        }
        vs
    };
    // A value's own words first ("Sea Salt", "36", "Hand towel"), taken out of the question.
    for i in 0..p.options.len() {
        for v in distinct(i) {
            let own = Phrase::new(&Words::new(&v).tokens.iter().map(|t| format!("{t}=")).collect::<Vec<_>>().join(" "));
            while let Some((at, n)) = own.find(&words, 0) {
                if !out.values[i].contains(&v) {
                    out.values[i].push(v.clone());
                }
                for t in &mut words.tokens[at..at + n] {
                    t.clear();
                }
            }
        }
    }
    for fam in FAMILIES.iter() {
        let spans = fam.said.spans(&words);
        if spans.is_empty() {
            continue;
        }
        let mut hits = Vec::new();
        for i in 0..p.options.len() {
            for v in distinct(i) {
                if fam.values.in_(&Words::new(&v)) {
                    hits.push((i, v));
                }
            }
        }
        match hits.as_slice() {
            [(i, v)] => {
                if !out.values[*i].contains(v) {
                    out.values[*i].push(v.clone());
                }
            }
            _ => out.unmatched = true,
        }
        for (at, n) in spans {
            for t in &mut words.tokens[at..at + n] {
                t.clear();
            }
        }
    }
    out
}
