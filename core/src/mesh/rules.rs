//! The value rules mesh resources share: DNS names, durations, string
//! matches, CIDRs. Every check names the field path it is about.

use std::net::IpAddr;

use crate::error::{Error, Result};

/// The change marker every client write of a mesh kind touches: the
/// index is rebuilt when it moves.
pub(crate) const MESH_MARKER: &str = "mesh";

/// Largest compiled size of a regex in a match (bytes).
pub const MAX_REGEX_SIZE: usize = 64 * 1024;
/// Longest regex source.
pub const MAX_REGEX_LEN: usize = 1024;
/// Longest DNS name.
pub const MAX_HOST_LEN: usize = 253;
/// Longest duration: a day.
pub const MAX_DURATION_MS: u64 = 86_400_000;

/// Checks a spec as [`crate::Kind::validate`] does, for tools that
/// validate without writing (each kind's own `validate`; re-exported here,
/// where tools have always found them).
pub use super::security_policy::validate as check_security_policy;
pub use super::virtual_service::validate as check_virtual_service;

/// An error about `field` of `subject`.
pub(crate) fn invalid(subject: &'static str, field: &str, reason: impl Into<String>) -> Error {
    Error::invalid(subject, field, reason)
}

/// Whether `label` is a DNS-1123 label: 1–63 of `a-z 0-9 -`, starting and
/// ending alphanumeric.
pub fn is_dns_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// Checks a host name: DNS labels joined by dots, optionally `*.` first
/// (when `wildcard`), or `*` alone.
pub fn check_host(subject: &'static str, field: &str, host: &str, wildcard: bool) -> Result<()> {
    if host.is_empty() {
        return Err(invalid(subject, field, "must not be empty"));
    }
    if host.len() > MAX_HOST_LEN {
        return Err(invalid(
            subject,
            field,
            format!("must be at most {MAX_HOST_LEN} characters"),
        ));
    }
    let name = match (host, host.strip_prefix("*.")) {
        ("*", _) if wildcard => return Ok(()),
        (_, Some(rest)) if wildcard => rest,
        _ if host.contains('*') => {
            let reason = if wildcard {
                "may use `*` only as `*` alone or a leading `*.`"
            } else {
                "must not be a wildcard"
            };
            return Err(invalid(subject, field, reason));
        }
        _ => host,
    };
    if !name.split('.').all(is_dns_label) {
        return Err(invalid(
            subject,
            field,
            format!(
                "{host:?} is not a DNS name (lowercase labels of letters, digits and '-', joined by dots)"
            ),
        ));
    }
    Ok(())
}

/// Parses a duration such as `5s`, `1.5s`, `250ms`, `2m` or `1h` into
/// milliseconds (at least 1 ms, at most a day).
pub fn parse_duration(text: &str) -> Option<u64> {
    let text = text.trim();
    let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1_000.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60_000.0)
    } else if let Some(n) = text.strip_suffix('h') {
        (n, 3_600_000.0)
    } else {
        return None;
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    let millis = value * scale;
    if millis.fract() != 0.0 || !(1.0..=MAX_DURATION_MS as f64).contains(&millis) {
        return None;
    }
    Some(millis as u64)
}

/// Checks a duration field (already parsed by the caller when valid).
pub fn duration(subject: &'static str, field: &str, text: &str) -> Result<u64> {
    parse_duration(text).ok_or_else(|| {
        invalid(
            subject,
            field,
            "must be a duration such as 250ms, 5s, 1.5s, 2m or 1h, from 1ms to 24h",
        )
    })
}

/// Compiles a match regex (RE2 syntax, anchored to the whole value as
/// Istio's are), bounded in size.
pub fn compile_regex(subject: &'static str, field: &str, source: &str) -> Result<regex::Regex> {
    if source.len() > MAX_REGEX_LEN {
        return Err(invalid(
            subject,
            field,
            format!("must be at most {MAX_REGEX_LEN} characters"),
        ));
    }
    regex::RegexBuilder::new(&format!("^(?:{source})$"))
        .size_limit(MAX_REGEX_SIZE)
        .build()
        .map_err(|err| {
            let reason = match err {
                regex::Error::CompiledTooBig(_) => {
                    format!("compiles to more than {MAX_REGEX_SIZE} bytes")
                }
                other => format!(
                    "is not a valid RE2 regex: {}",
                    first_line(&other.to_string())
                ),
            };
            invalid(subject, field, reason)
        })
}

fn first_line(text: &str) -> String {
    text.lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or(text)
        .trim()
        .to_string()
}

/// An IP range: an address with a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    address: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `10.0.0.0/8`, `2001:db8::/32`, or an address alone (all its
    /// bits).
    pub fn parse(text: &str) -> Option<Cidr> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let address: IpAddr = address.parse().ok()?;
        let bits = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok()?,
            Some(_) => return None,
            None => bits,
        };
        (prefix <= bits).then_some(Cidr { address, prefix })
    }

    /// Whether `ip` is in the range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.address, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// Whether `value` matches an Istio pattern: exact, `*` (anything but
/// empty), `prefix*` or `*suffix`.
pub fn glob_matches(pattern: &str, value: &str) -> bool {
    if pattern == "*" {
        return !value.is_empty();
    }
    if let Some(prefix) = pattern.strip_suffix('*') {
        return value.starts_with(prefix);
    }
    if let Some(suffix) = pattern.strip_prefix('*') {
        return value.ends_with(suffix);
    }
    pattern == value
}

/// Checks an Istio pattern: not empty, `*` only first or last.
pub fn check_glob(subject: &'static str, field: &str, pattern: &str) -> Result<()> {
    if pattern.is_empty() {
        return Err(invalid(subject, field, "must not be empty"));
    }
    let stars = pattern.matches('*').count();
    let placed = stars == 0 || (stars == 1 && (pattern.starts_with('*') || pattern.ends_with('*')));
    if !placed {
        return Err(invalid(
            subject,
            field,
            "may use `*` only alone, as a prefix or as a suffix",
        ));
    }
    if pattern.chars().any(char::is_control) || pattern.len() > 1024 {
        return Err(invalid(
            subject,
            field,
            "must be at most 1024 characters without control characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5s"), Some(5000));
        assert_eq!(parse_duration("1.5s"), Some(1500));
        assert_eq!(parse_duration("250ms"), Some(250));
        assert_eq!(parse_duration("2m"), Some(120_000));
        assert_eq!(parse_duration("1h"), Some(3_600_000));
        for bad in [
            "", "5", "-1s", "0s", "0.0001s", "25h", "1.5ms", "s", "1e3s", "1..5s",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn hosts() {
        let ok = |h: &str, w: bool| check_host("s", "f", h, w).is_ok();
        assert!(ok("reviews", false));
        assert!(ok("reviews.prod.svc.cluster.local", false));
        assert!(ok("*.example.com", true) && ok("*", true));
        assert!(!ok("*.example.com", false) && !ok("*", false));
        assert!(!ok("Reviews", false) && !ok("a..b", false) && !ok("-a", false));
        assert!(!ok("a.*.com", true) && !ok("", true));
    }

    #[test]
    fn cidrs() {
        let net = Cidr::parse("10.1.0.0/16").unwrap();
        assert!(net.contains("10.1.2.3".parse().unwrap()));
        assert!(!net.contains("10.2.0.1".parse().unwrap()));
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert!(
            Cidr::parse("2001:db8::/32")
                .unwrap()
                .contains("2001:db8::1".parse().unwrap())
        );
        assert!(
            Cidr::parse("1.2.3.4")
                .unwrap()
                .contains("1.2.3.4".parse().unwrap())
        );
        for bad in [
            "10.0.0.0/33",
            "10.0.0/8",
            "x/8",
            "10.0.0.0/",
            "::/129",
            "10.0.0.0/+8",
        ] {
            assert_eq!(Cidr::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn globs() {
        assert!(glob_matches("*", "x") && !glob_matches("*", ""));
        assert!(glob_matches("/api/*", "/api/v1") && glob_matches("*.png", "/a.png"));
        assert!(!glob_matches("/api/*", "/web"));
        let ok = |p: &str| check_glob("s", "f", p).is_ok();
        assert!(ok("*") && ok("/a*") && ok("*b") && ok("exact"));
        assert!(!ok("") && !ok("a*b") && !ok("*a*"));
    }

    #[test]
    fn regexes_are_bounded_re2() {
        assert!(
            compile_regex("s", "f", "/api/v[0-9]+")
                .unwrap()
                .is_match("/api/v2")
        );
        assert!(!compile_regex("s", "f", "/api").unwrap().is_match("/api/x"));
        assert!(compile_regex("s", "f", "(a").is_err());
        // Backreferences are not RE2.
        assert!(compile_regex("s", "f", r"(a)\1").is_err());
        let huge = compile_regex("s", "f", "(\\w{100}){100}").unwrap_err();
        assert!(huge.to_string().contains("compiles to more than"), "{huge}");
    }
}
