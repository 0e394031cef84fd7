//! `when = {…}` on a step or a variant (docs/sequences.md), each key checked with its path.

use super::problems::Problems;
use crate::config::condition::Condition;
use crate::domain::money::Currency;
use crate::domain::{Channel, Reason};
use serde::Deserialize;

#[derive(Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCondition {
    cart_value_min: Option<String>,
    cart_value_max: Option<String>,
    items_min: Option<u32>,
    items_max: Option<u32>,
    first_time: Option<bool>,
    #[serde(default)]
    countries: Vec<String>,
    #[serde(default)]
    languages: Vec<String>,
    #[serde(default)]
    consent: Vec<String>,
    #[serde(default)]
    reasons: Vec<String>,
    #[serde(default)]
    leads: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    collections: Vec<String>,
    #[serde(default)]
    product_types: Vec<String>,
}

impl RawCondition {
    fn is_empty(&self) -> bool {
        self.cart_value_min.is_none()
            && self.cart_value_max.is_none()
            && self.items_min.is_none()
            && self.items_max.is_none()
            && self.first_time.is_none()
            && self.countries.is_empty()
            && self.languages.is_empty()
            && self.consent.is_empty()
            && self.reasons.is_empty()
            && self.leads.is_empty()
            && self.tags.is_empty()
            && self.collections.is_empty()
            && self.product_types.is_empty()
    }
}

pub(super) fn condition(
    at: &str,
    raw: &RawCondition,
    currency: Option<Currency>,
    p: &mut Problems,
) -> Option<Condition> {
    let at = format!("{at}.when");
    let mut c = Condition::default();
    let amount = |key: &str, v: &Option<String>, p: &mut Problems| -> Option<i64> {
        let v = v.as_deref()?;
        // A store currency that did not parse is reported once, at the store's `currency`.
        match currency?.parse_amount(v) {
            Ok(m) if m >= 0 => Some(m),
            _ => {
                p.add(&format!("{at}.{key}"), format!("`{v}` is not an amount in the store currency, like \"100.00\""));
                None
            }
        }
    };
    c.cart_value_min = amount("cart_value_min", &raw.cart_value_min, p);
    c.cart_value_max = amount("cart_value_max", &raw.cart_value_max, p);
    if let (Some(lo), Some(hi)) = (c.cart_value_min, c.cart_value_max)
        && lo > hi
    {
        p.add(&format!("{at}.cart_value_max"), "below cart_value_min: no cart would match");
    }
    c.items_min = raw.items_min;
    c.items_max = raw.items_max;
    if let (Some(lo), Some(hi)) = (c.items_min, c.items_max)
        && lo > hi
    {
        p.add(&format!("{at}.items_max"), "below items_min: no cart would match");
    }
    c.first_time = raw.first_time;
    for (k, country) in raw.countries.iter().enumerate() {
        let upper = country.trim().to_ascii_uppercase();
        if upper.len() != 2 || upper.parse::<phonenumber::country::Id>().is_err() {
            p.add(&format!("{at}.countries[{k}]"), format!("`{country}` is not an ISO 3166 alpha-2 country, like NO"));
        } else if !c.countries.contains(&upper) {
            c.countries.push(upper);
        }
    }
    for (k, lang) in raw.languages.iter().enumerate() {
        match crate::domain::locale::primary(lang) {
            Some(l) if !c.languages.contains(&l) => c.languages.push(l),
            Some(_) => {}
            None => p.add(&format!("{at}.languages[{k}]"), format!("`{lang}` is not a language tag, like nb or tr")),
        }
    }
    for (k, ch) in raw.consent.iter().enumerate() {
        match Channel::parse(ch) {
            Some(ch) if !c.consent.contains(&ch) => c.consent.push(ch),
            Some(_) => {}
            None => p.add(&format!("{at}.consent[{k}]"), format!("`{ch}` is not sms, email, whatsapp or webpush")),
        }
    }
    for (k, r) in raw.reasons.iter().enumerate() {
        match Reason::parse(r) {
            Some(r) if !c.reasons.contains(&r) => c.reasons.push(r),
            Some(_) => {}
            None => {
                let known: Vec<&str> = Reason::ALL.iter().map(Reason::as_str).collect();
                p.add(&format!("{at}.reasons[{k}]"), format!("`{r}` is not one of {}", known.join(", ")));
            }
        }
    }
    for (k, l) in raw.leads.iter().enumerate() {
        match crate::domain::Temperature::parse(l) {
            Some(t) if !c.leads.contains(&t) => c.leads.push(t),
            Some(_) => {}
            None => p.add(&format!("{at}.leads[{k}]"), format!("`{l}` is not a lead temperature (cold, warm or hot)")),
        }
    }
    for (key, raw_list, out) in [
        ("tags", &raw.tags, &mut c.tags),
        ("collections", &raw.collections, &mut c.collections),
        ("product_types", &raw.product_types, &mut c.product_types),
    ] {
        for (k, v) in raw_list.iter().enumerate() {
            let v = v.trim();
            if v.is_empty() || v.len() > 255 || v.chars().any(char::is_control) {
                p.add(&format!("{at}.{key}[{k}]"), "must be 1 to 255 characters, without control characters");
            } else if !out.iter().any(|x| x.to_lowercase() == v.to_lowercase()) {
                out.push(v.to_string());
            }
        }
    }
    // Empty because nothing was written, not because what was written was refused (or could
    // not be read: an amount in a store currency that is itself wrong).
    if raw.is_empty() {
        p.add(&at, "names no condition: leave `when` out for every cart");
        return None;
    }
    Some(c)
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    fn store_with(when: &str) -> Result<Config, String> {
        let text = format!(
            "public_url = \"http://x\"\n[[stores]]\nid = \"s\"\nname = \"S\"\napi_key = \"cbk_test_0123456789abcdef\"\ntwilio_auth_token = \"t\"\ncurrency = \"EUR\"\nallowed_domains = [\"shop.example\"]\n[[stores.steps]]\nafter = \"1h\"\nchannel = \"email\"\nwhen = {{ {when} }}\n"
        );
        Config::from_toml("t.toml", &text).map_err(|e| e.to_string())
    }

    #[test]
    fn exchange_rates_are_positive_decimals_for_other_currencies() {
        let with = |rates: &str| {
            let text = format!(
                "public_url = \"http://x\"\n[[stores]]\nid = \"s\"\nname = \"S\"\napi_key = \"cbk_test_0123456789abcdef\"\ntwilio_auth_token = \"t\"\ncurrency = \"EUR\"\nexchange_rates = {{ {rates} }}\nallowed_domains = [\"shop.example\"]\n"
            );
            Config::from_toml("t.toml", &text).map_err(|e| e.to_string())
        };
        let c = with(r#"TRY = "0.027", USD = "0.92""#).unwrap();
        assert_eq!(c.store("s").unwrap().exchange_rates.get("USD"), Some(&0.92));
        let err = with(r#"EUR = "1", XYZ = "2", NOK = "-1", SEK = "1e3""#).unwrap_err();
        for key in [
            "exchange_rates.EUR: the store's own",
            "exchange_rates.XYZ: `XYZ`",
            "exchange_rates.NOK: `-1`",
            "exchange_rates.SEK",
        ] {
            assert!(err.contains(key), "{key} in {err}");
        }
    }

    #[test]
    fn every_kind_loads_and_each_problem_is_named() {
        let c = store_with(
            r#"cart_value_min = "100.00", cart_value_max = "900", items_min = 1, items_max = 5, first_time = true, countries = ["no", "TR"], languages = ["nb-NO", "tr"], consent = ["sms", "email"], reasons = ["unexpected_fees"], leads = ["hot", "warm"], tags = ["Winter", "winter"], collections = ["autumn"], product_types = ["Sweaters"]"#,
        )
        .unwrap();
        let w = c.store("s").unwrap().steps[0].when.clone().unwrap();
        assert_eq!((w.cart_value_min, w.cart_value_max), (Some(10_000), Some(90_000)));
        assert_eq!(w.countries, ["NO", "TR"]);
        assert_eq!(w.languages, ["nb", "tr"]);
        assert_eq!(
            (w.tags.as_slice(), w.collections.as_slice()),
            (&["Winter".to_string()][..], &["autumn".to_string()][..])
        );
        assert_eq!(w.leads.len(), 2);
        let err = store_with(
            r#"cart_value_min = "ten", items_min = 3, items_max = 2, countries = ["Norway"], languages = ["?"], consent = ["fax"], reasons = ["price"], leads = ["lukewarm"], tags = [""]"#,
        )
        .unwrap_err();
        for key in [
            "stores[0].steps[0].when.cart_value_min: `ten`",
            "stores[0].steps[0].when.items_max: below items_min",
            "stores[0].steps[0].when.countries[0]: `Norway`",
            "stores[0].steps[0].when.languages[0]",
            "stores[0].steps[0].when.consent[0]: `fax`",
            "stores[0].steps[0].when.reasons[0]: `price` is not one of",
            "stores[0].steps[0].when.leads[0]: `lukewarm`",
            "stores[0].steps[0].when.tags[0]: must be",
        ] {
            assert!(err.contains(key), "{key} in {err}");
        }
        assert!(store_with("").unwrap_err().contains("stores[0].steps[0].when: names no condition"));
        assert!(store_with("colour = \"red\"").unwrap_err().contains("colour"), "an unknown key is refused");
    }
}
