//! Feedback: what the providers and shoppers report after a send. Delivery statuses
//! (`delivery`), SES events (`ses_events`), WhatsApp status webhooks (`whatsapp_statuses`) and
//! the one-click unsubscribe (its link and token: `messaging::unsubscribe_link`).

pub mod delivery;
pub mod ses_events;
pub mod whatsapp_statuses;
