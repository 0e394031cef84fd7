//! A shopper's reply met from the catalogue (`conversations::replies` asks): the grounded
//! answer in the shopper's language with its ready cart, the shopper's own order status, or why
//! a person answers — and the counter that says which.

use crate::catalogue::cart_link::{self, Shop};
use crate::catalogue::ground::{Grounded, Line, Policies, ground};
use crate::catalogue::{order_status, render};
use crate::domain::Contact;
use crate::domain::catalogue::Catalogue;
use crate::domain::money::Currency;

/// What the reply is asked against.
pub struct Asked<'a> {
    pub body: &'a str,
    pub lines: &'a [Line],
    pub catalogue: &'a Catalogue,
    pub policies: &'a Policies,
    pub lang: &'a str,
    pub currency: Currency,
    /// Where the ready cart links.
    pub shop: Option<Shop<'a>>,
    /// The store's chosen items for reaching free shipping (`cross_sell` SKUs).
    pub cross_sell_skus: &'a [&'a str],
    /// The shopper's newest unused code, carried by the ready cart.
    pub code: Option<&'a str>,
    /// The contact the reply came from: whose orders may be told.
    pub contact: &'a Contact,
}

/// An answer, and the ready cart's link when it carries one (a WhatsApp answer makes it a button).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    pub text: String,
    pub link: Option<String>,
}

/// The answer (`Ok`) or why a person answers (`Err`), with the `questions.*` counter's name.
pub fn answer(a: &Asked) -> (String, Result<Answered, &'static str>) {
    match ground(a.body, a.lines, a.catalogue, a.policies) {
        Grounded::Answer(facts) => {
            let mut text = render::render(&facts, a.lang, a.currency);
            let mut link = None;
            if let (Some(shop), Some(ready)) = (a.shop, cart_link::cart_with_answer(a.lines, &facts, a.catalogue)) {
                text.push_str(&ready_cart_text(shop, &ready, a));
                link = shop.link(&ready, a.code);
            }
            ("answered".to_string(), Ok(Answered { text, link }))
        }
        Grounded::OrderStatus => match order_status::answer(a.contact, a.body, a.lang) {
            Some(text) => ("order_status.answered".to_string(), Ok(Answered { text, link: None })),
            None => ("order_status".to_string(), Err("order_status")),
        },
        Grounded::Person(why) => (format!("person.{why}"), Err(why)),
    }
}

/// " Your cart, ready: {link}", and " With {item} ({price}) it ships free: {link}" when an item
/// in stock reaches the free-shipping threshold and the platform can link both.
pub fn ready_cart_text(shop: Shop, ready: &[(String, u32)], a: &Asked) -> String {
    use crate::text::builtin::phrase;
    let mut text = String::new();
    if let Some(link) = shop.link(ready, a.code) {
        text.push(' ');
        text.push_str(&phrase("cat_link", a.lang, &[("link", &link)]));
        if let (Some(code), false) = (a.code, shop.carries_code()) {
            text.push(' ');
            text.push_str(&phrase("cat_code", a.lang, &[("code", code)]));
        }
    }
    let threshold = a.policies.free_shipping_threshold_minor;
    if let Some((p, v)) = cart_link::free_shipping_item(ready, a.catalogue, threshold, a.cross_sell_skus) {
        let mut with = ready.to_vec();
        with.push((v.id.clone(), 1));
        if let Some(link) = shop.link(&with, a.code) {
            let item = if p.options.is_empty() { p.title.clone() } else { format!("{} ({})", p.title, v.title) };
            let price = crate::domain::locale::money(
                crate::domain::money::Money { minor: v.price_minor, currency: a.currency },
                a.lang,
            );
            text.push(' ');
            text.push_str(&phrase(
                "cat_link_free_shipping",
                a.lang,
                &[("item", &item), ("price", &price), ("link", &link)],
            ));
        }
    }
    text
}

/// Whether the reply asks something only the catalogue answers (not order status): without a
/// stored catalogue such replies are left to the FAQ.
pub fn needs_catalogue(body: &str, lines: &[Line], catalogue: &Catalogue, policies: &Policies) -> bool {
    !matches!(ground(body, lines, catalogue, policies), Grounded::OrderStatus)
}
