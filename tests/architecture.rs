//! The core's layers (issue #30, docs/architecture.md), bottom up: `domain`; the shapes and
//! texts beneath the configuration (`text`, `outbound`); `config`; `ports`; `engine` (the
//! shared kernel: counting, retries, the outbox); the stages (`intake`, `abandonment`,
//! `messaging`, `conversations`, `feedback`, `shopper_data`). This reads every `crate::` path of
//! shared/core/src and fails on an import that points up a layer, on a stage reaching into
//! another stage's files (a stage may use another's front — what its `mod.rs` offers — only
//! down the stages' order, `STAGE_ORDER`), and on a circle between files — except those still
//! listed in `tests/fixtures/architecture/known.txt`, the debt being paid down: an entry that no
//! longer occurs fails too, so the list can only shrink.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A top-level module's layer; stages share one.
fn layer(top: &str) -> Option<u8> {
    Some(match top {
        "domain" => 0,
        "text" | "outbound" => 1,
        "config" => 2,
        "ports" => 3,
        "engine" | "system" => 4,
        "intake" | "abandonment" | "messaging" | "conversations" | "feedback" | "shopper_data" | "catalogue"
        | "hooks" => STAGES,
        // The wiring the hosts build once (`app.rs`: `Ports`, `Engine`): above every stage.
        "app" => STAGES + 1,
        _ => return None,
    })
}

const STAGES: u8 = 5;

/// The stages, each above those after it: a stage may use the front of a stage later in this
/// list (a cart event is applied by `intake`, whose timers `abandonment` runs, which sends
/// through `messaging`…), never one before it.
const STAGE_ORDER: [&str; 8] =
    ["shopper_data", "intake", "conversations", "feedback", "abandonment", "messaging", "catalogue", "hooks"];

/// Every `.rs` file under `dir`, as its module path (`conversations::replies`).
fn modules(dir: &Path, prefix: &str, out: &mut BTreeMap<String, PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_stem().unwrap().to_string_lossy().to_string();
        if p.is_dir() {
            modules(&p, &format!("{prefix}{name}::"), out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            let m = match name.as_str() {
                "mod" | "lib" => prefix.trim_end_matches("::").to_string(),
                _ => format!("{prefix}{name}"),
            };
            out.insert(m, p);
        }
    }
}

/// The `crate::a::b…` paths a file names outside its tests, resolved to the longest known
/// module (`crate::engine::counters::Counter` → `engine::counters`).
fn imports(text: &str, known: &BTreeMap<String, PathBuf>) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or(text);
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + 7..];
        let path: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
        // `crate::x::{a, b}`: the list's modules are read below, not `x` itself.
        if rest[path.len()..].starts_with('{') {
            continue;
        }
        let mut parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
        while !parts.is_empty() && !known.contains_key(&parts.join("::")) {
            parts.pop();
        }
        if !parts.is_empty() {
            out.insert(parts.join("::"));
        }
    }
    // `use crate::x::{a, b::c}`: the braces name modules too.
    for (i, _) in code.match_indices("use crate::") {
        let stmt: String = code[i + 11..].chars().take_while(|c| *c != ';').collect();
        let split = match stmt.strip_prefix('{') {
            Some(list) => Some(("", list)),
            None => stmt.split_once("::{"),
        };
        if let Some((base, list)) = split {
            for item in list.trim_end_matches('}').split(',') {
                let item = item.trim().split(" as ").next().unwrap_or("").trim();
                let mut parts: Vec<String> = base.split("::").filter(|p| !p.is_empty()).map(str::to_string).collect();
                parts.extend(item.split("::").filter(|p| !p.is_empty() && *p != "self").map(str::to_string));
                while !parts.is_empty() && !known.contains_key(&parts.join("::")) {
                    parts.pop();
                }
                if !parts.is_empty() {
                    out.insert(parts.join("::"));
                }
            }
        }
    }
    out
}

fn top(m: &str) -> &str {
    m.split("::").next().unwrap_or(m)
}

/// The violations of the tree as it is: upward imports, stage-to-stage imports, and circles.
fn violations() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().join("shared/core/src");
    let mut known = BTreeMap::new();
    modules(&root, "", &mut known);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut found = BTreeSet::new();
    for (m, path) in &known {
        let text = std::fs::read_to_string(path).unwrap();
        let deps: BTreeSet<String> =
            imports(&text, &known).into_iter().filter(|d| d != m && !m.starts_with(&format!("{d}::"))).collect();
        for d in &deps {
            let (from, to) = (top(m), top(d));
            if from == to {
                continue;
            }
            match (layer(from), layer(to)) {
                (Some(a), Some(b)) if b > a => {
                    found.insert(format!("up {m} -> {d}"));
                }
                (Some(STAGES), Some(STAGES)) => {
                    let rank = |t: &str| STAGE_ORDER.iter().position(|s| *s == t);
                    // Another stage's front (its mod.rs: `messaging::Outbox`), down the order.
                    let front = d == to && rank(from) < rank(to);
                    if !front {
                        found.insert(format!("across {m} -> {d}"));
                    }
                }
                _ => {}
            }
        }
        graph.insert(m.clone(), deps);
    }
    // Circles between files: each strongly connected component of more than one file, named by
    // its sorted members.
    for c in components(&graph) {
        if c.len() > 1 {
            found.insert(format!("circle {}", c.join(" ")));
        }
    }
    found
}

/// Tarjan's strongly connected components.
fn components(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct S<'a> {
        g: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        n: usize,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut S<'a>, v: &'a str) {
        s.index.insert(v, s.n);
        s.low.insert(v, s.n);
        s.n += 1;
        s.stack.push(v);
        s.on.insert(v);
        for w in s.g.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.g.contains_key(w) {
                continue;
            }
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(lw));
            } else if s.on.contains(w) {
                let iw = s.index[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut c = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(w);
                c.push(w.to_string());
                if w == v {
                    break;
                }
            }
            c.sort();
            s.out.push(c);
        }
    }
    let mut s = S {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        n: 0,
        out: Vec::new(),
    };
    for v in g.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}

#[test]
fn the_core_imports_only_downwards_except_the_known_debt() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let listed = std::fs::read_to_string(root.join("tests/fixtures/architecture/known.txt")).unwrap();
    let known: BTreeSet<String> =
        listed.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_string).collect();
    let now = violations();
    let new: Vec<&String> = now.difference(&known).collect();
    let paid: Vec<&String> = known.difference(&now).collect();
    assert!(new.is_empty(), "imports against the layers (docs/architecture.md), not in the known list: {new:#?}");
    assert!(paid.is_empty(), "gone from the tree: take these off tests/fixtures/architecture/known.txt: {paid:#?}");
}

/// The checker sees what it is for: an upward import, a stage reaching into another, a circle.
#[test]
fn the_checker_sees_an_upward_import_and_a_circle() {
    let mut known = BTreeMap::new();
    for m in ["domain::cart", "engine", "conversations::replies", "messaging::compose", "a", "b"] {
        known.insert(m.to_string(), PathBuf::new());
    }
    let deps =
        imports("use crate::engine::counters::Counter;\nuse crate::{domain::cart::Cart, messaging::compose};", &known);
    assert_eq!(deps.into_iter().collect::<Vec<_>>(), ["domain::cart", "engine", "messaging::compose"]);
    let g: BTreeMap<String, BTreeSet<String>> =
        [("a".to_string(), BTreeSet::from(["b".to_string()])), ("b".to_string(), BTreeSet::from(["a".to_string()]))]
            .into();
    assert_eq!(components(&g), vec![vec!["a".to_string(), "b".to_string()]]);
}
