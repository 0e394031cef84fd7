//! `cartback replies`: train the reply model from the corpus and measure it (docs/replies.md).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use cartback_core::conversations::model::corpus::{self, Example};
use cartback_core::conversations::model::metrics::{Report, evaluate_with_holds};
use cartback_core::conversations::model::train::{TrainOptions, train};
use cartback_core::conversations::model::{Label, ReplyModel};

/// The accuracy targeted per language (docs/replies.md); the floor that fails is `model::FLOOR`.
const GATE: f64 = 0.90;

/// Trains on the built-in corpus's training split and writes the model file.
pub fn train_to(out: &Path) -> anyhow::Result<()> {
    let (rows, held) = corpus::split(corpus::builtin());
    let started = Instant::now();
    let weights = train(&rows, TrainOptions::default());
    let bytes = weights.to_bytes();
    std::fs::write(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    println!(
        "trained on {} replies ({} held out) in {:.1} s; wrote {} ({} bytes)",
        rows.len(),
        held.len(),
        started.elapsed().as_secs_f64(),
        out.display(),
        bytes.len()
    );
    Ok(())
}

/// What each line of standard input is taken for, what is done with it and which reader
/// decided (tab-separated: label, action, decided by, the model's guess, its confidence, its
/// opt-out probability, the text).
pub fn read_stdin(model: Option<PathBuf>) -> anyhow::Result<()> {
    use std::io::{BufRead, Write};
    let loaded = model.as_deref().map(load).transpose()?;
    let model = loaded.as_ref().unwrap_or_else(|| ReplyModel::builtin());
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in std::io::stdin().lock().lines() {
        let text = line?;
        let e = explain(model, &text);
        let p = e.prediction;
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{:.2}\t{:.2}\t{}",
            e.label.as_str(),
            e.action,
            e.by,
            p.guess.as_str(),
            p.confidence,
            p.opt_out,
            cartback_core::domain::pii::printable(&text)
        )?;
    }
    Ok(())
}

/// A model file written by `replies train`.
fn load(path: &Path) -> anyhow::Result<ReplyModel> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(ReplyModel::from_bytes(&bytes)?)
}

/// The held-out side, as the corpus writes it.
pub fn print_held_out() -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for e in corpus::split(corpus::builtin()).1 {
        writeln!(out, "{}\t{}\t{}", e.lang, e.label.as_str(), e.text)?;
    }
    Ok(())
}

/// One reply as `cartback replies read` shows it.
struct Explained {
    label: Label,
    /// `opted_out`, `wrong_number`, `held.{cause}`, `reason`, `start`, `help`.
    action: String,
    by: &'static str,
    prediction: cartback_core::conversations::model::Prediction,
}

fn explain(model: &ReplyModel, text: &str) -> Explained {
    use cartback_core::conversations::keywords::{Keyword, keyword};
    use cartback_core::conversations::verdict::{Verdict, read_with};
    match keyword(text) {
        Some(k @ (Keyword::Start | Keyword::Help)) => {
            let prediction = model.understand(text);
            let action = if k == Keyword::Start { "start" } else { "help" };
            Explained { label: prediction.label, action: action.into(), by: "keyword", prediction }
        }
        _ => {
            let r = read_with(model, text);
            let action = match r.verdict {
                Verdict::OptOut { .. } => "opted_out".to_string(),
                Verdict::WrongNumber => "wrong_number".to_string(),
                Verdict::Hold(c) => format!("held.{}", c.as_str()),
                Verdict::Reason => "reason".to_string(),
            };
            Explained { label: r.label(), action, by: r.by, prediction: r.prediction }
        }
    }
}

/// A corpus with four columns (language, label, register, text) as three: the register, how
/// the reply is written, is for reading the errors, not for the model.
fn without_register(tsv: &str) -> String {
    tsv.lines()
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            if !l.starts_with('#') && cols.len() == 4 { [cols[0], cols[1], cols[3]].join("\t") } else { l.to_string() }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The second test corpus, written by someone who never saw the corpus or the model; its
/// misses were read and the caution rules tuned on them in session 19 (docs/replies.md).
const SECOND_CORPUS: &str = include_str!("../../tests/fixtures/replies/second_corpus.tsv");
/// The third, written by another stranger after that: never trained on; its misses read and the
/// rules widened on them in session 22.
const THIRD_CORPUS: &str = include_str!("../../tests/fixtures/replies/third_corpus.tsv");
/// The fourth, written by a third stranger in session 22 before any of its errors were seen:
/// never trained or tuned on, its errors never shown.
const FOURTH_CORPUS: &str = include_str!("../../tests/fixtures/replies/fourth_corpus.tsv");
/// The fifth, written by a fourth stranger in session 23 after the unsure hold was chosen:
/// never trained or tuned on, its errors never shown.
const FIFTH_CORPUS: &str = include_str!("../../tests/fixtures/replies/fifth_corpus.tsv");

/// How a reply is measured: what Cartback reads it as (`explain`, the replies path's own
/// decision) and whether it was held for a person.
fn measured(model: &ReplyModel, text: &str) -> (Label, bool) {
    let e = explain(model, text);
    (e.label, e.action.starts_with("held."))
}

/// Prints accuracy, macro-F1, opt-outs missed, taken falsely and held, and the confusion
/// matrices. Without a file: the built-in corpus's family-split held-out side (the gate: it fails
/// below it) and the second corpus (its targets said met or not). With one (same format, or with
/// a `register` column before the text, as tests/fixtures/replies/second_corpus.tsv): its rows.
pub fn eval(file: Option<PathBuf>, model: Option<PathBuf>, show_errors: bool) -> anyhow::Result<()> {
    let loaded = model.as_deref().map(load).transpose()?;
    let model = loaded.as_ref().unwrap_or_else(|| ReplyModel::builtin());
    let sides: Vec<(String, Vec<Example>, bool)> = match &file {
        None => vec![
            (
                "the built-in corpus's held-out side (split by paraphrase family)".into(),
                corpus::split(corpus::builtin()).1,
                true,
            ),
            (
                "tests/fixtures/replies/second_corpus.tsv (a stranger's replies; its misses read and tuned on)".into(),
                corpus::parse(&without_register(SECOND_CORPUS)).context("the second corpus")?,
                false,
            ),
            (
                "tests/fixtures/replies/third_corpus.tsv (another stranger's replies; its misses read and tuned on in session 22)"
                    .into(),
                corpus::parse(&without_register(THIRD_CORPUS)).context("the third corpus")?,
                false,
            ),
            (
                "tests/fixtures/replies/fourth_corpus.tsv (a third stranger's replies, never trained or tuned on)".into(),
                corpus::parse(&without_register(FOURTH_CORPUS)).context("the fourth corpus")?,
                false,
            ),
            (
                "tests/fixtures/replies/fifth_corpus.tsv (a fourth stranger's replies, never trained or tuned on)".into(),
                corpus::parse(&without_register(FIFTH_CORPUS)).context("the fifth corpus")?,
                false,
            ),
        ],
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            let rows = corpus::parse(&without_register(&text)).with_context(|| format!("{}", p.display()))?;
            vec![(p.display().to_string(), rows, true)]
        }
    };
    let mut failed = Vec::new();
    for (name, rows, gated) in &sides {
        let started = Instant::now();
        let report = evaluate_with_holds(rows, |t| measured(model, t));
        let per_reply = started.elapsed().as_secs_f64() / rows.len().max(1) as f64;
        println!(
            "== {} replies from {name} ({:.1} µs per reply, every reader, this build)\n",
            rows.len(),
            per_reply * 1e6
        );
        print!("{report}");
        // The strangers' corpora's errors are never shown here: reading them is tuning on them.
        if show_errors && *gated {
            println!("\nwrong answers (language, true, predicted, text):");
            for (lang, gold, got, text) in &report.errors {
                println!("{lang}\t{}\t{}\t{text}", gold.as_str(), got.as_str());
            }
        }
        let short = short_of_target(&report);
        if short.is_empty() {
            println!(
                "\ntargets met: every language ≥ {:.0} %, no opt-out missed, false opt-outs ≤ 1 %\n",
                GATE * 100.0
            );
        } else {
            println!("\nbelow target: {}\n", short.join("; "));
        }
        if *gated {
            failed.extend(below_floor(&report));
        }
    }
    anyhow::ensure!(failed.is_empty(), "below the floor: {}", failed.join("; "));
    Ok(())
}

/// Where a report falls below the floor (`model::FLOOR`): what the tests fail on too.
fn below_floor(report: &Report) -> Vec<String> {
    use cartback_core::conversations::model::FLOOR;
    let mut below = Vec::new();
    for (lang, c) in &report.per_language {
        let (missed, false_, _) = report.safety(Some(lang));
        if c.accuracy() < FLOOR.accuracy {
            below.push(format!("{lang}: accuracy {:.1}% < {:.0}%", c.accuracy() * 100.0, FLOOR.accuracy * 100.0));
        }
        if missed > FLOOR.missed || false_ > FLOOR.false_opt_outs {
            below.push(format!("{lang}: {missed} opt-outs missed, {false_} false"));
        }
    }
    below
}

/// Where a report falls short of docs/replies.md's targets: each language at 90 % or more, no
/// opt-out missed (neither opted out nor held), at most 1 % of the others taken for one.
fn short_of_target(report: &Report) -> Vec<String> {
    let mut short = Vec::new();
    for (lang, c) in &report.per_language {
        if c.accuracy() < GATE {
            short.push(format!("{lang}: accuracy {:.1}% < {:.0}%", c.accuracy() * 100.0, GATE * 100.0));
        }
        let (missed, false_, _) = report.safety(Some(lang));
        let others = c.total() - c.m[Label::OptOut.index()].iter().sum::<u32>();
        if missed > 0 {
            short.push(format!("{lang}: {missed} opt-outs missed"));
        }
        if f64::from(false_) > f64::from(others) * 0.01 {
            short.push(format!("{lang}: {false_} false opt-outs of {others}"));
        }
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_names_the_reader_that_decided() {
        let model = ReplyModel::builtin();
        let by = |t: &str| {
            let e = explain(model, t);
            (e.label, e.action, e.by)
        };
        assert_eq!(by("STOP"), (Label::OptOut, "opted_out".into(), "keyword"));
        assert_eq!(by("please stop texting me"), (Label::OptOut, "opted_out".into(), "rules"));
        assert_eq!(by("wrong number"), (Label::OptOut, "wrong_number".into(), "caution"));
        assert_eq!(by("who gave you my number?"), (Label::OptOut, "held.words".into(), "caution"));
        let e = explain(model, "my card keeps getting declined");
        assert_eq!((e.label.as_str(), e.action.as_str(), e.by), ("payment_problem", "reason", "model"));
    }
}
