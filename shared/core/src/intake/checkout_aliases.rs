//! Shopify's checkout aliases: `checkouts/create`'s other identifiers (`shopify::Alias`),
//! pointed at the cart the checkout became, so a later `checkouts/delete` that carries only
//! them finds it.

use crate::config::StoreConfig;
use crate::domain::link_key;
use crate::engine::EngineError;
use crate::intake::Intake;
use crate::intake::shopify::Alias;
use crate::ports::LinkRecord;

/// How long a checkout's aliases are kept: longer than any sequence runs.
const ALIAS_TTL: jiff::SignedDuration = jiff::SignedDuration::from_hours(30 * 24);

impl Intake {
    /// Writes each alias of `cart` (one write each; only creates carry them).
    pub async fn remember_checkout_aliases(
        &self,
        store: &StoreConfig,
        cart: &str,
        aliases: &[Alias],
    ) -> Result<(), EngineError> {
        let expires_at = self.k.clock.now() + ALIAS_TTL;
        for a in aliases {
            let token = link_key::shopify_alias(&store.id, a.kind, &a.value);
            self.carts
                .put_link(&LinkRecord { token, store: store.id.clone(), cart: cart.to_string(), expires_at })
                .await?;
        }
        Ok(())
    }

    /// The cart one of `aliases` points at, if any was remembered for this store.
    pub async fn cart_by_checkout_alias(
        &self,
        store: &StoreConfig,
        aliases: &[Alias],
    ) -> Result<Option<String>, EngineError> {
        for a in aliases {
            let key = link_key::shopify_alias(&store.id, a.kind, &a.value);
            if let Some(link) = self.carts.get_link(&key).await?
                && link.store == store.id
            {
                return Ok(Some(link.cart));
            }
        }
        Ok(None)
    }
}
