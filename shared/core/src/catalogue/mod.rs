//! The store's catalogue (docs/catalogue.md): read from the platform or the store's feed, kept
//! per store, and used to answer shoppers' product questions from what it says (`ground`,
//! `render`) and to build ready carts (`cart_link`).

pub mod body_facts;
pub mod cache;
pub mod cart_link;
pub mod csv_rows;
pub mod feed;
pub mod ground;
pub mod limits;
pub mod order_status;
pub mod read;
pub mod recommend;
pub mod render;
pub mod reply;
pub mod service;
pub mod shopify_graphql;
pub mod shopify_products;
pub mod understand;
pub mod woocommerce_products;

pub use crate::domain::catalogue::{Catalogue, Product, Variant};
pub use cache::CachedCatalogues;
pub use cart_link::{Shop, catalogue_lines, free_shipping_item};
pub use ground::{Fact, Grounded, Line, Policies, ground};
pub use read::RefreshError;
pub use recommend::{Pick, Why, recommend as recommend_products};
pub use reply::{Answered, Asked, answer as answer_reply, needs_catalogue};
pub use service::{Catalogues, FeedFormat, Summary};

/// The catalogue's products a shopper's text names ("the beanie", "the merino one").
pub fn named_products<'a>(text: &str, products: &'a [Product]) -> Vec<&'a Product> {
    understand::product_names::named(&understand::words::Words::new(text), products)
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CatalogueError {
    #[error("{0}")]
    Malformed(String),
    #[error("the catalogue is too large: {what} (at most {limit})")]
    TooLarge { what: String, limit: String },
}
