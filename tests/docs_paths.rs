//! `docs/architecture.md` names real files: every backquoted path in it exists, from the
//! repository's root or from one of the source folders it speaks of.
#![allow(clippy::unwrap_used)]

use std::path::Path;

const BASES: [&str; 4] = ["", "shared/core/src/", "shared/http/src/", "shared/aws/src/"];

#[test]
fn every_path_in_the_architecture_page_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let text = std::fs::read_to_string(root.join("docs/architecture.md")).unwrap();
    let mut checked = 0;
    let mut missing = Vec::new();
    for code in text.split('`').skip(1).step_by(2) {
        let path = code.split("::").next().unwrap();
        let is_path = path.contains('/') || [".rs", ".toml", ".md"].iter().any(|e| path.ends_with(e));
        if !is_path || path.contains(' ') || path.contains('*') {
            continue;
        }
        checked += 1;
        // `functions/<name>/src/main.rs` stands for each function's.
        let path = &path.replace("<name>", "ingest");
        if !BASES.iter().any(|b| root.join(format!("{b}{path}")).exists()) {
            missing.push(path.to_string());
        }
    }
    assert!(checked >= 30, "the page names only {checked} paths");
    assert!(missing.is_empty(), "docs/architecture.md names files that do not exist: {missing:?}");
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces as dashes.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// Every relative link of the README and the pages under docs/ reaches a file that exists, and
/// a `#anchor` into a Markdown page reaches one of its headings: moving a section cannot leave a
/// link behind.
#[test]
fn every_link_in_the_readme_and_the_docs_resolves() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut pages = vec![root.join("README.md")];
    for e in std::fs::read_dir(root.join("docs")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            pages.push(p);
        }
    }
    let mut checked = 0;
    let mut broken = Vec::new();
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        let dir = page.parent().unwrap();
        for part in text.split("](").skip(1) {
            let Some(target) = part.split(')').next() else { continue };
            if target.contains(' ') || target.starts_with("http") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (file, frag) = target.split_once('#').unwrap_or((target, ""));
            let path = if file.is_empty() { page.clone() } else { dir.join(file) };
            if !path.exists() {
                broken.push(format!("{}: {target}", page.display()));
                continue;
            }
            if !frag.is_empty() && path.extension().is_some_and(|x| x == "md") {
                let body = std::fs::read_to_string(&path).unwrap();
                let found =
                    body.lines().filter(|l| l.starts_with('#')).any(|l| anchor(l.trim_start_matches('#')) == frag);
                if !found {
                    broken.push(format!("{}: {target} (no such heading)", page.display()));
                }
            }
        }
    }
    assert!(checked >= 40, "only {checked} links");
    assert!(broken.is_empty(), "links that lead nowhere: {broken:#?}");
}
