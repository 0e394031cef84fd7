use super::*;
use crate::conversations::model::corpus::{builtin, split};
use crate::conversations::model::metrics::evaluate_with_holds;
use crate::conversations::model::train::{TrainOptions, train};
use crate::conversations::verdict;

/// The floor of docs/replies.md on the family-split held-out side, per language, as every
/// reader decides (`verdict`): no lower accuracy, no more opt-outs missed (neither read as one
/// nor held) or taken falsely than measured when the split was made. The targets (90 %, none
/// missed, ≤ 1 % false) are not all met; `cartback replies eval` says where.
#[test]
fn held_out_floor() {
    let (_, held) = split(builtin());
    let model = ReplyModel::builtin();
    let report = evaluate_with_holds(&held, |t| {
        let r = verdict::read_with(model, t);
        (r.label(), matches!(r.verdict, verdict::Verdict::Hold(_)))
    });
    for (lang, c) in &report.per_language {
        let (missed, false_, _) = report.safety(Some(lang));
        assert!(c.accuracy() >= FLOOR.accuracy, "{lang}: accuracy {:.3} below the floor\n{report}", c.accuracy());
        assert!(missed <= FLOOR.missed, "{lang}: {missed} opt-outs missed\n{report}");
        assert!(false_ <= FLOOR.false_opt_outs, "{lang}: {false_} false opt-outs\n{report}");
    }
    assert_eq!(report.per_language.len(), 4);
}

/// The model checked in is what the script trains from the corpus checked in: nobody can
/// change one without the other.
#[test]
fn checked_in_model_is_what_training_gives() {
    let (train_rows, _) = split(builtin());
    let trained = train(&train_rows, TrainOptions::default()).to_bytes();
    assert!(trained == BUILTIN, "shared/core/data/reply-model.bin is stale: run scripts/train-reply-model");
}

/// The threshold, on both sides of it, with models whose answer is known: no weights, and a
/// bias towards `trust` that leaves it at 0.2 or makes it 0.9 (the trained model is measured
/// on the corpus, not here).
#[test]
fn low_confidence_is_other_with_the_guess_kept() {
    const CLASSES: usize = Label::ALL.len();
    use crate::conversations::model::weights::Weights;
    let with_trust_at = |p: f32| {
        // softmax: p = e^b / (e^b + 9) for the one class with bias b.
        let b = (9.0 * p / (1.0 - p)).ln();
        let mut bias = [0f32; CLASSES];
        bias[Label::Reason(Reason::Trust).index()] = b;
        ReplyModel::new(Weights::quantize(&vec![0.0; features::BUCKETS * CLASSES], &bias))
    };
    let unsure = with_trust_at(0.2).predict("is this shop real");
    assert!((unsure.confidence - 0.2).abs() < 0.01, "{unsure:?}");
    assert_eq!((unsure.label, unsure.guess), (Label::Reason(Reason::Other), Label::Reason(Reason::Trust)));
    assert!(!unsure.confident());
    let sure = with_trust_at(0.9).predict("is this shop real");
    assert!((sure.confidence - 0.9).abs() < 0.01, "{sure:?}");
    assert_eq!((sure.label, sure.guess), (Label::Reason(Reason::Trust), Label::Reason(Reason::Trust)));
    assert!(sure.confident());
    let stop = ReplyModel::builtin().understand("please stop texting me");
    assert_eq!((stop.label, stop.confidence), (Label::OptOut, 1.0));
}

/// Opt-out words in an idiom are not an opt-out, whatever the model guesses: the model reads "I
/// can't stop thinking about that jacket" as one with confidence 0.85, "remove the red shirt from
/// my cart" with 0.63; such a reply goes to a person (or is read for its reason). A real request
/// that shares the idiom's words still stops.
#[test]
fn opt_out_words_in_an_idiom_are_not_taken_from_the_model() {
    let model = ReplyModel::builtin();
    for t in [
        "I can't stop thinking about that jacket",
        "cant stop thinking about it",
        "I'll stop by the shop",
        "remove the red shirt from my cart",
        "When does the sale stop?",
        "stop the order? no I still want it",
        "stopper innom butikken senere",
        "یه محصول رو از سبد حذف کردم",
    ] {
        let p = model.understand(t);
        assert_ne!(p.label, Label::OptOut, "{t:?}: {p:?}");
    }
    for t in [
        "I can't stop thinking about it, but stop texting me",
        "stop by? no. stop sending me these",
        "remove me from your list and remove the shirt from my cart",
        "یه محصول رو از سبد حذف کردم، و دیگه پیام ندید",
        "I revoke my consent",
    ] {
        assert_eq!(model.understand(t).label, Label::OptOut, "{t:?}");
    }
}
