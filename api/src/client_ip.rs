//! The client address of a request, for rate limits: the peer's address,
//! or — when the peer is a trusted proxy (`--trusted-proxy CIDR`) — the
//! address the proxy names: in `Forwarded` (RFC 7239) if present, else in
//! `X-Forwarded-For`, the rightmost one that is not itself a trusted proxy
//! (the ones to its left could have been written by the client). From any
//! other peer those headers are ignored, so a client cannot pick the
//! address it is limited as.

use std::net::IpAddr;
use std::sync::Arc;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The networks whose forwarding headers are believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Arc<Vec<IpNet>>);

impl TrustedProxies {
    /// Proxies in `networks`.
    pub fn new(networks: Vec<IpNet>) -> Self {
        TrustedProxies(Arc::new(networks))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client address of a request from `peer` with `headers`.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let named = forwarded_for(headers).or_else(|| x_forwarded_for(headers));
        let Some(chain) = named else {
            return peer;
        };
        // All of them trusted: the client is inside, the first.
        let first = chain[0];
        chain
            .into_iter()
            .rev()
            .find(|ip| !self.trusts(*ip))
            .unwrap_or(first)
    }
}

/// Addresses of every `for=` of every `Forwarded` header, in order; `None`
/// without the header (or with none readable).
fn forwarded_for(headers: &HeaderMap) -> Option<Vec<IpAddr>> {
    let mut chain = Vec::new();
    for value in headers.get_all("forwarded") {
        let text = value.to_str().ok()?;
        for element in text.split(',') {
            for pair in element.split(';') {
                let Some((name, value)) = pair.trim().split_once('=') else {
                    continue;
                };
                if name.trim().eq_ignore_ascii_case("for") {
                    chain.push(parse_node(value.trim().trim_matches('"'))?);
                }
            }
        }
    }
    (!chain.is_empty()).then_some(chain)
}

/// Addresses of every `X-Forwarded-For` header, in order.
fn x_forwarded_for(headers: &HeaderMap) -> Option<Vec<IpAddr>> {
    let mut chain = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        for item in value.to_str().ok()?.split(',') {
            chain.push(parse_node(item.trim())?);
        }
    }
    (!chain.is_empty()).then_some(chain)
}

/// An address as proxies write it: `192.0.2.1`, `192.0.2.1:4711`,
/// `[2001:db8::1]`, `[2001:db8::1]:4711`, `2001:db8::1`. An obfuscated or
/// `unknown` node is no address: the chain is not believed.
fn parse_node(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse() {
        return Some(ip);
    }
    if let Some(rest) = text.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    text.rsplit_once(':')?.0.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(trusted: &[&str], peer: &str, headers: &[(&str, &str)], expected: &str) {
        let proxies = TrustedProxies::new(trusted.iter().map(|n| n.parse().unwrap()).collect());
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        let got = proxies.client_ip(peer.parse().unwrap(), &map);
        assert_eq!(got.to_string(), expected, "{trusted:?} {peer} {headers:?}");
    }

    #[test]
    fn only_trusted_proxies_name_the_client() {
        let xff = "x-forwarded-for";
        // An untrusted peer's headers are ignored.
        check(&[], "203.0.113.9", &[(xff, "1.2.3.4")], "203.0.113.9");
        check(
            &["10.0.0.0/8"],
            "203.0.113.9",
            &[(xff, "1.2.3.4")],
            "203.0.113.9",
        );
        // A trusted proxy: the rightmost untrusted address.
        check(&["10.0.0.0/8"], "10.0.0.2", &[(xff, "1.2.3.4")], "1.2.3.4");
        check(
            &["10.0.0.0/8"],
            "10.0.0.2",
            &[(xff, "6.6.6.6, 1.2.3.4, 10.0.0.7")],
            "1.2.3.4",
        );
        check(
            &["10.0.0.0/8"],
            "10.0.0.2",
            &[(xff, "6.6.6.6"), (xff, "1.2.3.4")],
            "1.2.3.4",
        );
        // Forwarded wins over X-Forwarded-For; ports and IPv6 brackets.
        check(
            &["127.0.0.1/32"],
            "127.0.0.1",
            &[
                (
                    "forwarded",
                    r#"for="[2001:db8::7]:4711";proto=https, for=10.1.1.1"#,
                ),
                (xff, "9.9.9.9"),
            ],
            "10.1.1.1",
        );
        check(
            &["127.0.0.1/32", "10.0.0.0/8"],
            "127.0.0.1",
            &[("forwarded", r#"for="[2001:db8::7]:4711", for=10.1.1.1"#)],
            "2001:db8::7",
        );
        check(&["::1/128"], "::1", &[(xff, "192.0.2.1:80")], "192.0.2.1");
        // Nothing usable: the peer.
        check(&["10.0.0.0/8"], "10.0.0.2", &[], "10.0.0.2");
        check(&["10.0.0.0/8"], "10.0.0.2", &[(xff, "garbage")], "10.0.0.2");
        check(
            &["10.0.0.0/8"],
            "10.0.0.2",
            &[("forwarded", "for=unknown")],
            "10.0.0.2",
        );
        check(
            &["10.0.0.0/8"],
            "10.0.0.2",
            &[(xff, "10.0.0.3")],
            "10.0.0.3",
        );
    }
}
