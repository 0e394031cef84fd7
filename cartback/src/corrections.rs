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

    /// Against a running local Cartback: a shopper's held reply, a person's correction through
    /// the API, then the export: the one corrected reply, in the corpus's format, which the
    /// corpus's own parser reads back.
    #[tokio::test]
    async fn the_corrections_of_a_running_cartback_are_exported_in_the_corpus_format() {
        use cartback_core::config::{DEMO_API_KEY, DEMO_TWILIO_AUTH_TOKEN, demo_config};
        use cartback_local::{LocalOptions, LocalRuntime};
        let rt = std::sync::Arc::new(LocalRuntime::new(
            demo_config(),
            LocalOptions { virtual_start: Some("2026-11-23T10:00:00Z".parse().unwrap()), ..LocalOptions::default() },
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = cartback_http::public_router(rt.engine.clone());
        tokio::spawn(async move {
            axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await.unwrap()
        });
        let http = reqwest::Client::new();
        let event = include_str!("../../docs/examples/event.json");
        let r = http
            .post(format!("{base}/v1/events"))
            .bearer_auth(DEMO_API_KEY)
            .header("content-type", "application/json")
            .body(event)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202);
        rt.advance(jiff::SignedDuration::from_mins(30)).await;
        let params: Vec<(String, String)> =
            [("Body", "numaramı nereden buldunuz?"), ("From", "+905321234567"), ("MessageSid", "SM1")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        let public = format!("{}/v1/replies/twilio/demo", rt.engine.config().public_url);
        let sig = cartback_core::conversations::twilio_webhook::signature(DEMO_TWILIO_AUTH_TOKEN, &public, &params);
        let body: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(&params).finish();
        let r = http
            .post(format!("{base}/v1/replies/twilio/demo"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", sig)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let list: Value = http
            .get(format!("{base}/v1/stores/demo/conversations"))
            .bearer_auth(DEMO_API_KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = list["conversations"][0]["id"].as_str().unwrap().to_string();
        let r = http
            .post(format!("{base}/v1/stores/demo/conversations/{id}/readings"))
            .bearer_auth(DEMO_API_KEY)
            .json(&serde_json::json!({"label": "trust"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let out = std::env::temp_dir().join(format!("cartback-corrections-{}.tsv", std::process::id()));
        export(&base, "demo", DEMO_API_KEY, Some(&out)).await.unwrap();
        let text = std::fs::read_to_string(&out).unwrap();
        let _ = std::fs::remove_file(&out);
        let rows = cartback_core::conversations::model::corpus::parse(&text).unwrap();
        assert_eq!(rows.len(), 1, "{text}");
        assert_eq!((rows[0].lang.as_str(), rows[0].label.as_str()), ("tr", "trust"));
        assert_eq!(rows[0].text, "numaramı nereden buldunuz?");
        // A wrong key is a clear error, not an empty file.
        let err = export(&base, "demo", "cbk_wrong_0123456789abcdef", None).await.unwrap_err();
        assert!(err.to_string().contains("401"), "{err:#}");
    }

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
