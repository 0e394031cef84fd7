//! Store configuration: the TOML file, its validation, and the demo store.
//!
//! Every problem in a file is reported at load, all at once, each with its key path — never at
//! 3 a.m. when a message is due.

pub mod condition;
mod demo;
mod duration;
mod parse;
pub mod providers;
pub mod secrets;
pub mod whatsapp_template;

pub use secrets::{SECRET_FIELDS, Secret};

pub use demo::{
    DEMO_API_KEY, DEMO_PUBLISHABLE_KEY, DEMO_SHOPIFY_WEBHOOK_SECRET, DEMO_STORE_ID, DEMO_TWILIO_AUTH_TOKEN,
    DEMO_WOOCOMMERCE_WEBHOOK_SECRET, demo_config,
};
pub use duration::parse_duration;

use crate::domain::money::Currency;
use crate::domain::{Channel, Reason};
use crate::text::template::Template;
use jiff::SignedDuration;
use jiff::civil::Time;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not valid TOML: {message}")]
    Syntax { path: String, message: String },
    #[error("{path}: {} problem(s):\n  - {}", .problems.len(), .problems.join("\n  - "))]
    Invalid { path: String, problems: Vec<String> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    /// First allowed local minute of the day.
    pub start: Time,
    /// First forbidden local minute of the evening.
    pub end: Time,
}

#[derive(Debug, Clone, Copy)]
pub struct FrequencyCap {
    pub max: u32,
    pub window: SignedDuration,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Incentive {
    /// A percentage off with a unique code valid for `expires` after the message.
    PercentOff {
        percent: u8,
        expires: SignedDuration,
    },
    /// A fixed amount (store currency, minor units) off, same rules.
    FixedOff {
        amount_minor: i64,
        expires: SignedDuration,
    },
    FreeShipping,
    /// Suggest the cheapest catalogue item that reaches the free-shipping threshold.
    CrossSell,
}

impl Incentive {
    /// Whether a unique discount code is issued (and counted against the budget) for it.
    pub fn issues_code(&self) -> bool {
        matches!(self, Incentive::PercentOff { .. } | Incentive::FixedOff { .. })
    }
}

#[derive(Debug, Clone)]
pub struct Variant {
    /// Shared with every send record that names it.
    pub name: std::sync::Arc<str>,
    pub weight: u32,
    pub template: Localized,
    pub incentive: Option<Incentive>,
    /// The carts this variant may be drawn for (`when = {…}`); `None`: every cart the step is for.
    pub when: Option<condition::Condition>,
}

/// How many discount codes may go out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponBudget {
    /// Per store per UTC day; `None`: no daily limit.
    pub per_day: Option<u32>,
    /// Per shopper in any 30 days.
    pub per_contact_30d: u32,
}

impl Default for CouponBudget {
    fn default() -> Self {
        CouponBudget { per_day: None, per_contact_30d: 2 }
    }
}

/// A step's text in every language it has: the store's own (in the store's `locale`), the
/// store's translations, and the built-in texts behind them.
#[derive(Debug, Clone, Default)]
pub struct Localized {
    pub own: Option<Template>,
    /// By lowercase language tag ("tr", "pt-br").
    pub translations: Vec<(String, Template)>,
}

impl Localized {
    /// The template for a shopper's locale, and the language it is written in: a translation on
    /// the language chain, else the store's own text, else the built-in one.
    pub fn pick<'a>(&'a self, channel: Channel, locale: Option<&str>, store_lang: &'a str) -> (&'a Template, &'a str) {
        if !self.translations.is_empty() {
            for lang in &crate::domain::locale::chain(locale, store_lang) {
                if let Some((l, t)) = self.translations.iter().find(|(l, _)| l == lang) {
                    return (t, l);
                }
            }
        }
        if let Some(t) = &self.own {
            return (t, store_lang);
        }
        let lang = crate::domain::locale::built_in(locale, store_lang);
        (crate::text::builtin::template(channel, lang), lang)
    }
}

#[derive(Debug, Clone)]
pub struct Step {
    /// How long after the shopper went idle this step is due (≥ `abandon_after`).
    pub after: SignedDuration,
    pub channel: Channel,
    /// Variant "A" is the step's own template and incentive; more variants split by weight.
    pub variants: Vec<Variant>,
    /// The lead temperatures this step is for (`leads = ["hot"]`); empty: every lead.
    pub leads: Vec<crate::domain::Temperature>,
    /// The carts this step is for (`when = {…}`); `None`: every cart.
    pub when: Option<condition::Condition>,
    /// Products that go with the cart shown in the e-mail or the WhatsApp message (`recommend = 3`,
    /// docs/recommendations.md).
    pub recommend: u8,
}

#[derive(Debug, Clone)]
pub struct CrossSellItem {
    pub sku: String,
    pub name: String,
    pub price_minor: i64,
    pub url: String,
}

#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub id: String,
    pub name: String,
    pub api_key_sha256: [u8; 32],
    pub twilio_auth_token: Secret,
    /// The SharedKey secret Twilio signs webhooks with when they carry
    /// `X-Twilio-Webhooks-Signature-Settings` (e.g. HMAC-SHA256); without it such requests are
    /// refused.
    pub twilio_webhook_shared_key: Option<Secret>,
    /// Verifies `X-Shopify-Hmac-Sha256` on `/v1/webhooks/shopify/{store}`; absent: no Shopify.
    pub shopify_webhook_secret: Option<Secret>,
    /// Verifies `X-WC-Webhook-Signature` on `/v1/webhooks/woocommerce/{store}`; absent: none.
    pub woocommerce_webhook_secret: Option<Secret>,
    /// The public key of the capture snippet (`POST /v1/collect/{store}`): it can only send
    /// cart activity for browser carts, from the allowed domains, rate-limited. Absent: off.
    pub publishable_key: Option<String>,
    /// Which provider carries each channel (default: the console).
    pub providers: std::sync::Arc<providers::Providers>,
    /// Verifies `X-Hub-Signature-256` on `/v1/whatsapp/{store}` (Meta's app secret).
    pub whatsapp_app_secret: Option<Secret>,
    /// Answers Meta's subscription handshake on the same route.
    pub whatsapp_verify_token: Option<Secret>,
    pub currency: Currency,
    /// The merchant's own rates to the store's currency (`exchange_rates`): one unit of the
    /// code's currency is this many of the store's. Used only to compare a cart's value with a
    /// condition's bound (docs/sequences.md); never shown, never charged.
    pub exchange_rates: std::collections::BTreeMap<&'static str, f64>,
    /// The store's language (BCP 47): of its own templates, and the fallback for shoppers whose
    /// language it has no text for.
    pub locale: String,
    /// The most SMS segments one message may cost; a longer one is refused at load, or skipped.
    pub max_sms_segments: usize,
    pub coupon_budget: CouponBudget,
    /// E-mail existing customers (an account id, no refusal on record) without an explicit yes,
    /// where the law allows it (the EU's soft opt-in). Off by default.
    pub email_soft_opt_in: bool,
    pub timezone: String,
    pub abandon_after: SignedDuration,
    pub steps: Vec<Step>,
    /// When some step's or variant's `when` names item kinds (tags, collections, product types):
    /// the labels they name and their fingerprint, which a cart's kept kinds are checked against
    /// (`abandonment::conditions::keep_item_kinds`). Derived from `steps` at load: whoever
    /// changes the steps after calls `refresh_conditions_on_items`.
    pub conditions_on_items: Option<ItemLabels>,
    pub quiet_hours: QuietHours,
    pub frequency_cap: FrequencyCap,
    pub free_shipping_threshold_minor: Option<i64>,
    pub cross_sell: Vec<CrossSellItem>,
    pub attribution_window: SignedDuration,
    pub link_ttl: SignedDuration,
    /// The store's own answers to keywords and hand-offs; `None`: the built-in text in the
    /// shopper's language (`reply_text`).
    pub help_text: Option<String>,
    pub stop_text: Option<String>,
    pub start_text: Option<String>,
    /// Answers by reason; each the store's text and its translations (never a built-in one).
    pub faq: BTreeMap<Reason, Localized>,
    pub handoff_text: Option<String>,
    pub allowed_domains: Vec<String>,
    pub holdout_percent: u8,
    /// Where hand-offs go: a signed POST (Standard Webhooks) to the store's endpoint.
    pub alert_webhook: Option<AlertWebhook>,
    /// Where signed events go (`[[stores.event_webhooks]]`, `outbound`), and the secret they
    /// are signed with (`event_webhook_secret`).
    pub event_webhooks: Vec<crate::outbound::EventWebhook>,
    pub event_webhook_secret: Option<Secret>,
    /// What the capture snippet's phones may be used for (`[stores.snippet]`).
    pub snippet: SnippetPolicy,
    /// When replies go to a person, and how long transcripts are kept (`[stores.conversations]`).
    pub conversations: ConversationPolicy,
    /// The optional second reader of replies the first are unsure about (`[stores.reader]`).
    pub reader: Option<ReaderConfig>,
    /// Where the catalogue comes from and what product answers may quote (`[stores.catalogue]`).
    pub catalogue: CatalogueConfig,
    /// What the capture snippet does on the shop's pages (`[stores.on_site]`, docs/on-site.md).
    pub on_site: OnSiteConfig,
}

/// `[stores.on_site]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OnSiteConfig {
    /// `None`: off (the default).
    pub tab_nudge: Option<TabNudge>,
    /// The exit-intent offer or delayed pop-up (`[stores.on_site.offer]`); `None`: off.
    pub offer: Option<Offer>,
}

/// `[stores.on_site.offer]` (docs/on-site.md): a unique single-use code for an e-mail address or
/// a phone number, with the shopper's consent, shown at most once in `every`.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    /// `exit_intent` (desktop: the pointer leaves toward the tab bar) or `delay`.
    pub show: &'static str,
    /// Never before the page has loaded and this long has passed (`delay`'s moment).
    pub delay: SignedDuration,
    /// What counts as leaving on a touch screen: `scroll_up` (a quick scroll back up), `back`
    /// (the back button, once) or `none`.
    pub mobile: &'static str,
    /// A shopper (a browser) sees it at most once in this window, shown, dismissed or taken.
    pub every: SignedDuration,
    /// What the form asks for: `email` or `sms` (a phone number).
    pub ask: Channel,
    /// The consent text's version, recorded in the consent ledger with the shopper's language.
    pub consent_version: String,
    /// Variant `A` is the offer's own incentive; more variants split by weight (an experiment).
    pub variants: Vec<OfferVariant>,
    /// Language tag → the dialog's texts, `{discount}` and `{store}` still to fill.
    pub texts: std::collections::BTreeMap<String, OfferTexts>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OfferVariant {
    pub name: std::sync::Arc<str>,
    pub weight: u32,
    /// `percent_off` or `fixed_off`: a code.
    pub incentive: Incentive,
}

/// The dialog's words in one language.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OfferTexts {
    pub title: String,
    pub body: String,
    pub field: String,
    pub consent: String,
    pub button: String,
    pub dismiss: String,
    pub thanks: String,
    pub no_code: String,
}

/// The tab title shown while a shopper with a cart is on another tab.
#[derive(Debug, Clone, PartialEq)]
pub struct TabNudge {
    /// Language tag → title: the built-in languages' and the store's own.
    pub titles: std::collections::BTreeMap<String, String>,
    /// Also mark the tab's icon.
    pub favicon: bool,
}

/// `[stores.catalogue]` (docs/catalogue.md).
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogueConfig {
    /// The shop's origin: its public `/products.json` is read on the refresh schedule (unless
    /// `shopify_admin` is set), and ready carts link to it.
    pub shopify_shop: Option<String>,
    /// Shopify's Admin GraphQL API (`https://{name}.myshopify.com` and the app's access token
    /// `shopify_admin_token`): read instead of `/products.json` when set.
    pub shopify_admin: Option<ShopifyAdmin>,
    /// A WooCommerce shop's origin: its REST API (`/wp-json/wc/v3`) is read with the store's
    /// `woocommerce_consumer_key`/`_secret`, and ready carts are its add-to-cart links.
    pub woocommerce_site: Option<String>,
    pub woocommerce_keys: Option<(Secret, Secret)>,
    /// Ready carts as WooCommerce 10's shareable checkout links (several products and a coupon);
    /// `false`: one-product add-to-cart links for older shops.
    pub woocommerce_checkout_links: bool,
    /// `None` ("off"): refreshed only when asked.
    pub refresh_every: Option<jiff::SignedDuration>,
    /// Product questions answered from the catalogue (default on, once there is one).
    pub answer_questions: bool,
    pub returns_days: Option<u32>,
    /// "2-4": as product answers quote it.
    pub shipping_days: Option<String>,
    /// Products (handles or ids) an e-mail recommends when too few go with the cart, in this
    /// order (docs/recommendations.md).
    pub recommend_fallback: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ShopifyAdmin {
    /// `https://{name}.myshopify.com`.
    pub origin: String,
    /// The Admin API version read (`2025-07`): Shopify supports each for a year.
    pub api_version: String,
    pub token: Secret,
}

/// `[stores.reader]` (docs/replies.md, "A second reader"): off unless configured.
#[derive(Debug, Clone, PartialEq)]
pub struct ReaderConfig {
    pub kind: ReaderKind,
    /// OpenAI-compatible: the base URL (`…/v1`); Bedrock: an endpoint override (tests, VPC).
    pub url: Option<String>,
    pub model: String,
    /// Bedrock: the model's region.
    pub region: Option<String>,
    /// How long a reply's webhook waits for it; past it, the first readers' verdict stands.
    pub timeout: SignedDuration,
    /// Readings per store and UTC day; past it, the first readers' verdict stands (counted).
    pub daily_budget: u32,
    /// `reader_api_key` (OpenAI-compatible servers that want one).
    pub api_key: Option<Secret>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderKind {
    /// An OpenAI-compatible chat completions endpoint (llama.cpp server, Ollama, vLLM).
    OpenAi,
    /// Amazon Bedrock's Converse API.
    Bedrock,
}

/// `[stores.conversations]` (docs/conversations.md).
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationPolicy {
    /// Transcripts are deleted this long after their last message (default 90 days).
    pub retention: jiff::SignedDuration,
    /// A reply about a cart worth at least this (minor units) always goes to a person.
    pub handoff_above_minor: Option<i64>,
    /// Replies with these reasons always go to a person, even when the FAQ could answer.
    pub handoff_reasons: Vec<Reason>,
    /// A shopper who asks for a person gets one (default on).
    pub handoff_when_asked: bool,
}

impl Default for ConversationPolicy {
    fn default() -> Self {
        ConversationPolicy {
            retention: jiff::SignedDuration::from_hours(90 * 24),
            handoff_above_minor: None,
            handoff_reasons: Vec::new(),
            handoff_when_asked: true,
        }
    }
}

/// Phones typed into a page are typed by anyone: a script can post numbers it does not own
/// (SMS pumping, toll fraud). A phone that arrives through the publishable key is kept only if
/// its country is allowed and the store's hourly budget of new snippet phones for its country
/// calling code is not spent (docs/connect-your-shop.md, "Any other shop: the capture snippet").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnippetPolicy {
    /// ISO 3166 alpha-2 countries whose phones the snippet may add; empty: any.
    pub sms_countries: Vec<String>,
    /// Snippet events with a phone accepted per hour per country calling code (per process);
    /// beyond it the phone is left out (the e-mail is kept).
    pub phones_per_hour: u32,
}

impl Default for SnippetPolicy {
    fn default() -> Self {
        SnippetPolicy { sms_countries: Vec::new(), phones_per_hour: 60 }
    }
}

/// A store's endpoint for hand-offs, and the secret its POSTs are signed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertWebhook {
    pub url: String,
    pub secret: Secret,
}

/// The answers Cartback sends to a shopper's reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyText {
    Help,
    Stop,
    Start,
    Handoff,
    /// A reply held for a person (docs/replies.md, "When a reply may be a no").
    Held,
    /// "Wrong number": the number is taken off.
    WrongNumber,
}

/// The labels a store's conditions name, each once per key in every spelling used, in order of
/// first appearance: tags, then collections, then product types. A cart's kept kinds
/// (`domain::ItemKinds::has`) are one bit a label in that order, so at most `ItemLabels::MAX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemLabels {
    /// FNV-1a over each key's name and labels: kept kinds read for other labels are read again.
    pub fingerprint: u64,
    /// Tags, collections, product types.
    pub by_key: [Vec<String>; 3],
}

impl ItemLabels {
    /// One bit a label in a `u64`: a store naming more reads the catalogue at every due step.
    pub const MAX: usize = 64;

    /// The bit of `label` under key `key` (0 tags, 1 collections, 2 product types), compared
    /// as spelled.
    pub fn bit(&self, key: usize, label: &str) -> Option<u32> {
        let before: usize = self.by_key[..key].iter().map(Vec::len).sum();
        let at = self.by_key[key].iter().position(|l| l == label)?;
        u32::try_from(before + at).ok().filter(|b| (*b as usize) < Self::MAX)
    }

    pub fn len(&self) -> usize {
        self.by_key.iter().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The conditions of these steps and their variants that name item kinds.
fn item_conditions(steps: &[Step]) -> impl Iterator<Item = &condition::Condition> {
    let whens = steps.iter().flat_map(|s| std::iter::once(&s.when).chain(s.variants.iter().map(|v| &v.when)));
    whens.filter_map(|w| w.as_ref().filter(|w| w.needs_catalogue()))
}

impl StoreConfig {
    /// Whether some step's or variant's `when` asks about the items' tags, collections or types:
    /// only then is the catalogue read when a step falls due.
    pub fn conditions_need_catalogue(&self) -> bool {
        self.conditions_on_items.is_some()
    }

    /// `minor` units of `from` in `to`, at the store's own rates (`exchange_rates`: one unit of
    /// a currency is that many of the store's), between the store's currency and another either
    /// way; none without a rate, or between two currencies neither of which is the store's (no
    /// rate is guessed or chained). Unrounded: a condition's bound rounds down, a price to the
    /// nearest minor unit.
    pub fn at_store_rate(&self, minor: i64, from: Currency, to: Currency) -> Option<f64> {
        let scale = 10f64.powi(i32::from(to.exponent()) - i32::from(from.exponent()));
        let value = if from == to {
            minor as f64
        } else if to == self.currency {
            minor as f64 * self.exchange_rates.get(from.code())? * scale
        } else if from == self.currency {
            minor as f64 / self.exchange_rates.get(to.code())? * scale
        } else {
            return None;
        };
        value.is_finite().then_some(value)
    }

    /// The steps' and variants' conditions that name item kinds (tags, collections, types).
    pub fn item_conditions(&self) -> impl Iterator<Item = &condition::Condition> {
        item_conditions(&self.steps)
    }

    /// What `conditions_on_items` holds for these steps.
    pub fn conditions_on_items_of(steps: &[Step]) -> Option<ItemLabels> {
        let mut by_key: [Vec<String>; 3] = Default::default();
        let mut any = false;
        for c in item_conditions(steps) {
            any = true;
            for (into, labels) in by_key.iter_mut().zip([&c.tags, &c.collections, &c.product_types]) {
                for label in labels {
                    if !into.contains(label) {
                        into.push(label.clone());
                    }
                }
            }
        }
        if !any {
            return None;
        }
        // Each key by name: "home" moved from `tags` to `collections` is another question. The
        // first part names this form of the kept kinds (bits), so kinds kept in another form
        // are read again.
        let mut h = crate::domain::fnv::Fnv1a::new();
        h.part(b"bits");
        for (key, labels) in ["tags", "collections", "product_types"].into_iter().zip(&by_key) {
            h.part(key.as_bytes());
            for label in labels {
                h.part(label.as_bytes());
            }
        }
        Some(ItemLabels { fingerprint: h.finish(), by_key })
    }

    /// Derives `conditions_on_items` again after the steps were changed in place.
    pub fn refresh_conditions_on_items(&mut self) {
        self.conditions_on_items = Self::conditions_on_items_of(&self.steps);
    }

    /// A product's page on the store's own domains: the platform's URL, else the Shopify shop's
    /// `/products/{handle}`; none when neither is on an allowed domain.
    pub fn product_page(&self, p: &crate::domain::catalogue::Product) -> Option<String> {
        let built = || self.catalogue.shopify_shop.as_ref().map(|s| format!("{s}/products/{}", p.handle));
        p.url.as_deref().and_then(|u| self.checked_url(u)).or_else(|| built().and_then(|u| self.checked_url(&u)))
    }

    /// Whether the store's signed events go anywhere: its `[[stores.event_webhooks]]` (which
    /// need the secret, checked at load) or the REST hooks a store with the secret may have.
    pub fn publishes_events(&self) -> bool {
        self.event_webhook_secret.is_some()
    }

    /// Whether anything of the store is delivered to its endpoints (events, or hand-offs to its
    /// `alert_webhook`), so it may have deliveries waiting for a retry.
    pub fn delivers_webhooks(&self) -> bool {
        self.publishes_events() || self.alert_webhook.is_some()
    }

    /// The store's calendar day at `now`, in its zone (checked at load; UTC if it were unknown):
    /// the day statistics are counted on.
    pub fn local_date(&self, now: jiff::Timestamp) -> jiff::civil::Date {
        now.to_zoned_datetime(jiff::tz::TimeZone::get(&self.timezone).unwrap_or(jiff::tz::TimeZone::UTC)).date()
    }

    /// The store's own text, else the built-in one in the shopper's language (their locale, else
    /// the store's), naming the store.
    pub fn reply_text(&self, which: ReplyText, shopper_locale: Option<&str>) -> String {
        let (own, key) = match which {
            ReplyText::Help => (self.help_text.as_ref(), "reply_help"),
            ReplyText::Stop => (self.stop_text.as_ref(), "reply_stop"),
            ReplyText::Start => (self.start_text.as_ref(), "reply_start"),
            ReplyText::Handoff => (self.handoff_text.as_ref(), "reply_handoff"),
            ReplyText::Held => (None, "reply_held"),
            ReplyText::WrongNumber => (None, "reply_wrong_number"),
        };
        if let Some(text) = own {
            return text.clone();
        }
        let lang = crate::domain::locale::built_in(shopper_locale, &self.locale);
        crate::text::builtin::phrase(key, lang, &[("store", &self.name)])
    }

    /// Whether a URL may be a restore target: http(s) on an allowed domain or its subdomain.
    pub fn allows_url(&self, url: &str) -> bool {
        self.checked_url(url).is_some()
    }

    /// The URL as it will be used (a restore link's redirect): re-serialised from the parsed
    /// form that was checked, never the raw text. Control characters and backslashes are
    /// refused outright: browsers and HTTP clients disagree on them (`https://shop.example\@evil.com`
    /// is shop.example to a WHATWG parser and evil.com to curl), and a CR/LF would break the
    /// `Location` header it ends up in.
    pub fn checked_url(&self, url: &str) -> Option<String> {
        if url.chars().any(|c| c.is_control() || c == '\\') {
            return None;
        }
        let parsed = url::Url::parse(url).ok()?;
        self.allows_parsed(&parsed).then(|| parsed.to_string())
    }

    fn allows_parsed(&self, parsed: &url::Url) -> bool {
        if !matches!(parsed.scheme(), "https" | "http") || parsed.username() != "" || parsed.password().is_some() {
            return false;
        }
        let Some(host) = parsed.host_str() else {
            return false;
        };
        let host = host.to_ascii_lowercase();
        self.allowed_domains
            .iter()
            .any(|d| host == *d || host.strip_suffix(d.as_str()).is_some_and(|rest| rest.ends_with('.')))
    }
}

/// The whole configuration: the public base URL and the stores.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where this deployment is reached from outside: restore and unsubscribe links use it.
    pub public_url: String,
    /// Where the providers' webhooks reach it (Twilio signs this URL; status callbacks name
    /// it): `public_url` unless the replies function has its own front door (a function URL,
    /// `FrontDoor=FunctionUrl` in infra/template.yaml).
    pub replies_url: String,
    stores: HashMap<String, Arc<StoreConfig>>,
    by_key: HashMap<[u8; 32], String>,
}

impl Config {
    pub fn new(public_url: String, stores: Vec<StoreConfig>) -> Config {
        let mut by_key = HashMap::new();
        let mut map = HashMap::new();
        for s in stores {
            by_key.insert(s.api_key_sha256, s.id.clone());
            map.insert(s.id.clone(), Arc::new(s));
        }
        let public_url = public_url.trim_end_matches('/').to_string();
        Config { replies_url: public_url.clone(), public_url, stores: map, by_key }
    }

    /// The same configuration with the providers' webhooks reaching `url`.
    pub fn with_replies_url(mut self, url: &str) -> Config {
        self.replies_url = url.trim_end_matches('/').to_string();
        self
    }

    pub fn store(&self, id: &str) -> Option<&Arc<StoreConfig>> {
        self.stores.get(id)
    }

    /// The day a store's statistics are counted on at `now` (UTC for a store no longer
    /// configured).
    pub fn stats_day(&self, store: &str, now: jiff::Timestamp) -> jiff::civil::Date {
        self.store(store).map_or_else(|| now.to_zoned_datetime(jiff::tz::TimeZone::UTC).date(), |s| s.local_date(now))
    }

    pub fn stores(&self) -> impl Iterator<Item = &Arc<StoreConfig>> {
        self.stores.values()
    }

    /// The store an API key belongs to. Keys are compared by SHA-256 digest, so the lookup's
    /// timing says nothing about the key itself.
    pub fn store_for_key(&self, api_key: &str) -> Option<&Arc<StoreConfig>> {
        let digest = hash_key(api_key);
        self.by_key.get(&digest).and_then(|id| self.stores.get(id))
    }

    pub fn from_toml(path: &str, text: &str) -> Result<Config, ConfigError> {
        parse::parse(path, text)
    }

    pub fn load(path: &str) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_string(), source })?;
        Config::from_toml(path, &text)
    }
}

pub fn hash_key(api_key: &str) -> [u8; 32] {
    Sha256::digest(api_key.as_bytes()).into()
}
