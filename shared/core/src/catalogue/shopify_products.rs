//! Shopify's public `/products.json` (and the Admin REST products resource, the same shape):
//! products with their options, variants and `body_html`. A page at a time; `limit=250` is
//! the most Shopify gives per page.

use crate::catalogue::CatalogueError;
use crate::catalogue::body_facts;
use crate::domain::catalogue::{Product, Variant};
use crate::domain::money::Currency;
use serde::Deserialize;

#[derive(Deserialize)]
struct Page {
    products: Vec<RawProduct>,
}

#[derive(Deserialize)]
struct RawProduct {
    id: serde_json::Value,
    title: String,
    handle: String,
    #[serde(default)]
    body_html: Option<String>,
    #[serde(default)]
    product_type: Option<String>,
    #[serde(default)]
    tags: Tags,
    /// Not in Shopify's shape: a feed's own (docs/catalogue.md), collection handles or names.
    #[serde(default)]
    collections: Vec<String>,
    /// Not in Shopify's shape: a feed's own, ids of products that go with this one.
    #[serde(default)]
    goes_with: Vec<serde_json::Value>,
    #[serde(default)]
    options: Vec<RawOption>,
    variants: Vec<RawVariant>,
}

/// `tags` is a list in products.json and a comma-separated string in the Admin REST API.
#[derive(Deserialize, Default)]
#[serde(untagged)]
enum Tags {
    List(Vec<String>),
    Text(String),
    #[default]
    None,
}

#[derive(Deserialize)]
struct RawOption {
    name: String,
}

#[derive(Deserialize)]
struct RawVariant {
    id: serde_json::Value,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    option1: Option<String>,
    #[serde(default)]
    option2: Option<String>,
    #[serde(default)]
    option3: Option<String>,
    #[serde(default)]
    sku: Option<String>,
    price: serde_json::Value,
    /// products.json says `available`; the Admin API gives `inventory_quantity` with
    /// `inventory_policy` ("continue" sells past zero) and `inventory_management`.
    #[serde(default)]
    available: Option<bool>,
    #[serde(default)]
    inventory_quantity: Option<i64>,
    #[serde(default)]
    inventory_policy: Option<String>,
    #[serde(default)]
    inventory_management: Option<String>,
}

use crate::domain::json_fields::id as id_text;

/// One page of products; `shop` is the storefront's origin (`https://shop.example`) for URLs.
pub fn parse_page(body: &[u8], currency: Currency, shop: Option<&str>) -> Result<Vec<Product>, CatalogueError> {
    let page: Page =
        serde_json::from_slice(body).map_err(|e| CatalogueError::Malformed(format!("products.json: {e}")))?;
    page.products.into_iter().enumerate().map(|(i, p)| product(i, p, currency, shop)).collect()
}

/// One product as a `products/create` or `products/update` webhook sends it (the Admin REST shape).
pub fn parse_product(body: &[u8], currency: Currency, shop: Option<&str>) -> Result<Product, CatalogueError> {
    let p: RawProduct = serde_json::from_slice(body).map_err(|e| CatalogueError::Malformed(format!("product: {e}")))?;
    product(0, p, currency, shop)
}

/// The product id a `products/delete` webhook names.
pub fn deleted_id(body: &[u8]) -> Result<String, CatalogueError> {
    #[derive(Deserialize)]
    struct Deleted {
        id: serde_json::Value,
    }
    let d: Deleted = serde_json::from_slice(body).map_err(|e| CatalogueError::Malformed(format!("product: {e}")))?;
    id_text(&d.id).ok_or_else(|| CatalogueError::Malformed("product: no id".into()))
}

fn product(i: usize, p: RawProduct, currency: Currency, shop: Option<&str>) -> Result<Product, CatalogueError> {
    let at = |what: &str| CatalogueError::Malformed(format!("products[{i}].{what}"));
    let id = id_text(&p.id).ok_or_else(|| at("id: missing"))?;
    let mut options: Vec<String> = p.options.into_iter().map(|o| o.name).collect();
    // Webhook payloads may send `"options": []` with values in `option1…` (Shopify's own
    // products/create sample does): the options are named by position then.
    let most =
        p.variants.iter().map(|v| [&v.option1, &v.option2, &v.option3].iter().filter(|o| o.is_some()).count()).max();
    for k in options.len()..most.unwrap_or(0) {
        options.push(format!("Option {}", k + 1));
    }
    let mut variants = Vec::with_capacity(p.variants.len());
    for (j, v) in p.variants.into_iter().enumerate() {
        let vid = id_text(&v.id).ok_or_else(|| at(&format!("variants[{j}].id: missing")))?;
        let price = match &v.price {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => return Err(at(&format!("variants[{j}].price: missing"))),
        };
        let price_minor = currency.parse_amount(&price).map_err(|e| at(&format!("variants[{j}].price: {e}")))?;
        // Without `available`: sellable past zero, or stock left; an untracked variant (no
        // quantity, no management) sells. Webhook payloads of newer API versions leave
        // `inventory_management` out, so a quantity of 0 under "deny" is sold out.
        let available = v.available.unwrap_or_else(|| {
            v.inventory_policy.as_deref() == Some("continue")
                || v.inventory_quantity.is_some_and(|q| q > 0)
                || (v.inventory_quantity.is_none() && v.inventory_management.is_none())
        });
        let values: Vec<String> = [v.option1, v.option2, v.option3].into_iter().flatten().take(options.len()).collect();
        variants.push(Variant {
            id: vid,
            sku: v.sku.unwrap_or_default(),
            title: v.title.unwrap_or_else(|| values.join(" / ")),
            options: values,
            price_minor,
            available,
        });
    }
    let values: Vec<String> = variants.iter().flat_map(|v| v.options.iter().cloned()).collect();
    let facts = body_facts::read(p.body_html.as_deref().unwrap_or(""), &values);
    let tags = match p.tags {
        Tags::List(t) => t,
        Tags::Text(t) => t.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
        Tags::None => Vec::new(),
    };
    Ok(Product {
        url: shop.map(|s| format!("{}/products/{}", s.trim_end_matches('/'), p.handle)),
        id,
        handle: p.handle,
        title: p.title,
        product_type: p.product_type.unwrap_or_default(),
        tags,
        collections: p.collections,
        goes_with: p.goes_with.iter().filter_map(id_text).collect(),
        options,
        facts,
        variants,
    })
}
