use serde::{Deserialize, Serialize};

/// Why a shopper left, as told in a reply (docs/architecture.md, "Conversations").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    PaymentProblem,
    UnexpectedFees,
    TechnicalIssue,
    ShippingTime,
    Trust,
    ProductQuestion,
    PriceDiscount,
    NotInterested,
    Other,
}

impl Reason {
    pub const ALL: [Reason; 9] = [
        Reason::PaymentProblem,
        Reason::UnexpectedFees,
        Reason::TechnicalIssue,
        Reason::ShippingTime,
        Reason::Trust,
        Reason::ProductQuestion,
        Reason::PriceDiscount,
        Reason::NotInterested,
        Reason::Other,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Reason::PaymentProblem => "payment_problem",
            Reason::UnexpectedFees => "unexpected_fees",
            Reason::TechnicalIssue => "technical_issue",
            Reason::ShippingTime => "shipping_time",
            Reason::Trust => "trust",
            Reason::ProductQuestion => "product_question",
            Reason::PriceDiscount => "price_discount",
            Reason::NotInterested => "not_interested",
            Reason::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.as_str() == s)
    }
}
