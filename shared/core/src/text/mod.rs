//! Message texts, beneath the configuration that holds them and the stages that send them: the
//! `template` language, the `builtin` texts in each language, and what an SMS costs
//! (`sms_segments`, `gsm_fold`).

pub mod builtin;
pub mod gsm_fold;
pub mod sms_segments;
pub mod template;
