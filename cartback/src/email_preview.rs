//! `cartback email-preview --dir DIR`: the raw MIME message SES would send for the built-in
//! e-mail step in each built-in language, one `.eml` file each — what `scripts/references` has
//! Python's `email` parser read with `policy.strict`. The step recommends three products from
//! docs/examples/products.json for a cart holding the merino sweater (docs/recommendations.md).

use std::path::Path;

use anyhow::Context;
use cartback_core::config::Config;
use cartback_core::domain::Channel;
use cartback_core::messaging::compose::{ComposeInput, Delivery, compose};
use cartback_core::messaging::{add_recommendations, recommendations_for};

/// A store sending through SES from a sender whose display name is not ASCII, with an HTTPS
/// public URL (unsubscribe links).
const STORE: &str = r#"
public_url = "https://cartback.shop.example"
[[stores]]
id = "demo"
name = "Dükkân Şahin"
api_key = "cbk_0123456789abcdef"
twilio_auth_token = "t"
currency = "EUR"
allowed_domains = ["shop.example"]
[stores.catalogue]
shopify_shop = "https://shop.example"
refresh_every = "off"
recommend_fallback = ["canvas-tote-bag"]
[stores.email]
provider = "ses"
from = "Dükkân Şahin <shop@shop.example>"
[[stores.steps]]
after = "24h"
channel = "email"
recommend = 3
"#;

pub fn run(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let config = Config::from_toml("email-preview.toml", STORE)?;
    let store = config.store("demo").ok_or_else(|| anyhow::anyhow!("no store"))?;
    let products = cartback_core::catalogue::feed::parse_json(
        include_str!("../../docs/examples/products.json").as_bytes(),
        store.currency,
    )?;
    let catalogue = cartback_core::domain::catalogue::Catalogue {
        products,
        ..cartback_core::domain::catalogue::Catalogue::empty("demo", "feed_json", store.currency, Default::default())
    };
    for lang in cartback_core::domain::locale::BUILT_IN {
        let mut cart = cartback_core::domain::samples::cart(lang);
        let mut items = (*cart.items).clone();
        items[0].sku = "MW-SWT-S-NAV".into();
        items[0].name = "Merino Crew Sweater".into();
        items[0].unit_price_minor = 8900;
        cart.items = std::sync::Arc::new(items);
        let link = format!("{}/r/AbCdEfGhIjKlMnOpQrStUv", config.public_url);
        let input = ComposeInput {
            cart: &cart,
            cfg: store,
            step: 0,
            variant: 0,
            link: &link,
            coupon: None,
            now: cart.created_at,
        };
        let d = Delivery {
            channel: Channel::Email,
            seq: 4,
            public_url: &config.public_url,
            replies_url: &config.replies_url,
            contact_key: Some("k1"),
            last_whatsapp_inbound_at: None,
            deliver_by: None,
        };
        let mut msg = compose(&input, &d).map_err(|e| anyhow::anyhow!("{lang}: {e}"))?;
        let mut stats = Vec::new();
        let (recommended, _) = recommendations_for(Ok(Some(&catalogue)), &cart, store, 3, &link, d.seq, &mut stats);
        add_recommendations(&mut msg, &input, &recommended).map_err(|why| anyhow::anyhow!("{lang}: {why}"))?;
        let from = "Dükkân Şahin <shop@shop.example>";
        let raw = cartback_aws::ses::mime(&msg, from, cart.created_at);
        let path = dir.join(format!("{lang}.eml"));
        std::fs::write(&path, raw).with_context(|| format!("writing {}", path.display()))?;
        println!("{}", path.display());
    }
    Ok(())
}
