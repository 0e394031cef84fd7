//! The words shoppers use for a kind of product, by the English word a catalogue's titles and
//! types use for it: "genseren", "kazak" and "پلیور" name a sweater. A product is named when a
//! question uses a word of a kind its title or type belongs to, or a word of its own title.

use crate::catalogue::understand::words::{Concept, Words};
use crate::domain::catalogue::Product;
use std::sync::LazyLock;

struct Kind {
    /// How a question says it.
    said: Concept,
    /// How a catalogue's title or type says it (folded English).
    titled: Concept,
    /// A kind whose title words contain another's ("t shirt" holds "shirt"): matched first, its
    /// words then taken out of the question.
    first: bool,
}

fn kind(said: &[&str], titled: &[&str], first: bool) -> Kind {
    Kind { said: Concept::new(said), titled: Concept::new(titled), first }
}

static KINDS: LazyLock<Vec<Kind>> = LazyLock::new(|| {
    vec![
        kind(
            &["t shirt", "tshirt", "tee=", "tees=", "t skjort", "tskjort", "tisort", "تیشرت", "تی شرت", "tishert"],
            &["t shirt", "tee="],
            true,
        ),
        kind(
            &[
                "sweater",
                "jumper",
                "pullover",
                "genser",
                "kazak",
                "kazag",
                "suveter",
                "triko",
                "پلیور",
                "بافت",
                "poliver",
            ],
            &["sweater", "jumper", "pullover", "knit"],
            false,
        ),
        kind(&["shirt", "skjorte", "skjorta", "linskjort", "gomlek", "gomleg", "پیراهن", "pirahan"], &["shirt"], false),
        kind(
            &["trouser", "pants", "chino", "jeans", "bukse", "buksa", "pantolon", "شلوار", "shalvar"],
            &["trouser", "chino", "pants"],
            false,
        ),
        kind(&["scarf", "scarves", "skjerf", "atki", "sal=", "شال", "shal=", "shalo"], &["scarf", "scarves"], false),
        kind(
            &["beanie", "hat=", "hats=", "lue=", "lua=", "bere=", "berey", "beren", "sapka", "کلاه", "kolah"],
            &["beanie", "hat="],
            false,
        ),
        kind(
            &[
                "jacket",
                "coat",
                "raincoat",
                "jakke",
                "jakka",
                "ceket",
                "mont=",
                "montu",
                "yagmurluk",
                "yagmurlug",
                "کاپشن",
                "بارونی",
                "کت=",
                "kapshen",
                "kapshan",
                "regnjakk",
            ],
            &["jacket", "coat"],
            false,
        ),
        kind(
            &[
                "duvet",
                "bedding",
                "cover set",
                "dynetrekk",
                "sengetoy",
                "sengesett",
                "nevresim",
                "روتختی",
                "ملحفه",
                "rootakhti",
            ],
            &["duvet", "bedding"],
            false,
        ),
        kind(&["towel", "handkle", "havlu", "حوله"], &["towel"], false),
        kind(&["blanket", "throw", "pledd", "teppe", "battaniye", "پتو", "patoo"], &["blanket", "throw"], false),
        kind(&["candle", "lys=", "lyset", "duftlys", "mum=", "mumu", "شمع", "sham="], &["candle"], false),
        kind(&["bag=", "bags=", "tote", "veske", "veska", "canta", "کیف", "ساک", "kif="], &["bag=", "tote"], false),
    ]
});

/// How questions name kinds of product (`coverage`).
pub fn vocabulary() -> impl Iterator<Item = &'static Concept> {
    KINDS.iter().map(|k| &k.said)
}

/// The products a question names, in catalogue order.
pub fn named<'a>(words: &Words, products: &'a [Product]) -> Vec<&'a Product> {
    let mut words = words.clone();
    let mut kinds = Vec::new();
    for k in KINDS.iter().filter(|k| k.first).chain(KINDS.iter().filter(|k| !k.first)) {
        let spans = k.said.spans(&words);
        if spans.is_empty() {
            continue;
        }
        kinds.push(k);
        if k.first {
            for (i, n) in spans {
                for t in &mut words.tokens[i..i + n] {
                    t.clear();
                }
            }
        }
    }
    products
        .iter()
        .filter(|p| {
            let title = Words::new(&format!("{} {}", p.title, p.product_type));
            let by_kind = kinds.iter().any(|k| k.titled.in_(&title) && (k.first || !first_kind_titled(&title)));
            by_kind || own_title(&words, p)
        })
        .collect()
}

/// A title of a kind matched first ("T-Shirt"): the later kinds ("shirt") do not name it.
fn first_kind_titled(title: &Words) -> bool {
    KINDS.iter().filter(|k| k.first).any(|k| k.titled.in_(title))
}

/// Two consecutive words of the product's title in the question ("linen shirt").
fn own_title(words: &Words, p: &Product) -> bool {
    let title = Words::new(&p.title);
    title.tokens.windows(2).any(|w| {
        crate::catalogue::understand::words::Phrase::new(&format!("{}= {}", w[0], w[1])).find(words, 0).is_some()
    })
}
