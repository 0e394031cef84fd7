//! What a Lambda does where nothing real is configured yet, without any local-mode stand-in:
//! - `LogOnlyChannel`: a store that leaves a channel on `console` gets each message written to
//!   the function's log (address masked, text left out: message texts never reach a log) and
//!   answered `Unconfigured`, so the step is recorded as skipped (`steps.skipped.no_provider`,
//!   alarmed), never counted as sent; `cartback store` refuses such a step before it is written;
//! - `LoggedHandoffs`: a hand-off is one structured WARN line (shopper masked, reply text left
//!   out), holding nothing in memory, until the store's alert destination is wired.

use async_trait::async_trait;
use cartback_core::domain::pii::mask;
use cartback_core::ports::{Alerts, ChannelError, ChannelSender, Handoff, OutgoingMessage};
use cartback_core::text::sms_segments::segments;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
pub struct LogOnlyChannel {
    logged: AtomicU64,
}

impl LogOnlyChannel {
    /// Messages logged by this container.
    pub fn logged(&self) -> u64 {
        self.logged.load(Ordering::Relaxed)
    }
}

#[async_trait]
impl ChannelSender for LogOnlyChannel {
    async fn send(&self, msg: &OutgoingMessage) -> Result<String, ChannelError> {
        self.logged.fetch_add(1, Ordering::Relaxed);
        let sms = (msg.channel == cartback_core::domain::Channel::Sms).then(|| segments(&msg.body).segments);
        tracing::warn!(
            store = %msg.store,
            cart = %msg.cart,
            step = msg.step,
            channel = %msg.channel,
            to = %mask(&msg.to),
            chars = msg.body.chars().count(),
            sms_segments = sms,
            "message logged, not sent: no provider is configured for this channel (console)"
        );
        // Never counted as sent: the step is recorded as skipped (`steps.skipped.no_provider`),
        // which the stack alarms on.
        Err(ChannelError::Unconfigured(format!("{} is on console for store {}", msg.channel, msg.store)))
    }
}

#[derive(Default)]
pub struct LoggedHandoffs {
    logged: AtomicU64,
}

impl LoggedHandoffs {
    pub fn logged(&self) -> u64 {
        self.logged.load(Ordering::Relaxed)
    }
}

#[async_trait]
impl Alerts for LoggedHandoffs {
    async fn handoff(&self, h: &Handoff) {
        self.logged.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(
            store = %h.store,
            cart = h.cart.as_deref(),
            channel = %h.channel,
            from = %h.from_masked,
            reason = %h.reason,
            chars = h.text.chars().count(),
            "hand-off: a shopper's reply needs a person"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cartback_core::domain::Channel;
    use std::sync::{Arc, Mutex};

    /// Captures what the adapters log, as the JSON lines a Lambda writes.
    fn capture<F: std::future::Future<Output = ()>>(f: impl FnOnce() -> F) -> String {
        #[derive(Clone, Default)]
        struct Buf(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Buf {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buf = Buf::default();
        let writer = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_writer(move || writer.clone())
            .with_max_level(tracing::Level::INFO)
            .finish();
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        tracing::subscriber::with_default(subscriber, || rt.block_on(f()));
        let out = buf.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        String::from_utf8(out).expect("utf-8 logs")
    }

    #[test]
    fn a_logged_message_names_its_cart_but_not_its_address_or_text() {
        let ch = LogOnlyChannel::default();
        let msg = OutgoingMessage {
            channel: Channel::Sms,
            store: "demo".into(),
            cart: "c_1".into(),
            step: 0,
            variant: "A".into(),
            to: "+905321234567".into(),
            subject: None,
            body: "Ayşe, your cart is waiting: secret-text".into(),
            seq: 1,
            html: None,
            unsubscribe_url: None,
            status_callback: None,
            template_values: None,
            valid_for_secs: None,
            locale: None,
            session_open: false,
            interactive: None,
            link: None,
            providers: Arc::default(),
        };
        let logs = capture(|| async {
            // Logged, and answered as not sent: never counted as a message.
            assert!(matches!(ch.send(&msg).await, Err(ChannelError::Unconfigured(_))));
        });
        assert!(logs.contains("c_1") && logs.contains("no provider is configured"), "{logs}");
        assert!(!logs.contains("+905321234567") && !logs.contains("secret-text") && !logs.contains("Ayşe"), "{logs}");
        assert_eq!(ch.logged(), 1);
    }

    #[test]
    fn a_handoff_is_logged_without_the_reply_and_kept_nowhere() {
        let alerts = LoggedHandoffs::default();
        let h = Handoff {
            store: "demo".into(),
            cart: Some("c_1".into()),
            channel: Channel::Sms,
            from_masked: "+905*******67".into(),
            text: "call me on 0532 123 45 67".into(),
            reason: "product_question".into(),
            at: jiff::Timestamp::UNIX_EPOCH,
            conversation: None,
            inbox_url: None,
            guess: String::new(),
            rule: String::new(),
        };
        let logs = capture(|| async { alerts.handoff(&h).await });
        assert!(
            logs.contains("hand-off") && logs.contains("product_question") && logs.contains("+905*******67"),
            "{logs}"
        );
        assert!(!logs.contains("0532"), "{logs}");
        assert_eq!(alerts.logged(), 1);
    }
}
