//! A store's catalogue as Cartback keeps it: what a shopper may ask about (options, prices,
//! availability, the facts its description states), nothing else. Read from Shopify,
//! WooCommerce or the store's own feed (`catalogue::shopify_products`, `catalogue::feed`), stored per store
//! (`ports::CatalogueStore`), bounded (`catalogue::limits`).

use crate::domain::money::Currency;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalogue {
    pub store: String,
    /// Optimistic concurrency, as for carts: the stored version this was read at (0: none
    /// stored); a write of another version is a conflict.
    #[serde(default)]
    pub version: u64,
    /// Where it came from: `shopify_products_json`, `feed_json`, `feed_csv`, …
    pub source: String,
    pub fetched_at: Timestamp,
    pub currency: Currency,
    pub products: Vec<Product>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    /// The platform's id (Shopify's product id), or the feed's.
    pub id: String,
    pub handle: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub product_type: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The collections (Shopify) or categories (WooCommerce) it is in, by handle or name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collections: Vec<String>,
    /// Products the platform says go with this one (ids): Shopify Search & Discovery's
    /// complementary products, WooCommerce's cross-sells and upsells, a feed's `goes_with`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub goes_with: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Option names in order ("Size", "Color"); each variant has one value per name.
    pub options: Vec<String>,
    #[serde(default)]
    pub facts: Facts,
    pub variants: Vec<Variant>,
}

/// What the description states, word for word (`catalogue::body_facts`): a question about anything else
/// goes to a person.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub material: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub care: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<String>,
    /// "45 hours": a number and its unit as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burn_time: Option<String>,
    /// Facts stated for one option value ("Double: duvet cover 200 x 220 cm and …").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_value: Vec<ValueFacts>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ValueFacts {
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub includes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sku: String,
    pub title: String,
    pub options: Vec<String>,
    pub price_minor: i64,
    pub available: bool,
}

/// What a refresh schedule needs of the stored catalogue: a small read where the adapter can.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogueHead {
    pub version: u64,
    pub fetched_at: Timestamp,
}

impl Catalogue {
    /// A store's catalogue before anything was read into it.
    pub fn empty(store: &str, source: &str, currency: Currency, now: Timestamp) -> Catalogue {
        Catalogue {
            store: store.to_string(),
            version: 0,
            source: source.to_string(),
            fetched_at: now,
            currency,
            products: Vec::new(),
        }
    }

    /// The variant with this SKU (or variant id), and its product.
    /// The variant a cart line names: by a SKU only one variant has, else by the platform's
    /// variant id (a line without a SKU carries it). SKUs come first: a numeric WooCommerce SKU
    /// may equal another product's id. A SKU several variants share names none.
    pub fn variant(&self, sku: &str) -> Option<(&Product, &Variant)> {
        let all = || self.products.iter().flat_map(|p| p.variants.iter().map(move |v| (p, v)));
        let mut by_sku = all().filter(|(_, v)| !v.sku.is_empty() && v.sku == sku);
        match (by_sku.next(), by_sku.next()) {
            (Some(one), None) => Some(one),
            (Some(_), Some(_)) => None,
            (None, _) => all().find(|(_, v)| v.id == sku),
        }
    }

    pub fn variant_count(&self) -> usize {
        self.products.iter().map(|p| p.variants.len()).sum()
    }
}

/// Two labels (tags, collections, types) are the same without case, in any script (`Ærmer` is
/// `ÆRMER`): without an allocation when both are ASCII, as they almost always are.
pub fn same_label(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    if a.is_ascii() && b.is_ascii() { a.eq_ignore_ascii_case(b) } else { a.to_lowercase() == b.to_lowercase() }
}

impl Product {
    /// The variant whose options are exactly these values.
    pub fn variant_with(&self, values: &[String]) -> Option<&Variant> {
        self.variants.iter().find(|v| v.options == values)
    }

    /// One price for every variant, if they share it.
    pub fn single_price(&self) -> Option<i64> {
        let first = self.variants.first()?.price_minor;
        self.variants.iter().all(|v| v.price_minor == first).then_some(first)
    }

    /// The index of the option whose name says what `kind` says ("size", "color").
    pub fn option_of_kind(&self, kind: OptionKind) -> Option<usize> {
        self.options.iter().position(|n| kind.names(&n.to_lowercase()))
    }

    pub fn value_facts(&self, value: &str) -> Option<&ValueFacts> {
        self.facts.by_value.iter().find(|f| f.value.eq_ignore_ascii_case(value))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    Size,
    Colour,
}

impl OptionKind {
    fn names(self, name: &str) -> bool {
        match self {
            OptionKind::Size => ["size", "waist", "størrelse", "beden", "سایز"].iter().any(|n| name.contains(n)),
            OptionKind::Colour => ["color", "colour", "farge", "renk", "رنگ"].iter().any(|n| name.contains(n)),
        }
    }
}
