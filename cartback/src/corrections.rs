//! `cartback replies export-corrections`: a person's readings of a store's replies, through the
//! API of a running Cartback (local mode or AWS), written in the corpus's format
//! (`language<TAB>label<TAB>text`, docs/replies.md "Corrections") so a store's own replies can
//! be added to the corpus the model learns from.

use anyhow::{Context, bail};
use serde_json::Value;
use std::path::Path;

/// A page of conversations, then each one's transcript: every shopper's reply with a
/// correction becomes one row. Rows are written as the corpus holds them: one line, no tab.
pub async fn export(url: &str, store: &str, key: &str, out: Option<&Path>) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let base = format!("{}/v1/stores/{store}/conversations", url.trim_end_matches('/'));
    let get = |u: String| {
        let client = client.clone();
        async move {
            let resp = client.get(&u).bearer_auth(key).send().await.with_context(|| format!("could not reach {u}"))?;
            let status = resp.status();
            let text = resp.text().await.context("reading the answer")?;
            if !status.is_success() {
                bail!("{u} answered {status}: {text}");
            }
            serde_json::from_str::<Value>(&text).with_context(|| format!("{u} answered something other than JSON"))
        }
    };
    let mut rows = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let mut page_url = format!("{base}?status=all");
        if let Some(b) = &before {
            page_url.push_str("&before=");
            page_url.extend(form_urlencoded::byte_serialize(b.as_bytes()));
        }
        let page = get(page_url).await?;
        for c in page["conversations"].as_array().into_iter().flatten() {
            let Some(id) = c["id"].as_str() else { continue };
            let full = get(format!("{base}/{id}")).await?;
            rows.extend(corrected_rows(&full));
        }
        match page["next"].as_str() {
            Some(n) => before = Some(n.to_string()),
            None => break,
        }
    }
    let mut text = String::from(
        "# Corrections exported by `cartback replies export-corrections`: a person's label for a\n\
         # reply Cartback read otherwise (or confirmed). Columns: language, label, text.\n",
    );
    for (lang, label, reply) in &rows {
        text.push_str(&format!("{lang}\t{label}\t{reply}\n"));
    }
    match out {
        Some(path) => {
            std::fs::write(path, &text).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("{} corrections written to {}", rows.len(), path.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}

/// The corrected replies of one conversation: (language, label, text on one line).
fn corrected_rows(conversation: &Value) -> Vec<(String, String, String)> {
    let mut rows = Vec::new();
    for m in conversation["transcript"].as_array().into_iter().flatten() {
        let reading = &m["reading"];
        let (Some(label), Some(text)) = (reading["correction"]["label"].as_str(), m["text"].as_str()) else {
            continue;
        };
        let lang = reading["language"].as_str().filter(|l| !l.is_empty()).unwrap_or("und");
        // One line, no tab, no control character: the corpus's format.
        let flat: String = text.chars().map(|c| if c.is_control() || c == '\t' { ' ' } else { c }).collect::<String>();
        let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
        if !flat.is_empty() {
            rows.push((lang.to_string(), label.to_string(), flat));
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_corrected_replies_become_rows_on_one_line() {
        let c = serde_json::json!({"transcript": [
            {"author": "shopper", "text": "ikke stopp\trabatten\nplis",
             "reading": {"label": "opt_out", "language": "nb", "correction": {"label": "price_discount"}}},
            {"author": "shopper", "text": "hva koster frakten", "reading": {"label": "unexpected_fees", "language": "nb"}},
            {"author": "agent", "text": "Hei!"},
        ]});
        assert_eq!(
            corrected_rows(&c),
            vec![("nb".to_string(), "price_discount".to_string(), "ikke stopp rabatten plis".to_string())]
        );
    }
}
