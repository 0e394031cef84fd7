//! `cartback shopper export|erase`: a shopper's data rights through the API of a running
//! Cartback (local mode or AWS), with the store's key. The shopper's address goes in the
//! request body, never in a URL; the export is printed (or written to `--out`), the erasure's
//! counts are printed.

use anyhow::{Context, bail};
use std::path::PathBuf;

pub struct Request {
    pub url: String,
    pub store: String,
    pub key: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub out: Option<PathBuf>,
}

pub async fn run(action: &str, r: Request) -> anyhow::Result<()> {
    if r.email.is_none() && r.phone.is_none() {
        bail!("give --email or --phone");
    }
    let url = format!("{}/v1/stores/{}/shoppers/{action}", r.url.trim_end_matches('/'), r.store);
    let body = serde_json::json!({"email": r.email, "phone": r.phone});
    let resp = reqwest::Client::new()
        .post(&url)
        .bearer_auth(&r.key)
        .json(&body)
        .send()
        .await
        .with_context(|| format!("could not reach {url}"))?;
    let status = resp.status();
    let text = resp.text().await.context("reading the answer")?;
    if !status.is_success() {
        bail!("{url} answered {status}: {text}");
    }
    let pretty =
        serde_json::from_str::<serde_json::Value>(&text).and_then(|v| serde_json::to_string_pretty(&v)).unwrap_or(text);
    match &r.out {
        Some(path) => {
            std::fs::write(path, pretty + "\n").with_context(|| format!("writing {}", path.display()))?;
            eprintln!("written to {}", path.display());
        }
        None => println!("{pretty}"),
    }
    Ok(())
}
