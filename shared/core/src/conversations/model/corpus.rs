//! The labelled replies the model learns from and is measured on (`shared/core/data/replies/`),
//! and their fixed split by paraphrase family: within each language and label, every fifth
//! family is held out, all its rewordings with it (docs/replies.md, "The held-out split").

use crate::conversations::model::label::Label;

/// The corpus in the repository, one file per language.
const BUILTIN: [&str; 4] = [
    include_str!("../../../data/replies/en.tsv"),
    include_str!("../../../data/replies/tr.tsv"),
    include_str!("../../../data/replies/nb.tsv"),
    include_str!("../../../data/replies/fa.tsv"),
];

/// The extra replies written in paraphrase families (`language, label, family, text`).
const FAMILIES: [&str; 8] = [
    include_str!("../../../data/replies/families/en.tsv"),
    include_str!("../../../data/replies/families/tr.tsv"),
    include_str!("../../../data/replies/families/nb.tsv"),
    include_str!("../../../data/replies/families/fa.tsv"),
    include_str!("../../../data/replies/families/more-en.tsv"),
    include_str!("../../../data/replies/families/more-tr.tsv"),
    include_str!("../../../data/replies/families/more-nb.tsv"),
    include_str!("../../../data/replies/families/more-fa.tsv"),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub lang: String,
    pub label: Label,
    pub text: String,
    /// The paraphrase family the file names (its third column, when it has four); rows
    /// without one are grouped by `families` when split.
    pub family: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("line {line}: {problem}")]
pub struct CorpusError {
    pub line: usize,
    pub problem: String,
}

/// Reads `language<TAB>label<TAB>text` rows, or `language<TAB>label<TAB>family<TAB>text`
/// when `with_family`; `#` starts a comment line, blank lines are skipped.
pub fn parse(tsv: &str) -> Result<Vec<Example>, CorpusError> {
    parse_rows(tsv, false)
}

/// `parse` for files with a family column.
pub fn parse_families(tsv: &str) -> Result<Vec<Example>, CorpusError> {
    parse_rows(tsv, true)
}

fn parse_rows(tsv: &str, with_family: bool) -> Result<Vec<Example>, CorpusError> {
    let mut out = Vec::new();
    let columns = if with_family { 4 } else { 3 };
    for (i, line) in tsv.lines().enumerate() {
        let err = |problem: String| CorpusError { line: i + 1, problem };
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.splitn(columns, '\t').collect();
        if cols.len() < columns {
            return Err(err(if with_family {
                "expected four tab-separated columns: language, label, family, text".into()
            } else {
                "expected three tab-separated columns: language, label, text".into()
            }));
        }
        let (lang, label, text) = (cols[0], cols[1], cols[columns - 1]);
        let label = Label::parse(label.trim()).ok_or_else(|| {
            let known: Vec<&str> = Label::ALL.iter().map(Label::as_str).collect();
            err(format!("unknown label {label:?} (one of {})", known.join(", ")))
        })?;
        if text.trim().is_empty() {
            return Err(err("empty text".into()));
        }
        let family = with_family.then(|| cols[2].trim().to_string());
        if family.as_deref() == Some("") {
            return Err(err("empty family".into()));
        }
        out.push(Example { lang: lang.trim().to_string(), label, text: text.to_string(), family });
    }
    Ok(out)
}

/// The corpus in the repository: the first files, then those written in families.
pub fn builtin() -> Vec<Example> {
    let plain = BUILTIN.iter().flat_map(|f| parse(f).expect("the built-in reply corpus parses (tested)"));
    let families = FAMILIES.iter().flat_map(|f| parse_families(f).expect("the family files parse (tested)"));
    plain.chain(families).collect()
}

/// Splits rows into (training, held out) by paraphrase family: within each language and label,
/// families in order of first appearance, every fifth held out with all its rows. Fixed, so a
/// row never moves between the two unless its family changes.
pub fn split(rows: Vec<Example>) -> (Vec<Example>, Vec<Example>) {
    let family = families(&rows);
    let mut order = std::collections::HashMap::<(String, Label), Vec<usize>>::new();
    for (i, e) in rows.iter().enumerate() {
        let seen = order.entry((e.lang.clone(), e.label)).or_default();
        if !seen.contains(&family[i]) {
            seen.push(family[i]);
        }
    }
    let held = |i: usize, e: &Example| {
        let seen = &order[&(e.lang.clone(), e.label)];
        let k = seen.iter().position(|f| *f == family[i]).unwrap_or(0);
        (k + 1).is_multiple_of(5)
    };
    let (mut train, mut out) = (Vec::new(), Vec::new());
    for (i, e) in rows.into_iter().enumerate() {
        if held(i, &e) { out.push(e) } else { train.push(e) }
    }
    (train, out)
}

/// Each row's family, as the index of a representative row. Within one language and label, rows
/// of the same named family are one; so are rows that reword each other (`rewords`), and, by
/// transitivity, rows that reword a common third. Named families join unnamed rows the same way.
pub fn families(rows: &[Example]) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..rows.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut groups = std::collections::HashMap::<(&str, Label), Vec<usize>>::new();
    for (i, e) in rows.iter().enumerate() {
        groups.entry((e.lang.as_str(), e.label)).or_default().push(i);
    }
    let words: Vec<std::collections::BTreeSet<String>> = rows.iter().map(|e| content_words(&e.text)).collect();
    let mut named = std::collections::HashMap::<(&str, &str), usize>::new();
    for members in groups.values() {
        for (a, &i) in members.iter().enumerate() {
            if let Some(f) = &rows[i].family {
                let first = *named.entry((rows[i].lang.as_str(), f.as_str())).or_insert(i);
                let (ri, rf) = (root(&mut parent, i), root(&mut parent, first));
                parent[ri.max(rf)] = ri.min(rf);
            }
            for &j in &members[..a] {
                if rewords(&words[i], &words[j]) {
                    let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                    parent[ri.max(rj)] = ri.min(rj);
                }
            }
        }
    }
    (0..rows.len()).map(|i| root(&mut parent, i)).collect()
}

/// The folded words of a reply (`opt_out::fold`; Persian as written), without the one- and
/// two-letter ones that carry little.
fn content_words(text: &str) -> std::collections::BTreeSet<String> {
    crate::conversations::opt_out::fold(text).split(' ').filter(|w| w.chars().count() > 2).map(str::to_string).collect()
}

/// Two replies reword each other when they share at least two words and half of all their
/// words (Jaccard ≥ 0.5): "please stop texting me" and "stop texting me now" do; "stop" and
/// "stop all messages" do not. (Measured on the corpus: a looser test — half of the shorter
/// reply's words — chains whole labels into families of 150 rows.)
fn rewords(a: &std::collections::BTreeSet<String>, b: &std::collections::BTreeSet<String>) -> bool {
    let shared = a.intersection(b).count();
    shared >= 2 && shared * 2 >= a.union(b).count()
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

    /// No family has rows on both sides: the held-out side measures wording the model has not
    /// seen reworded.
    #[test]
    fn a_family_is_on_one_side() {
        let rows = builtin();
        let family = families(&rows);
        let key = |e: &Example| (e.lang.clone(), e.label, e.text.clone());
        let of: std::collections::HashMap<_, usize> =
            rows.iter().enumerate().map(|(i, e)| (key(e), family[i])).collect();
        let (train, held) = split(rows.clone());
        let trained: std::collections::HashSet<usize> = train.iter().map(|e| of[&key(e)]).collect();
        assert!(held.iter().all(|e| !trained.contains(&of[&key(e)])), "a family on both sides");
        assert!(held.iter().any(|e| e.family.is_some()), "no family file row held out");
    }

    #[test]
    fn rewordings_are_one_family() {
        let ex = |t: &str, f: Option<&str>| Example {
            lang: "en".into(),
            label: Label::OptOut,
            text: t.into(),
            family: f.map(str::to_string),
        };
        let rows = [
            ex("please stop texting me", None),
            ex("stop texting me now", None),
            ex("remove me from the list", Some("a")),
            ex("take my number off", Some("a")),
            ex("unsubscribe", None),
        ];
        let f = families(&rows);
        assert_eq!(f[0], f[1]);
        assert_eq!(f[2], f[3]);
        assert_ne!(f[0], f[2]);
        assert_ne!(f[4], f[0]);
    }

    #[test]
    fn bad_rows_are_named_by_line() {
        assert_eq!(parse("# c\nen\tother\thi\nen\tmaybe\tx").unwrap_err().line, 3);
        assert!(parse("en\tother").is_err());
        assert!(parse("en\tother\t  ").is_err());
        assert_eq!(parse_families("en\tother\tf1\thi").unwrap()[0].family.as_deref(), Some("f1"));
        assert!(parse_families("en\tother\thi").is_err());
    }
}
