//! The meter behind `cartback simulate`'s bill: every request the counting adapters see is
//! sized as the DynamoDB adapter would write or read its items (`cartback_aws::dynamo`'s
//! layout, `cartback_aws::item_size`'s rules): write units by the larger of the item's old and
//! new size (DynamoDB bills a conditional put so), twice inside a transaction, the timer
//! index's copy written when a timer is armed, moved or disarmed, read units per item read
//! strongly consistently, and the statistics' shard items at the size they reach.

use cartback_aws::item_size;
use cartback_core::domain::{Cart, Contact};
use cartback_core::ports::{Clock, LinkRecord};
use cartback_local::adapters::counting::{Meter, Op};
use jiff::civil::Date;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

/// Billing units, summed.
#[derive(Debug, Default, Clone)]
pub struct Units {
    pub read: u64,
    pub write: u64,
    /// Of `write`: the timer index's copies.
    pub index_write: u64,
    /// Of `write`: inside transactions (already doubled).
    pub transaction_write: u64,
    /// Of `write` and `read`: the statistics' items.
    pub stats_write: u64,
    pub stats_read: u64,
    /// Sizes at the end of the run, for storage: bytes per cart, contact and link item.
    pub cart_bytes: HashMap<(String, String), usize>,
    pub contact_bytes: HashMap<(String, String), usize>,
    pub link_bytes: u64,
    /// Read and write units by the request that spent them (index copies included).
    pub by_op: std::collections::BTreeMap<&'static str, (u64, u64)>,
}

#[derive(Default)]
struct State {
    units: Units,
    /// What each cart's timer-index entry projects, and its size, if it has one.
    bucket: HashMap<(String, String), (String, usize)>,
    stats_keys: HashMap<(String, Date), BTreeSet<String>>,
}

pub struct DynamoMeter {
    clock: OnceLock<Arc<dyn Clock>>,
    state: Mutex<State>,
}

impl DynamoMeter {
    pub fn new() -> Arc<DynamoMeter> {
        Arc::new(DynamoMeter { clock: OnceLock::new(), state: Mutex::default() })
    }

    /// The runtime's clock (the long-timer decision depends on it).
    pub fn set_clock(&self, clock: Arc<dyn Clock>) {
        let _ = self.clock.set(clock);
    }

    pub fn units(&self) -> Units {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).units.clone()
    }

    fn now(&self) -> jiff::Timestamp {
        self.clock.get().map_or(jiff::Timestamp::UNIX_EPOCH, |c| c.now())
    }

    fn cart_write(&self, st: &mut State, cart: &Cart, factor: u64) {
        let Ok(item) = cartback_aws::dynamo::cart_item_at(cart, self.now(), cartback_aws::sqs::SQS_MAX_DELAY) else {
            return;
        };
        let size = item_size::of(&item);
        let key = (cart.store.clone(), cart.id.clone());
        let old = st.units.cart_bytes.insert(key.clone(), size).unwrap_or(0);
        let wu = item_size::write_units(size.max(old)) * factor;
        st.units.write += wu;
        if factor > 1 {
            st.units.transaction_write += wu;
        }
        // The index: a new or moved entry is written; a removed or moved one is deleted.
        // An index entry is keyed by its bucket; what it projects decides whether it changed.
        let projected = |item: &cartback_aws::dynamo::Item| {
            use cartback_aws::table::{TIMER_BUCKET, TIMER_CONTACT, TIMER_DUE, TIMER_SEQ};
            [TIMER_BUCKET, TIMER_SEQ, TIMER_DUE, TIMER_CONTACT].map(|a| format!("{:?}", item.get(a))).join("|")
        };
        let new = item_size::timer_index_size(&item).map(|s| (projected(&item), s));
        let old = st.bucket.remove(&key);
        let bucket = |p: &str| p.split('|').next().unwrap_or_default().to_string();
        let mut index = 0;
        match (&old, &new) {
            // Unchanged: DynamoDB writes nothing to the index.
            (Some((op, _)), Some((np, _))) if op == np => {}
            (Some((op, os)), Some((np, ns))) if bucket(op) == bucket(np) => {
                index += item_size::write_units(*os.max(ns))
            }
            _ => {
                index += old.as_ref().map_or(0, |(_, s)| item_size::write_units(*s));
                index += new.as_ref().map_or(0, |(_, s)| item_size::write_units(*s));
            }
        }
        if let Some(n) = new {
            st.bucket.insert(key, n);
        }
        st.units.write += index;
        st.units.index_write += index;
    }

    fn contact_write(&self, st: &mut State, contact: &Contact, factor: u64) {
        let Ok(item) = cartback_aws::dynamo::contact_item_at(contact, self.now()) else { return };
        let size = item_size::of(&item);
        let old = st.units.contact_bytes.insert((contact.store.clone(), contact.key.clone()), size).unwrap_or(0);
        let wu = item_size::write_units(size.max(old)) * factor;
        st.units.write += wu;
        if factor > 1 {
            st.units.transaction_write += wu;
        }
    }

    /// A statistics shard item of one day, holding every counter the store changed that day: key, sort key, and per
    /// counter its name and a number of a few digits.
    fn stats_item_size(keys: &BTreeSet<String>, store: &str) -> usize {
        let pk = cartback_aws::table::stats_pk(store).len() + 2;
        let sk = "TOTAL#DAY#2026-11-30#0".len() + 2;
        pk + sk + keys.iter().map(|k| 2 + k.len() + 4).sum::<usize>()
    }
}

impl Meter for DynamoMeter {
    fn read(&self, op: Op, carts: &[&Cart], contacts: &[&Contact]) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = self.now();
        let mut units = 0;
        let cart_units = |c: &Cart| {
            cartback_aws::dynamo::cart_item_at(c, now, cartback_aws::sqs::SQS_MAX_DELAY)
                .map_or(1, |i| item_size::read_units(item_size::of(&i)))
        };
        let contact_units = |c: &Contact| {
            cartback_aws::dynamo::contact_item_at(c, now).map_or(1, |i| item_size::read_units(item_size::of(&i)))
        };
        match op {
            // A missing item still costs the minimum.
            Op::CartGet => units += carts.first().map_or(1, |c| cart_units(c)),
            Op::ContactGet => units += contacts.first().map_or(1, |c| contact_units(c)),
            Op::LoadForSend => {
                units += carts.first().map_or(1, |c| cart_units(c));
                units += contacts.first().map_or(1, |c| contact_units(c));
            }
            _ => units += 1,
        }
        st.units.read += units;
        st.units.by_op.entry(op.name()).or_default().0 += units;
    }

    fn write(&self, op: Op, carts: &[&Cart], contacts: &[&Contact], links: &[&LinkRecord]) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let factor = if op == Op::ClaimSend { 2 } else { 1 };
        let before = st.units.write;
        for c in carts {
            self.cart_write(&mut st, c, factor);
        }
        for c in contacts {
            self.contact_write(&mut st, c, factor);
        }
        for l in links {
            let size = item_size::of(&cartback_aws::dynamo::link_item(l));
            st.units.write += item_size::write_units(size) * factor;
            if factor > 1 {
                st.units.transaction_write += item_size::write_units(size) * factor;
            }
            st.units.link_bytes += size as u64;
        }
        let spent = st.units.write - before;
        st.units.by_op.entry(op.name()).or_default().1 += spent;
    }

    fn stats(&self, op: Op, store: &str, day: Date, deltas: &[(String, i64)]) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let keys = st.stats_keys.entry((store.to_string(), day)).or_default();
        keys.extend(deltas.iter().map(|(k, _)| k.clone()));
        let wu = item_size::write_units(Self::stats_item_size(keys, store));
        st.units.write += wu;
        st.units.stats_write += wu;
        st.units.by_op.entry(op.name()).or_default().1 += wu;
    }

    fn stats_read(&self, store: &str, key: Option<&str>) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        // A Query over the day items it needs (every shard of each): their sizes summed, rounded
        // up once. A read-back counter reads the three days around the one it names.
        let days = key
            .and_then(cartback_core::engine::counters::read_back_day)
            .map(|d| (d.yesterday().unwrap_or(d), d.tomorrow().unwrap_or(d)));
        let size: usize = st
            .stats_keys
            .iter()
            .filter(|((s, d), _)| s == store && days.is_none_or(|(from, to)| (from..=to).contains(d)))
            .map(|(_, keys)| Self::stats_item_size(keys, store))
            .sum();
        let ru = item_size::read_units(size * cartback_aws::dynamo::STATS_SHARDS as usize).max(1);
        st.units.read += ru;
        st.units.stats_read += ru;
        st.units.by_op.entry(Op::StatsGet.name()).or_default().0 += ru;
    }
}
