//! `cartback email-preview --dir DIR`: the raw MIME message SES would send for the built-in
//! e-mail step in each built-in language, one `.eml` file each — what `scripts/references` has
//! Python's `email` parser read with `policy.strict`.

use std::path::Path;

use anyhow::Context;
use cartback_core::config::Config;
use cartback_core::domain::Channel;
use cartback_core::messaging::compose::{ComposeInput, Delivery, compose};

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
[stores.email]
provider = "ses"
from = "Dükkân Şahin <shop@shop.example>"
[[stores.steps]]
after = "24h"
channel = "email"
"#;

pub fn run(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let config = Config::from_toml("email-preview.toml", STORE)?;
    let store = config.store("demo").ok_or_else(|| anyhow::anyhow!("no store"))?;
    for lang in cartback_core::domain::locale::BUILT_IN {
        let cart = cartback_core::domain::samples::cart(lang);
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
        let msg = compose(&input, &d).map_err(|e| anyhow::anyhow!("{lang}: {e}"))?;
        let from = "Dükkân Şahin <shop@shop.example>";
        let raw = cartback_aws::ses::mime(&msg, from, cart.created_at);
        let path = dir.join(format!("{lang}.eml"));
        std::fs::write(&path, raw).with_context(|| format!("writing {}", path.display()))?;
        println!("{}", path.display());
    }
    Ok(())
}
