//! Whether the reader understands every word of a question: each is a word the lexicon, a kind
//! of product, a size or colour, the store's own catalogue (titles, option names and values) or
//! the small words of the four languages (`function_words`) account for, or a number. A word
//! nothing accounts for ("processing", "crease", "cats") may change what is asked, so the
//! question goes to a person rather than being answered as if it were not there: the reader
//! answers only what it has read whole.

use crate::catalogue::understand::function_words::FUNCTION_WORDS;
use crate::catalogue::understand::lexicon::LEXICON;
use crate::catalogue::understand::words::{Concept, Words};
use crate::catalogue::understand::{option_values, product_names};
use crate::domain::catalogue::Product;

/// The words of `w` nothing accounts for, in order.
///
/// ```
/// use cartback_core::catalogue::understand::{coverage::unknown_words, words::Words};
/// assert!(unknown_words(&Words::new("is it in stock?"), &[]).is_empty());
/// assert_eq!(unknown_words(&Words::new("is it rainproof?"), &[]), ["rainproof"]);
/// ```
pub fn unknown_words(w: &Words, products: &[Product]) -> Vec<String> {
    let mut known = vec![false; w.tokens.len()];
    let mut mark = |spans: Vec<(usize, usize)>| {
        for (i, n) in spans {
            for k in known.iter_mut().skip(i).take(n) {
                *k = true;
            }
        }
    };
    let concepts: Vec<&Concept> = LEXICON
        .all()
        .into_iter()
        .chain(product_names::vocabulary())
        .chain(option_values::vocabulary())
        .chain(std::iter::once(&*FUNCTION_WORDS))
        .collect();
    for c in concepts {
        mark(c.covered(w));
    }
    // The store's own words: a token that starts with one of them ("merinoen", "sweaterı").
    let mut own: Vec<String> = Vec::new();
    for p in products {
        let texts = std::iter::once(&p.title)
            .chain(std::iter::once(&p.product_type))
            .chain(p.options.iter())
            .chain(p.variants.iter().flat_map(|v| v.options.iter()));
        for t in texts {
            own.extend(Words::new(t).tokens.into_iter().filter(|t| t.chars().count() >= 2));
        }
        own.extend(Words::new(&p.handle.replace('-', " ")).tokens);
    }
    own.sort();
    own.dedup();
    // A store word with at most a short ending ("merinoen", "sweaterin"): a longer one makes
    // another word ("rainproof" is not "rain").
    let store_word = |t: &str| {
        own.iter().any(|o| {
            if o.chars().count() <= 3 {
                t == o
            } else {
                t.strip_prefix(o.as_str()).is_some_and(|rest| rest.chars().count() <= 3)
            }
        })
    };
    let number = |t: &str| {
        t.chars().any(|c| c.is_ascii_digit()) && t.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    };
    w.tokens.iter().zip(known).filter(|(t, k)| !*k && !number(t) && !store_word(t)).map(|(t, _)| t.clone()).collect()
}
