//! Who is asking: the client's address and scheme. From any peer that is not a trusted proxy
//! (`--trusted-proxies`), the TCP peer itself and plain `http`; from a trusted proxy, what its
//! `X-Forwarded-For` (or, when that is absent, `Forwarded`) and `X-Forwarded-Proto` say. The
//! address is the rightmost one in the chain that is not itself a trusted proxy, so a client
//! cannot pass for another by sending the header itself.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, StatusCode, header};

use crate::AppState;

/// A network in CIDR notation (`10.0.0.0/8`, `fd00::/8`; a bare address is a network of one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bad = || format!("not an address or a network in CIDR notation: {text:?}");
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix.parse::<u8>().map_err(|_| bad())?)),
            None => (text, None),
        };
        let network = address.parse::<IpAddr>().map_err(|_| bad())?.to_canonical();
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(bits);
        if prefix > bits {
            return Err(bad());
        }
        Ok(Self { network, prefix })
    }
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<Cidr>);

impl TrustedProxies {
    pub fn new(networks: Vec<Cidr>) -> Self {
        Self(networks)
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }

    /// The client behind a request that came from `peer`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> Client {
        if !self.contains(peer) {
            return Client { ip: peer.to_canonical(), proxied: false, scheme: None };
        }
        let chain = forwarded_for(headers);
        let mut ip = peer.to_canonical();
        for hop in chain.iter().rev() {
            // A hop that is not an address ("unknown", an obfuscated name) ends what can be
            // known: the last proxy stands for the client.
            let Some(hop) = hop else { break };
            ip = *hop;
            if !self.contains(ip) {
                break;
            }
        }
        Client { ip, proxied: true, scheme: forwarded_proto(headers) }
    }
}

/// The client of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub ip: IpAddr,
    /// Whether a trusted proxy carried the request (so the TCP connection was not counted
    /// against this client's address when it was accepted).
    pub proxied: bool,
    /// The scheme the client used, as a trusted proxy says (`https` when it ends TLS).
    pub scheme: Option<String>,
}

impl Client {
    /// The scheme of the page the client was served: what the proxy says, else plain HTTP (the
    /// server itself speaks no TLS).
    pub fn scheme(&self) -> &str {
        self.scheme.as_deref().unwrap_or("http")
    }
}

impl FromRequestParts<AppState> for Client {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Self::Rejection> {
        let ConnectInfo(peer) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .copied()
            .ok_or((StatusCode::INTERNAL_SERVER_ERROR, "the peer address is unknown"))?;
        Ok(app.trusted_proxies.client(peer.ip(), &parts.headers))
    }
}

/// The addresses a request passed through, client first: `X-Forwarded-For`, or `Forwarded`'s
/// `for=` when there is no `X-Forwarded-For`. `None` for a hop that is not an address.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let xff = HeaderName::from_static("x-forwarded-for");
    if headers.contains_key(&xff) {
        return values(headers, &xff).map(parse_node).collect();
    }
    values(headers, &header::FORWARDED)
        .map(|element| {
            let node = element.split(';').find_map(|pair| {
                let (name, value) = pair.split_once('=')?;
                name.trim().eq_ignore_ascii_case("for").then_some(value)
            });
            node.and_then(parse_node)
        })
        .collect()
}

/// The scheme the nearest proxy says the client used.
fn forwarded_proto(headers: &HeaderMap) -> Option<String> {
    let from_xfp =
        values(headers, &HeaderName::from_static("x-forwarded-proto")).next_back().map(str::to_owned);
    let from_forwarded = || {
        values(headers, &header::FORWARDED)
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (name, value) = pair.split_once('=')?;
                    name.trim()
                        .eq_ignore_ascii_case("proto")
                        .then(|| value.trim().trim_matches('"').to_owned())
                })
            })
            .next_back()
    };
    from_xfp.or_else(from_forwarded).map(|s| s.to_ascii_lowercase()).filter(|s| s == "http" || s == "https")
}

/// Every comma-separated value of every `name` header, trimmed.
fn values<'a>(headers: &'a HeaderMap, name: &HeaderName) -> impl DoubleEndedIterator<Item = &'a str> + 'a {
    headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect::<Vec<_>>()
        .into_iter()
}

/// An address, optionally quoted, bracketed and with a port: `192.0.2.1`, `192.0.2.1:80`,
/// `"[2001:db8::1]:443"`, `2001:db8::1`.
fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Some(v6) = node.strip_prefix('[') {
        return v6.split_once(']').and_then(|(ip, _)| ip.parse::<IpAddr>().ok()).map(|ip| ip.to_canonical());
    }
    node.rsplit_once(':').and_then(|(ip, _)| ip.parse::<IpAddr>().ok()).map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::new(list.iter().map(|n| n.parse().unwrap()).collect())
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(HeaderName::from_static(name), HeaderValue::from_static(value));
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn networks_parse_and_contain() {
        let net: Cidr = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains(ip("10.1.200.3")));
        assert!(!net.contains(ip("10.2.0.1")));
        assert!(net.contains(ip("::ffff:10.1.0.9")), "an IPv4-mapped peer is the same address");
        let one: Cidr = "192.0.2.1".parse().unwrap();
        assert!(one.contains(ip("192.0.2.1")) && !one.contains(ip("192.0.2.2")));
        let v6: Cidr = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        assert!("0.0.0.0/0".parse::<Cidr>().unwrap().contains(ip("8.8.8.8")));
        for bad in ["10.0.0.0/33", "nonsense", "10.0.0.0/x", "::/129"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn only_a_trusted_proxy_is_believed() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let h = headers(&[("x-forwarded-for", "203.0.113.9"), ("x-forwarded-proto", "https")]);
        let direct = trusted.client(ip("198.51.100.1"), &h);
        assert_eq!(direct, Client { ip: ip("198.51.100.1"), proxied: false, scheme: None });
        let proxied = trusted.client(ip("10.0.0.2"), &h);
        assert_eq!(proxied.ip, ip("203.0.113.9"));
        assert!(proxied.proxied);
        assert_eq!(proxied.scheme(), "https");
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client_whatever_the_client_prepends() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let spoofed = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.0.0.7")]);
        assert_eq!(trusted.client(ip("10.0.0.2"), &spoofed).ip, ip("203.0.113.9"));
        let two_headers = headers(&[("x-forwarded-for", "1.2.3.4"), ("x-forwarded-for", "203.0.113.9:5555")]);
        assert_eq!(trusted.client(ip("10.0.0.2"), &two_headers).ip, ip("203.0.113.9"));
        let unknown = headers(&[("x-forwarded-for", "unknown")]);
        assert_eq!(trusted.client(ip("10.0.0.2"), &unknown).ip, ip("10.0.0.2"), "the proxy stands for it");
        assert_eq!(trusted.client(ip("10.0.0.2"), &HeaderMap::new()).ip, ip("10.0.0.2"));
    }

    #[test]
    fn forwarded_is_read_when_there_is_no_x_forwarded_for() {
        let trusted = proxies(&["10.0.0.0/8", "fd00::/8"]);
        let h = headers(&[(
            "forwarded",
            r#"for=1.2.3.4, for="[2001:db8:cafe::17]:4711";proto=https;by=10.0.0.1, for=fd00::3"#,
        )]);
        let client = trusted.client(ip("10.0.0.2"), &h);
        assert_eq!(client.ip, ip("2001:db8:cafe::17"));
        assert_eq!(client.scheme(), "https");
        let both = headers(&[("x-forwarded-for", "203.0.113.9"), ("forwarded", "for=1.2.3.4")]);
        assert_eq!(trusted.client(ip("10.0.0.2"), &both).ip, ip("203.0.113.9"));
    }
}
