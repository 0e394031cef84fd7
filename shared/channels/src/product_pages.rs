//! Reading a shop's products over HTTPS (`ports::ProductPages`): a GET (or a GraphQL POST) with a timeout and a size
//! cap, no redirects (the configured origin is the shop), `Link: <…>; rel="next"` read for
//! cursor pagination, and a 429 or 503 tried again after the shop's `Retry-After` (at most 10 s,
//! 3 tries) — Shopify's storefront limits by IP.

use async_trait::async_trait;
use cartback_core::ports::{FetchError, FetchedPage, PageRequest, ProductPages};
use std::time::Duration;

/// The largest page read: 250 products with long descriptions fit well inside.
pub const MAX_PAGE_BYTES: usize = 16 * 1024 * 1024;
const TRIES: u32 = 3;
const MAX_WAIT_SECS: u64 = 10;

pub struct HttpProductPages {
    client: reqwest::Client,
}

impl Default for HttpProductPages {
    fn default() -> Self {
        HttpProductPages {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                // No redirects: the configured origin is the only host read.
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("Cartback/", env!("CARGO_PKG_VERSION"), " (catalogue refresh)"))
                .build()
                .unwrap_or_default(),
        }
    }
}

/// The `rel="next"` URL of a `Link` header.
pub fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim().eq_ignore_ascii_case("rel=\"next\"") || p.trim().eq_ignore_ascii_case("rel=next"))
            .then(|| url.trim().trim_start_matches('<').trim_end_matches('>').to_string())
    })
}

#[async_trait]
impl ProductPages for HttpProductPages {
    async fn fetch(&self, page: &PageRequest) -> Result<FetchedPage, FetchError> {
        let mut attempt = 1;
        loop {
            let mut req = match &page.body {
                Some(body) => self.client.post(&page.url).header("content-type", "application/json").body(body.clone()),
                None => self.client.get(&page.url),
            }
            .header("accept", "application/json");
            for (k, v) in &page.headers {
                // The platform's token: marked sensitive, so no debug output of the request shows it.
                let mut value = reqwest::header::HeaderValue::from_str(v)
                    .map_err(|_| FetchError::Refused(format!("header {k} is not a valid value")))?;
                value.set_sensitive(true);
                req = req.header(k, value);
            }
            let resp = req.send().await.map_err(|e| FetchError::Unreachable(e.without_url().to_string()))?;
            let status = resp.status().as_u16();
            let retry_after = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
                .map(|s| s.ceil().max(0.0) as u64);
            if matches!(status, 429 | 503) && attempt < TRIES {
                tokio::time::sleep(Duration::from_secs(retry_after.unwrap_or(2).min(MAX_WAIT_SECS))).await;
                attempt += 1;
                continue;
            }
            let next = resp.headers().get("link").and_then(|v| v.to_str().ok()).and_then(next_link);
            let total_pages =
                resp.headers().get("x-wp-totalpages").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
            if resp.content_length().is_some_and(|n| n as usize > MAX_PAGE_BYTES) {
                return Err(FetchError::Refused(format!("a page larger than {MAX_PAGE_BYTES} bytes")));
            }
            let mut body = Vec::new();
            let mut resp = resp;
            while let Some(chunk) =
                resp.chunk().await.map_err(|e| FetchError::Unreachable(e.without_url().to_string()))?
            {
                body.extend_from_slice(&chunk);
                if body.len() > MAX_PAGE_BYTES {
                    return Err(FetchError::Refused(format!("a page larger than {MAX_PAGE_BYTES} bytes")));
                }
            }
            return Ok(FetchedPage { status, body, retry_after, next, total_pages });
        }
    }

    async fn pause(&self, wait: Duration) {
        tokio::time::sleep(wait.min(Duration::from_secs(MAX_WAIT_SECS))).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header_next() {
        let h = r#"<https://s.example/products.json?limit=250&page_info=abc>; rel="previous", <https://s.example/products.json?limit=250&page_info=def>; rel="next""#;
        assert_eq!(next_link(h).as_deref(), Some("https://s.example/products.json?limit=250&page_info=def"));
        assert_eq!(next_link(r#"<https://s.example/a>; rel="previous""#), None);
    }
}
