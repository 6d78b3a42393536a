//! Outbound requests to receivers: http/https only, no redirects, no
//! proxies from the environment, a timeout, and — unless the operator
//! allows it — no loopback, link-local, private, unique-local or otherwise
//! non-public destination. The address check runs on the *resolved*
//! addresses the connection uses (a DNS answer that changes between
//! validation and delivery cannot smuggle a private address in), and on
//! literal IP hosts, which are never resolved.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Why a destination is refused.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// Not http or https.
    #[error("only http:// and https:// URLs are delivered to")]
    Scheme,
    /// Not a URL.
    #[error("not a URL: {0}")]
    Malformed(String),
    /// Resolves (or is) a non-public address.
    #[error(
        "{0} is not a public address (loopback, private, link-local or reserved); the operator may allow such receivers with `serve --webhook-allow-private`"
    )]
    Private(IpAddr),
}

/// Whether `ip` is a public unicast address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGN)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link local
        || (first & 0xffc0) == 0xfec0 // site local (deprecated)
        || first == 0x2001 && ip.segments()[1] == 0x0db8 // documentation
        || first == 0x0064 && ip.segments()[1] == 0xff9b // NAT64
        || ip.to_ipv4().is_some()) // IPv4-compatible
}

/// Checks a URL before sending: scheme, and a literal IP host's address.
pub fn check_url(url: &str, allow_private: bool) -> Result<reqwest::Url, Refused> {
    let parsed = reqwest::Url::parse(url).map_err(|e| Refused::Malformed(e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Refused::Scheme);
    }
    let literal = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        Some(url::Host::Domain(_)) => None,
        None => return Err(Refused::Malformed("no host".into())),
    };
    if let Some(ip) = literal
        && !allow_private
        && !is_public(ip)
    {
        return Err(Refused::Private(ip));
    }
    Ok(parsed)
}

/// A resolver that drops non-public addresses (all of them refused: the
/// connection fails naming the first).
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_string();
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = resolved
                .iter()
                .copied()
                .filter(|addr| is_public(addr.ip()))
                .collect();
            match (public.is_empty(), resolved.first()) {
                (false, _) => Ok(Box::new(public.into_iter()) as Addrs),
                (true, Some(first)) => Err(Box::new(Refused::Private(first.ip())) as _),
                (true, None) => Err(format!("{host} has no address").into()),
            }
        })
    }
}

/// An error with its causes, for a delivery record.
pub fn describe(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// The HTTP client deliveries use.
pub fn client(timeout: Duration, allow_private: bool) -> reqwest::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("ClusterDB-Webhooks/", env!("CARGO_PKG_VERSION")));
    if !allow_private {
        builder = builder.dns_resolver(Arc::new(PublicOnly));
    }
    builder.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_and_non_public_addresses() {
        let public = [
            "8.8.8.8",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
        ];
        let private = [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "2001:db8::1",
            "64:ff9b::a00:1",
        ];
        for ip in public {
            assert!(is_public(ip.parse().unwrap()), "{ip} should be public");
        }
        for ip in private {
            assert!(!is_public(ip.parse().unwrap()), "{ip} should not be public");
        }
    }

    #[test]
    fn literal_hosts_are_checked_before_sending() {
        assert!(check_url("https://example.com/hook", false).is_ok());
        assert!(check_url("http://8.8.8.8/", false).is_ok());
        assert!(matches!(
            check_url("http://127.0.0.1:9/", false),
            Err(Refused::Private(_))
        ));
        assert!(matches!(
            check_url("http://[::1]:9/", false),
            Err(Refused::Private(_))
        ));
        assert!(matches!(
            check_url("http://169.254.169.254/latest", false),
            Err(Refused::Private(_))
        ));
        assert!(check_url("http://127.0.0.1:9/", true).is_ok());
        assert!(matches!(
            check_url("file:///etc/passwd", true),
            Err(Refused::Scheme)
        ));
    }

    /// A name that resolves to loopback (as a rebinding attacker's would)
    /// is refused at connect time, not only literal addresses.
    #[tokio::test]
    async fn names_resolving_to_private_addresses_are_refused_at_connect() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let url = format!("http://localhost:{port}/hook");
        assert!(
            check_url(&url, false).is_ok(),
            "a name passes the static check"
        );
        let refused = client(Duration::from_secs(5), false)
            .unwrap()
            .post(&url)
            .body("{}")
            .send()
            .await
            .expect_err("must not connect");
        let chain = describe(&refused);
        assert!(chain.contains("not a public address"), "{chain}");
        // Allowed, the same URL connects (the listener accepts; nothing answers, so time out quickly).
        let allowed = client(Duration::from_millis(300), true)
            .unwrap()
            .post(&url)
            .body("{}")
            .send()
            .await
            .expect_err("nothing answers");
        assert!(allowed.is_timeout(), "{}", describe(&allowed));
    }
}
