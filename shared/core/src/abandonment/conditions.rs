//! Whether a cart meets a step's or a variant's condition (`config::condition::Condition`,
//! docs/sequences.md). Pure: the cart, its shopper's contact record and the store.

use crate::config::StoreConfig;
use crate::config::condition::Condition;
use crate::domain::{Cart, Contact};

/// Every key the condition names holds for the cart.
pub fn holds(c: &Condition, cart: &Cart, contact: Option<&Contact>, store: &StoreConfig) -> bool {
    if c.cart_value_min.is_some() || c.cart_value_max.is_some() {
        // No exchange rate is guessed: a cart in a currency the store gave no rate for meets no
        // value bound.
        let Some(value) = value_in_store_currency(cart, store) else { return false };
        if c.cart_value_min.is_some_and(|m| value < m) || c.cart_value_max.is_some_and(|m| value > m) {
            return false;
        }
    }
    let units: u64 = cart.items.iter().map(|i| u64::from(i.quantity)).sum();
    if c.items_min.is_some_and(|m| units < u64::from(m)) || c.items_max.is_some_and(|m| units > u64::from(m)) {
        return false;
    }
    if let Some(first) = c.first_time
        && first_time(cart, contact) != first
    {
        return false;
    }
    if !c.countries.is_empty() {
        let country = cart.customer.phone.as_ref().and_then(|p| crate::domain::phone::country(p.expose()));
        if !country.is_some_and(|k| c.countries.contains(&k)) {
            return false;
        }
    }
    if !c.languages.is_empty() {
        let lang = cart.customer.locale.as_deref().and_then(crate::domain::locale::primary);
        let lang = lang.or_else(|| crate::domain::locale::primary(&store.locale)).unwrap_or_default();
        if !c.languages.contains(&lang) {
            return false;
        }
    }
    if !c.consent.iter().all(|ch| cart.customer.consent.get(*ch)) {
        return false;
    }
    if !c.reasons.is_empty() && !cart.reason.is_some_and(|r| c.reasons.contains(&r)) {
        return false;
    }
    true
}

/// The cart's value (items × unit prices) in the store's currency, minor units: as it is in the
/// store's currency, else at the store's own rate for the cart's (`exchange_rates`, rounded
/// down), else none.
pub fn value_in_store_currency(cart: &Cart, store: &StoreConfig) -> Option<i64> {
    let value = cart.subtotal_minor();
    let Some(cur) = cart.currency.filter(|c| *c != store.currency) else { return Some(value) };
    let rate = store.exchange_rates.get(cur.code())?;
    let scale = 10f64.powi(i32::from(store.currency.exponent()) - i32::from(cur.exponent()));
    Some((value as f64 * rate * scale).floor() as i64)
}

/// A first-time buyer: the platform's `orders_count` when it sent one (0 is first-time), else
/// no order of theirs known here (the contact's orders and any order after a cart of theirs).
pub fn first_time(cart: &Cart, contact: Option<&Contact>) -> bool {
    match cart.customer.orders_count {
        Some(n) => n == 0,
        None => contact.is_none_or(|c| c.orders.is_empty() && c.last_order_at.is_none()),
    }
}

/// The step is for this cart: its own condition holds and so does one of its variants' (a cart
/// no variant fits is not one the step is for). Lead temperature, address and consent aside.
pub fn step_fits(step: &crate::config::Step, cart: &Cart, contact: Option<&Contact>, store: &StoreConfig) -> bool {
    let fits = |w: &Option<Condition>| w.as_ref().is_none_or(|w| holds(w, cart, contact, store));
    fits(&step.when) && step.variants.iter().any(|v| fits(&v.when))
}

/// The steps a cart would get by their conditions, lead temperatures, and the shopper's address
/// and yes on each step's channel (indices into the store's sequence): what `cartback store
/// --check` shows for its sample carts. Quiet hours, caps and opt-outs are decided when each
/// step is due.
pub fn steps_for(cart: &Cart, contact: Option<&Contact>, store: &StoreConfig) -> Vec<usize> {
    store
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.leads.is_empty() || s.leads.contains(&cart.temperature))
        .filter(|(_, s)| cart.customer.reachable(s.channel))
        .filter(|(_, s)| step_fits(s, cart, contact, store))
        .map(|(i, _)| i)
        .collect()
}

/// Sample carts in the store's currency, one of each kind a condition tells apart: a first-time
/// shopper with a small cart, a returning one with a large cart, one who replied about shipping
/// costs, and one reached only by notifications.
pub fn sample_carts(store: &StoreConfig) -> Vec<(String, Cart)> {
    use crate::domain::pii::Pii;
    use crate::domain::{Channel, Consent, Item, Reason, Temperature};
    let cur = store.currency;
    let money = |major: i64| major * 10_i64.pow(u32::from(cur.exponent()));
    let make =
        |label: &str, units: u32, each: i64, orders: u32, phone: Option<&str>, lang: Option<&str>, yes: &[Channel]| {
            let mut c = Cart::new(&store.id, "sample", jiff::Timestamp::UNIX_EPOCH, false);
            c.currency = Some(cur);
            c.temperature = Temperature::Warm;
            c.items = std::sync::Arc::new(vec![Item {
                sku: "SAMPLE".into(),
                name: "Sample".into(),
                quantity: units,
                unit_price_minor: money(each),
                url: None,
                image_url: None,
            }]);
            let customer = std::sync::Arc::make_mut(&mut c.customer);
            customer.phone = phone.map(Pii::new);
            customer.email = (!yes.contains(&Channel::Webpush)).then(|| Pii::new("sample@example.com"));
            customer.push =
                yes.contains(&Channel::Webpush).then(|| Pii::new(r#"{"endpoint":"https://push.example/sample"}"#));
            customer.locale = lang.map(str::to_string);
            customer.orders_count = Some(orders);
            let mut consent = Consent::default();
            for ch in yes {
                match ch {
                    Channel::Sms => consent.sms = Some(true),
                    Channel::Email => consent.email = Some(true),
                    Channel::Whatsapp => consent.whatsapp = Some(true),
                    Channel::Webpush => consent.webpush = Some(true),
                }
            }
            customer.consent = consent;
            let value = cur.format_amount(money(each) * i64::from(units));
            (format!("{label}: {units} item(s), {value} {}", cur.code()), c)
        };
    let mut out = vec![
        make("first-time, English, e-mail", 1, 25, 0, None, Some("en"), &[Channel::Email]),
        make(
            "returning, Norwegian phone, SMS + e-mail",
            3,
            150,
            4,
            Some("+4791234567"),
            Some("nb"),
            &[Channel::Sms, Channel::Email],
        ),
        make(
            "first-time, Turkish phone, WhatsApp, replied about costs",
            2,
            60,
            0,
            Some("+905321234567"),
            Some("tr"),
            &[Channel::Whatsapp],
        ),
        make("notifications only", 1, 60, 0, None, None, &[Channel::Webpush]),
    ];
    out[2].1.reason = Some(Reason::UnexpectedFees);
    out[1].1.temperature = Temperature::Hot;
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::domain::money::Currency;

    #[test]
    fn a_cart_in_another_currency_is_valued_at_the_stores_own_rate_or_not_at_all() {
        let config = crate::config::demo_config();
        let store = config.store("demo").unwrap();
        let mut cart = sample_carts(store).remove(0).1;
        let mut item = cart.items[0].clone();
        (item.quantity, item.unit_price_minor) = (1, 1_000_000); // 10 000.00
        cart.items = std::sync::Arc::new(vec![item]);
        cart.currency = Some(Currency::parse("TRY").unwrap());
        assert_eq!(value_in_store_currency(&cart, store), Some(27_000), "10 000.00 TRY at 0.027 = 270.00 EUR");
        cart.currency = Some(Currency::parse("JPY").unwrap());
        assert_eq!(value_in_store_currency(&cart, store), None, "no rate given: no value");
        cart.currency = Some(Currency::parse("EUR").unwrap());
        assert_eq!(value_in_store_currency(&cart, store), Some(1_000_000));
    }
}
