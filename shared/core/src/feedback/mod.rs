//! Feedback: what the providers and shoppers report after a send. Delivery statuses
//! (`delivery`), SES events (`ses_events`), WhatsApp status webhooks (`whatsapp_statuses`) and
//! one-click unsubscribe (`unsubscribe`).

pub mod delivery;
pub mod ses_events;
pub mod unsubscribe;
pub mod whatsapp_statuses;
