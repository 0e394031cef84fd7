//! The `console` channel of local mode: prints each message (address masked) and keeps the
//! latest ones in an outbox the operator can read back in full — it is their own machine.
//! The outbox is bounded so a server left running does not grow without limit.

use async_trait::async_trait;
use cartback_core::domain::pii::mask;
use cartback_core::domain::pii::printable;
use cartback_core::ports::{Alerts, ChannelError, ChannelSender, Clock, Handoff, OutgoingMessage};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// Messages kept for `GET /_local/outbox`; older ones are dropped (they were printed).
pub const OUTBOX_CAPACITY: usize = 10_000;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: String,
    pub channel: String,
    pub recipient: String,
    pub store: String,
    pub cart_id: String,
    pub step: u32,
    pub variant: std::sync::Arc<str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub body: String,
    pub sent_at: Timestamp,
    /// SMS only: what the message costs in segments, and its encoding (GSM-7 or UCS-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segments: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<cartback_core::text::sms_segments::Encoding>,
    /// E-mail: the one-click unsubscribe link it carries (`List-Unsubscribe`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsubscribe_url: Option<String>,
    /// The send record it belongs to.
    #[serde(default)]
    pub seq: u64,
    /// WhatsApp: the buttons it carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interactive: Option<cartback_core::ports::Interactive>,
    /// Web push: the document the service worker receives once the browser decrypts it
    /// (`messaging::push_payload`), as a push service would deliver it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_payload: Option<String>,
}

pub struct ConsoleChannel {
    clock: Arc<dyn Clock>,
    outbox: Mutex<Outbox>,
    print: bool,
}

#[derive(Default)]
struct Outbox {
    latest: VecDeque<OutboxEntry>,
    /// Every message ever sent, including those dropped from `latest`.
    total: usize,
}

impl ConsoleChannel {
    pub fn new(clock: Arc<dyn Clock>, print: bool) -> ConsoleChannel {
        ConsoleChannel { clock, outbox: Mutex::new(Outbox::default()), print }
    }

    /// The latest messages, oldest first (at most `OUTBOX_CAPACITY`), each SMS with its cost:
    /// measured here, when someone reads the outbox, rather than on every send.
    pub fn outbox(&self) -> Vec<OutboxEntry> {
        let list: Vec<OutboxEntry> =
            self.outbox.lock().unwrap_or_else(|e| e.into_inner()).latest.iter().cloned().collect();
        list.into_iter().map(with_segments).collect()
    }

    /// Messages sent since start-up.
    pub fn count(&self) -> usize {
        self.outbox.lock().unwrap_or_else(|e| e.into_inner()).total
    }
}

#[async_trait]
impl ChannelSender for ConsoleChannel {
    async fn send(&self, msg: &OutgoingMessage) -> Result<String, ChannelError> {
        let now = self.clock.now();
        let mut g = self.outbox.lock().unwrap_or_else(|e| e.into_inner());
        g.total += 1;
        let id = format!("console-{}", g.total);
        if self.print {
            print_message(now, msg);
        }
        if g.latest.len() == OUTBOX_CAPACITY {
            g.latest.pop_front();
        }
        g.latest.push_back(plain_entry(id.clone(), msg, now));
        Ok(id)
    }
}

/// How the console shows a message: the address masked, the body indented.
pub fn print_message(now: Timestamp, msg: &OutgoingMessage) {
    let cost = match msg.channel {
        cartback_core::domain::Channel::Sms => {
            let s = cartback_core::text::sms_segments::segments(&msg.body);
            format!(", {} segment(s) {}", s.segments, s.encoding.as_str())
        }
        _ => String::new(),
    };
    println!(
        "[{now}] {} to {} (store {}, cart {}, step {}, variant {}{cost}):\n    {}",
        msg.channel,
        printable(&mask(&msg.to)),
        printable(&msg.store),
        printable(&msg.cart),
        msg.step,
        printable(&msg.variant),
        printable(&msg.body.replace('\n', "\n    ")).replace("\\u{a}", "\n")
    );
}

/// How the console shows a hand-off (the address is already masked).
pub fn print_handoff(h: &Handoff) {
    // The reply is the shopper's own text and may hold their number or address: redacted, in
    // every script's digits, like a log line (the full text is in `/_local/alerts`).
    let text = cartback_core::domain::pii::redact_free_text(&h.text);
    println!(
        "[{}] HAND-OFF for store {} from {} (reason {}): {text}",
        h.at,
        printable(&h.store),
        printable(&h.from_masked),
        h.reason
    );
}

/// The outbox's record of a message, with its SMS cost.
pub fn entry(id: String, msg: &OutgoingMessage, now: Timestamp) -> OutboxEntry {
    with_segments(plain_entry(id, msg, now))
}

/// Adds the SMS segment count and encoding to an SMS entry.
fn with_segments(mut e: OutboxEntry) -> OutboxEntry {
    if e.channel == "sms" {
        let s = cartback_core::text::sms_segments::segments(&e.body);
        e.segments = Some(s.segments);
        e.encoding = Some(s.encoding);
    }
    e
}

fn plain_entry(id: String, msg: &OutgoingMessage, now: Timestamp) -> OutboxEntry {
    OutboxEntry {
        id,
        channel: msg.channel.to_string(),
        recipient: msg.to.clone(),
        store: msg.store.clone(),
        cart_id: msg.cart.clone(),
        step: msg.step,
        variant: msg.variant.clone(),
        subject: msg.subject.clone(),
        body: msg.body.clone(),
        sent_at: now,
        segments: None,
        encoding: None,
        unsubscribe_url: msg.unsubscribe_url.clone(),
        seq: msg.seq,
        interactive: msg.interactive.clone(),
        push_payload: (msg.channel == cartback_core::domain::Channel::Webpush)
            .then(|| cartback_core::messaging::push_payload::payload(msg)),
    }
}

/// Hand-offs kept in memory (and printed) in local mode.
#[derive(Default)]
pub struct MemoryAlerts {
    pub list: Mutex<Vec<Handoff>>,
    pub print: bool,
}

impl MemoryAlerts {
    pub fn new(print: bool) -> MemoryAlerts {
        MemoryAlerts { list: Mutex::new(Vec::new()), print }
    }

    pub fn all(&self) -> Vec<Handoff> {
        self.list.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[async_trait]
impl Alerts for MemoryAlerts {
    async fn handoff(&self, h: &Handoff) {
        if self.print {
            print_handoff(h);
        }
        self.list.lock().unwrap_or_else(|e| e.into_inner()).push(h.clone());
    }
}
