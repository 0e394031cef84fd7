//! A shopper's reply met from the catalogue (`conversations::replies` asks): the grounded
//! answer in the shopper's language with its ready cart, the shopper's own order status, or why
//! a person answers — and the counter that says which.

use crate::catalogue::ground::{Grounded, Line, Policies, ground};
use crate::catalogue::{cart_link, order_status, render};
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
    /// The shop's origin, for the ready cart's permalink.
    pub shop: Option<&'a str>,
    /// The shopper's newest unused code, carried by the ready cart.
    pub code: Option<&'a str>,
    /// The contact the reply came from: whose orders may be told.
    pub contact: &'a Contact,
}

/// The answer (`Ok`) or why a person answers (`Err`), with the `questions.*` counter's name.
pub fn answer(a: &Asked) -> (String, Result<String, &'static str>) {
    match ground(a.body, a.lines, a.catalogue, a.policies) {
        Grounded::Answer(facts) => {
            let mut text = render::render(&facts, a.lang, a.currency);
            if let (Some(shop), Some(ready)) = (a.shop, cart_link::cart_with_answer(a.lines, &facts, a.catalogue)) {
                let link = cart_link::shopify_permalink(shop, &ready, a.code);
                text.push(' ');
                text.push_str(&crate::text::builtin::phrase("cat_link", a.lang, &[("link", &link)]));
            }
            ("answered".to_string(), Ok(text))
        }
        Grounded::OrderStatus => match order_status::answer(a.contact, a.body, a.lang) {
            Some(text) => ("order_status.answered".to_string(), Ok(text)),
            None => ("order_status".to_string(), Err("order_status")),
        },
        Grounded::Person(why) => (format!("person.{why}"), Err(why)),
    }
}

/// Whether the reply asks something only the catalogue answers (not order status): without a
/// stored catalogue such replies are left to the FAQ.
pub fn needs_catalogue(body: &str, lines: &[Line], catalogue: &Catalogue, policies: &Policies) -> bool {
    !matches!(ground(body, lines, catalogue, policies), Grounded::OrderStatus)
}
