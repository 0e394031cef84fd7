//! Conversations: what a shopper answers. `keywords` (STOP/START/HELP in four languages),
//! `reasons` (why the shopper left), and `replies`, the use case that records, answers and
//! hands off. `twilio_webhook` checks the signature of what Twilio posts and writes TwiML answers.

pub mod caution;
pub mod confusables;
mod confusables_table;
pub mod inbox;
pub mod keywords;
pub mod model;
pub mod opt_out;
pub mod person;
pub mod ready_cart;
pub mod reasons;
pub mod replies;
pub mod second_reader;
pub mod twilio_webhook;
pub mod verdict;
pub mod whatsapp_answer;
pub mod whatsapp_inbound;

use crate::engine::Kernel;
use crate::engine::outbox::Outbox;
use crate::ports::{Alerts, CartStore, ReplyReader};
use std::sync::Arc;

/// A shopper's reply, handled (`replies`, with its `second_reader` and the WhatsApp answer,
/// `whatsapp_answer`). Holds the carts and contacts, the hand-off alerts, the second reader,
/// the outbox (for the WhatsApp answer) and the inbox (a hand-off opens a conversation there).
pub struct Replies {
    pub(crate) k: Arc<Kernel>,
    pub(crate) carts: Arc<dyn CartStore>,
    pub(crate) alerts: Arc<dyn Alerts>,
    pub(crate) reader: Arc<dyn ReplyReader>,
    pub(crate) outbox: Arc<Outbox>,
    pub(crate) inbox: Inbox,
    pub(crate) catalogues: Arc<dyn crate::ports::CatalogueStore>,
}

/// The merchant's inbox: conversations listed, read, answered by a person, closed, and a
/// reading corrected (`inbox`). Holds the carts (conversations live beside them) and the outbox.
#[derive(Clone)]
pub struct Inbox {
    pub(crate) k: Arc<Kernel>,
    pub(crate) carts: Arc<dyn CartStore>,
    pub(crate) outbox: Arc<Outbox>,
    /// Read for what the inbox shows beside a transcript, and for ready carts.
    pub(crate) catalogues: Arc<dyn crate::ports::CatalogueStore>,
}
