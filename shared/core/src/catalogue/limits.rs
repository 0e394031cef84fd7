//! How large a catalogue Cartback keeps: enough for the stores it is for (a few thousand
//! products), small enough to read whole for a reply and to store on every adapter (DynamoDB
//! splits it into parts under its 400 KB item limit, each its own write, then switches a head
//! item to them).

use crate::catalogue::{Catalogue, CatalogueError};

pub const MAX_PRODUCTS: usize = 5_000;
pub const MAX_VARIANTS: usize = 25_000;
/// The stored form (compact JSON), all products together.
pub const MAX_STORED_BYTES: usize = 3_500_000;

pub fn check(c: &Catalogue) -> Result<Vec<u8>, CatalogueError> {
    if c.products.len() > MAX_PRODUCTS {
        return Err(CatalogueError::TooLarge {
            what: format!("{} products", c.products.len()),
            limit: MAX_PRODUCTS.to_string(),
        });
    }
    if c.variant_count() > MAX_VARIANTS {
        return Err(CatalogueError::TooLarge {
            what: format!("{} variants", c.variant_count()),
            limit: MAX_VARIANTS.to_string(),
        });
    }
    let bytes = serde_json::to_vec(c).map_err(|e| CatalogueError::Malformed(e.to_string()))?;
    if bytes.len() > MAX_STORED_BYTES {
        return Err(CatalogueError::TooLarge {
            what: format!("{} bytes stored", bytes.len()),
            limit: format!("{MAX_STORED_BYTES} bytes"),
        });
    }
    Ok(bytes)
}
