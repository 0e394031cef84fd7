//! `[stores.on_site]` (docs/on-site.md): what the capture snippet does on the shop's own pages.
//! Today the tab nudge: when a shopper with a cart switches to another tab, the shop's tab title
//! (and, if asked, its icon) says the cart is waiting, in the shopper's language.

use super::problems::Problems;
use crate::config::{OnSiteConfig, TabNudge};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A tab shows about this many characters; a longer title is cut off by the browser.
pub const MAX_TAB_TITLE: usize = 60;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOnSite {
    tab_nudge: Option<bool>,
    tab_nudge_favicon: Option<bool>,
    /// Language tag → the title, over the built-in ones.
    #[serde(default)]
    tab_titles: BTreeMap<String, String>,
    offer: Option<super::offer::RawOffer>,
}

pub(super) fn on_site(
    at: &str,
    raw: Option<RawOnSite>,
    currency: Option<crate::domain::money::Currency>,
    p: &mut Problems,
) -> OnSiteConfig {
    let mut raw = raw.unwrap_or_default();
    let at = format!("{at}.on_site");
    let offer = raw.offer.take().and_then(|o| super::offer::offer(&at, o, currency, p));
    let on = raw.tab_nudge.unwrap_or(false);
    if !on && (!raw.tab_titles.is_empty() || raw.tab_nudge_favicon.is_some()) {
        // Titles for a nudge that is off would silently do nothing.
        p.add(&format!("{at}.tab_nudge"), "set `tab_nudge = true` to use `tab_titles` or `tab_nudge_favicon`");
    }
    let mut titles: BTreeMap<String, String> = crate::domain::locale::BUILT_IN
        .iter()
        .map(|l| (l.to_string(), crate::text::builtin::phrase("on_site_tab_title", l, &[])))
        .collect();
    for (lang, title) in raw.tab_titles {
        let key = format!("{at}.tab_titles.{lang}");
        let Some(tag) = super::texts::language_tag(p, &key, &lang) else { continue };
        let title = title.trim().to_string();
        if title.is_empty() || title.chars().count() > MAX_TAB_TITLE || title.chars().any(char::is_control) {
            p.add(&key, format!("a title of 1 to {MAX_TAB_TITLE} characters on one line"));
            continue;
        }
        titles.insert(tag, title);
    }
    OnSiteConfig { tab_nudge: on.then(|| TabNudge { titles, favicon: raw.tab_nudge_favicon.unwrap_or(false) }), offer }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    /// The example configuration with its `[stores.on_site]` table's lines replaced by `lines`.
    fn with(lines: &str) -> Result<Config, String> {
        let example = include_str!("../../../../../docs/cartback.example.toml");
        let line = example.lines().find(|l| l.starts_with("tab_nudge = true")).expect("the example turns the nudge on");
        Config::from_toml("t.toml", &example.replace(line, lines)).map_err(|e| e.to_string())
    }

    #[test]
    fn titles_built_in_and_the_stores_own() {
        let c =
            with("tab_nudge = true\ntab_titles = { \"nb\" = \"Kurven venter!\", \"de\" = \"Ihr Warenkorb wartet\" }")
                .unwrap();
        let n = c.store("demo").unwrap().on_site.tab_nudge.clone().unwrap();
        assert_eq!(n.titles["nb"], "Kurven venter!");
        assert_eq!(n.titles["de"], "Ihr Warenkorb wartet");
        assert!(n.titles["en"].contains("cart"), "{:?}", n.titles);
        assert!(!n.favicon);
        assert!(with("").unwrap().store("demo").unwrap().on_site.tab_nudge.is_none());
    }

    #[test]
    fn precise_errors() {
        let e = with("tab_titles = { \"en\" = \"x\" }").unwrap_err();
        assert!(e.contains("on_site.tab_nudge: set `tab_nudge = true`"), "{e}");
        let e = with("tab_nudge = true\ntab_titles = { \"en\" = \"\" }").unwrap_err();
        assert!(e.contains("on_site.tab_titles.en: a title of 1 to 60 characters"), "{e}");
        let e = with("tab_nudge = true\ntab_titles = { \"1x\" = \"Hi\" }").unwrap_err();
        assert!(e.contains("on_site.tab_titles.1x: not a language tag"), "{e}");
        let e = with("tab_nudge = true\npopup = true").unwrap_err();
        assert!(e.contains("popup"), "{e}");
    }
}
