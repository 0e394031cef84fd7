//! How well replies are understood: accuracy, macro-F1 and the confusion matrix, per language
//! and overall (`cartback replies eval`, and the accuracy gate in the tests).

use std::collections::BTreeMap;
use std::fmt;

use crate::conversations::model::corpus::Example;
use crate::conversations::model::label::Label;

const CLASSES: usize = Label::ALL.len();

/// `m[gold][predicted]`, counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Confusion {
    pub m: [[u32; CLASSES]; CLASSES],
}

impl Confusion {
    pub fn total(&self) -> u32 {
        self.m.iter().flatten().sum()
    }

    pub fn correct(&self) -> u32 {
        (0..CLASSES).map(|k| self.m[k][k]).sum()
    }

    pub fn accuracy(&self) -> f64 {
        f64::from(self.correct()) / f64::from(self.total().max(1))
    }

    /// The mean F1 over the labels that occur as gold or as prediction.
    pub fn macro_f1(&self) -> f64 {
        let mut f1s = Vec::new();
        for k in 0..CLASSES {
            let tp = f64::from(self.m[k][k]);
            let gold: f64 = self.m[k].iter().map(|v| f64::from(*v)).sum();
            let pred: f64 = (0..CLASSES).map(|g| f64::from(self.m[g][k])).sum();
            if gold + pred == 0.0 {
                continue;
            }
            f1s.push(2.0 * tp / (gold + pred));
        }
        f1s.iter().sum::<f64>() / f1s.len().max(1) as f64
    }

    /// Rows labelled `label` that were predicted as something else, and the reverse.
    pub fn missed_and_false(&self, label: Label) -> (u32, u32) {
        let k = label.index();
        let missed = self.m[k].iter().sum::<u32>() - self.m[k][k];
        let false_ = (0..CLASSES).map(|g| self.m[g][k]).sum::<u32>() - self.m[k][k];
        (missed, false_)
    }
}

/// What became of the replies in opt-out terms: opt-outs neither read as one nor held
/// (`missed`), others read as one (and so opted out: `false_`), and replies held for a person
/// (`verdict::Verdict::Hold`), opt-outs and others. A hold is an action, not a reading: the
/// confusion counts what a held reply was read as.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Safety {
    pub missed: u32,
    pub false_: u32,
    pub opt_outs: u32,
    pub others: u32,
}

impl Safety {
    fn add(&mut self, gold: Label, read: Label, held: bool) {
        match (gold == Label::OptOut, held) {
            (true, true) => self.opt_outs += 1,
            (false, true) => self.others += 1,
            (true, false) if read != Label::OptOut => self.missed += 1,
            (false, false) if read == Label::OptOut => self.false_ += 1,
            _ => {}
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub per_language: BTreeMap<String, Confusion>,
    pub overall: Confusion,
    pub held: BTreeMap<String, Safety>,
    pub held_overall: Safety,
    /// Rows answered wrongly: language, gold, predicted, text.
    pub errors: Vec<(String, Label, Label, String)>,
}

pub fn evaluate(rows: &[Example], predict: impl Fn(&str) -> Label) -> Report {
    evaluate_with_holds(rows, |t| (predict(t), false))
}

/// `evaluate` for a reader that may also hold a reply (`true`).
pub fn evaluate_with_holds(rows: &[Example], read: impl Fn(&str) -> (Label, bool)) -> Report {
    let mut r = Report::default();
    for e in rows {
        let (p, held) = read(&e.text);
        r.held.entry(e.lang.clone()).or_default().add(e.label, p, held);
        r.held_overall.add(e.label, p, held);
        r.per_language.entry(e.lang.clone()).or_default().m[e.label.index()][p.index()] += 1;
        r.overall.m[e.label.index()][p.index()] += 1;
        if p != e.label {
            r.errors.push((e.lang.clone(), e.label, p, e.text.clone()));
        }
    }
    r
}

impl Report {
    /// In `lang` (or overall): opt-outs neither read as one nor held, replies that were not
    /// opt-outs but were read as one (and opted out), and those held.
    pub fn safety(&self, lang: Option<&str>) -> (u32, u32, Safety) {
        let held = match lang {
            Some(l) => self.held.get(l).copied().unwrap_or_default(),
            None => self.held_overall,
        };
        (held.missed, held.false_, held)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<8} {:>5} {:>9} {:>9} {:>14} {:>13} {:>15} {:>13}",
            "language",
            "rows",
            "accuracy",
            "macro-F1",
            "missed opt-out",
            "false opt-out",
            "held (opt-out)",
            "held (other)"
        )?;
        let all = std::iter::once(("all", &self.overall));
        for (lang, c) in self.per_language.iter().map(|(l, c)| (l.as_str(), c)).chain(all) {
            let (missed, false_, held) = self.safety((lang != "all").then_some(lang));
            writeln!(
                f,
                "{lang:<8} {:>5} {:>8.1}% {:>9.3} {missed:>14} {false_:>13} {:>15} {:>13}",
                c.total(),
                c.accuracy() * 100.0,
                c.macro_f1(),
                held.opt_outs,
                held.others
            )?;
        }
        for (lang, c) in &self.per_language {
            writeln!(f, "\nconfusion, {lang} (rows: true label; columns: predicted, in this order)")?;
            let short: Vec<String> = Label::ALL.iter().map(|l| l.as_str().chars().take(5).collect()).collect();
            writeln!(f, "{:<17}{}", "", short.iter().map(|s| format!("{s:>6}")).collect::<String>())?;
            for (k, row) in c.m.iter().enumerate() {
                let cells: String = row.iter().map(|v| format!("{v:>6}")).collect();
                writeln!(f, "{:<17}{cells}", Label::ALL[k].as_str())?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Reason;

    #[test]
    fn figures_from_a_known_matrix() {
        let ex = |label, text: &str| Example { lang: "en".into(), label, text: text.into(), family: None };
        let rows = [
            ex(Label::OptOut, "a"),
            ex(Label::OptOut, "b"),
            ex(Label::Reason(Reason::Trust), "c"),
            ex(Label::Reason(Reason::Trust), "d"),
        ];
        let r = evaluate(&rows, |t| {
            if t == "b" {
                Label::Reason(Reason::Trust)
            } else if t == "a" {
                Label::OptOut
            } else {
                Label::Reason(Reason::Trust)
            }
        });
        assert_eq!(r.overall.accuracy(), 0.75);
        // opt_out: P=1, R=0.5, F1=2/3; trust: P=2/3, R=1, F1=0.8.
        assert!((r.overall.macro_f1() - (2.0 / 3.0 + 0.8) / 2.0).abs() < 1e-9);
        assert_eq!(r.overall.missed_and_false(Label::OptOut), (1, 0));
        assert_eq!(r.errors.len(), 1);
    }
}
