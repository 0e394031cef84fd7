//! Feedback: what the providers and shoppers report after a send. Delivery statuses
//! (`delivery`), SES events (`ses_events`), WhatsApp status webhooks (`whatsapp_statuses`) and
//! the one-click unsubscribe (its link and token: `messaging::unsubscribe_link`).

pub mod delivery;
pub mod ses_events;
pub mod whatsapp_statuses;

use crate::engine::Kernel;
use crate::ports::CartStore;
use std::sync::Arc;

/// What providers and shoppers report after a send: delivery statuses, SES events, the
/// one-click unsubscribe, and the consent record (`delivery`). Holds the carts and contacts.
pub struct Feedback {
    pub(crate) k: Arc<Kernel>,
    pub(crate) carts: Arc<dyn CartStore>,
}
