//! The ten things a reply can say, as the model and its corpus name them.

use crate::domain::Reason;

/// A reason a shopper left (`Reason`, `other` included), or a request to stop messaging.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Label {
    Reason(Reason),
    OptOut,
}

impl Label {
    /// Every label, in the order of the model's classes (its file format depends on it).
    pub const ALL: [Label; 10] = [
        Label::Reason(Reason::PaymentProblem),
        Label::Reason(Reason::UnexpectedFees),
        Label::Reason(Reason::TechnicalIssue),
        Label::Reason(Reason::ShippingTime),
        Label::Reason(Reason::Trust),
        Label::Reason(Reason::ProductQuestion),
        Label::Reason(Reason::PriceDiscount),
        Label::Reason(Reason::NotInterested),
        Label::OptOut,
        Label::Reason(Reason::Other),
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Label::Reason(r) => r.as_str(),
            Label::OptOut => "opt_out",
        }
    }

    pub fn parse(s: &str) -> Option<Label> {
        Label::ALL.into_iter().find(|l| l.as_str() == s)
    }

    pub fn index(&self) -> usize {
        Label::ALL.iter().position(|l| l == self).unwrap_or(Label::ALL.len() - 1)
    }

    /// The reason recorded for the reply; an opt-out records none.
    pub fn reason(&self) -> Option<Reason> {
        match self {
            Label::Reason(r) => Some(*r),
            Label::OptOut => None,
        }
    }
}
