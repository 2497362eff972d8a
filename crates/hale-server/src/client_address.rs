//! The client's network address, for the limits on guessing.
//!
//! Behind a load balancer every request arrives from the balancer, so keyed on the TCP peer one
//! patient's mistakes would lock out everyone. The forwarding headers (`Forwarded`, RFC 7239,
//! then `X-Forwarded-For`) are believed only when the peer is a proxy the hospital configured:
//! anyone else could write them to dodge the limit.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

/// The address a request came from: the peer, or, when the peer is a trusted proxy, the nearest
/// untrusted address the proxies recorded (read from the right, since a client can write any
/// values on the left).
pub(crate) fn client_address(peer: SocketAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let peer = canonical(peer.ip());
    if !trusted.contains(&peer) {
        return peer;
    }
    let chain = forwarded_for(headers);
    chain
        .iter()
        .rev()
        .map(|ip| canonical(*ip))
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
}

/// Whether `peer` is one of the hospital's own proxies, whose forwarding headers are believed.
pub(crate) fn is_trusted_proxy(peer: SocketAddr, trusted: &[IpAddr]) -> bool {
    trusted.contains(&canonical(peer.ip()))
}

/// IPv4 addresses seen through an IPv6 socket, as themselves.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The addresses in the forwarding headers, in order (client first). A header that does not
/// parse is ignored whole: a half-read chain could name the wrong hop.
fn forwarded_for(headers: &HeaderMap) -> Vec<IpAddr> {
    let forwarded: Vec<&str> = headers
        .get_all("forwarded")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if !forwarded.is_empty() {
        let mut out = Vec::new();
        for element in forwarded.iter().flat_map(|v| v.split(',')) {
            for pair in element.split(';') {
                let Some((name, value)) = pair.trim().split_once('=') else {
                    continue;
                };
                if name.trim().eq_ignore_ascii_case("for") {
                    match parse_node(value.trim().trim_matches('"')) {
                        Some(ip) => out.push(ip),
                        None => return Vec::new(),
                    }
                }
            }
        }
        return out;
    }
    let mut out = Vec::new();
    for value in headers.get_all("x-forwarded-for").iter() {
        let Ok(value) = value.to_str() else {
            return Vec::new();
        };
        for part in value.split(',') {
            match parse_node(part.trim()) {
                Some(ip) => out.push(ip),
                None => return Vec::new(),
            }
        }
    }
    out
}

/// `203.0.113.5`, `203.0.113.5:4711`, `[2001:db8::1]` or `[2001:db8::1]:4711`.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(addr) = node.parse::<SocketAddr>() {
        return Some(addr.ip());
    }
    node.strip_prefix('[')
        .and_then(|rest| rest.split(']').next())
        .and_then(|inner| inner.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.append(*name, HeaderValue::from_str(value).unwrap());
        }
        h
    }

    const PROXY: &str = "10.0.0.2:443";

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarding_headers_from_an_untrusted_peer_are_ignored() {
        let h = headers(&[("x-forwarded-for", "203.0.113.5")]);
        assert_eq!(
            client_address("198.51.100.7:5000".parse().unwrap(), &h, &[ip("10.0.0.2")]),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn a_trusted_proxy_names_the_nearest_untrusted_address_from_the_right() {
        let trusted = [ip("10.0.0.2"), ip("10.0.0.3")];
        // The client wrote "1.2.3.4" itself; the proxies appended the rest.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.5, 10.0.0.3")]);
        assert_eq!(
            client_address(PROXY.parse().unwrap(), &h, &trusted),
            ip("203.0.113.5")
        );
    }

    #[test]
    fn the_forwarded_header_is_read_first_with_ports_and_ipv6() {
        let trusted = [ip("10.0.0.2")];
        let h = headers(&[
            (
                "forwarded",
                r#"for="[2001:db8::1]:4711";proto=https, for=10.0.0.2"#,
            ),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert_eq!(
            client_address(PROXY.parse().unwrap(), &h, &trusted),
            ip("2001:db8::1")
        );
    }

    #[test]
    fn a_chain_that_does_not_parse_counts_as_the_proxy() {
        let trusted = [ip("10.0.0.2")];
        let h = headers(&[("x-forwarded-for", "203.0.113.5, unknown")]);
        assert_eq!(
            client_address(PROXY.parse().unwrap(), &h, &trusted),
            ip("10.0.0.2")
        );
        assert_eq!(
            client_address(PROXY.parse().unwrap(), &HeaderMap::new(), &trusted),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn ipv4_through_an_ipv6_socket_is_the_ipv4_address() {
        let h = HeaderMap::new();
        assert_eq!(
            client_address("[::ffff:10.0.0.2]:443".parse().unwrap(), &h, &[]),
            ip("10.0.0.2")
        );
    }
}
