//! [`UrlGuard`]: which URLs a bot may fetch media from. A URL a user or a model hands the bot
//! must not make it reach into its own network (server-side request forgery): the guard
//! refuses loopback, private, link-local, unique-local, shared (CGNAT), multicast, unspecified
//! and other non-public addresses, in IPv4 and IPv6 (IPv4 inside IPv6 too), unless allowed.
//!
//! Every decision is a pure function of its input, with no IO: [`UrlGuard::check_url`] on the
//! URL before anything is fetched, [`UrlGuard::check_resolved`] on the addresses its host
//! resolves to, which a [`MediaFetcher`](crate::MediaFetcher) must call before it connects
//! (and again for each redirect).

use std::collections::BTreeSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A kind of address that is not on the public internet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum AddressKind {
    /// `0.0.0.0/8`, `::`: "this host", which connects to the local machine.
    Unspecified,
    /// `127.0.0.0/8`, `::1`, and the name `localhost`.
    Loopback,
    /// `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16` (RFC 1918).
    Private,
    /// `100.64.0.0/10`: carrier-grade NAT (RFC 6598).
    SharedCgnat,
    /// `169.254.0.0/16`, `fe80::/10` (cloud metadata services live here).
    LinkLocal,
    /// `fc00::/7` (RFC 4193), and the deprecated site-local `fec0::/10`.
    UniqueLocal,
    /// `224.0.0.0/4`, `ff00::/8`.
    Multicast,
    /// `255.255.255.255`.
    Broadcast,
    /// `192.0.2.0/24`, `198.51.100.0/24`, `203.0.113.0/24`, `2001:db8::/32`.
    Documentation,
    /// `198.18.0.0/15` (RFC 2544).
    Benchmarking,
    /// Anything else not routed on the internet: `192.0.0.0/24`, `240.0.0.0/4`, `100::/64`,
    /// Teredo `2001::/32` (which tunnels to an address it hides).
    Reserved,
}

impl AddressKind {
    /// The kind of `ip`, or `None` for a public address. An IPv6 address carrying an IPv4 one
    /// (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4
    /// `2002::/16`) is judged by the IPv4 address it reaches.
    pub fn of(ip: IpAddr) -> Option<AddressKind> {
        match ip {
            IpAddr::V4(v4) => Self::of_v4(v4),
            IpAddr::V6(v6) => Self::of_v6(v6),
        }
    }

    fn of_v4(ip: Ipv4Addr) -> Option<AddressKind> {
        let [a, b, c, _] = ip.octets();
        Some(match (a, b, c) {
            (0, _, _) => Self::Unspecified,
            (127, _, _) => Self::Loopback,
            (10, _, _) | (172, 16..=31, _) | (192, 168, _) => Self::Private,
            (100, 64..=127, _) => Self::SharedCgnat,
            (169, 254, _) => Self::LinkLocal,
            (224..=239, _, _) => Self::Multicast,
            (255, 255, 255) if ip == Ipv4Addr::BROADCAST => Self::Broadcast,
            (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => Self::Documentation,
            (198, 18..=19, _) => Self::Benchmarking,
            (192, 0, 0) | (240..=255, _, _) => Self::Reserved,
            _ => return None,
        })
    }

    fn of_v6(ip: Ipv6Addr) -> Option<AddressKind> {
        if ip.is_unspecified() {
            return Some(Self::Unspecified);
        }
        if ip.is_loopback() {
            return Some(Self::Loopback);
        }
        let s = ip.segments();
        let embedded = |hi: u16, lo: u16| {
            let [a, b] = hi.to_be_bytes();
            let [c, d] = lo.to_be_bytes();
            Ipv4Addr::new(a, b, c, d)
        };
        match s {
            // IPv4-mapped, IPv4-translated (`::ffff:0:a.b.c.d`) and IPv4-compatible.
            [0, 0, 0, 0, 0, 0xffff, hi, lo]
            | [0, 0, 0, 0, 0xffff, 0, hi, lo]
            | [0, 0, 0, 0, 0, 0, hi, lo] => {
                return Self::of_v4(embedded(hi, lo));
            }
            // NAT64 (RFC 6052's well-known prefix).
            [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => return Self::of_v4(embedded(hi, lo)),
            // 6to4: the IPv4 address in bits 16..48.
            [0x2002, hi, lo, ..] => return Self::of_v4(embedded(hi, lo)),
            _ => {}
        }
        Some(match s[0] {
            0xfc00..=0xfdff => Self::UniqueLocal,
            0xfec0..=0xfeff => Self::UniqueLocal,
            0xfe80..=0xfebf => Self::LinkLocal,
            0xff00..=0xffff => Self::Multicast,
            0x2001 if s[1] == 0x0db8 => Self::Documentation,
            0x2001 if s[1] == 0 => Self::Reserved,
            0x0100 if s[1..4] == [0, 0, 0] => Self::Reserved,
            // The rest of `::/8` (IETF reserved), and local-use NAT64 `64:ff9b:1::/48`.
            0x0000..=0x00ff => Self::Reserved,
            _ => return None,
        })
    }

    /// The kind in words.
    fn describe(self) -> &'static str {
        match self {
            Self::Unspecified => "an unspecified address",
            Self::Loopback => "a loopback address",
            Self::Private => "a private address",
            Self::SharedCgnat => "a shared (carrier-grade NAT) address",
            Self::LinkLocal => "a link-local address",
            Self::UniqueLocal => "a unique-local address",
            Self::Multicast => "a multicast address",
            Self::Broadcast => "the broadcast address",
            Self::Documentation => "a documentation address",
            Self::Benchmarking => "a benchmarking address",
            Self::Reserved => "a reserved address",
        }
    }
}

/// Why the guard refused a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefuseReason {
    /// The URL cannot be read, or has no host.
    Malformed(String),
    /// A scheme other than `http` or `https`.
    Scheme(String),
    /// The host is, or resolves to, an address of a kind not allowed.
    Address {
        /// The address.
        address: IpAddr,
        /// Its kind.
        kind: AddressKind,
    },
    /// The host is `localhost` or a name under it.
    Localhost,
    /// A host of digits and dots that is no plain dotted IPv4 address (`2130706433`,
    /// `0x7f.1`, `127.1`): resolvers read such names differently, so none is trusted.
    AmbiguousNumericHost,
    /// The host resolved to no address.
    Unresolved,
}

/// A URL the guard refused, and why. It names the host, never the whole URL: a URL's path
/// and query may carry credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Refused {
    /// The URL's host (without brackets for IPv6).
    pub host: String,
    /// Why.
    pub reason: RefuseReason,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refused to fetch media from `{}`: ", self.host)?;
        match &self.reason {
            RefuseReason::Malformed(why) => write!(f, "the URL is malformed ({why})"),
            RefuseReason::Scheme(scheme) => {
                write!(f, "the scheme `{scheme}` is not http or https")
            }
            RefuseReason::Address { address, kind } => write!(
                f,
                "{address} is {} (UrlGuard::allow(AddressKind::{kind:?}) allows it)",
                kind.describe()
            ),
            RefuseReason::Localhost => f.write_str(
                "localhost is a loopback address (UrlGuard::allow(AddressKind::Loopback) allows it)",
            ),
            RefuseReason::AmbiguousNumericHost => {
                f.write_str("a numeric host that is no dotted IPv4 address")
            }
            RefuseReason::Unresolved => f.write_str("the host resolved to no address"),
        }
    }
}

impl std::error::Error for Refused {}

/// A URL the guard let through the first check: its scheme, host and port.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Target {
    /// `http` or `https`.
    pub scheme: String,
    /// The host: a name, or an IP address (without brackets).
    pub host: String,
    /// The port, given or the scheme's.
    pub port: u16,
    /// The host as an address, when it is one.
    pub ip: Option<IpAddr>,
}

/// Which addresses media may be fetched from: public ones only, unless kinds are allowed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct UrlGuard {
    allowed: BTreeSet<AddressKind>,
}

impl UrlGuard {
    /// A guard that allows public addresses only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Allows addresses of `kind` too (`Loopback` for a test server on 127.0.0.1, `Private`
    /// for a media server on the office network).
    pub fn allow(mut self, kind: AddressKind) -> Self {
        self.allowed.insert(kind);
        self
    }

    /// Whether addresses of `kind` are allowed.
    pub fn allows(&self, kind: AddressKind) -> bool {
        self.allowed.contains(&kind)
    }

    /// Checks one address.
    pub fn check_ip(&self, host: &str, ip: IpAddr) -> Result<(), Refused> {
        match AddressKind::of(ip) {
            Some(kind) if !self.allows(kind) => Err(Refused {
                host: host.to_owned(),
                reason: RefuseReason::Address { address: ip, kind },
            }),
            _ => Ok(()),
        }
    }

    /// Checks a URL before anything is fetched: `http` or `https`, a host, and that host not
    /// `localhost`, not an address refused, not a numeric name of another form.
    pub fn check_url(&self, url: &str) -> Result<Target, Refused> {
        let malformed = |why: &str| Refused {
            host: String::new(),
            reason: RefuseReason::Malformed(why.to_owned()),
        };
        let uri: http::Uri = url
            .trim()
            .parse()
            .map_err(|_| malformed("not an absolute URL"))?;
        let scheme = uri
            .scheme_str()
            .ok_or_else(|| malformed("no scheme"))?
            .to_ascii_lowercase();
        let raw_host = uri.host().ok_or_else(|| malformed("no host"))?;
        let host = raw_host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .trim_end_matches('.')
            .to_ascii_lowercase();
        let refuse = |reason| Refused {
            host: host.clone(),
            reason,
        };
        let port = match (uri.port_u16(), scheme.as_str()) {
            (Some(port), _) => port,
            (None, "http") => 80,
            (None, "https") => 443,
            _ => return Err(refuse(RefuseReason::Scheme(scheme))),
        };
        if scheme != "http" && scheme != "https" {
            return Err(refuse(RefuseReason::Scheme(scheme)));
        }
        if host.is_empty() {
            return Err(malformed("no host"));
        }
        let ip = host.parse::<IpAddr>().ok();
        match ip {
            Some(ip) => self.check_ip(&host, ip)?,
            None if (host == "localhost" || host.ends_with(".localhost"))
                && !self.allows(AddressKind::Loopback) =>
            {
                return Err(refuse(RefuseReason::Localhost));
            }
            None if is_numeric_name(&host) => {
                return Err(refuse(RefuseReason::AmbiguousNumericHost));
            }
            None => {}
        }
        Ok(Target {
            scheme,
            host,
            port,
            ip,
        })
    }

    /// Checks every address `host` resolved to: one refused refuses the host (an attacker's
    /// name may resolve to a public and a private address at once), and so does none.
    pub fn check_resolved(&self, host: &str, addresses: &[IpAddr]) -> Result<(), Refused> {
        if addresses.is_empty() {
            return Err(Refused {
                host: host.to_owned(),
                reason: RefuseReason::Unresolved,
            });
        }
        addresses.iter().try_for_each(|ip| self.check_ip(host, *ip))
    }
}

/// Whether every label of `host` is a number (decimal, octal or `0x` hex): a name some
/// resolvers read as an IPv4 address in a short or numeric form.
fn is_numeric_name(host: &str) -> bool {
    host.split('.').all(|label| {
        let digits = label
            .strip_prefix("0x")
            .map_or(label, |hex| hex.trim_start_matches('0'));
        !label.is_empty()
            && (label.bytes().all(|b| b.is_ascii_digit())
                || (label.starts_with("0x") && digits.bytes().all(|b| b.is_ascii_hexdigit())))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(ip: &str) -> Option<AddressKind> {
        AddressKind::of(ip.parse().unwrap())
    }

    #[test]
    fn ipv4_kinds() {
        use AddressKind::*;
        for (ip, want) in [
            ("0.0.0.0", Some(Unspecified)),
            ("0.1.2.3", Some(Unspecified)),
            ("127.0.0.1", Some(Loopback)),
            ("127.255.255.254", Some(Loopback)),
            ("10.1.2.3", Some(Private)),
            ("172.16.0.1", Some(Private)),
            ("172.31.255.255", Some(Private)),
            ("172.32.0.1", None),
            ("192.168.1.1", Some(Private)),
            ("100.64.0.1", Some(SharedCgnat)),
            ("100.127.255.255", Some(SharedCgnat)),
            ("100.128.0.1", None),
            ("169.254.169.254", Some(LinkLocal)),
            ("224.0.0.1", Some(Multicast)),
            ("239.255.255.250", Some(Multicast)),
            ("255.255.255.255", Some(Broadcast)),
            ("240.0.0.1", Some(Reserved)),
            ("192.0.0.8", Some(Reserved)),
            ("192.0.2.1", Some(Documentation)),
            ("198.18.0.1", Some(Benchmarking)),
            ("8.8.8.8", None),
            ("1.1.1.1", None),
            ("93.184.216.34", None),
        ] {
            assert_eq!(kind(ip), want, "{ip}");
        }
    }

    #[test]
    fn ipv6_kinds_and_ipv4_inside() {
        use AddressKind::*;
        for (ip, want) in [
            ("::", Some(Unspecified)),
            ("::1", Some(Loopback)),
            ("fe80::1", Some(LinkLocal)),
            ("fc00::1", Some(UniqueLocal)),
            ("fd12:3456::1", Some(UniqueLocal)),
            ("fec0::1", Some(UniqueLocal)),
            ("ff02::1", Some(Multicast)),
            ("2001:db8::1", Some(Documentation)),
            ("2001::1", Some(Reserved)),
            ("100::1", Some(Reserved)),
            // IPv4-mapped, IPv4-compatible, NAT64 and 6to4 are judged by their IPv4 address.
            ("::ffff:127.0.0.1", Some(Loopback)),
            ("::ffff:7f00:1", Some(Loopback)),
            ("::ffff:10.0.0.1", Some(Private)),
            ("::ffff:169.254.169.254", Some(LinkLocal)),
            ("::ffff:8.8.8.8", None),
            ("::ffff:0:127.0.0.1", Some(Loopback)),
            ("::1:0:0:1", Some(Reserved)),
            ("::127.0.0.1", Some(Loopback)),
            ("64:ff9b::a9fe:a9fe", Some(LinkLocal)),
            ("64:ff9b::808:808", None),
            ("2002:c0a8:101::1", Some(Private)),
            ("2002:808:808::1", None),
            ("2606:4700:4700::1111", None),
            ("2404:6800:4008:c01::64", None),
        ] {
            assert_eq!(kind(ip), want, "{ip}");
        }
    }

    #[test]
    fn urls_are_checked_before_any_fetch() {
        let guard = UrlGuard::new();
        let reason = |url: &str| guard.check_url(url).unwrap_err().reason;
        assert!(matches!(
            reason("http://127.0.0.1:8080/a.png"),
            RefuseReason::Address {
                kind: AddressKind::Loopback,
                ..
            }
        ));
        assert!(matches!(
            reason("http://[::ffff:127.0.0.1]/x"),
            RefuseReason::Address {
                kind: AddressKind::Loopback,
                ..
            }
        ));
        assert!(matches!(
            reason("https://[fd00::1]/x"),
            RefuseReason::Address {
                kind: AddressKind::UniqueLocal,
                ..
            }
        ));
        assert_eq!(reason("http://localhost/x"), RefuseReason::Localhost);
        assert_eq!(reason("http://LOCALHOST./x"), RefuseReason::Localhost);
        assert_eq!(reason("http://a.localhost/x"), RefuseReason::Localhost);
        for numeric in [
            "http://2130706433/",
            "http://0x7f.1/",
            "http://127.1/",
            "http://0177.0.0.1/",
        ] {
            assert_eq!(
                reason(numeric),
                RefuseReason::AmbiguousNumericHost,
                "{numeric}"
            );
        }
        assert!(matches!(
            reason("file:///etc/passwd"),
            RefuseReason::Malformed(_)
        ));
        assert!(matches!(
            reason("ftp://example.com/a"),
            RefuseReason::Scheme(_)
        ));
        assert!(matches!(
            reason("gopher://example.com:70/a"),
            RefuseReason::Scheme(_)
        ));
        assert!(matches!(
            reason("/relative.png"),
            RefuseReason::Malformed(_)
        ));
        assert!(matches!(reason(""), RefuseReason::Malformed(_)));

        let target = guard
            .check_url("https://cdn.example.com/a.png?sig=secret")
            .unwrap();
        assert_eq!(
            (target.host.as_str(), target.port),
            ("cdn.example.com", 443)
        );
        assert!(guard.check_url("http://8.8.8.8:8080/x").is_ok());
        assert!(guard.check_url("http://1password.com/").is_ok());
    }

    #[test]
    fn allowed_kinds_pass_and_the_message_says_how() {
        let refused = UrlGuard::new()
            .check_url("http://127.0.0.1:1/a.png?token=secret")
            .unwrap_err();
        let message = refused.to_string();
        assert!(
            message.contains("127.0.0.1 is a loopback address"),
            "{message}"
        );
        assert!(message.contains("AddressKind::Loopback"), "{message}");
        assert!(!message.contains("secret"), "{message}");

        let guard = UrlGuard::new().allow(AddressKind::Loopback);
        assert!(guard.check_url("http://127.0.0.1:1/a.png").is_ok());
        assert!(guard.check_url("http://localhost:1/a.png").is_ok());
        assert!(guard.check_url("http://10.0.0.1/a.png").is_err());
    }

    #[test]
    fn every_resolved_address_must_pass() {
        let guard = UrlGuard::new();
        let public: IpAddr = "93.184.216.34".parse().unwrap();
        let private: IpAddr = "10.0.0.5".parse().unwrap();
        assert!(guard.check_resolved("example.com", &[public]).is_ok());
        assert!(
            guard
                .check_resolved("rebind.test", &[public, private])
                .is_err()
        );
        assert_eq!(
            guard
                .check_resolved("nothing.test", &[])
                .unwrap_err()
                .reason,
            RefuseReason::Unresolved
        );
    }
}
