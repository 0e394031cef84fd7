//! The second reader (docs/replies.md, "A second reader"): for a reply the first readers are
//! unsure about — read as a reason without certainty, or held — a language model is asked what
//! it says, when the store configures one (`[stores.reader]`). What leaves: the reply with
//! phone numbers and e-mail addresses masked (`pii::redact_free_text`), and fixed instructions.
//! What comes back is read strictly: one JSON object `{"label", "opt_out", "language"}`, or it
//! is not used. It may add an opt-out, never remove one, and never lifts a hold.

use crate::config::StoreConfig;
use crate::conversations::Replies;
use crate::conversations::model::Label;
use crate::conversations::verdict::{HoldCause, Reading, Verdict};
use crate::engine::counters::Counter;

/// What the second reader said, once read strictly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondReading {
    pub label: Label,
    pub opt_out: bool,
    pub language: String,
}

/// The instructions: the labels, what counts as an opt-out, the answer's one form.
pub fn instructions() -> String {
    let labels: Vec<&str> = Label::ALL.iter().map(Label::as_str).collect();
    format!(
        "You read a shopper's reply to an abandoned-cart reminder (SMS, WhatsApp or e-mail) sent by an \
         online shop. The reply may be in any language. Answer with one JSON object and nothing else: \
         {{\"label\": one of [{}], \"opt_out\": true or false, \"language\": the reply's ISO 639-1 code}}. \
         opt_out is true when the shopper asks, in any words or tone, to receive no more messages, says \
         this is the wrong number or person, or says they never agreed to be contacted; label is then \
         \"opt_out\". Otherwise label is why they left the cart, or \"other\". Personal data in the reply \
         is masked as [number] or a***@b***.",
        labels.join(", ")
    )
}

/// Reads the model's answer: exactly one JSON object (optionally inside a ```json fence, as
/// chat models write it), with a known label, a boolean `opt_out` and a string `language`.
pub fn parse_answer(text: &str) -> Result<SecondReading, String> {
    let t = text.trim();
    let t = t.strip_prefix("```json").or_else(|| t.strip_prefix("```")).map_or(t, |r| r.trim_end_matches("```"));
    let v: serde_json::Value = serde_json::from_str(t.trim()).map_err(|e| format!("not one JSON object: {e}"))?;
    let obj = v.as_object().ok_or("not a JSON object")?;
    let label = obj.get("label").and_then(|l| l.as_str()).ok_or("no `label` string")?;
    // The label echoed back at most in part: a model may have put the reply's words there.
    let label =
        Label::parse(label).ok_or_else(|| format!("unknown label `{}`", label.chars().take(24).collect::<String>()))?;
    let opt_out = obj.get("opt_out").and_then(|o| o.as_bool()).ok_or("no `opt_out` boolean")?;
    let language = obj.get("language").and_then(|l| l.as_str()).unwrap_or("und");
    let language: String =
        language.chars().filter(char::is_ascii_alphabetic).take(3).collect::<String>().to_lowercase();
    Ok(SecondReading { label, opt_out: opt_out || label == Label::OptOut, language })
}

/// Whether a reading is one the second reader is asked about: not already a "no", and either
/// held or read without certainty.
pub fn wanted(reading: &Reading) -> bool {
    match reading.verdict {
        Verdict::OptOut { .. } | Verdict::WrongNumber => false,
        // An unsure hold the model read with confidence is most often a question: the reader's
        // budget is kept for the replies that are truly unclear.
        Verdict::Hold(HoldCause::Unsure) | Verdict::Reason => !reading.prediction.confident(),
        Verdict::Hold(_) => true,
    }
}

impl Replies {
    /// Asks the store's second reader about `text`, within its daily budget. `None` when the
    /// store has none, the budget is spent, or the reader failed or answered out of form: the
    /// first readers' verdict stands. Every call and its end are counted (`reader.*`).
    pub(crate) async fn second_reading(&self, store: &StoreConfig, text: &str) -> Option<SecondReading> {
        let cfg = store.reader.as_ref()?;
        let today = self.k.clock.now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
        let used = self.k.stats.get_one(&store.id, &Counter::ReaderCallsOn(today).key()).await.ok()?;
        if used >= i64::from(cfg.daily_budget) {
            self.k.count(&store.id, vec![(Counter::Reader("over_budget"), 1)]).await;
            return None;
        }
        let masked = crate::domain::pii::redact_free_text(text);
        let answer = self.reader.complete(cfg, &instructions(), &masked).await;
        let mut stats = vec![(Counter::ReaderCallsOn(today), 1)];
        let reading = match answer {
            Ok(t) => match parse_answer(&t) {
                Ok(r) => {
                    stats.push((Counter::Reader(if r.opt_out { "opt_out" } else { "read" }), 1));
                    Some(r)
                }
                Err(e) => {
                    // What a model or a provider wrote: escaped, never printed raw.
                    tracing::warn!(store = %store.id, error = %crate::domain::pii::printable(&e), "the second reader's answer was not used");
                    stats.push((Counter::Reader("error.malformed"), 1));
                    None
                }
            },
            Err(e) => {
                tracing::warn!(store = %store.id, error = %crate::domain::pii::printable(&e.to_string()), "the second reader failed");
                stats.push((Counter::ReaderError(e.cause()), 1));
                None
            }
        };
        self.k.count(&store.id, stats).await;
        reading
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Reason;

    #[test]
    fn answers_are_read_strictly() {
        let ok = parse_answer(r#"{"label": "trust", "opt_out": false, "language": "tr"}"#).unwrap();
        assert_eq!(ok, SecondReading { label: Label::Reason(Reason::Trust), opt_out: false, language: "tr".into() });
        let fenced = parse_answer("```json\n{\"label\": \"opt_out\", \"opt_out\": true, \"language\": \"fa\"}\n```");
        assert!(fenced.unwrap().opt_out);
        // An opt_out label is an opt-out, whatever the flag says.
        assert!(parse_answer(r#"{"label": "opt_out", "opt_out": false, "language": "en"}"#).unwrap().opt_out);
        for bad in [
            "",
            "trust",
            "[1]",
            r#"{"label": "maybe", "opt_out": false}"#,
            r#"{"label": "trust", "opt_out": "no"}"#,
            r#"{"label": "trust"}"#,
            r#"{"label": "trust", "opt_out": false} and more"#,
        ] {
            assert!(parse_answer(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_instructions_name_every_label() {
        let i = instructions();
        for l in Label::ALL {
            assert!(i.contains(l.as_str()), "{}", l.as_str());
        }
    }
}
