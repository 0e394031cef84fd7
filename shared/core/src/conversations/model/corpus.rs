//! The labelled replies the model learns from and is measured on (`shared/core/data/replies/`),
//! and their fixed split: within each language and label, every fifth row is held out.

use crate::conversations::model::label::Label;

/// The corpus in the repository, one file per language.
const BUILTIN: [&str; 4] = [
    include_str!("../../../data/replies/en.tsv"),
    include_str!("../../../data/replies/tr.tsv"),
    include_str!("../../../data/replies/nb.tsv"),
    include_str!("../../../data/replies/fa.tsv"),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub lang: String,
    pub label: Label,
    pub text: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("line {line}: {problem}")]
pub struct CorpusError {
    pub line: usize,
    pub problem: String,
}

/// Reads `language<TAB>label<TAB>text` rows; `#` starts a comment line, blank lines are skipped.
pub fn parse(tsv: &str) -> Result<Vec<Example>, CorpusError> {
    let mut out = Vec::new();
    for (i, line) in tsv.lines().enumerate() {
        let err = |problem: String| CorpusError { line: i + 1, problem };
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut cols = line.splitn(3, '\t');
        let (Some(lang), Some(label), Some(text)) = (cols.next(), cols.next(), cols.next()) else {
            return Err(err("expected three tab-separated columns: language, label, text".into()));
        };
        let label = Label::parse(label.trim()).ok_or_else(|| {
            let known: Vec<&str> = Label::ALL.iter().map(Label::as_str).collect();
            err(format!("unknown label {label:?} (one of {})", known.join(", ")))
        })?;
        if text.trim().is_empty() {
            return Err(err("empty text".into()));
        }
        out.push(Example { lang: lang.trim().to_string(), label, text: text.to_string() });
    }
    Ok(out)
}

/// The corpus in the repository.
pub fn builtin() -> Vec<Example> {
    BUILTIN.iter().flat_map(|f| parse(f).expect("the built-in reply corpus parses (tested)")).collect()
}

/// Splits rows into (training, held out): within each language and label, every fifth row in
/// file order is held out. Fixed, so a row never moves between the two.
pub fn split(rows: Vec<Example>) -> (Vec<Example>, Vec<Example>) {
    let mut seen = std::collections::HashMap::<(String, Label), usize>::new();
    rows.into_iter().partition(|e| {
        let n = seen.entry((e.lang.clone(), e.label)).or_default();
        *n += 1;
        !(*n).is_multiple_of(5)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_corpus_is_large_balanced_and_split() {
        let rows = builtin();
        assert!(rows.len() >= 1000, "{}", rows.len());
        for lang in ["en", "tr", "nb", "fa"] {
            for label in Label::ALL {
                let n = rows.iter().filter(|e| e.lang == lang && e.label == label).count();
                assert!(n >= 25, "{lang} {} has {n} rows", label.as_str());
            }
        }
        let total = rows.len();
        let (train, held) = split(rows);
        assert_eq!(train.len() + held.len(), total);
        assert!(held.len() * 6 >= total, "{} of {total} held out", held.len());
        assert!(held.iter().all(|h| !train.contains(h)), "a held-out row is also trained on");
    }

    #[test]
    fn bad_rows_are_named_by_line() {
        assert_eq!(parse("# c\nen\tother\thi\nen\tmaybe\tx").unwrap_err().line, 3);
        assert!(parse("en\tother").is_err());
        assert!(parse("en\tother\t  ").is_err());
    }
}
