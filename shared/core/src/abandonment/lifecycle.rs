//! The cart's life (docs/architecture.md, "Abandonment"): events in, timer decisions out. Pure functions.

use crate::abandonment::ab;
use crate::config::StoreConfig;
use crate::domain::cart_event::{CartEvent, EventKind};
use crate::domain::{Cart, CartStatus, ConsentChange, OrderRecord, Temperature};
use crate::engine::counters::{Counter, Deltas, Group, Measure, language_of, square_hundredths};
use jiff::Timestamp;

/// How many event ids a cart remembers to answer exact replays as duplicates. Older replays are
/// still harmless: their `occurred_at` is not newer than what was applied.
const REMEMBERED_EVENTS: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOutcome {
    /// Applied: the cart changed.
    Applied,
    /// The same event id was applied before.
    Duplicate,
    /// Older than what the cart already reflects, or the cart is already ordered: no change.
    Stale,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EventDecision {
    pub outcome: EventOutcome,
    pub cart: Cart,
    /// The cart needs its timer armed for this time (the engine arms and queues it).
    pub timer_due: Option<Timestamp>,
    pub stats: Deltas,
}

/// Event ids are remembered as 64-bit FNV-1a hashes: a fixed 8 bytes per id instead of up to
/// 128, and no allocation when the cart record is copied. Two ids of one cart colliding is a
/// 1-in-2^64 event, and even then the later event would only be answered as a duplicate.
pub fn event_id_hash(id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Applies one validated event to the stored cart (or a new one).
pub fn apply_event(existing: Option<Cart>, ev: &CartEvent, cfg: &StoreConfig, now: Timestamp) -> EventDecision {
    let is_new = existing.is_none();
    let mut cart = existing.unwrap_or_else(|| {
        Cart::new(&cfg.id, &ev.cart_id, ev.occurred_at, ab::in_holdout(&cfg.id, &ev.cart_id, cfg.holdout_percent))
    });
    let unchanged = |cart: Cart, outcome| EventDecision { outcome, cart, timer_due: None, stats: Vec::new() };
    let event_hash = event_id_hash(&ev.event_id);
    if cart.recent_events.contains(&event_hash) {
        return unchanged(cart, EventOutcome::Duplicate);
    }
    // An order ends everything; afterwards nothing but a replay of it can arrive, and nothing changes.
    if cart.status.is_ordered() {
        return unchanged(cart, EventOutcome::Stale);
    }
    // Orders always apply (they are terminal); anything else older than the newest applied
    // event would roll the cart back.
    if ev.kind != EventKind::OrderCompleted && ev.occurred_at < cart.last_event_at {
        return unchanged(cart, EventOutcome::Stale);
    }
    let mut stats = Vec::new();
    if is_new {
        stats.push((Counter::CartsTracked, 1));
    }
    cart.recent_events.push(event_hash);
    if cart.recent_events.len() > REMEMBERED_EVENTS {
        cart.recent_events.remove(0);
    }
    cart.last_event_at = cart.last_event_at.max(ev.occurred_at);
    let had_address = has_any_address(&cart);
    if let Some(c) = &ev.customer {
        let before = cart.customer.consent;
        std::sync::Arc::make_mut(&mut cart.customer).merge(c);
        // The consent ledger: every change, with when, where from, and the text agreed to.
        for ch in crate::domain::Channel::ALL {
            let (was, now_) = (before.slot(ch), cart.customer.consent.slot(ch));
            if let Some(granted) = now_.filter(|n| Some(*n) != was) {
                crate::domain::cart::log_consent(
                    std::sync::Arc::make_mut(&mut cart.consent_log),
                    ConsentChange {
                        at: ev.occurred_at,
                        channel: ch,
                        granted,
                        source: "event".into(),
                        reference: ev.event_id.clone(),
                        text_version: cart.customer.consent_version.clone(),
                    },
                );
            }
        }
    }
    let mut timer_due = None;
    match ev.kind {
        EventKind::CartUpdated | EventKind::CheckoutStarted => {
            if let Some(snap) = &ev.cart {
                cart.items = std::sync::Arc::new(snap.items.clone());
                cart.currency = Some(snap.currency);
                cart.checkout_url = Some(snap.checkout_url.clone());
            }
            let t = if ev.kind == EventKind::CheckoutStarted { Temperature::Hot } else { Temperature::Warm };
            cart.temperature = cart.temperature.max(t);
            timer_due = on_activity(&mut cart, ev.occurred_at, cfg, now);
        }
        EventKind::ContactCaptured => {
            timer_due = on_activity(&mut cart, ev.occurred_at, cfg, now);
        }
        EventKind::CartCleared => {
            cart.items = std::sync::Arc::default();
            cart.status = CartStatus::Cleared;
            cart.timer = None;
        }
        EventKind::OrderCompleted => {
            if let Some(o) = &ev.order {
                let messaged = cart.was_messaged();
                let in_window = cart.last_message_at.is_some_and(|m| ev.occurred_at <= m + cfg.attribution_window);
                let recovered = messaged && in_window;
                cart.status = if recovered { CartStatus::Recovered } else { CartStatus::Converted };
                cart.order = Some(OrderRecord { order_id: o.order_id.clone(), total: o.total, at: ev.occurred_at });
                cart.timer = None;
                if recovered {
                    stats.push((Counter::OrdersRecovered, 1));
                    stats.push((Counter::LeadsRecovered(cart.temperature), 1));
                    stats.push((
                        Counter::RecoveredLanguage(language_of(cart.customer.locale.as_deref(), &cfg.locale)),
                        1,
                    ));
                    stats.push((Counter::RevenueRecovered(o.total.currency.code()), o.total.minor));
                } else {
                    stats.push((Counter::OrdersConverted, 1));
                }
                if cart.epoch > 0 {
                    let (group, cur) = (Group::of(cart.holdout), o.total.currency.code());
                    stats.push((Counter::GroupOrders(group), 1));
                    stats.push((Counter::GroupRevenue(group, cur), o.total.minor));
                    stats.push((Counter::GroupRevenueSquares(group, cur), square_hundredths(o.total.minor)));
                }
                experiment_orders(&cart, o.total.currency.code(), o.total.minor, &mut stats);
            }
        }
    }
    // A lead is captured when the cart first gets a way to reach the shopper, at the temperature
    // it has then: how many browsing (cold), cart (warm) and checkout (hot) shoppers are known.
    if !had_address && has_any_address(&cart) {
        stats.push((Counter::LeadsCaptured(cart.temperature), 1));
    }
    EventDecision { outcome: EventOutcome::Applied, cart, timer_due, stats }
}

/// Shopper activity: the idle clock restarts, an abandoned cart is active again, and the single
/// timer is armed if the cart now needs one sooner than the pending one fires.
fn on_activity(cart: &mut Cart, at: Timestamp, cfg: &StoreConfig, now: Timestamp) -> Option<Timestamp> {
    cart.last_activity = cart.last_activity.max(at);
    if matches!(cart.status, CartStatus::Abandoned | CartStatus::Suppressed | CartStatus::Cleared | CartStatus::Expired)
    {
        cart.status = CartStatus::Active;
    }
    if cart.items.is_empty() || !has_any_address(cart) {
        return None;
    }
    let want = cart.last_activity + cfg.abandon_after;
    // Keep a pending timer that fires no later than needed: it re-arms itself for the rest.
    // A timer already due (a step being dispatched) or one far later is replaced.
    if let Some(t) = cart.timer
        && t.due > now
        && t.due <= want
    {
        return None;
    }
    Some(want.max(now))
}

fn has_any_address(cart: &Cart) -> bool {
    cart.customer.first_address().is_some()
}

/// What a fired timer means for the cart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerDecision {
    /// Nothing to do (ordered, cleared, paused, empty…); the timer is spent.
    Drop,
    /// Not idle long enough yet: look again at this time.
    Rearm(Timestamp),
    /// Abandoned, but nobody can be reached on any step's channel.
    Suppress,
    /// Abandoned and every step is done.
    Expire,
    /// Abandoned; the next step is due later.
    Wait { step: u32, due: Timestamp },
    /// Abandoned; this step is due now.
    StepDue { step: u32 },
}

pub fn on_timer(cart: &Cart, cfg: &StoreConfig, now: Timestamp) -> TimerDecision {
    if !matches!(cart.status, CartStatus::Active | CartStatus::Abandoned) || cart.paused || cart.items.is_empty() {
        return TimerDecision::Drop;
    }
    let abandon_at = cart.last_activity + cfg.abandon_after;
    if now < abandon_at {
        return TimerDecision::Rearm(abandon_at);
    }
    let reachable = cfg
        .steps
        .iter()
        .skip(cart.next_step as usize)
        .any(|s| crate::abandonment::send_policy::reachable(cart, cfg, s.channel));
    let Some(step) = cfg.steps.get(cart.next_step as usize) else {
        return TimerDecision::Expire;
    };
    if !reachable {
        // Nobody to reach for the rest of the sequence: if we reached them before, the
        // sequence simply ends; if never, the cart is suppressed.
        return if !cart.was_messaged() { TimerDecision::Suppress } else { TimerDecision::Expire };
    }
    let due = cart.last_activity + step.after;
    if now >= due {
        TimerDecision::StepDue { step: cart.next_step }
    } else {
        TimerDecision::Wait { step: cart.next_step, due }
    }
}

/// The order of a cart that got messages counts once for each step and variant it got (the
/// carts were split at random per step, so each step's variants compare fairly on the carts'
/// eventual orders).
fn experiment_orders(cart: &Cart, currency: &'static str, minor: i64, stats: &mut Deltas) {
    let mut seen: Vec<(u32, &std::sync::Arc<str>)> = Vec::new();
    for s in cart.sends.iter().filter(|s| s.reached()) {
        if seen.contains(&(s.step, &s.variant)) {
            continue;
        }
        seen.push((s.step, &s.variant));
        let m = |measure| Counter::Experiment(s.step, s.variant.clone(), measure);
        stats.push((m(Measure::Orders), 1));
        stats.push((m(Measure::Revenue(currency)), minor));
        stats.push((m(Measure::RevenueSquares(currency)), square_hundredths(minor)));
    }
    // A product an e-mail recommended was followed before the order (docs/recommendations.md).
    if cart.recommendation_clicked_at.is_some() {
        stats.push((Counter::Recommendations("orders".into()), 1));
        stats.push((Counter::Recommendations(format!("revenue_{currency}")), minor));
    }
    // The on-site offer's variant, when the shopper took its code: its experiment's orders.
    if let Some(o) = &cart.offer {
        let v = o.variant.as_str();
        stats.push((crate::messaging::offer_counter(v, "converted"), 1));
        stats.push((crate::messaging::offer_counter(v, &format!("revenue_{currency}")), minor));
        stats.push((crate::messaging::offer_counter(v, &format!("revenue_sq_{currency}")), square_hundredths(minor)));
    }
}

/// Moves an active cart into a new abandonment episode (idempotent for an abandoned one).
pub fn mark_abandoned(cart: &mut Cart, stats: &mut Deltas) {
    if cart.status == CartStatus::Active {
        cart.status = CartStatus::Abandoned;
        cart.epoch += 1;
        stats.push((Counter::AbandonmentEpisodes, 1));
        if cart.epoch == 1 {
            stats.push((Counter::CartsAbandoned, 1));
            stats.push((Counter::LeadsAbandoned(cart.temperature), 1));
            stats.push((Counter::GroupCarts(Group::of(cart.holdout)), 1));
        }
    }
}
