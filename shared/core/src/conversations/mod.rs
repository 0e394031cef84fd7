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
pub mod reasons;
pub mod replies;
pub mod second_reader;
pub mod twilio_webhook;
pub mod verdict;
pub mod whatsapp_answer;
pub mod whatsapp_inbound;
