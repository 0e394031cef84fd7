//! Reading a shopper's question: its words (`words`), what it asks (`lexicon`), which product
//! (`product_names`) and which of its options (`option_values`).

pub mod coverage;
pub mod function_words;
pub mod lexicon;
pub mod option_values;
pub mod product_names;
pub mod words;
