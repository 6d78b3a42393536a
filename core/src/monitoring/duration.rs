//! Durations in Prometheus notation: `1h30m`, `5m`, `10s`, `500ms`, `2d`,
//! `1w`, `1y` (units largest first, each at most once).

/// Parses a duration into milliseconds; `None` if it is not one.
pub fn parse_ms(text: &str) -> Option<i64> {
    const UNITS: [(&str, i64); 7] = [
        ("y", 365 * 86_400_000),
        ("w", 7 * 86_400_000),
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
        ("ms", 1),
    ];
    if text.is_empty() || text.len() > 32 {
        return None;
    }
    let mut rest = text;
    let mut total: i64 = 0;
    let mut last_unit = usize::MAX;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let number: i64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        // `ms` before `m`: the longest unit that matches.
        let (index, (unit, millis)) = UNITS
            .iter()
            .enumerate()
            .filter(|(_, (unit, _))| rest.starts_with(unit))
            .max_by_key(|(_, (unit, _))| unit.len())?;
        if last_unit != usize::MAX && index <= last_unit {
            return None;
        }
        last_unit = index;
        rest = &rest[unit.len()..];
        total = total.checked_add(number.checked_mul(*millis)?)?;
    }
    Some(total)
}

/// Formats milliseconds the same way (`0s` for zero).
pub fn format_ms(ms: i64) -> String {
    if ms <= 0 {
        return "0s".into();
    }
    let mut rest = ms;
    let mut out = String::new();
    for (unit, millis) in [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
        ("ms", 1),
    ] {
        if rest >= millis {
            out.push_str(&format!("{}{unit}", rest / millis));
            rest %= millis;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_durations() {
        assert_eq!(parse_ms("5m"), Some(300_000));
        assert_eq!(parse_ms("1h30m"), Some(5_400_000));
        assert_eq!(parse_ms("500ms"), Some(500));
        assert_eq!(parse_ms("1m500ms"), Some(60_500));
        assert_eq!(parse_ms("2d"), Some(172_800_000));
        assert_eq!(parse_ms("0s"), Some(0));
        for bad in [
            "",
            "5",
            "m",
            "5x",
            "1m1h",
            "1m1m",
            "-1m",
            "1.5h",
            "99999999999999999999y",
        ] {
            assert_eq!(parse_ms(bad), None, "{bad}");
        }
        assert_eq!(format_ms(5_400_000), "1h30m");
        assert_eq!(format_ms(90 * 86_400_000), "90d");
        for ms in [1, 999, 60_000, 3_723_004] {
            assert_eq!(parse_ms(&format_ms(ms)), Some(ms));
        }
    }
}
