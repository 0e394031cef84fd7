//! A realistic shopper and cart per built-in language, for tests, documentation and previews:
//! one wool sweater at 1 399,80 EUR, the shopper named as people there are, in their own zone.

use crate::domain::money::Currency;
use crate::domain::pii::Pii;
use crate::domain::{Cart, Customer, Item};
use std::sync::Arc;

/// The cart of a shopper who speaks `lang` (en, tr, nb or fa; anything else is English).
pub fn cart(lang: &str) -> Cart {
    let (name, locale, phone, tz) = match lang {
        "tr" => ("Ayşe", "tr-TR", "+905321234567", "Europe/Istanbul"),
        "nb" => ("Kari", "nb-NO", "+4791234567", "Europe/Oslo"),
        "fa" => ("سارا", "fa-IR", "+989121234567", "Asia/Tehran"),
        _ => ("Emma", "en-GB", "+447911123456", "Europe/London"),
    };
    let created = "2026-11-23T10:00:00Z".parse().unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let mut c = Cart::new("demo", "c1", created, false);
    c.currency = Currency::parse("EUR").ok();
    c.items = Arc::new(vec![Item {
        sku: "SWEATER".into(),
        name: "Wool sweater".into(),
        quantity: 1,
        unit_price_minor: 139_980,
        url: None,
        image_url: None,
    }]);
    c.customer = Arc::new(Customer {
        first_name: Some(name.into()),
        phone: Some(Pii::new(phone)),
        email: Some(Pii::new("shopper@example.com")),
        locale: Some(locale.into()),
        timezone: Some(tz.into()),
        ..Customer::default()
    });
    c
}
