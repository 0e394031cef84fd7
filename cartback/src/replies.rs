//! `cartback replies`: train the reply model from the corpus and measure it (docs/replies.md).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use cartback_core::conversations::model::corpus::{self, Example};
use cartback_core::conversations::model::metrics::evaluate;
use cartback_core::conversations::model::train::{TrainOptions, train};
use cartback_core::conversations::model::{Label, ReplyModel};

/// The accuracy the held-out split must reach, per language, for `eval` to succeed.
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

/// What each line of standard input is taken for, and which reader decided (tab-separated:
/// label, decided by, the model's guess, its confidence, the text).
pub fn read_stdin() -> anyhow::Result<()> {
    use std::io::{BufRead, Write};
    let model = ReplyModel::builtin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in std::io::stdin().lock().lines() {
        let text = line?;
        let (p, by) = explain(model, &text);
        writeln!(out, "{}\t{by}\t{}\t{:.2}\t{text}", p.label.as_str(), p.guess.as_str(), p.confidence)?;
    }
    Ok(())
}

/// The reply model's answer for `text`, and which of the readers gave it.
fn explain(model: &ReplyModel, text: &str) -> (cartback_core::conversations::model::Prediction, &'static str) {
    use cartback_core::conversations::{keywords, opt_out};
    let rules = opt_out::read(text);
    let p = model.understand_read(text, &rules);
    let by = if keywords::keyword(text).is_some() {
        "keyword"
    } else if rules.scope.is_some() {
        "rules"
    } else if p.label != p.guess {
        "person"
    } else {
        "model"
    };
    (p, by)
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

/// Prints accuracy, macro-F1, opt-out misses and the confusion matrices; fails below the gate.
/// Without a file: the built-in corpus's held-out split. With one (same format, or with a
/// `register` column before the text, as tests/fixtures/replies/second_corpus.tsv): all its rows.
pub fn eval(file: Option<PathBuf>, model: Option<PathBuf>, show_errors: bool) -> anyhow::Result<()> {
    let rows: Vec<Example> = match &file {
        None => corpus::split(corpus::builtin()).1,
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            corpus::parse(&without_register(&text)).with_context(|| format!("{}", p.display()))?
        }
    };
    let loaded;
    let model = match &model {
        None => ReplyModel::builtin(),
        Some(p) => {
            let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
            loaded = ReplyModel::from_bytes(&bytes)?;
            &loaded
        }
    };
    let started = Instant::now();
    let report = evaluate(&rows, |t| model.understand(t).label);
    let per_reply = started.elapsed().as_secs_f64() / rows.len().max(1) as f64;
    println!(
        "{} replies from {} ({:.1} µs per reply, features and model, this build)\n",
        rows.len(),
        file.as_ref().map_or("the built-in held-out split".to_string(), |p| p.display().to_string()),
        per_reply * 1e6
    );
    print!("{report}");
    if show_errors {
        println!("\nwrong answers (language, true, predicted, text):");
        for (lang, gold, got, text) in &report.errors {
            println!("{lang}\t{}\t{}\t{text}", gold.as_str(), got.as_str());
        }
    }
    let mut failed = Vec::new();
    for (lang, c) in &report.per_language {
        if c.accuracy() < GATE {
            failed.push(format!("{lang}: accuracy {:.1}% < {:.0}%", c.accuracy() * 100.0, GATE * 100.0));
        }
        let (missed, false_) = c.missed_and_false(Label::OptOut);
        if missed + false_ > 0 {
            failed.push(format!("{lang}: {missed} opt-outs missed, {false_} false"));
        }
    }
    anyhow::ensure!(failed.is_empty(), "below the gate: {}", failed.join("; "));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_names_the_reader_that_decided() {
        let model = ReplyModel::builtin();
        let by = |t: &str| explain(model, t);
        assert_eq!(by("STOP").1, "keyword");
        let (p, who) = by("please stop texting me");
        assert_eq!((p.label, who), (Label::OptOut, "rules"));
        // The model reads an opt-out into the idiom; a person reads it instead.
        let (p, who) = by("I can't stop thinking about that jacket");
        assert_eq!((p.guess, who), (Label::OptOut, "person"));
        assert_ne!(p.label, Label::OptOut);
        let (p, who) = by("my card keeps getting declined");
        assert_eq!((p.label.as_str(), who), ("payment_problem", "model"));
    }
}
