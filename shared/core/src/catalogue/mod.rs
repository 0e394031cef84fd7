//! The store's catalogue (docs/catalogue.md): read from the platform or the store's feed, kept
//! per store, and used to answer shoppers' product questions from what it says (`ground`,
//! `render`) and to build ready carts (`cart_link`).

pub mod body_facts;
pub mod cart_link;
pub mod csv_rows;
pub mod feed;
pub mod ground;
pub mod limits;
pub mod order_status;
pub mod render;
pub mod reply;
pub mod service;
pub mod shopify_products;
pub mod understand;

pub use crate::domain::catalogue::{Catalogue, Product, Variant};
pub use ground::{Fact, Grounded, Line, Policies, ground};
pub use reply::{Asked, answer as answer_reply, needs_catalogue};
pub use service::{Catalogues, FeedFormat, RefreshError, Summary};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CatalogueError {
    #[error("{0}")]
    Malformed(String),
    #[error("the catalogue is too large: {what} (at most {limit})")]
    TooLarge { what: String, limit: String },
}
