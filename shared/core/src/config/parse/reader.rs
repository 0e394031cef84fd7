//! `[stores.reader]`: the optional second reader of replies (docs/replies.md, "A second
//! reader"), and its key `reader_api_key` (a secret, beside the store's others).

use jiff::SignedDuration;
use serde::Deserialize;

use super::problems::Problems;
use crate::config::{ReaderConfig, ReaderKind, Secret};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReader {
    kind: String,
    url: Option<String>,
    model: String,
    region: Option<String>,
    timeout: Option<String>,
    daily_budget: Option<u32>,
}

pub(super) fn reader(
    at: &str,
    raw: Option<RawReader>,
    api_key: Option<String>,
    p: &mut Problems,
) -> Option<ReaderConfig> {
    let raw = raw?;
    let at = format!("{at}.reader");
    let kind = match raw.kind.as_str() {
        "openai" => ReaderKind::OpenAi,
        "bedrock" => ReaderKind::Bedrock,
        other => {
            p.add(
                &format!("{at}.kind"),
                format!("`{other}` is not one of openai (an OpenAI-compatible chat endpoint), bedrock"),
            );
            return None;
        }
    };
    let url = raw.url.map(|u| u.trim_end_matches('/').to_string());
    if let Some(u) = &url
        && !(u.starts_with("https://") || u.starts_with("http://"))
    {
        p.add(&format!("{at}.url"), "an http(s) URL");
    }
    match kind {
        ReaderKind::OpenAi if url.is_none() => {
            p.add(&format!("{at}.url"), "required for openai: the server's base URL, e.g. http://127.0.0.1:8080/v1");
        }
        ReaderKind::Bedrock if raw.region.as_deref().is_none_or(str::is_empty) => {
            p.add(&format!("{at}.region"), "required for bedrock: the AWS region of the model, e.g. eu-west-1");
        }
        _ => {}
    }
    if raw.model.trim().is_empty() {
        p.add(&format!("{at}.model"), "the model's name (openai) or id (bedrock)");
    }
    let timeout = p.duration(&format!("{at}.timeout"), raw.timeout.as_deref(), SignedDuration::from_secs(3));
    if timeout < SignedDuration::from_millis(100) || timeout > SignedDuration::from_secs(10) {
        p.add(&format!("{at}.timeout"), "between 100ms and 10s: a reply's webhook waits for it");
    }
    Some(ReaderConfig {
        kind,
        url,
        model: raw.model,
        region: raw.region,
        timeout,
        daily_budget: raw.daily_budget.unwrap_or(500),
        api_key: api_key.filter(|k| !k.is_empty()).map(Secret),
    })
}
