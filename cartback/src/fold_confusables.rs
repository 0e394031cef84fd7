//! `cartback fold-confusables`: reads texts as JSON strings, one a line, and prints each folded
//! as the opt-out rules read it (`conversations::confusables::fold`), as a JSON string: the
//! differential test against Unicode's published confusables (tests/references/confusables.py,
//! run by `scripts/references`).

use std::io::{BufRead, Write};

pub fn run() -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (i, line) in std::io::stdin().lock().lines().enumerate() {
        let text: String =
            serde_json::from_str(&line?).map_err(|e| anyhow::anyhow!("line {}: not a JSON string: {e}", i + 1))?;
        writeln!(out, "{}", serde_json::to_string(&cartback_core::conversations::confusables::fold(&text))?)?;
    }
    out.flush()?;
    Ok(())
}
