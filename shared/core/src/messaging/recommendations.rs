//! The products an e-mail step recommends (`recommend = 3`, docs/recommendations.md): picked from
//! the store's catalogue (`catalogue::recommend`), priced in the shopper's currency, each behind
//! a tracked link on the cart's restore token (`/r/{token}?rec={seq}.{index}`) so a click is
//! counted, credited to the message, and sent to the product's page.

use crate::config::StoreConfig;
use crate::domain::Cart;
use crate::domain::cart::Recommended as Kept;
use crate::domain::catalogue::Catalogue;
use crate::domain::money::{Currency, Money};
use crate::engine::counters::{Counter, Deltas};
use crate::messaging::compose::Recommended;

/// A recommended product's reply button under a WhatsApp recovery message comes back as this
/// prefix, the cart's link token and the place its send record keeps the product at:
/// `REC:{token}.{seq}.{index}` (a send's `seq` is the cart's own: the token says which cart).
pub const RECOMMENDATION_BUTTON_PREFIX: &str = "REC:";

/// The recommendation button's id for the `index`th product of the cart's message `seq`.
pub fn recommendation_button_id(token: &str, seq: u64, index: usize) -> String {
    format!("{RECOMMENDATION_BUTTON_PREFIX}{token}.{seq}.{index}")
}

/// A tapped recommendation button: the cart's link token, the message and the place
/// (`REC:{token}.{seq}.{index}`); `None` for anything else. A shopper who types such an id gets
/// no more than the tap would give: the product only if that cart is theirs and showed it.
pub fn recommendation_tap(id: &str) -> Option<(&str, u64, usize)> {
    let mut parts = id.strip_prefix(RECOMMENDATION_BUTTON_PREFIX)?.split('.');
    let (token, seq, index) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |s: &str| !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit());
    let token_ok = !token.is_empty()
        && token.len() <= 64
        && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if parts.next().is_some() || !token_ok || !digits(seq) || !digits(index) {
        return None;
    }
    Some((token, seq.parse().ok()?, index.parse().ok()?))
}

/// The tracked link of the `index`th product a message showed: the cart's restore link
/// (`{public_url}/r/{token}`) with the product's place, which `Links::open_recommendation`
/// follows.
pub fn tracked_link(restore_link: &str, seq: u64, index: usize) -> String {
    format!("{restore_link}?rec={seq}.{index}")
}

/// What the message shows and what its send record keeps, in the same order.
pub fn for_message(
    catalogue: Result<Option<&Catalogue>, ()>,
    cart: &Cart,
    store: &StoreConfig,
    n: u8,
    link_url: &str,
    seq: u64,
    stats: &mut Deltas,
) -> (Vec<Recommended>, Vec<Kept>) {
    let catalogue = match catalogue {
        Ok(Some(c)) if !c.products.is_empty() => c,
        Ok(_) => {
            stats.push((Counter::Recommendations("none.no_catalogue".into()), 1));
            return (Vec::new(), Vec::new());
        }
        Err(()) => {
            stats.push((Counter::Recommendations("none.catalogue_unavailable".into()), 1));
            return (Vec::new(), Vec::new());
        }
    };
    let skus: Vec<&str> = cart.items.iter().map(|i| i.sku.as_str()).collect();
    let picks = crate::catalogue::recommend_products(
        catalogue,
        &skus,
        &store.catalogue.recommend_fallback,
        usize::from(n),
        &|p| store.product_page(p),
    );
    if picks.is_empty() {
        stats.push((Counter::Recommendations("none.nothing_fits".into()), 1));
        return (Vec::new(), Vec::new());
    }
    let shopper = cart.currency.unwrap_or(store.currency);
    let mut shown = Vec::with_capacity(picks.len());
    let mut kept = Vec::with_capacity(picks.len());
    // One counter per reason, however many products it gave.
    let mut whys: Vec<(crate::catalogue::Why, i64)> = Vec::new();
    for p in &picks {
        match whys.iter_mut().find(|(w, _)| *w == p.why) {
            Some((_, n)) => *n += 1,
            None => whys.push((p.why, 1)),
        }
    }
    for (why, n) in whys {
        stats.push((Counter::Recommendations(format!("picked.{}", why.as_str())), n));
    }
    for (i, p) in picks.iter().enumerate() {
        let (price, approximate) = match in_currency(p.price_minor, catalogue.currency, shopper, store) {
            Some((m, approx)) => (Some(m), approx),
            None => (None, false),
        };
        shown.push(Recommended {
            title: p.product.title.clone(),
            price,
            from: p.from,
            approximate,
            link: tracked_link(link_url, seq, i),
        });
        kept.push(Kept { product: p.product.id.as_str().into(), url: p.url.as_str().into() });
    }
    stats.push((Counter::Recommendations("shown".into()), shown.len() as i64));
    (shown, kept)
}

/// A catalogue price in the shopper's currency: as it is when they are the same; converted at
/// the store's own rate (`exchange_rates`, the catalogue in the store's currency) and marked
/// approximate otherwise; none when there is no rate (the product is shown without a price
/// rather than in a currency the shopper did not shop in).
fn in_currency(minor: i64, from: Currency, to: Currency, store: &StoreConfig) -> Option<(Money, bool)> {
    if from == to {
        return Some((Money { minor, currency: to }, false));
    }
    if from != store.currency {
        return None;
    }
    let converted = store.at_store_rate(minor, from, to)?.round();
    (converted >= 0.0).then_some((Money { minor: converted as i64, currency: to }, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_price_is_converted_at_the_stores_rate_and_marked_or_left_out() {
        let config = crate::config::demo_config();
        let store = config.store("demo").unwrap_or_else(|| unreachable!());
        let eur = Currency::parse("EUR").unwrap_or_else(|_| unreachable!());
        let tr = Currency::parse("TRY").unwrap_or_else(|_| unreachable!());
        let sek = Currency::parse("SEK").unwrap_or_else(|_| unreachable!());
        assert_eq!(in_currency(1990, eur, eur, store), Some((Money { minor: 1990, currency: eur }, false)));
        // 19.90 EUR at 0.027 EUR a lira: 737.04 TRY.
        assert_eq!(in_currency(1990, eur, tr, store), Some((Money { minor: 73_704, currency: tr }, true)));
        assert_eq!(in_currency(1990, eur, sek, store), None, "no rate: no price");
        assert_eq!(in_currency(1990, tr, eur, store), None, "a catalogue in another currency is not converted");
    }
}
