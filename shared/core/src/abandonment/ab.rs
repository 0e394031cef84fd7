//! Deterministic assignment: the same cart always lands in the same variant and group, on any
//! machine, without storing the draw.

use crate::config::Step;

/// FNV-1a over the parts (`domain::fnv::Fnv1a`): the draw is the same on every machine.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h = crate::domain::fnv::Fnv1a::new();
    for p in parts {
        h.part(p);
    }
    h.finish()
}

/// Index of the variant of `step` for this cart, by weight.
pub fn variant_index(store: &str, cart: &str, step_index: u32, step: &Step) -> usize {
    variant_among(store, cart, step_index, step, |_| true).unwrap_or(0)
}

/// The variant drawn among those `eligible` (their conditions hold for the cart), by weight;
/// `None` when none is. A cart keeps its draw while the eligible set stays the same.
pub fn variant_among(
    store: &str,
    cart: &str,
    step_index: u32,
    step: &Step,
    eligible: impl Fn(&crate::config::Variant) -> bool,
) -> Option<usize> {
    // Each variant's condition judged once: the draw walks them again.
    let fits: Vec<bool> = step.variants.iter().map(&eligible).collect();
    let total: u64 = step.variants.iter().zip(&fits).filter(|(_, f)| **f).map(|(v, _)| u64::from(v.weight)).sum();
    if total == 0 {
        return fits.iter().position(|f| *f);
    }
    let mut draw = fnv1a(&[store.as_bytes(), cart.as_bytes(), &step_index.to_le_bytes()]) % total;
    for (i, v) in step.variants.iter().enumerate().filter(|(i, _)| fits[*i]) {
        let w = u64::from(v.weight);
        if draw < w {
            return Some(i);
        }
        draw -= w;
    }
    None
}

/// Whether the cart is in the holdout group (no messages, to measure true lift).
pub fn in_holdout(store: &str, cart: &str, percent: u8) -> bool {
    percent > 0 && fnv1a(&[store.as_bytes(), cart.as_bytes(), b"holdout"]) % 100 < u64::from(percent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Variant;
    use crate::domain::Channel;
    use crate::text::template::Template;

    fn step(weights: &[u32]) -> Step {
        let t = Template::compile("x {{ link }}").unwrap();
        Step {
            after: jiff::SignedDuration::from_mins(30),
            channel: Channel::Sms,
            variants: weights
                .iter()
                .enumerate()
                .map(|(i, w)| Variant {
                    name: format!("V{i}").into(),
                    weight: *w,
                    template: crate::config::Localized { own: Some(t.clone()), translations: Vec::new() },
                    incentive: None,
                    when: None,
                })
                .collect(),
            leads: Vec::new(),
            when: None,
            recommend: 0,
        }
    }

    #[test]
    fn stable_and_weighted() {
        let s = step(&[1, 3]);
        let a = variant_index("st", "cart-1", 0, &s);
        assert_eq!(a, variant_index("st", "cart-1", 0, &s));
        let n = 20_000;
        let b = (0..n).filter(|i| variant_index("st", &format!("c{i}"), 0, &s) == 1).count();
        let share = b as f64 / f64::from(n);
        assert!((0.72..0.78).contains(&share), "share {share}");
    }

    #[test]
    fn holdout_share_matches_percent() {
        assert!(!(0..1000).any(|i| in_holdout("st", &format!("c{i}"), 0)));
        let n = 20_000;
        let h = (0..n).filter(|i| in_holdout("st", &format!("c{i}"), 10)).count();
        let share = h as f64 / f64::from(n);
        assert!((0.08..0.12).contains(&share), "share {share}");
    }
}
