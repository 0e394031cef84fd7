//! The store's counters, typed. Every counter the engine changes is a `Counter`; its `key()` is
//! the name adapters store it under, built here and nowhere else, and the report reads the same
//! names back through the same prefixes (`prefix`). The names are stable: stored data and
//! dashboards use them.

use crate::domain::{Channel, DeliveryStatus, Reason, Temperature};
use std::sync::Arc;

/// The counter families that the report reads as maps (one entry per channel, step, …).
pub mod prefix {
    pub const MESSAGES_SENT: &str = "messages.sent.";
    pub const MESSAGES_FAILED: &str = "messages.failed.";
    pub const MESSAGES_DELIVERED: &str = "messages.delivered.";
    pub const MESSAGES_UNDELIVERED: &str = "messages.undelivered.";
    pub const MESSAGES_STEP: &str = "messages.step.";
    pub const MESSAGES_VARIANT: &str = "messages.variant.";
    pub const COUPONS_ISSUED_ON: &str = "coupons.issued.";
    pub const COUPONS_WITHHELD: &str = "coupons.withheld.";
    pub const STEPS_SKIPPED: &str = "steps.skipped.";
    pub const STEPS_DEFERRED: &str = "steps.deferred.";
    pub const REVENUE_RECOVERED: &str = "revenue.recovered.";
    pub const OPT_OUTS: &str = "optouts.";
    pub const OPT_INS: &str = "optins.";
    pub const REASONS: &str = "reasons.";
    pub const LEADS_CAPTURED: &str = "leads.captured.";
    pub const LEADS_ABANDONED: &str = "leads.abandoned.";
    pub const LEADS_RECOVERED: &str = "leads.recovered.";
    pub const WEBHOOKS: &str = "webhooks.";
    pub const HANDOFFS: &str = "handoffs.";
    pub const CONVERSATIONS: &str = "conversations.";
    pub const SNIPPET: &str = "snippet.";
    pub const EVENTS_OUT: &str = "events_out.";
    pub const EXPERIMENT: &str = "experiment.";
    /// The on-site offer's `offers.{variant}.{shown|dismissed|claimed|withheld|converted|revenue_…}`.
    pub const OFFERS: &str = "offers.";
    pub const MESSAGES_LANGUAGE: &str = "messages.language.";
    pub const RECOVERED_LANGUAGE: &str = "recovered.language.";
    /// Replies that may be a "no", by how they ended: `held.{cause}` when held, then
    /// `decided.{opt_out|released}` or `expired` (docs/replies.md).
    pub const HOLDS: &str = "holds.";
    /// The store's catalogue: `refreshed`, `uploaded`, `rejected.{cause}`, `refresh_failed.{cause}`,
    /// `product_webhooks.{updated|deleted}` (docs/catalogue.md).
    pub const CATALOGUE: &str = "catalogue.";
    /// Shoppers' questions by how they were met: `answered`, `order_status`, `person.{why}`.
    pub const QUESTIONS: &str = "questions.";
    /// Products recommended in e-mails: `shown`, `picked.{why}`, `none.{cause}`, `clicks`,
    /// `orders`, `revenue_{currency}` (docs/recommendations.md).
    pub const RECOMMENDATIONS: &str = "recommendations.";
    /// Orders' progress from the platform: `received`, `partly_shipped`, `shipped`,
    /// `needs_person`, `unchanged`, `unknown_shopper` (docs/catalogue.md).
    pub const ORDER_PROGRESS: &str = "orders.progress.";
    /// A person's corrections of a reading, `{from}.{to}` labels.
    pub const CORRECTIONS: &str = "corrections.";
    /// The second reader: `calls.{date}`, `read`, `opt_out`, `over_budget`, `error.{cause}`.
    pub const READER: &str = "reader.";
}

/// The names of the single counters that other code reads by name (the AWS metrics), as
/// `Counter::key` writes them.
pub mod name {
    pub const CARTS_ABANDONED: &str = "carts.abandoned";
    pub const ORDERS_RECOVERED: &str = "orders.recovered";
    pub const ORDERS_CONVERTED: &str = "orders.converted";
    pub const SENDS_UNKNOWN: &str = "sends.unknown";
    pub const HANDOFFS_DELIVERED: &str = "handoffs.delivered";
    pub const HANDOFFS_FAILED: &str = "handoffs.failed";
}

/// The holdout (never messaged) and the treated carts of an experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Holdout,
    Treated,
}

impl Group {
    pub fn of(holdout: bool) -> Group {
        if holdout { Group::Holdout } else { Group::Treated }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Group::Holdout => "holdout",
            Group::Treated => "treated",
        }
    }
}

/// What an experiment counts for one step and variant (`experiment.{step}.{measure}.{variant}`):
/// carts that got the variant (once per cart), clicks on the restore link after it, and the
/// orders and revenue of the carts that got it (`engine/experiments.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Carts,
    Clicks,
    /// Clicks on a product the message recommended.
    RecommendationClicks,
    Orders,
    /// In minor units of the currency.
    Revenue(&'static str),
    /// The sum of each order's revenue squared, in hundredths of minor units squared
    /// (`square_hundredths`): with the sum and the count, the revenue's variance.
    RevenueSquares(&'static str),
}

impl Measure {
    fn name(&self) -> std::borrow::Cow<'static, str> {
        match self {
            Measure::Carts => "carts".into(),
            Measure::Clicks => "clicks".into(),
            Measure::RecommendationClicks => "rec_clicks".into(),
            Measure::Orders => "orders".into(),
            Measure::Revenue(c) => format!("revenue_{c}").into(),
            Measure::RevenueSquares(c) => format!("revenue_sq_{c}").into(),
        }
    }
}

/// The language a shopper is counted under: the primary subtag of their locale (else the
/// store's), lower case; `und` when it is not two or three letters (so no counter name carries
/// what a storefront sent).
pub fn language_of(locale: Option<&str>, store_locale: &str) -> String {
    let tag = locale.filter(|l| !l.is_empty()).unwrap_or(store_locale);
    let primary = tag.split(['-', '_']).next().unwrap_or_default();
    if (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_alphabetic()) {
        primary.to_ascii_lowercase()
    } else {
        "und".into()
    }
}

/// The second reader's calls of a UTC day (`reader.calls.{date}`): read back for its budget.
pub const READER_CALLS_ON: &str = "reader.calls.";

/// The UTC day a read-back counter (`coupons.issued.{date}`, `reader.calls.{date}`) names: the
/// only day it changes.
pub fn read_back_day(key: &str) -> Option<jiff::civil::Date> {
    key.strip_prefix(prefix::COUPONS_ISSUED_ON).or_else(|| key.strip_prefix(READER_CALLS_ON))?.parse().ok()
}

/// An order's revenue squared, in hundredths (so a sum over many orders fits in an `i64`: an
/// order of 10 million minor units adds 10^12).
pub fn square_hundredths(minor: i64) -> i64 {
    let sq = i128::from(minor) * i128::from(minor) / 100;
    i64::try_from(sq).unwrap_or(i64::MAX)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Counter {
    /// A change carried in a cart record under its key (`Cart::pending_stats`).
    Carried(String),
    CartsTracked,
    CartsAbandoned,
    AbandonmentEpisodes,
    CartsSuppressed,
    /// A cart's first message (the funnel's "messaged").
    CartsMessaged,
    /// Messages sent and orders recovered by the shopper's language (`language_of`).
    MessagesLanguage(String),
    RecoveredLanguage(String),
    LeadsCaptured(Temperature),
    LeadsAbandoned(Temperature),
    LeadsRecovered(Temperature),
    OrdersRecovered,
    OrdersConverted,
    OrdersLinkedByContact,
    OrdersUnlinked,
    /// In minor units of the currency (ISO 4217 code).
    RevenueRecovered(&'static str),
    GroupCarts(Group),
    GroupOrders(Group),
    /// Revenue of the group's orders (any order of an abandoned cart), by currency.
    GroupRevenue(Group, &'static str),
    GroupRevenueSquares(Group, &'static str),
    /// An experiment's measure for a step's variant.
    Experiment(u32, Arc<str>, Measure),
    MessagesSent(Channel),
    MessagesFailed(Channel),
    /// A push service said a subscription is gone (404/410): the cart forgot it.
    PushSubscriptionsGone,
    MessagesDelivered(Channel),
    MessagesUndelivered(Channel),
    MessagesStep(u32),
    MessagesVariant(u32, Arc<str>),
    CouponsIssued,
    /// Codes issued on a UTC day: the store's daily budget reads it.
    CouponsIssuedOn(jiff::civil::Date),
    CouponsRedeemed,
    CouponsWithheld(&'static str),
    StepsSkipped(&'static str),
    StepsDeferred(&'static str),
    SendsUnknown,
    Clicks,
    OptOuts(Channel),
    OptIns(Channel),
    Reasons(Reason),
    /// Hand-offs POSTed to the store's `alert_webhook`, and those that could not be.
    HandoffsDelivered,
    HandoffsFailed,
    /// Hand-offs whose first tries failed, left to the retry schedule (`outbound::RETRY_AFTER`).
    HandoffsRetrying,
    /// A storefront delivery of a topic Cartback does not use, by platform.
    WebhookIgnored(&'static str),
    /// A verified storefront delivery that could not be used, by platform and cause (a field's
    /// error code, or the mapping's reason).
    WebhookDropped(&'static str, String),
    /// A verified delivery's platform API version (`webhooks.shopify.api_version.2026-04`): which
    /// payload shapes a store's subscriptions send (`intake::shopify::api_version`).
    WebhookApiVersion(&'static str, String),
    /// What the capture snippet sent that was left out or made neutral, by cause
    /// (`first_name`, `item_name`, `phone.country_not_allowed`, `phone.phone_rate`).
    SnippetDropped(&'static str),
    /// Signed events to the store's endpoints: `delivered`, `failed` (kept for a replay),
    /// `replayed`.
    EventsOut(&'static str),
    /// Conversations with a person: `opened`, `answered`, `unknown`, `failed`, `throttled`, `closed`.
    Conversations(&'static str),
    /// Replies held for a person, and how holds ended (`prefix::HOLDS`).
    Holds(String),
    /// "Wrong number" replies: the number taken off.
    WrongNumbers,
    /// The catalogue kept in step (`prefix::CATALOGUE`).
    Catalogue(String),
    /// A shopper's question met from the catalogue, or not (`prefix::QUESTIONS`).
    Questions(String),
    /// Products recommended in e-mails, their clicks and orders (`prefix::RECOMMENDATIONS`).
    Recommendations(String),
    /// An order's progress kept for "where is my order?" (`prefix::ORDER_PROGRESS`).
    OrderProgress(&'static str),
    /// SES's permanent bounces and spam complaints, for the store's e-mail rates
    /// (`engine::email_health`).
    EmailBounces,
    EmailComplaints,
    /// The store's e-mail paused, for a rate (`bounce_rate`, `complaint_rate`), and resumes.
    EmailPaused,
    EmailPausedFor(&'static str),
    EmailResumed,
    /// A person's correction of a reading, from the automated label to theirs.
    Corrections(&'static str, &'static str),
    /// The second reader's calls on a UTC day: its daily budget reads it.
    ReaderCallsOn(jiff::civil::Date),
    /// How a second reading ended: `read`, `opt_out`, `over_budget`, `error.malformed`.
    Reader(&'static str),
    ReaderError(&'static str),
}

impl Counter {
    /// A final delivery report's counter (`Sent` is not final: not counted).
    pub fn delivery(status: DeliveryStatus, channel: Channel) -> Option<Counter> {
        match status {
            DeliveryStatus::Sent => None,
            DeliveryStatus::Delivered => Some(Counter::MessagesDelivered(channel)),
            DeliveryStatus::Undelivered => Some(Counter::MessagesUndelivered(channel)),
            DeliveryStatus::Failed => Some(Counter::MessagesFailed(channel)),
        }
    }

    pub fn key(&self) -> String {
        use prefix as p;
        match self {
            Counter::Carried(key) => key.clone(),
            Counter::CartsTracked => "carts.tracked".into(),
            Counter::CartsAbandoned => name::CARTS_ABANDONED.into(),
            Counter::AbandonmentEpisodes => "carts.abandoned_episodes".into(),
            Counter::CartsSuppressed => "carts.suppressed".into(),
            Counter::CartsMessaged => "carts.messaged".into(),
            Counter::MessagesLanguage(l) => format!("{}{l}", p::MESSAGES_LANGUAGE),
            Counter::RecoveredLanguage(l) => format!("{}{l}", p::RECOVERED_LANGUAGE),
            Counter::LeadsCaptured(t) => format!("{}{}", p::LEADS_CAPTURED, t.as_str()),
            Counter::LeadsAbandoned(t) => format!("{}{}", p::LEADS_ABANDONED, t.as_str()),
            Counter::LeadsRecovered(t) => format!("{}{}", p::LEADS_RECOVERED, t.as_str()),
            Counter::OrdersRecovered => name::ORDERS_RECOVERED.into(),
            Counter::OrdersConverted => name::ORDERS_CONVERTED.into(),
            Counter::OrdersLinkedByContact => "orders.linked_by_contact".into(),
            Counter::OrdersUnlinked => "orders.unlinked".into(),
            Counter::RevenueRecovered(currency) => format!("{}{currency}", p::REVENUE_RECOVERED),
            Counter::GroupCarts(g) => format!("{}.carts", g.as_str()),
            Counter::GroupOrders(g) => format!("{}.orders", g.as_str()),
            Counter::GroupRevenue(g, cur) => format!("{}.revenue.{cur}", g.as_str()),
            Counter::GroupRevenueSquares(g, cur) => format!("{}.revenue_sq.{cur}", g.as_str()),
            Counter::Experiment(step, variant, m) => format!("{}{step}.{}.{variant}", p::EXPERIMENT, m.name()),
            Counter::MessagesSent(c) => format!("{}{c}", p::MESSAGES_SENT),
            Counter::MessagesFailed(c) => format!("{}{c}", p::MESSAGES_FAILED),
            Counter::PushSubscriptionsGone => "webpush.subscriptions_gone".into(),
            Counter::MessagesDelivered(c) => format!("{}{c}", p::MESSAGES_DELIVERED),
            Counter::MessagesUndelivered(c) => format!("{}{c}", p::MESSAGES_UNDELIVERED),
            Counter::MessagesStep(step) => format!("{}{step}", p::MESSAGES_STEP),
            Counter::MessagesVariant(step, variant) => format!("{}{step}.{variant}", p::MESSAGES_VARIANT),
            Counter::CouponsIssued => "coupons.issued".into(),
            // By hand: strftime costs a microsecond, and this runs for every code sent.
            Counter::CouponsIssuedOn(d) => {
                format!("{}{:04}-{:02}-{:02}", p::COUPONS_ISSUED_ON, d.year(), d.month(), d.day())
            }
            Counter::CouponsRedeemed => "coupons.redeemed".into(),
            Counter::CouponsWithheld(why) => format!("{}{why}", p::COUPONS_WITHHELD),
            Counter::StepsSkipped(why) => format!("{}{why}", p::STEPS_SKIPPED),
            Counter::StepsDeferred(why) => format!("{}{why}", p::STEPS_DEFERRED),
            Counter::SendsUnknown => name::SENDS_UNKNOWN.into(),
            Counter::Clicks => "clicks".into(),
            Counter::OptOuts(c) => format!("{}{c}", p::OPT_OUTS),
            Counter::OptIns(c) => format!("{}{c}", p::OPT_INS),
            Counter::Reasons(r) => format!("{}{}", p::REASONS, r.as_str()),
            Counter::HandoffsDelivered => name::HANDOFFS_DELIVERED.into(),
            Counter::HandoffsFailed => name::HANDOFFS_FAILED.into(),
            Counter::HandoffsRetrying => "handoffs.retrying".into(),
            Counter::WebhookIgnored(platform) => format!("{}{platform}.ignored", p::WEBHOOKS),
            Counter::WebhookDropped(platform, cause) => format!("{}{platform}.dropped.{cause}", p::WEBHOOKS),
            Counter::WebhookApiVersion(platform, v) => format!("{}{platform}.api_version.{v}", p::WEBHOOKS),
            Counter::SnippetDropped(what) => format!("{}dropped.{what}", p::SNIPPET),
            Counter::Conversations(what) => format!("{}{what}", p::CONVERSATIONS),
            Counter::EventsOut(what) => format!("{}{what}", p::EVENTS_OUT),
            Counter::Holds(what) => format!("{}{what}", p::HOLDS),
            Counter::Catalogue(what) => format!("{}{what}", p::CATALOGUE),
            Counter::Questions(what) => format!("{}{what}", p::QUESTIONS),
            Counter::Recommendations(what) => format!("{}{what}", p::RECOMMENDATIONS),
            Counter::OrderProgress(what) => format!("{}{what}", p::ORDER_PROGRESS),
            Counter::WrongNumbers => "wrong_numbers".into(),
            Counter::Corrections(from, to) => format!("{}{from}.{to}", p::CORRECTIONS),
            Counter::ReaderCallsOn(d) => format!("{READER_CALLS_ON}{d}"),
            Counter::EmailBounces => super::email_health::BOUNCES.into(),
            Counter::EmailComplaints => super::email_health::COMPLAINTS.into(),
            Counter::EmailPaused => super::email_health::PAUSED.into(),
            Counter::EmailPausedFor(cause) => format!("{}{cause}", super::email_health::PAUSED_FOR_PREFIX),
            Counter::EmailResumed => super::email_health::RESUMED.into(),
            Counter::Reader(what) => format!("{}{what}", p::READER),
            Counter::ReaderError(cause) => format!("{}error.{cause}", p::READER),
        }
    }
}

/// Changes to a store's counters, as the engine collects them during one piece of work.
pub type Deltas = Vec<(Counter, i64)>;

#[cfg(test)]
mod tests {
    use super::*;

    /// The stored names are a contract with existing data and dashboards: these are the names
    /// the first round wrote.
    #[test]
    fn keys_are_the_stored_names() {
        let date = jiff::civil::date(2026, 11, 3);
        let cases = [
            (Counter::CartsTracked, "carts.tracked"),
            (Counter::AbandonmentEpisodes, "carts.abandoned_episodes"),
            (Counter::LeadsCaptured(Temperature::Cold), "leads.captured.cold"),
            (Counter::RevenueRecovered("EUR"), "revenue.recovered.EUR"),
            (Counter::GroupOrders(Group::Holdout), "holdout.orders"),
            (Counter::MessagesSent(Channel::Whatsapp), "messages.sent.whatsapp"),
            (Counter::MessagesVariant(1, "B".into()), "messages.variant.1.B"),
            (Counter::CouponsIssuedOn(date), "coupons.issued.2026-11-03"),
            (Counter::StepsDeferred("quiet_hours"), "steps.deferred.quiet_hours"),
            (Counter::OptOuts(Channel::Sms), "optouts.sms"),
            (Counter::Reasons(Reason::UnexpectedFees), "reasons.unexpected_fees"),
            (Counter::OrdersLinkedByContact, "orders.linked_by_contact"),
            (Counter::CartsMessaged, "carts.messaged"),
            (Counter::EmailBounces, "email.bounces"),
            (Counter::EmailComplaints, "email.complaints"),
            (Counter::EmailPaused, "email.paused"),
            (Counter::EmailPausedFor("bounce_rate"), "email.paused_for.bounce_rate"),
            (Counter::EmailResumed, "email.resumed"),
            (Counter::MessagesLanguage(language_of(Some("tr-TR"), "en")), "messages.language.tr"),
            (Counter::RecoveredLanguage(language_of(None, "nb")), "recovered.language.nb"),
            (Counter::MessagesLanguage(language_of(Some("x.y<script>"), "en")), "messages.language.und"),
            (Counter::GroupRevenue(Group::Treated, "EUR"), "treated.revenue.EUR"),
            (Counter::Experiment(0, "B".into(), Measure::Carts), "experiment.0.carts.B"),
            (Counter::Experiment(2, "v.1".into(), Measure::RevenueSquares("NOK")), "experiment.2.revenue_sq_NOK.v.1"),
        ];
        for (counter, key) in cases {
            assert_eq!(counter.key(), key, "{counter:?}");
        }
        assert_eq!(
            Counter::delivery(DeliveryStatus::Failed, Channel::Email),
            Some(Counter::MessagesFailed(Channel::Email))
        );
        assert_eq!(Counter::delivery(DeliveryStatus::Sent, Channel::Email), None);
    }
}
