//! The person's side of commerce in the conversation (docs/conversations.md, "Beside the
//! transcript"): what the inbox shows next to a transcript — the shopper's cart with its
//! catalogue entries, products the shopper named, the shopper's own orders and the ready cart —
//! and the ready cart sent in one action, through the same at-most-once path as any answer.

use crate::catalogue::{Shop, catalogue_lines, free_shipping_item, named_products};
use crate::config::StoreConfig;
use crate::conversations::Inbox;
use crate::conversations::inbox::AnswerError;
use crate::domain::catalogue::{Catalogue, Product};
use crate::domain::order_note::OrderNote;
use crate::domain::{Author, Cart, Conversation, Entry};
use crate::engine::EngineError;
use serde::Serialize;

/// Everything the inbox shows beside one transcript.
#[derive(Debug, Serialize)]
pub struct Context {
    pub cart: Option<CartView>,
    /// The catalogue's entries for the cart's products and any product the shopper named.
    pub products: Vec<ProductView>,
    /// The shopper's own newest orders, as the platform last described them.
    pub orders: Vec<OrderNote>,
    /// The cart as a link into the shop's checkout, and the item that would reach free shipping.
    pub ready_cart: Option<ReadyCart>,
    /// The language a ready cart's message is written in.
    pub language: String,
}

#[derive(Debug, Serialize)]
pub struct CartView {
    pub id: String,
    pub status: String,
    pub currency: Option<String>,
    pub lines: Vec<LineView>,
    pub unused_code: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct LineView {
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    pub unit_price: String,
    /// The catalogue's variant for the line, when it has one.
    pub variant_id: Option<String>,
    pub available: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct ProductView {
    pub id: String,
    pub title: String,
    pub url: Option<String>,
    pub options: Vec<String>,
    pub variants: Vec<VariantView>,
}

#[derive(Debug, Serialize)]
pub struct VariantView {
    pub id: String,
    pub sku: String,
    pub title: String,
    pub price: String,
    pub available: bool,
}

#[derive(Debug, Serialize)]
pub struct ReadyCart {
    pub lines: Vec<ReadyLine>,
    pub link: Option<String>,
    pub free_shipping_item: Option<ReadyLine>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReadyLine {
    pub variant_id: String,
    pub quantity: u32,
}

/// What a person asks to send: these lines (default: the cart's), with the free-shipping item.
pub struct ReadyCartRequest {
    pub lines: Option<Vec<ReadyLine>>,
    pub add_free_shipping_item: bool,
}

/// The most products shown beside a transcript.
const MAX_PRODUCTS_SHOWN: usize = 8;

fn amount(minor: i64, c: &Catalogue) -> String {
    c.currency.format_amount(minor)
}

fn product_view(p: &Product, c: &Catalogue) -> ProductView {
    ProductView {
        id: p.id.clone(),
        title: p.title.clone(),
        url: p.url.clone(),
        options: p.options.clone(),
        variants: p
            .variants
            .iter()
            .map(|v| VariantView {
                id: v.id.clone(),
                sku: v.sku.clone(),
                title: v.title.clone(),
                price: amount(v.price_minor, c),
                available: v.available,
            })
            .collect(),
    }
}

impl Inbox {
    async fn catalogue_of(&self, store: &StoreConfig) -> Option<Catalogue> {
        match self.catalogues.get_catalogue(&store.id).await {
            Ok(c) => c.filter(|c| c.currency == store.currency),
            Err(e) => {
                tracing::warn!(store = %store.id, error = %e, "catalogue unreadable; shown without it");
                None
            }
        }
    }

    async fn cart_of(&self, store: &StoreConfig, c: &Conversation) -> Result<Option<Cart>, EngineError> {
        Ok(match &c.cart {
            Some(id) => self.carts.get_cart(&store.id, id).await?,
            None => None,
        })
    }

    /// What the inbox shows beside conversation `id`: `None` when there is no such conversation.
    pub async fn context(&self, store: &StoreConfig, id: &str) -> Result<Option<Context>, EngineError> {
        let Some(c) = self.conversation(store, id).await? else { return Ok(None) };
        let cart = self.cart_of(store, &c).await?;
        let contact = self.carts.get_contact(&store.id, &c.contact).await?;
        let catalogue = self.catalogue_of(store).await;
        let empty = Catalogue::empty(&store.id, "none", store.currency, self.k.clock.now());
        let cat = catalogue.as_ref().unwrap_or(&empty);
        let locale = contact
            .as_ref()
            .and_then(|k| k.locale.as_deref())
            .or(cart.as_ref().and_then(|c| c.customer.locale.as_deref()));
        let language = crate::domain::locale::built_in(locale, &store.locale).to_string();
        let mut shown: Vec<&Product> = Vec::new();
        let cart_view = cart.as_ref().map(|cart| CartView {
            id: cart.id.clone(),
            status: cart.status.as_str().to_string(),
            currency: cart.currency.map(|c| c.code().to_string()),
            unused_code: cart.unused_code().map(str::to_string),
            lines: cart
                .items
                .iter()
                .map(|i| {
                    let found = cat.variant(&i.sku);
                    if let Some((p, _)) = found
                        && !shown.iter().any(|q| q.id == p.id)
                    {
                        shown.push(p);
                    }
                    LineView {
                        sku: i.sku.clone(),
                        name: i.name.clone(),
                        quantity: i.quantity,
                        unit_price: cart.currency.unwrap_or(store.currency).format_amount(i.unit_price_minor),
                        variant_id: found.map(|(_, v)| v.id.clone()),
                        available: found.map(|(_, v)| v.available),
                    }
                })
                .collect(),
        });
        // Products the shopper named in the transcript's replies.
        for e in c.messages.iter().filter(|e| e.author == Author::Shopper) {
            for p in named_products(e.text.expose(), &cat.products) {
                if !shown.iter().any(|q| q.id == p.id) {
                    shown.push(p);
                }
            }
        }
        shown.truncate(MAX_PRODUCTS_SHOWN);
        let ready_cart = match (&cart, Shop::of(store)) {
            (Some(cart), Some(shop)) => self.ready(store, cart, cat, shop, None, false).ok(),
            _ => None,
        };
        Ok(Some(Context {
            products: shown.iter().map(|p| product_view(p, cat)).collect(),
            cart: cart_view,
            orders: contact.map(|k| k.orders).unwrap_or_default(),
            ready_cart,
            language,
        }))
    }

    /// The ready cart for `cart`: `lines` (checked against the catalogue: every variant known and
    /// in stock) or the cart's own, the free-shipping item when asked for, and the link.
    fn ready(
        &self,
        store: &StoreConfig,
        cart: &Cart,
        cat: &Catalogue,
        shop: Shop,
        lines: Option<Vec<ReadyLine>>,
        add_free_shipping_item: bool,
    ) -> Result<ReadyCart, AnswerError> {
        let lines: Vec<(String, u32)> = match lines {
            Some(lines) => {
                if lines.is_empty() || lines.len() > 50 {
                    return Err(AnswerError::Invalid("lines: 1 to 50 variants"));
                }
                let mut out = Vec::new();
                for l in lines {
                    match cat.variant(&l.variant_id) {
                        Some((_, v)) if v.id == l.variant_id && v.available => {}
                        Some((_, v)) if v.id == l.variant_id => {
                            return Err(AnswerError::Invalid("a variant in lines is sold out"));
                        }
                        _ => return Err(AnswerError::Invalid("a variant in lines is not in the catalogue")),
                    }
                    if l.quantity == 0 || l.quantity > 99 {
                        return Err(AnswerError::Invalid("a quantity in lines is not 1 to 99"));
                    }
                    out.push((l.variant_id, l.quantity));
                }
                out
            }
            None => {
                let lines: Vec<crate::catalogue::Line> = cart
                    .items
                    .iter()
                    .map(|i| crate::catalogue::Line {
                        sku: i.sku.clone(),
                        quantity: i.quantity,
                        unit_price_minor: i.unit_price_minor,
                    })
                    .collect();
                let ready = catalogue_lines(&lines, cat)
                    .ok_or(AnswerError::Invalid("the cart has items the catalogue does not list: name the lines"))?;
                if ready.iter().any(|(id, _)| cat.variant(id).is_some_and(|(_, v)| !v.available)) {
                    return Err(AnswerError::Invalid("an item of the cart is sold out: name the lines"));
                }
                ready
            }
        };
        let skus: Vec<&str> = store.cross_sell.iter().map(|c| c.sku.as_str()).collect();
        let item = free_shipping_item(&lines, cat, store.free_shipping_threshold_minor, &skus)
            .map(|(_, v)| ReadyLine { variant_id: v.id.clone(), quantity: 1 });
        let mut with = lines.clone();
        if add_free_shipping_item && let Some(i) = &item {
            with.push((i.variant_id.clone(), 1));
        }
        let code = cart.unused_code();
        Ok(ReadyCart {
            link: shop.link(&with, code),
            lines: with.into_iter().map(|(variant_id, quantity)| ReadyLine { variant_id, quantity }).collect(),
            free_shipping_item: item,
        })
    }

    /// Sends the ready cart on the conversation's channel in the shopper's language, at most
    /// once per `idempotency_key` (as `answer_conversation`, which it goes through). A repeated
    /// key answers the first message sent with it, and its link (`lines` empty).
    pub async fn send_ready_cart(
        &self,
        store: &StoreConfig,
        id: &str,
        req: ReadyCartRequest,
        idempotency_key: Option<&str>,
    ) -> Result<(Conversation, Entry, ReadyCart), AnswerError> {
        let c = self.conversation(store, id).await?.ok_or(AnswerError::NotFound)?;
        // A repeat of a key already used: the first answer, whatever the catalogue or the cart
        // say now (nothing is rebuilt, nothing sent again).
        let sent = idempotency_key.and_then(|k| {
            let ref_id = format!("{}{k}", crate::conversations::inbox::IDEMPOTENCY_PREFIX);
            c.messages.iter().find(|e| e.ref_id.as_deref() == Some(ref_id.as_str())).cloned()
        });
        if let Some(entry) = sent {
            let text = entry.text.expose().to_string();
            let (c, entry) = self.answer_conversation(store, id, &text, idempotency_key).await?;
            let link = text.split_whitespace().find(|w| w.starts_with("https://") || w.starts_with("http://"));
            return Ok((
                c,
                entry,
                ReadyCart { lines: Vec::new(), link: link.map(str::to_string), free_shipping_item: None },
            ));
        }
        let shop = Shop::of(store).ok_or(AnswerError::Invalid(
            "the store has no shop to link to ([stores.catalogue] shopify_shop or woocommerce_site)",
        ))?;
        let cart = self.cart_of(store, &c).await?.ok_or(AnswerError::Invalid("the conversation has no cart"))?;
        let cat = self.catalogue_of(store).await.ok_or(AnswerError::Invalid("the store has no catalogue"))?;
        let ready = self.ready(store, &cart, &cat, shop, req.lines, req.add_free_shipping_item)?;
        let link = ready.link.clone().ok_or(AnswerError::Invalid(
            "the shop cannot link these lines (add-to-cart links hold one product: woocommerce_checkout_links)",
        ))?;
        let contact = self.carts.get_contact(&store.id, &c.contact).await?;
        let locale = contact.as_ref().and_then(|k| k.locale.as_deref()).or(cart.customer.locale.as_deref());
        let lang = crate::domain::locale::built_in(locale, &store.locale);
        let mut text = crate::text::builtin::phrase("cat_link", lang, &[("link", &link)]);
        // WooCommerce add-to-cart links carry no coupon: the code is named.
        if let (Some(code), false) = (cart.unused_code(), shop.carries_code()) {
            text.push(' ');
            text.push_str(&crate::text::builtin::phrase("cat_code", lang, &[("code", code)]));
        }
        let (c, entry) = self.answer_conversation(store, id, &text, idempotency_key).await?;
        Ok((c, entry, ready))
    }
}
