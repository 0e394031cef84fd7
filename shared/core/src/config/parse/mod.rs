//! The configuration file (TOML) into checked `StoreConfig`s, by section: `store` puts one
//! `[[stores]]` table together from `credentials`, `providers`, `sending`, `commerce`, `steps`
//! and `faq` (texts checked by `texts`); `problems` collects every problem with its key path,
//! so one run names them all.

mod catalogue;
mod commerce;
mod condition;
mod conversations;
mod credentials;
mod event_webhooks;
mod faq;
mod offer;
mod on_site;
mod problems;
mod providers;
mod reader;
mod sending;
mod steps;
mod store;
mod texts;
mod webpush;

use super::{Config, ConfigError};
use problems::Problems;
use serde::Deserialize;
use std::collections::HashSet;
use store::{RawStore, store};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    public_url: Option<String>,
    replies_url: Option<String>,
    #[serde(default)]
    stores: Vec<RawStore>,
}

pub(super) fn parse(path: &str, text: &str) -> Result<Config, ConfigError> {
    let raw: RawConfig =
        toml::from_str(text).map_err(|e| ConfigError::Syntax { path: path.to_string(), message: e.to_string() })?;
    let mut p = Problems(Vec::new());
    let public_url = raw.public_url.unwrap_or_else(|| "http://127.0.0.1:8787".to_string());
    if url::Url::parse(&public_url).is_err() {
        p.add("public_url", format!("`{public_url}` is not a URL"));
    }
    if let Some(r) = &raw.replies_url
        && url::Url::parse(r).is_err()
    {
        p.add("replies_url", format!("`{r}` is not a URL"));
    }
    if raw.stores.is_empty() {
        p.add("stores", "at least one [[stores]] table is needed");
    }
    let mut ids = HashSet::new();
    let mut keys = HashSet::new();
    let mut stores = Vec::new();
    for (i, rs) in raw.stores.into_iter().enumerate() {
        let at = format!("stores[{i}]");
        if !ids.insert(rs.id.clone()) {
            p.add(&format!("{at}.id"), format!("`{}` is used by two stores", rs.id));
        }
        if !keys.insert(rs.api_key.clone()) {
            p.add(&format!("{at}.api_key"), "the same key is used by two stores");
        }
        if let Some(s) = store(&at, rs, &mut p) {
            stores.push(s);
        }
    }
    // RFC 8058: a one-click unsubscribe URL must be HTTPS. Real e-mail (SES) carries one built
    // from public_url; a loopback URL (local mode, tests) is exempt.
    let loopback = url::Url::parse(&public_url)
        .ok()
        .and_then(|u| u.host_str().map(|h| matches!(h, "127.0.0.1" | "localhost" | "[::1]")))
        .unwrap_or(false);
    let ses = stores.iter().any(|s: &crate::config::StoreConfig| {
        matches!(s.providers.email, crate::config::providers::EmailProvider::Ses { .. })
    });
    if ses && !public_url.starts_with("https://") && !loopback {
        p.add(
            "public_url",
            "must be https:// when a store sends e-mail through SES: its one-click unsubscribe link (List-Unsubscribe, RFC 8058) is built from it",
        );
    }
    if p.0.is_empty() {
        let config = Config::new(public_url, stores);
        Ok(match raw.replies_url {
            Some(r) => config.with_replies_url(&r),
            None => config,
        })
    } else {
        Err(ConfigError::Invalid { path: path.to_string(), problems: p.0 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ReaderKind;

    const STORE: &str = "id = \"a\"\nname = \"A\"\napi_key = \"cbk_0123456789abcdef\"\ntwilio_auth_token = \"t\"\n\
                         currency = \"EUR\"\nallowed_domains = [\"shop.example\"]\n";

    #[test]
    fn ses_needs_an_https_public_url_except_on_loopback() {
        let ses = "[stores.email]\nprovider = \"ses\"\nfrom = \"shop@shop.example\"\n";
        let doc = |url: &str| format!("public_url = \"{url}\"\n[[stores]]\n{STORE}{ses}");
        let err = parse("c.toml", &doc("http://cartback.shop.example")).unwrap_err().to_string();
        assert!(err.contains("public_url") && err.contains("RFC 8058"), "{err}");
        assert!(parse("c.toml", &doc("https://cartback.shop.example")).is_ok());
        assert!(parse("c.toml", &doc("http://127.0.0.1:8787")).is_ok());
    }

    #[test]
    fn the_replies_url_is_the_public_url_unless_set() {
        let doc = |extra: &str| format!("public_url = \"https://in.example/\"\n{extra}[[stores]]\n{STORE}");
        let c = parse("c.toml", &doc("")).unwrap();
        assert_eq!((c.public_url.as_str(), c.replies_url.as_str()), ("https://in.example", "https://in.example"));
        let c = parse("c.toml", &doc("replies_url = \"https://abc.lambda-url.us-east-1.on.aws/\"\n")).unwrap();
        assert_eq!(c.replies_url, "https://abc.lambda-url.us-east-1.on.aws");
        let err = parse("c.toml", &doc("replies_url = \"nope\"\n")).unwrap_err().to_string();
        assert!(err.contains("replies_url") && err.contains("not a URL"), "{err}");
    }

    #[test]
    fn every_problem_of_every_store_is_reported_at_once() {
        let text =
            format!("public_url = \"not a url\"\n[[stores]]\n{STORE}[[stores]]\n{STORE}timezone = \"Mars/Base\"\n");
        let Err(ConfigError::Invalid { problems, .. }) = parse("x.toml", &text) else { panic!("accepted") };
        let keys: Vec<&str> = problems.iter().map(|m| m.split(':').next().unwrap_or_default()).collect();
        assert_eq!(keys, ["public_url", "stores[1].id", "stores[1].api_key", "stores[1].timezone"]);
    }

    #[test]
    fn a_minimal_store_loads_with_the_defaults() {
        let config = parse("x.toml", &format!("[[stores]]\n{STORE}")).expect("valid");
        let store = config.store("a").expect("the store");
        assert_eq!(store.steps.len(), 3);
        assert_eq!(store.timezone, "UTC");
        assert_eq!(store.locale, "en");
        assert_eq!(store.max_sms_segments, 3);
    }

    #[test]
    fn the_second_reader_is_off_by_default_and_checked_when_on() {
        let none = parse("x.toml", &format!("[[stores]]\n{STORE}")).expect("valid");
        assert!(none.store("a").expect("the store").reader.is_none());
        let ok = format!(
            "[[stores]]\n{STORE}reader_api_key = \"sk-1\"\n[stores.reader]\nkind = \"openai\"\nurl = \"http://127.0.0.1:8080/v1/\"\nmodel = \"qwen\"\n"
        );
        let config = parse("x.toml", &ok).expect("valid");
        let r = config.store("a").expect("the store").reader.clone().expect("a reader");
        assert_eq!(
            (r.kind, r.url.as_deref(), r.daily_budget),
            (ReaderKind::OpenAi, Some("http://127.0.0.1:8080/v1"), 500)
        );
        assert_eq!(format!("{:?}", r.api_key), "Some(Secret(***))");
        let bad = format!("[[stores]]\n{STORE}[stores.reader]\nkind = \"bedrock\"\nmodel = \"\"\ntimeout = \"30s\"\n");
        let Err(ConfigError::Invalid { problems, .. }) = parse("x.toml", &bad) else { panic!("accepted") };
        let keys: Vec<&str> = problems.iter().map(|m| m.split(':').next().unwrap_or_default()).collect();
        assert_eq!(
            keys,
            ["stores[0].reader.region", "stores[0].reader.model", "stores[0].reader.timeout"],
            "{problems:?}"
        );
        let other = format!("[[stores]]\n{STORE}[stores.reader]\nkind = \"gpt\"\nmodel = \"x\"\n");
        assert!(parse("x.toml", &other).unwrap_err().to_string().contains("stores[0].reader.kind"));
    }

    #[test]
    fn unknown_keys_and_bad_syntax_are_refused() {
        assert!(matches!(parse("x.toml", "[[stores]]\nid = "), Err(ConfigError::Syntax { .. })));
        let text = format!("[[stores]]\n{STORE}colour = \"blue\"\n");
        let Err(ConfigError::Syntax { message, .. }) = parse("x.toml", &text) else { panic!("accepted") };
        assert!(message.contains("colour"), "{message}");
    }
}
