//! WooCommerce's REST API (`/wp-json/wc/v3/products` and `…/products/{id}/variations`): a page
//! of products, and a variable product's variations, read into products. Prices are decimal
//! strings in the shop's currency (`""` when a product has none: it cannot be bought, and is
//! left out); stock is `stock_status` (`instock`, `outofstock`, `onbackorder`, which sells).

use crate::catalogue::CatalogueError;
use crate::catalogue::body_facts;
use crate::domain::catalogue::{Product, Variant};
use crate::domain::money::Currency;
use serde::Deserialize;

/// The most WooCommerce gives a page (`per_page`).
pub const PAGE_SIZE: usize = 100;

#[derive(Deserialize)]
pub struct RawProduct {
    pub id: u64,
    /// A variation's product (0 for a product).
    #[serde(default)]
    pub parent_id: u64,
    name: String,
    slug: String,
    #[serde(default)]
    permalink: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    short_description: String,
    #[serde(default)]
    sku: String,
    #[serde(default)]
    price: String,
    #[serde(default)]
    stock_status: String,
    #[serde(default)]
    purchasable: Option<bool>,
    #[serde(default)]
    attributes: Vec<RawAttribute>,
    #[serde(default)]
    categories: Vec<Named>,
    #[serde(default)]
    tags: Vec<Named>,
    /// What the shop shows beside this product: its cross-sells (in the cart) and upsells.
    #[serde(default)]
    cross_sell_ids: Vec<u64>,
    #[serde(default)]
    upsell_ids: Vec<u64>,
}

#[derive(Deserialize)]
struct RawAttribute {
    name: String,
    #[serde(default)]
    variation: bool,
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

#[derive(Deserialize)]
pub struct RawVariation {
    id: u64,
    #[serde(default)]
    sku: String,
    #[serde(default)]
    price: String,
    #[serde(default)]
    stock_status: String,
    #[serde(default)]
    purchasable: Option<bool>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    attributes: Vec<VariationAttribute>,
}

#[derive(Deserialize)]
struct VariationAttribute {
    name: String,
    option: String,
}

pub fn parse_products(body: &[u8]) -> Result<Vec<RawProduct>, CatalogueError> {
    serde_json::from_slice(body).map_err(|e| CatalogueError::Malformed(format!("WooCommerce products: {e}")))
}

pub fn parse_variations(body: &[u8]) -> Result<Vec<RawVariation>, CatalogueError> {
    serde_json::from_slice(body).map_err(|e| CatalogueError::Malformed(format!("WooCommerce variations: {e}")))
}

/// One product as a product webhook sends it (`product.created|updated|restored`: the REST
/// API's product, or a variation's with its `parent_id`).
pub fn parse_one(body: &[u8]) -> Result<RawProduct, CatalogueError> {
    serde_json::from_slice(body).map_err(|e| CatalogueError::Malformed(format!("WooCommerce product: {e}")))
}

/// The id a `product.deleted` webhook names (its whole body is `{"id": N}`).
pub fn deleted_id(body: &[u8]) -> Result<String, CatalogueError> {
    #[derive(Deserialize)]
    struct Deleted {
        id: u64,
    }
    serde_json::from_slice::<Deleted>(body)
        .map(|d| d.id.to_string())
        .map_err(|e| CatalogueError::Malformed(format!("WooCommerce deleted product: {e}")))
}

/// What a product webhook's body lets Cartback do.
#[derive(Debug)]
pub enum WebhookProduct {
    /// The whole product is in the body (a simple product, or one no longer sold).
    Whole(Box<RawProduct>),
    /// A variable product or one of its variations: the body does not carry the variations,
    /// so this product is read again from the REST API.
    ReadAgain(u64),
}

impl std::fmt::Debug for RawProduct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawProduct").field("id", &self.id).field("type", &self.kind).finish_non_exhaustive()
    }
}

/// Sorts a webhook's product: a variation names its parent; a variable product its own id.
pub fn webhook_product(p: RawProduct) -> WebhookProduct {
    if p.kind == "variation" || p.parent_id != 0 {
        WebhookProduct::ReadAgain(p.parent_id)
    } else if p.kind == "variable" && p.status.as_deref().is_none_or(|s| s == "publish") {
        WebhookProduct::ReadAgain(p.id)
    } else {
        WebhookProduct::Whole(Box::new(p))
    }
}

fn sells(stock_status: &str) -> bool {
    matches!(stock_status, "instock" | "onbackorder")
}

/// A published product with its variations (a variable product's, read separately; none for a
/// simple product, which is its own single variant). `None`: nothing of it can be bought (a
/// draft, a grouped or external product, no price).
pub fn product(
    p: RawProduct,
    variations: Vec<RawVariation>,
    currency: Currency,
) -> Result<Option<Product>, CatalogueError> {
    if p.status.as_deref().is_some_and(|s| s != "publish") || !matches!(p.kind.as_str(), "simple" | "variable") {
        return Ok(None);
    }
    let at = |what: String| CatalogueError::Malformed(format!("WooCommerce product {}: {what}", p.id));
    let price = |text: &str, what: &str| -> Result<Option<i64>, CatalogueError> {
        if text.trim().is_empty() {
            return Ok(None);
        }
        currency.parse_amount(text.trim()).map(Some).map_err(|e| at(format!("{what}: {e}")))
    };
    let options: Vec<String> = if p.kind == "variable" {
        p.attributes.iter().filter(|a| a.variation).map(|a| a.name.clone()).collect()
    } else {
        Vec::new()
    };
    let mut variants = Vec::new();
    if p.kind == "simple" {
        if let Some(price_minor) = price(&p.price, "price")?
            && p.purchasable != Some(false)
        {
            variants.push(Variant {
                id: p.id.to_string(),
                sku: p.sku.clone(),
                title: p.name.clone(),
                options: Vec::new(),
                price_minor,
                available: sells(&p.stock_status),
            });
        }
    } else {
        for v in variations {
            if v.status.as_deref().is_some_and(|s| s != "publish") || v.purchasable == Some(false) {
                continue;
            }
            let Some(price_minor) = price(&v.price, &format!("variation {} price", v.id))? else { continue };
            // One value per option, in the product's order. A variation that leaves an attribute
            // open ("Any Size", an empty option) is left out: its id alone cannot be put in a
            // cart, and what it is cannot be said.
            let values: Option<Vec<String>> = options
                .iter()
                .map(|name| {
                    v.attributes
                        .iter()
                        .find(|a| a.name.eq_ignore_ascii_case(name))
                        .map(|a| a.option.clone())
                        .filter(|o| !o.is_empty())
                })
                .collect();
            let Some(values) = values else { continue };
            variants.push(Variant {
                id: v.id.to_string(),
                sku: v.sku,
                title: values.join(" / "),
                options: values,
                price_minor,
                available: sells(&v.stock_status),
            });
        }
    }
    if variants.is_empty() {
        return Ok(None);
    }
    let values: Vec<String> = variants.iter().flat_map(|v| v.options.iter().cloned()).collect();
    let html = format!("{}\n{}", p.description, p.short_description);
    let facts = body_facts::read(&html, &values);
    Ok(Some(Product {
        id: p.id.to_string(),
        handle: p.slug,
        title: p.name,
        product_type: p.categories.first().map(|c| c.name.clone()).unwrap_or_default(),
        tags: p.tags.into_iter().map(|t| t.name).collect(),
        collections: p.categories.iter().map(|c| c.name.clone()).collect(),
        goes_with: p.cross_sell_ids.iter().chain(&p.upsell_ids).map(u64::to_string).collect(),
        url: p.permalink,
        options,
        facts,
        variants,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_and_variable_products() {
        let eur = Currency::parse("EUR").unwrap();
        let products = parse_products(br#"[
            {"id": 10, "name": "Mug", "slug": "mug", "type": "simple", "status": "publish", "price": "12.50",
             "stock_status": "onbackorder", "sku": "MUG", "description": "<p>Material: stoneware</p>", "attributes": []},
            {"id": 20, "name": "Tee", "slug": "tee", "type": "variable", "status": "publish", "price": "20",
             "stock_status": "instock", "attributes": [{"id": 1, "name": "Size", "variation": true, "options": ["S", "M"]},
             {"id": 0, "name": "Fit", "variation": false, "options": ["Slim"]}]},
            {"id": 30, "name": "Draft", "slug": "draft", "type": "simple", "status": "draft", "price": "1"}
        ]"#).unwrap();
        let mut it = products.into_iter();
        let mug = product(it.next().unwrap(), vec![], eur).unwrap().unwrap();
        assert_eq!((mug.variants[0].price_minor, mug.variants[0].available), (1250, true));
        assert_eq!(mug.facts.material.as_deref(), Some("stoneware"));
        let variations = parse_variations(br#"[
            {"id": 21, "sku": "TEE-S", "price": "20.00", "stock_status": "outofstock", "attributes": [{"id": 1, "name": "Size", "option": "S"}]},
            {"id": 22, "sku": "TEE-M", "price": "", "stock_status": "instock", "attributes": [{"id": 1, "name": "Size", "option": "M"}]}
        ]"#).unwrap();
        let tee = product(it.next().unwrap(), variations, eur).unwrap().unwrap();
        assert_eq!(tee.options, ["Size"]);
        // The variation without a price cannot be bought: left out.
        assert_eq!(tee.variants.len(), 1);
        assert_eq!((tee.variants[0].id.as_str(), tee.variants[0].available), ("21", false));
        assert_eq!(product(it.next().unwrap(), vec![], eur).unwrap(), None);
    }

    /// The REST API documentation's own samples (tests/fixtures/woocommerce, SOURCES.md): its
    /// "List all products" (a variable product without variations yet, and a simple one) and
    /// "List all product variations" (product 22, two colours).
    #[test]
    fn the_documented_samples() {
        let usd = Currency::parse("USD").unwrap();
        let page =
            parse_products(include_bytes!("../../../../tests/fixtures/woocommerce/rest_products_page.json")).unwrap();
        let mut read = Vec::new();
        for p in page {
            read.push(product(p, vec![], usd).unwrap());
        }
        // 799 is variable with no variation created: nothing of it can be bought yet.
        assert!(read[0].is_none());
        let simple = read[1].as_ref().unwrap();
        assert_eq!(
            (simple.id.as_str(), simple.variants[0].price_minor, simple.variants[0].available),
            ("794", 2199, true)
        );
        let variations =
            parse_variations(include_bytes!("../../../../tests/fixtures/woocommerce/rest_product_variations.json"))
                .unwrap();
        let raw = parse_products(br#"[{"id": 22, "name": "Ship Your Idea", "slug": "ship-your-idea-22", "type": "variable",
            "status": "publish", "attributes": [{"id": 6, "name": "Color", "variation": true, "options": ["Black", "Green"]}]}]"#)
        .unwrap();
        let tee = product(raw.into_iter().next().unwrap(), variations, usd).unwrap().unwrap();
        let got: Vec<(&str, &str, i64)> =
            tee.variants.iter().map(|v| (v.id.as_str(), v.options[0].as_str(), v.price_minor)).collect();
        assert_eq!(got, [("733", "Green", 900), ("732", "Black", 900)]);
    }
}
