//! Turning a cart, a step and a variant into the text a shopper receives.

use crate::config::{Incentive, StoreConfig};
use crate::domain::money::Money;
use crate::domain::{Cart, Channel};
use crate::ports::OutgoingMessage;
use crate::text::template::{ItemView, MessageContext, Template};
use crate::{domain::locale, text::builtin};
use jiff::Timestamp;

/// What the composer needs that is not in the cart: the link and the coupon chosen for it.
pub struct ComposeInput<'a> {
    pub cart: &'a Cart,
    pub cfg: &'a StoreConfig,
    pub step: u32,
    pub variant: usize,
    pub link: &'a str,
    pub coupon: Option<&'a str>,
    pub now: Timestamp,
}

/// The free-shipping gap in the cart's currency, when the store has a threshold in it.
pub fn free_shipping_gap(cart: &Cart, cfg: &StoreConfig) -> Option<i64> {
    let threshold = cfg.free_shipping_threshold_minor?;
    if cart.currency? != cfg.currency {
        return None;
    }
    let gap = threshold - cart.subtotal_minor();
    (gap > 0).then_some(gap)
}

/// The variables for `template`: only those it uses are filled in (the rest stay empty).
pub fn context(input: &ComposeInput<'_>, template: &Template, lang: &str) -> MessageContext {
    let ComposeInput { cart, cfg, step, variant, link, coupon, now } = *input;
    let uses = |v: &str| template.uses(v);
    let currency = cart.currency.unwrap_or(cfg.currency);
    let fmt = |minor: i64| locale::money(Money { minor, currency }, lang);
    let store_money = |minor: i64| locale::money(Money { minor, currency: cfg.currency }, lang);
    let items: Vec<ItemView> = if uses("items") {
        cart.items
            .iter()
            .map(|i| ItemView { name: i.name.clone(), quantity: i.quantity, price: fmt(i.unit_price_minor) })
            .collect()
    } else {
        Vec::new()
    };
    let gap = free_shipping_gap(cart, cfg);
    let cross = gap.and_then(|g| cfg.cross_sell.iter().filter(|c| c.price_minor >= g).min_by_key(|c| c.price_minor));
    let tz = locale::zone_for(cart.customer.timezone.as_deref(), &cfg.timezone);
    let incentive = if uses("incentive") || uses("coupon_code") || uses("coupon_expires") {
        cfg.steps.get(step as usize).and_then(|s| s.variants.get(variant)).and_then(|v| v.incentive.clone())
    } else {
        None
    };
    let until = |expires: jiff::SignedDuration| {
        locale::digits(lang, &(now + expires).to_zoned_datetime(tz.clone()).strftime("%H:%M").to_string())
    };
    let (incentive_text, coupon_expires) = match (&incentive, coupon) {
        (Some(Incentive::PercentOff { percent, expires }), Some(code)) => {
            let until = until(*expires);
            let percent = locale::digits(lang, &percent.to_string());
            (builtin::phrase("percent_off", lang, &[("code", code), ("percent", &percent), ("until", &until)]), until)
        }
        (Some(Incentive::FixedOff { amount_minor, expires }), Some(code)) => {
            let until = until(*expires);
            let amount = store_money(*amount_minor);
            (builtin::phrase("fixed_off", lang, &[("code", code), ("amount", &amount), ("until", &until)]), until)
        }
        // Free shipping is a first-order offer: not for shoppers known to have ordered before.
        (Some(Incentive::FreeShipping), _) if cart.customer.orders_count.unwrap_or(0) == 0 => {
            (builtin::phrase("free_shipping", lang, &[]), String::new())
        }
        (Some(Incentive::CrossSell), _) => match (gap, cross) {
            (Some(g), Some(c)) => (
                builtin::phrase(
                    "cross_sell",
                    lang,
                    &[("item", &c.name), ("price", &fmt(c.price_minor)), ("gap", &fmt(g))],
                ),
                String::new(),
            ),
            _ => (String::new(), String::new()),
        },
        _ => (String::new(), String::new()),
    };
    let text = |v: &str, f: &dyn Fn() -> String| if uses(v) { f() } else { String::new() };
    MessageContext {
        first_name: text("first_name", &|| cart.customer.first_name.clone().unwrap_or_default()),
        store_name: text("store_name", &|| cfg.name.clone()),
        item_count: cart.items.iter().map(|i| i.quantity).sum(),
        items,
        total: text("total", &|| fmt(cart.subtotal_minor())),
        link: text("link", &|| link.to_string()),
        incentive: incentive_text,
        coupon_code: coupon.unwrap_or_default().to_string(),
        coupon_expires,
        free_shipping_gap: text("free_shipping_gap", &|| gap.map(fmt).unwrap_or_default()),
        free_shipping_threshold: text("free_shipping_threshold", &|| {
            cfg.free_shipping_threshold_minor.map(store_money).unwrap_or_default()
        }),
        cross_sell: text("cross_sell", &|| {
            cross.map(|c| format!("{} ({})", c.name, fmt(c.price_minor))).unwrap_or_default()
        }),
    }
}

/// Whether this step's variant offers a discount that needs a unique code.
pub fn needs_coupon(cfg: &StoreConfig, step: u32, variant: usize) -> bool {
    matches!(
        cfg.steps.get(step as usize).and_then(|s| s.variants.get(variant)).and_then(|v| v.incentive.as_ref()),
        Some(Incentive::PercentOff { .. } | Incentive::FixedOff { .. })
    )
}

/// What a message needs beyond its text: where callbacks and unsubscribes come back to.
pub struct Delivery<'a> {
    /// The channel the message goes out on (the step's, unless the send policy chose SMS).
    pub channel: Channel,
    pub seq: u64,
    pub public_url: &'a str,
    /// Where the providers' callbacks reach Cartback (`Config::replies_url`).
    pub replies_url: &'a str,
    pub contact_key: Option<&'a str>,
    /// The shopper's latest WhatsApp message (opens the 24-hour window for free-form text).
    pub last_whatsapp_inbound_at: Option<Timestamp>,
    /// The latest moment the text may still reach the phone (the send policy's `deliver_by`),
    /// sent to the provider as the message's validity.
    pub deliver_by: Option<Timestamp>,
}

pub use crate::domain::channel::WHATSAPP_WINDOW;

/// Why a message could not be composed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComposeError {
    /// Over the store's `max_sms_segments` even after the fallbacks (`shorten_sms`): the step
    /// is skipped and counted (`steps_skipped.too_long`).
    #[error("{segments} SMS segments ({encoding}) even shortened, over the store's max_sms_segments of {max}")]
    TooLong { segments: usize, encoding: &'static str, max: usize },
    /// A defect (templates are checked at load).
    #[error("{0}")]
    Render(String),
}

impl From<&str> for ComposeError {
    fn from(e: &str) -> Self {
        ComposeError::Render(e.to_string())
    }
}

impl From<String> for ComposeError {
    fn from(e: String) -> Self {
        ComposeError::Render(e)
    }
}

/// An SMS over the store's cap falls back, in this order, before it is given up: the first name
/// spelled in GSM-7 letters (Zoë → Zoe, Łukasz → Lukasz; an emoji dropped), which keeps a
/// Latin-script text in GSM-7; then no first name; then only the first item of the list.
fn shorten_sms(template: &Template, mut ctx: MessageContext, body: String, max: usize) -> Result<String, ComposeError> {
    let over = |b: &str| crate::text::sms_segments::segments(b).segments > max;
    if !over(&body) {
        return Ok(body);
    }
    let mut last = body;
    let steps: [&dyn Fn(&mut MessageContext); 3] =
        [&|c| c.first_name = crate::text::gsm_fold::fold(&c.first_name), &|c| c.first_name.clear(), &|c| {
            c.items.truncate(1)
        }];
    for step in steps {
        step(&mut ctx);
        last = template.render(&ctx)?;
        if !over(&last) {
            return Ok(last);
        }
    }
    let cost = crate::text::sms_segments::segments(&last);
    Err(ComposeError::TooLong { segments: cost.segments, encoding: cost.encoding.as_str(), max })
}

pub fn compose(input: &ComposeInput<'_>, d: &Delivery<'_>) -> Result<OutgoingMessage, ComposeError> {
    let ComposeInput { cart, cfg, step, variant, .. } = *input;
    let s = cfg.steps.get(step as usize).ok_or("no such step")?;
    let v = s.variants.get(variant).ok_or("no such variant")?;
    let channel = d.channel;
    let to = cart.customer.address(channel).ok_or("no address")?.expose().to_string();
    let (template, lang) = v.template.pick(channel, cart.customer.locale.as_deref(), &cfg.locale);
    let ctx = context(input, template, lang);
    let mut body = template.render(&ctx)?;
    if body.is_empty() {
        return Err("the template rendered an empty message".into());
    }
    if channel == Channel::Sms {
        body = shorten_sms(template, ctx, body, cfg.max_sms_segments)?;
    }
    // An e-mail's subject is a notification's title.
    let subject = matches!(channel, Channel::Email | Channel::Webpush)
        .then(|| builtin::phrase("subject", lang, &[("store", &cfg.name)]));
    if channel == Channel::Webpush {
        body = body.trim().to_string();
    }
    let email = channel == Channel::Email;
    let unsubscribe_url =
        d.contact_key.filter(|_| email).map(|k| crate::messaging::unsubscribe_link::url(d.public_url, cfg, k));
    let html = email.then(|| html_of(&body, unsubscribe_url.as_deref(), lang));
    let status_callback = (channel == Channel::Sms).then(|| {
        let q: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("cart", &cart.id)
            .append_pair("seq", &d.seq.to_string())
            .finish();
        format!("{}/v1/status/twilio/{}?{q}", d.replies_url, cfg.id)
    });
    let valid_for_secs = d.deliver_by.map(|t| u32::try_from((t - input.now).as_secs().max(1)).unwrap_or(u32::MAX));
    let template_values = (channel == Channel::Whatsapp).then(|| crate::ports::TemplateValues {
        first_name: cart.customer.first_name.clone().unwrap_or_else(|| builtin::phrase("there", lang, &[])),
        store: cfg.name.clone(),
        link: input.link.to_string(),
        code: input.coupon.map(str::to_string),
        store_locale: cfg.locale.clone(),
    });
    Ok(OutgoingMessage {
        channel,
        store: cfg.id.clone(),
        cart: cart.id.clone(),
        step,
        variant: v.name.clone(),
        to,
        subject,
        body,
        seq: d.seq,
        html,
        unsubscribe_url,
        status_callback,
        template_values,
        valid_for_secs,
        locale: cart.customer.locale.clone(),
        session_open: crate::domain::channel::whatsapp_window_open(d.last_whatsapp_inbound_at, input.now),
        interactive: None,
        link: (channel == Channel::Webpush).then(|| input.link.to_string()),
        providers: cfg.providers.clone(),
    })
}

/// A product an e-mail recommends (docs/recommendations.md), ready to show: its price in the
/// shopper's currency when it can be stated in it, and its tracked link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recommended {
    pub title: String,
    pub price: Option<Money>,
    /// Variants in stock differ in price: "from …".
    pub from: bool,
    /// The price was converted at the store's own rate: "≈ …".
    pub approximate: bool,
    pub link: String,
}

/// Adds the recommendations to a composed message, in the language it was written in: to an
/// e-mail after its text and before the unsubscribe link; to a WhatsApp message inside the
/// customer-service window as its text's last lines (title and price) and one reply button a
/// product (`messaging::recommendations::recommendation_button_id`; a tap is answered with the
/// product's tracked link). When they cannot go, the message is left as it was and the cause
/// (the stats' `recommendations.none.{cause}`): `template` (outside the window the message is a
/// template, which carries only what Meta approved), `too_long` (Meta's limit for an
/// interactive message's text), `untitled` (Meta refuses a button without a title),
/// `sent_as_sms` (a WhatsApp step that went by SMS).
pub fn add_recommendations(
    msg: &mut OutgoingMessage,
    input: &ComposeInput<'_>,
    recommended: &[Recommended],
) -> Result<(), &'static str> {
    if recommended.is_empty() {
        return Ok(());
    }
    recommendations_fit(msg)?;
    if msg.channel == Channel::Email {
        add_to_email(msg, input, recommended);
        Ok(())
    } else {
        add_to_whatsapp(msg, input, recommended)
    }
}

/// Whether a composed message can carry recommendations at all (before any are picked), else
/// the cause `add_recommendations` names: an e-mail, and a WhatsApp message inside the window.
pub fn recommendations_fit(msg: &OutgoingMessage) -> Result<(), &'static str> {
    match msg.channel {
        Channel::Email => Ok(()),
        Channel::Whatsapp if msg.session_open => Ok(()),
        Channel::Whatsapp => Err("template"),
        _ => Err("sent_as_sms"),
    }
}

/// A WhatsApp message's recommendation lines and reply buttons (see `add_recommendations`).
fn add_to_whatsapp(
    msg: &mut OutgoingMessage,
    input: &ComposeInput<'_>,
    recommended: &[Recommended],
) -> Result<(), &'static str> {
    use crate::domain::channel::{
        WHATSAPP_BUTTON_TITLE_MAX, WHATSAPP_INTERACTIVE_BODY_MAX, WHATSAPP_REPLY_BUTTONS_MAX,
    };
    let lang = message_language(input, msg.channel);
    let shown = &recommended[..recommended.len().min(WHATSAPP_REPLY_BUTTONS_MAX)];
    let mut body = msg.body.trim_end().to_string();
    body.push_str("\n\n");
    body.push_str(&builtin::phrase("recommended", lang, &[]));
    for r in shown {
        body.push_str("\n- ");
        body.push_str(&r.title);
        if let Some(price) = price_text(r, lang) {
            body.push_str(if locale::is_rtl(lang) { "، " } else { ", " });
            body.push_str(&price);
        }
    }
    if body.chars().count() > WHATSAPP_INTERACTIVE_BODY_MAX {
        return Err("too_long");
    }
    if shown.iter().any(|r| r.title.trim().is_empty()) {
        return Err("untitled");
    }
    // A title longer than Meta allows is cut with an ellipsis (the text above has it whole).
    // Meta refuses two buttons of one message with the same title: when cutting makes two
    // alike ("Merino Wool Sweater…" twice), each is numbered as its line in the text.
    let cut = |t: &str| {
        let t = t.trim();
        if t.chars().count() <= WHATSAPP_BUTTON_TITLE_MAX {
            t.to_string()
        } else {
            let mut cut: String = t.chars().take(WHATSAPP_BUTTON_TITLE_MAX - 1).collect();
            cut.truncate(cut.trim_end().len());
            cut.push('…');
            cut
        }
    };
    let mut titles: Vec<String> = shown.iter().map(|r| cut(&r.title)).collect();
    if titles.iter().enumerate().any(|(i, t)| titles[..i].contains(t)) {
        titles = shown.iter().enumerate().map(|(i, r)| cut(&format!("{}. {}", i + 1, r.title.trim()))).collect();
    }
    // The restore link ends in the cart's token: the id names the cart (its `seq` is the cart's).
    let token = input.link.rsplit('/').next().unwrap_or_default();
    let buttons = titles
        .into_iter()
        .enumerate()
        .map(|(i, title)| crate::ports::ReplyButton {
            id: super::recommendations::recommendation_button_id(token, msg.seq, i),
            title,
        })
        .collect();
    msg.body = body;
    msg.interactive = Some(crate::ports::Interactive::Replies(buttons));
    Ok(())
}

/// An e-mail's recommendations (see `add_recommendations`).
fn add_to_email(msg: &mut OutgoingMessage, input: &ComposeInput<'_>, recommended: &[Recommended]) {
    let lang = message_language(input, msg.channel);
    // Into the HTML already rendered, before its unsubscribe paragraph (or its end): the text
    // is not rendered a second time.
    let heading = builtin::phrase("recommended", lang, &[]);
    let prices: Vec<Option<String>> = recommended.iter().map(|r| price_text(r, lang)).collect();
    if let Some(html) = msg.html.as_mut() {
        let at = html.rfind(UNSUBSCRIBE_PARAGRAPH).or_else(|| html.rfind("</body>")).unwrap_or(html.len());
        let mut block = String::with_capacity(256 * recommended.len());
        recommendations_html(&mut block, &heading, recommended, &prices);
        html.insert_str(at, &block);
    }
    msg.body.push_str("\n\n");
    msg.body.push_str(&heading);
    for (r, price) in recommended.iter().zip(&prices) {
        msg.body.push_str("\n- ");
        msg.body.push_str(&r.title);
        if let Some(price) = price {
            msg.body.push_str(if locale::is_rtl(lang) { "، " } else { ", " });
            msg.body.push_str(price);
        }
        msg.body.push_str(": ");
        msg.body.push_str(&r.link);
    }
}

/// The language a step's message is written in: its template's, as `compose` picks it.
fn message_language<'a>(input: &ComposeInput<'a>, channel: Channel) -> &'a str {
    let v = input.cfg.steps.get(input.step as usize).and_then(|s| s.variants.get(input.variant));
    v.map_or("en", |v| v.template.pick(channel, input.cart.customer.locale.as_deref(), &input.cfg.locale).1)
}

fn price_text(r: &Recommended, lang: &str) -> Option<String> {
    let money = locale::money(r.price?, lang);
    let money = if r.approximate { format!("≈ {money}") } else { money };
    Some(if r.from { builtin::phrase("price_from", lang, &[("price", &money)]) } else { money })
}

/// The HTML part of an e-mail: the text, escaped, its links clickable, paragraphs kept, and the
/// unsubscribe link at the foot. One pass, no intermediate strings: it runs for every e-mail.
pub fn html_of(text: &str, unsubscribe_url: Option<&str>, lang: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2 + 256);
    let dir = if locale::is_rtl(lang) { "rtl" } else { "ltr" };
    out.push_str("<!doctype html><html lang=\"");
    escape_into(&mut out, lang);
    out.push_str("\" dir=\"");
    out.push_str(dir);
    out.push_str("\"><body style=\"font-family:sans-serif;line-height:1.5\">");
    for para in text.split("\n\n") {
        out.push_str("<p>");
        for (i, line) in para.split('\n').enumerate() {
            if i > 0 {
                out.push_str("<br>");
            }
            for (j, word) in line.split(' ').enumerate() {
                if j > 0 {
                    out.push(' ');
                }
                let url = word.trim_end_matches(['.', ',', ')']);
                if url.starts_with("https://") || url.starts_with("http://") {
                    out.push_str("<a href=\"");
                    escape_into(&mut out, url);
                    out.push_str("\">");
                    escape_into(&mut out, url);
                    out.push_str("</a>");
                    escape_into(&mut out, &word[url.len()..]);
                } else {
                    escape_into(&mut out, word);
                }
            }
        }
        out.push_str("</p>");
    }
    if let Some(u) = unsubscribe_url {
        out.push_str(UNSUBSCRIBE_PARAGRAPH);
        out.push_str("<a href=\"");
        escape_into(&mut out, u);
        out.push_str("\">");
        // In the shopper's language, like the rest of the message.
        escape_into(&mut out, &builtin::phrase("unsubscribe", lang, &[]));
        out.push_str("</a></p>");
    }
    out.push_str("</body></html>");
    out
}

/// The unsubscribe paragraph's opening, where recommendations go before.
const UNSUBSCRIBE_PARAGRAPH: &str = "<p style=\"font-size:12px;color:#666\">";

/// The recommendations' heading and list, escaped.
fn recommendations_html(out: &mut String, heading: &str, recommended: &[Recommended], prices: &[Option<String>]) {
    out.push_str("<h2 style=\"font-size:16px\">");
    escape_into(out, heading);
    out.push_str("</h2><ul>");
    for (r, price) in recommended.iter().zip(prices) {
        out.push_str("<li><a href=\"");
        escape_into(out, &r.link);
        out.push_str("\">");
        escape_into(out, &r.title);
        out.push_str("</a>");
        if let Some(price) = price {
            out.push_str(" · ");
            escape_into(out, price);
        }
        out.push_str("</li>");
    }
    out.push_str("</ul>");
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Meta refuses a button without a title, two with the same title, a title over 20
    /// characters and a text over 1 024: each handled, and a template carries none.
    #[test]
    fn whatsapp_buttons_keep_to_metas_rules() {
        let config = crate::config::demo_config();
        let store = config.store("demo").unwrap();
        let step = store.steps.iter().position(|s| s.channel == Channel::Whatsapp).unwrap() as u32;
        let mut cart = crate::abandonment::conditions::sample_carts(store).remove(2).1; // WhatsApp, Turkish
        std::sync::Arc::make_mut(&mut cart.customer).locale = Some("en".into());
        let link = "https://cb.example/r/AbCdEfGhIjKlMnOpQrStUv";
        let input =
            ComposeInput { cart: &cart, cfg: store, step, variant: 0, link, coupon: None, now: cart.created_at };
        let d = Delivery {
            channel: Channel::Whatsapp,
            seq: 7,
            public_url: "https://cb.example",
            replies_url: "https://cb.example",
            contact_key: None,
            last_whatsapp_inbound_at: Some(cart.created_at),
            deliver_by: None,
        };
        let rec = |title: &str| Recommended {
            title: title.into(),
            price: None,
            from: false,
            approximate: false,
            link: format!("{link}?rec=7.0"),
        };
        let buttons = |recs: &[Recommended]| {
            let mut m = compose(&input, &d).unwrap();
            add_recommendations(&mut m, &input, recs).map(|()| match m.interactive {
                Some(crate::ports::Interactive::Replies(b)) => b,
                other => panic!("{other:?}"),
            })
        };
        let b = buttons(&[rec("Scarf"), rec("Merino Wool Sweater in Navy Blue")]).unwrap();
        let titles: Vec<&str> = b.iter().map(|b| b.title.as_str()).collect();
        assert_eq!(titles, ["Scarf", "Merino Wool Sweater…"]);
        assert_eq!(b[1].id, "REC:AbCdEfGhIjKlMnOpQrStUv.7.1");
        let b = buttons(&[rec("Merino Wool Sweater – Navy"), rec("Merino Wool Sweater – Grey"), rec("Hat")]).unwrap();
        let titles: Vec<&str> = b.iter().map(|b| b.title.as_str()).collect();
        assert_eq!(titles, ["1. Merino Wool Swea…", "2. Merino Wool Swea…", "3. Hat"], "alike once cut: numbered");
        assert!(b.iter().all(|b| b.title.chars().count() <= crate::domain::channel::WHATSAPP_BUTTON_TITLE_MAX));
        assert_eq!(buttons(&[rec("Scarf"), rec(" ")]), Err("untitled"));
        assert_eq!(buttons(&[rec(&"x".repeat(1100))]), Err("too_long"));
        let mut template = compose(&input, &Delivery { last_whatsapp_inbound_at: None, ..d }).unwrap();
        assert_eq!(add_recommendations(&mut template, &input, &[rec("Scarf")]), Err("template"));
        assert!(template.interactive.is_none());
    }

    #[test]
    fn html_escapes_links_lines_and_direction() {
        let h = html_of("Hi <b>&\nSee https://s.example/r/x?a=1&b=2.\n\nBye", Some("https://u.example/1"), "fa");
        assert!(h.starts_with("<!doctype html><html lang=\"fa\" dir=\"rtl\">"), "{h}");
        assert!(h.contains("<p>Hi &lt;b&gt;&amp;<br>See <a href=\"https://s.example/r/x?a=1&amp;b=2\">https://s.example/r/x?a=1&amp;b=2</a>.</p><p>Bye</p>"), "{h}");
        // The footer in the shopper's language (it said "Unsubscribe" in all four).
        assert!(h.ends_with("<a href=\"https://u.example/1\">لغو اشتراک</a></p></body></html>"), "{h}");
        let en = html_of("Hi", Some("https://u.example/1"), "en");
        assert!(en.ends_with("<a href=\"https://u.example/1\">Unsubscribe</a></p></body></html>"), "{en}");
    }
}
