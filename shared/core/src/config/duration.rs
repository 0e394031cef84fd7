//! Durations as people write them in a config file: "90s", "30m", "24h", "7d".

use jiff::SignedDuration;

pub fn parse_duration(text: &str) -> Result<SignedDuration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: i64 = num.parse().map_err(|_| {
        format!("`{text}` is not a duration: write a whole number and a unit, e.g. \"30m\", \"24h\", \"7d\"")
    })?;
    let secs = match unit.trim() {
        "s" | "sec" | "secs" | "seconds" => 1,
        "m" | "min" | "mins" | "minutes" => 60,
        "h" | "hour" | "hours" => 3600,
        "d" | "day" | "days" => 86_400,
        other => {
            return Err(format!("`{other}` in `{text}` is not a unit: use s, m, h or d"));
        }
    };
    n.checked_mul(secs).map(SignedDuration::from_secs).ok_or_else(|| format!("`{text}` is too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(parse_duration("30m").unwrap().as_secs(), 1800);
        assert_eq!(parse_duration("7d").unwrap().as_secs(), 604_800);
        assert_eq!(parse_duration("90s").unwrap().as_secs(), 90);
        assert!(parse_duration("3x").is_err());
        assert!(parse_duration("m").is_err());
    }
}
