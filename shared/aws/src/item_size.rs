//! What DynamoDB bills an item as: its size by DynamoDB's rules ("Item sizes and formats"),
//! the write units (1 KB each, rounded up) and read units (4 KB each, rounded up; strongly
//! consistent, as every read of this adapter is) one request for it costs, and the size of the
//! timer index's copy. `cartback simulate`'s meter sizes every item the adapters would read or
//! write with these (docs/benchmarks.md).

use crate::dynamo::Item;
use crate::table::{PK, SK, TIMER_BUCKET, TIMER_CONTACT, TIMER_DUE, TIMER_SEQ};
use aws_sdk_dynamodb::types::AttributeValue;

/// An index item's fixed overhead (DynamoDB: 100 bytes per item in a secondary index).
const INDEX_OVERHEAD: usize = 100;

/// A number's size: about one byte per two significant digits, plus one.
fn number(n: &str) -> usize {
    let digits = n.trim_start_matches('-').trim_start_matches('0').replace('.', "");
    let significant = digits.trim_end_matches('0').len().max(1);
    significant.div_ceil(2) + 1
}

fn value(v: &AttributeValue) -> usize {
    match v {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number(n),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::Ss(v) => v.iter().map(String::len).sum(),
        AttributeValue::Ns(v) => v.iter().map(|n| number(n)).sum(),
        AttributeValue::L(l) => 3 + l.iter().map(|e| 1 + value(e)).sum::<usize>(),
        AttributeValue::M(m) => 3 + m.iter().map(|(k, e)| 1 + k.len() + value(e)).sum::<usize>(),
        _ => 0,
    }
}

/// The item's size in bytes: attribute names plus values.
pub fn of(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + value(v)).sum()
}

/// Write units for one write of an item this size (a transaction doubles them).
pub fn write_units(bytes: usize) -> u64 {
    bytes.div_ceil(1024).max(1) as u64
}

/// Read units for one strongly consistent read of this many bytes.
pub fn read_units(bytes: usize) -> u64 {
    bytes.div_ceil(4096).max(1) as u64
}

/// The size of the item's copy in the timer index, when it has one (keys, the projected
/// attributes and the index's overhead).
pub fn timer_index_size(item: &Item) -> Option<usize> {
    item.get(TIMER_BUCKET)?;
    let projected = [TIMER_BUCKET, PK, SK, TIMER_SEQ, TIMER_DUE, TIMER_CONTACT];
    Some(
        INDEX_OVERHEAD
            + item
                .iter()
                .filter(|(k, _)| projected.contains(&k.as_str()))
                .map(|(k, v)| k.len() + value(v))
                .sum::<usize>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// DynamoDB's documented examples: a number's size, and units rounding up.
    #[test]
    fn sizes_and_units() {
        assert_eq!(number("1"), 2);
        assert_eq!(number("1234"), 3);
        assert_eq!(number("1700000000"), 2); // 17 significant digits: two bytes, one more
        let item = Item::from([
            ("pk".to_string(), AttributeValue::S("STORE#s".into())),
            ("v".to_string(), AttributeValue::N("12".into())),
        ]);
        assert_eq!(of(&item), 2 + 7 + 1 + 2);
        assert_eq!((write_units(1), write_units(1024), write_units(1025)), (1, 1, 2));
        assert_eq!((read_units(4096), read_units(4097)), (1, 2));
        assert_eq!(timer_index_size(&item), None);
    }
}
