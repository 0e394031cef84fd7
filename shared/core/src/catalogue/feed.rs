//! A store's own product feed, for stores without a platform Cartback reads: JSON in the shape
//! of Shopify's `products.json` (so an export works as is), or CSV with one row per variant
//! (docs/catalogue.md lists the columns).

use crate::catalogue::{CatalogueError, body_facts, csv_rows, shopify_products};
use crate::domain::catalogue::{Product, Variant};
use crate::domain::money::Currency;

pub const CSV_COLUMNS: [&str; 19] = [
    "product_id",
    "handle",
    "title",
    "product_type",
    "tags",
    "collections",
    "goes_with",
    "url",
    "description",
    "option1_name",
    "option1_value",
    "option2_name",
    "option2_value",
    "option3_name",
    "option3_value",
    "variant_id",
    "sku",
    "price",
    "available",
];
const REQUIRED: [&str; 4] = ["handle", "title", "price", "available"];

pub fn parse_json(body: &[u8], currency: Currency) -> Result<Vec<Product>, CatalogueError> {
    shopify_products::parse_page(body, currency, None)
}

/// A comma-separated list in one field (`"knitwear, winter"`), as Shopify writes tags.
fn list(field: &str) -> Vec<String> {
    field.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

pub fn parse_csv(body: &[u8], currency: Currency) -> Result<Vec<Product>, CatalogueError> {
    let text = std::str::from_utf8(body).map_err(|_| CatalogueError::Malformed("the CSV is not UTF-8".into()))?;
    let rows = csv_rows::records(text).map_err(CatalogueError::Malformed)?;
    let Some((header, rows)) = rows.split_first() else {
        return Err(CatalogueError::Malformed("the CSV is empty".into()));
    };
    let header: Vec<String> = header.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    if let Some(unknown) = header.iter().find(|h| !CSV_COLUMNS.contains(&h.as_str())) {
        return Err(CatalogueError::Malformed(format!(
            "unknown column `{}`; the columns are {}",
            unknown.escape_debug(),
            CSV_COLUMNS.join(", ")
        )));
    }
    if let Some(missing) = REQUIRED.iter().find(|r| !header.iter().any(|h| h == *r)) {
        return Err(CatalogueError::Malformed(format!("the column `{missing}` is required")));
    }
    let col = |row: &[String], name: &str| -> String {
        header.iter().position(|h| h == name).and_then(|i| row.get(i)).map(|s| s.trim().to_string()).unwrap_or_default()
    };
    let mut products: Vec<Product> = Vec::new();
    let mut descriptions: Vec<String> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let line = i + 2;
        let bad = |what: String| CatalogueError::Malformed(format!("line {line}: {what}"));
        if row.len() != header.len() {
            return Err(bad(format!("{} fields, the header has {}", row.len(), header.len())));
        }
        let handle = col(row, "handle");
        if handle.is_empty() {
            return Err(bad("`handle` is empty".into()));
        }
        let price = col(row, "price");
        let price_minor = currency.parse_amount(&price).map_err(|e| bad(format!("price: {e}")))?;
        let available = match col(row, "available").to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" | "in stock" => true,
            "false" | "no" | "0" | "out of stock" => false,
            other => return Err(bad(format!("available: `{}` is not true or false", other.escape_debug()))),
        };
        let names: Vec<String> =
            (1..=3).map(|k| col(row, &format!("option{k}_name"))).take_while(|n| !n.is_empty()).collect();
        let values: Vec<String> = (1..=names.len()).map(|k| col(row, &format!("option{k}_value"))).collect();
        if values.iter().any(String::is_empty) {
            return Err(bad("an option has a name but no value".into()));
        }
        let sku = col(row, "sku");
        let variant_id = Some(col(row, "variant_id")).filter(|v| !v.is_empty()).unwrap_or_else(|| sku.clone());
        if variant_id.is_empty() {
            return Err(bad("a variant needs a `variant_id` or a `sku`".into()));
        }
        let variant = Variant {
            id: variant_id,
            sku,
            title: if values.is_empty() { "Default".into() } else { values.join(" / ") },
            options: values,
            price_minor,
            available,
        };
        match products.iter().position(|p| p.handle == handle) {
            Some(k) => {
                if products[k].options != names {
                    return Err(bad(format!("the options differ from the first row of `{}`", handle.escape_debug())));
                }
                products[k].variants.push(variant);
            }
            None => {
                let title = col(row, "title");
                if title.is_empty() {
                    return Err(bad("`title` is empty".into()));
                }
                products.push(Product {
                    id: Some(col(row, "product_id")).filter(|s| !s.is_empty()).unwrap_or_else(|| handle.clone()),
                    handle: handle.clone(),
                    title,
                    product_type: col(row, "product_type"),
                    tags: list(&col(row, "tags")),
                    collections: list(&col(row, "collections")),
                    goes_with: list(&col(row, "goes_with")),
                    url: Some(col(row, "url")).filter(|s| !s.is_empty()),
                    options: names,
                    facts: Default::default(),
                    variants: vec![variant],
                });
                descriptions.push(col(row, "description"));
            }
        }
    }
    for (p, d) in products.iter_mut().zip(descriptions) {
        let values: Vec<String> = p.variants.iter().flat_map(|v| v.options.iter().cloned()).collect();
        p.facts = body_facts::read(&d, &values);
    }
    Ok(products)
}
