//! Why did the shopper leave? The reply model's reading of a free-text reply (`model`), in the
//! terms the rest of the engine uses: a reason, whether it is sure enough to answer without a
//! person, and its best guess for the person when it is not.

use crate::conversations::model::{Label, Prediction, ReplyModel};
use crate::domain::Reason;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Classification {
    /// The reason recorded: `other` when the model is unsure.
    pub reason: Reason,
    /// Sure enough to answer automatically (from the store's FAQ).
    pub confident: bool,
    /// The model's most likely label and its probability, shown to the person who answers.
    pub guess: Label,
    pub confidence: f32,
}

pub fn classify(text: &str) -> Classification {
    of_prediction(ReplyModel::builtin().predict(text))
}

/// The classification of a prediction already made (the replies path reads each text once).
/// `understand`'s prediction gives the same as `predict`'s here: the one label it changes, an
/// unsure `opt_out`, has no reason either way.
pub fn of_prediction(p: Prediction) -> Classification {
    let reason = p.label.reason().unwrap_or(Reason::Other);
    Classification {
        reason,
        confident: p.confident() && reason != Reason::Other,
        guess: p.guess,
        confidence: p.confidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The replies path classifies `understand`'s prediction; that must be what `classify` says
    /// of every text that is not an opt-out, over the whole corpus.
    #[test]
    fn one_reading_gives_the_same_classification() {
        let mut compared = 0;
        for ex in crate::conversations::model::corpus::builtin() {
            let p = ReplyModel::builtin().understand(&ex.text);
            if p.label != Label::OptOut {
                assert_eq!(of_prediction(p), classify(&ex.text), "{:?}", ex.text);
                compared += 1;
            }
        }
        assert!(compared > 100, "{compared}");
    }

    fn r(t: &str) -> Reason {
        classify(t).reason
    }

    #[test]
    fn english() {
        assert_eq!(r("shipping is too expensive"), Reason::UnexpectedFees);
        assert!(classify("shipping is too expensive").confident);
        assert_eq!(r("My card was declined"), Reason::PaymentProblem);
        assert_eq!(r("how long does delivery take?"), Reason::ShippingTime);
        assert_eq!(r("the site gave me an error"), Reason::TechnicalIssue);
        assert_eq!(r("is this a scam?"), Reason::Trust);
        assert_eq!(r("do you have it in size M"), Reason::ProductQuestion);
        assert_eq!(r("any discount?"), Reason::PriceDiscount);
        assert_eq!(r("not interested anymore"), Reason::NotInterested);
        assert_eq!(r("hello"), Reason::Other);
        assert!(!classify("hello").confident);
        assert!(!classify("asdf qwer").confident);
    }

    #[test]
    fn turkish() {
        assert_eq!(r("Kargo çok pahalı"), Reason::UnexpectedFees);
        assert_eq!(r("Ödeme yapamadım"), Reason::PaymentProblem);
        assert_eq!(r("Kargom ne zaman gelir?"), Reason::ShippingTime);
        assert_eq!(r("Site çalışmıyor"), Reason::TechnicalIssue);
        assert_eq!(r("İndirim var mı?"), Reason::PriceDiscount);
        assert_eq!(r("Vazgeçtim, teşekkürler"), Reason::NotInterested);
    }

    #[test]
    fn norwegian() {
        assert_eq!(r("Frakten er for dyr"), Reason::UnexpectedFees);
        assert_eq!(r("Betalingen feilet med Vipps"), Reason::PaymentProblem);
        assert_eq!(r("Hvor lang er leveringstiden?"), Reason::ShippingTime);
        assert_eq!(r("Har dere størrelse L?"), Reason::ProductQuestion);
        assert_eq!(r("Ikke interessert lenger"), Reason::NotInterested);
    }

    #[test]
    fn persian() {
        assert_eq!(r("هزینه ارسال خیلی زیاده"), Reason::UnexpectedFees);
        assert_eq!(r("پرداخت انجام نشد"), Reason::PaymentProblem);
        assert_eq!(r("کی میرسه؟"), Reason::ShippingTime);
        assert_eq!(r("تخفیف دارید؟"), Reason::PriceDiscount);
        assert_eq!(r("نمی\u{200c}خوام، منصرف شدم"), Reason::NotInterested);
        assert_eq!(r("سايز بزرگتر داريد؟"), Reason::ProductQuestion); // Arabic yeh folded
    }
}
