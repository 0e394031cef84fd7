//! Restore links: `GET /r/{token}` → 302 to the cart's checkout, on an allowed domain only.

use crate::domain::Cart;
use crate::engine::EngineError;
use crate::engine::counters::{Counter, Measure};
use crate::messaging::Links;
use crate::ports::LinkRecord;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkOutcome {
    Redirect(String),
    NotFound,
    Expired,
}

/// Tokens are 16 random bytes in unpadded base64url: exactly 22 characters.
fn well_formed(token: &str) -> bool {
    token.len() == 22 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A link's record, its store and its cart; or what to answer instead.
type Resolved<'a> = Result<(LinkRecord, &'a std::sync::Arc<crate::config::StoreConfig>, Cart), LinkOutcome>;

impl Links {
    /// The token's link record, its store and its cart: or why there is nothing to open (an
    /// ill-formed or unknown token, a store no longer configured, an expired link, a cart gone).
    async fn resolve(&self, token: &str) -> Result<Resolved<'_>, EngineError> {
        if !well_formed(token) {
            return Ok(Err(LinkOutcome::NotFound));
        }
        let Some(link) = self.carts.get_link(token).await? else {
            return Ok(Err(LinkOutcome::NotFound));
        };
        let Some(store) = self.k.config.store(&link.store) else {
            return Ok(Err(LinkOutcome::NotFound));
        };
        if self.k.clock.now() >= link.expires_at {
            return Ok(Err(LinkOutcome::Expired));
        }
        let Some(cart) = self.carts.get_cart(&link.store, &link.cart).await? else {
            return Ok(Err(LinkOutcome::NotFound));
        };
        Ok(Ok((link, store, cart)))
    }

    /// Resolves a restore link and records the click. It restores the cart (the storefront's
    /// own checkout URL); it never signs anyone in.
    pub async fn open_link(&self, token: &str) -> Result<LinkOutcome, EngineError> {
        let (link, store, cart) = match self.resolve(token).await? {
            Ok(found) => found,
            Err(outcome) => return Ok(outcome),
        };
        // Checked at ingest and again here: the store's allowed domains may have changed since.
        let Some(url) = cart.checkout_url.clone().filter(|u| store.allows_url(u)) else {
            return Ok(LinkOutcome::NotFound);
        };
        let mut stats = vec![(Counter::Clicks, 1)];
        // Credited to the message the shopper most likely followed: the cart's latest.
        if let Some(s) = cart.last_reached() {
            stats.push((Counter::Experiment(s.step, s.variant.clone(), Measure::Clicks), 1));
        }
        self.k.count(&link.store, stats).await;
        tracing::info!(store = %link.store, cart = %link.cart, "restore link opened");
        Ok(LinkOutcome::Redirect(url))
    }

    /// A product an e-mail recommended, followed (`/r/{token}?rec={seq}.{index}`): redirected to
    /// its page as the e-mail recorded it (on the store's domains, checked again), the click
    /// counted (`recommendations.clicks`) and credited to the message that showed it; the cart
    /// remembers it, so its order counts among those recommendations led to. A `rec` this cart's
    /// messages never showed is not found: nothing else can be reached through the token.
    pub async fn open_recommendation(&self, token: &str, rec: &str) -> Result<LinkOutcome, EngineError> {
        let Some((seq, index)) =
            rec.split_once('.').and_then(|(s, i)| Some((s.parse::<u64>().ok()?, i.parse::<usize>().ok()?)))
        else {
            return Ok(LinkOutcome::NotFound);
        };
        let (link, store, cart) = match self.resolve(token).await? {
            Ok(found) => found,
            Err(outcome) => return Ok(outcome),
        };
        let Some(send) = cart.sends.iter().find(|s| s.seq == seq && s.reached() && s.recommended.len() > index) else {
            return Ok(LinkOutcome::NotFound);
        };
        let (step, variant) = (send.step, send.variant.clone());
        let Some(url) = store.checked_url(&send.recommended[index].url) else {
            return Ok(LinkOutcome::NotFound);
        };
        if cart.recommendation_clicked_at.is_none() {
            self.remember_recommendation_click(cart).await;
        }
        let stats = vec![
            (Counter::Recommendations("clicks".into()), 1),
            (Counter::Experiment(step, variant, Measure::RecommendationClicks), 1),
        ];
        self.k.count(&link.store, stats).await;
        tracing::info!(store = %link.store, cart = %link.cart, step, "recommended product opened");
        Ok(LinkOutcome::Redirect(url))
    }

    /// Remembers the first click on the cart, for its order's attribution: written once (a
    /// mail scanner following every link again writes nothing), tried again on a version
    /// conflict with the shopper's own cart activity. Best effort: a write that still fails
    /// leaves the click counted, the order unattributed, and the redirect served.
    async fn remember_recommendation_click(&self, mut cart: Cart) {
        for _ in 0..3 {
            cart.recommendation_clicked_at = Some(self.k.clock.now());
            match self.carts.put_cart(cart.clone()).await {
                Ok(_) => return,
                Err(crate::ports::StoreError::Conflict) => match self.carts.get_cart(&cart.store, &cart.id).await {
                    Ok(Some(fresh)) if fresh.recommendation_clicked_at.is_none() => cart = fresh,
                    _ => return,
                },
                Err(e) => {
                    tracing::warn!(store = %cart.store, cart = %cart.id, error = %e, "recommendation click not remembered on the cart");
                    return;
                }
            }
        }
    }
}
