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
