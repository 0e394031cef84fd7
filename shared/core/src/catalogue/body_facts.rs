//! The facts a product description states, read word for word: labelled lines ("Material:
//! 100% merino wool", "Care: …", "Size: 180 x 30 cm"), lines for one option value ("Double:
//! duvet cover 200 x 220 cm and two pillowcases …") and a burn time. Nothing is inferred: a
//! fact the text does not label is not known, and a question about it goes to a person.

use crate::domain::catalogue::{Facts, ValueFacts};
use regex::Regex;
use std::sync::LazyLock;

#[allow(clippy::expect_used)] // fixed patterns, exercised by the tests
static MEASURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\d+(?:[.,]\d+)?\s*(?:x|×)\s*\d+(?:[.,]\d+)?(?:\s*(?:x|×)\s*\d+(?:[.,]\d+)?)?\s*(?:cm|mm|m|in|inches|\x22)")
        .expect("measure pattern")
});
#[allow(clippy::expect_used)]
static BURN: LazyLock<Regex> = LazyLock::new(|| {
    // The hedge the shop wrote ("approx. 45 hours") is kept with the figure: without it the
    // answer would be more precise than the catalogue.
    Regex::new(
        r"(?i)burn(?:ing)?\s+time[^0-9]{0,20}?((?:(?:approx\.?|approximately|about|around|up to|ca\.?|circa|~)\s*)?\d+(?:[.,]\d+)?\s*(?:hours|hrs|h)\b)",
    )
    .expect("burn pattern")
});

/// The description's text with tags turned into line breaks and entities decoded.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    let mut tag = String::new();
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => {
                in_tag = true;
                tag.clear();
            }
            (true, '>') => {
                in_tag = false;
                let name = tag.trim_start_matches('/').split_whitespace().next().unwrap_or("").to_ascii_lowercase();
                if matches!(name.as_str(), "p" | "li" | "br" | "div" | "tr" | "h1" | "h2" | "h3" | "h4" | "ul" | "ol") {
                    out.push('\n');
                }
            }
            (true, c) => tag.push(c),
            (false, c) => out.push(c),
        }
    }
    out.replace("&amp;", "&")
        .replace("&nbsp;", " ")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&deg;", "°")
}

/// Lines, and inside a line its sentences, each trimmed.
fn segments(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        // A sentence ends at ". " followed by a capital letter (not "approx. 45", "30°C.").
        let mut start = 0;
        let chars: Vec<(usize, char)> = line.char_indices().collect();
        for (i, &(at, c)) in chars.iter().enumerate() {
            let next_upper = chars.get(i + 2).is_some_and(|(_, n)| n.is_uppercase());
            if c == '.' && chars.get(i + 1).is_some_and(|(_, n)| *n == ' ') && next_upper {
                out.push(line[start..at].trim().to_string());
                start = at + 1;
            }
        }
        out.push(line[start..].trim().trim_end_matches('.').trim().to_string());
    }
    out.retain(|s| !s.is_empty());
    out
}

fn label(segment: &str) -> Option<(String, String)> {
    let (l, v) = segment.split_once(':')?;
    let l = l.trim();
    (!l.is_empty() && l.chars().count() <= 30 && !v.trim().is_empty())
        .then(|| (l.to_lowercase(), v.trim().trim_end_matches('.').trim().to_string()))
}

/// The facts of a description; `values` are the product's option values (for lines about one).
pub fn read(html: &str, values: &[String]) -> Facts {
    let text = plain_text(html);
    let mut f = Facts::default();
    for seg in segments(&text) {
        if f.burn_time.is_none()
            && let Some(c) = BURN.captures(&seg)
        {
            f.burn_time = c.get(1).map(|m| m.as_str().trim().to_string());
        }
        let Some((l, v)) = label(&seg) else { continue };
        match l.as_str() {
            "material" | "materials" | "fabric" | "composition" => f.material = f.material.or(Some(v)),
            "care" | "care instructions" | "washing" => f.care = f.care.or(Some(v)),
            "size" | "dimensions" | "measurements" if MEASURE.is_match(&v) => {
                f.dimensions = f.dimensions.or(Some(v));
            }
            _ => {
                if let Some(value) = values.iter().find(|x| x.to_lowercase() == l) {
                    let dimensions = MEASURE.find(&v).map(|m| m.as_str().to_string());
                    // "duvet cover … and two pillowcases …" says what the set holds; a bare
                    // measure ("50 x 100 cm") does not.
                    let includes = (v.len() > dimensions.as_deref().map_or(0, str::len) + 4).then(|| v.clone());
                    f.by_value.push(ValueFacts { value: value.clone(), dimensions, includes });
                }
            }
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labelled_lines_value_lines_and_burn_time() {
        let html = "<p>A set. Size: 180 x 30 cm.</p><p>Single: duvet cover 140 x 200 cm and one pillowcase 50 x 60 cm.</p>\
                    <p>Hand towel: 50 x 100 cm. Bath towel: 70 x 140 cm.</p><ul><li><strong>Material:</strong> 100% merino wool</li>\
                    <li><strong>Care:</strong> machine wash 30°C on wool cycle, dry flat</li></ul><p>Burn time approx. 45 hours. Net weight 200 g.</p>";
        let values = ["Single".to_string(), "Hand towel".into(), "Bath towel".into()];
        let f = read(html, &values);
        assert_eq!(f.material.as_deref(), Some("100% merino wool"));
        assert_eq!(f.care.as_deref(), Some("machine wash 30°C on wool cycle, dry flat"));
        assert_eq!(f.dimensions.as_deref(), Some("180 x 30 cm"));
        assert_eq!(f.burn_time.as_deref(), Some("approx. 45 hours"));
        assert_eq!(f.by_value[0].dimensions.as_deref(), Some("140 x 200 cm"));
        assert_eq!(f.by_value[0].includes.as_deref(), Some("duvet cover 140 x 200 cm and one pillowcase 50 x 60 cm"));
        assert_eq!(f.by_value[1].dimensions.as_deref(), Some("50 x 100 cm"));
        assert_eq!(f.by_value[1].includes, None);
        assert_eq!(f.by_value[2].dimensions.as_deref(), Some("70 x 140 cm"));
    }

    #[test]
    fn nothing_unlabelled_is_a_fact() {
        let f = read("<p>A lightweight jacket. Fully waterproof nylon shell.</p>", &[]);
        assert_eq!(f, Facts::default());
    }
}
