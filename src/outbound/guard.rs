//! The address guard for untrusted URLs: which IPs and names a user- or tool-supplied URL may
//! not reach, applied to literal IPs, to every address a name resolves to, and on redirects.

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::OutboundError;

/// Why an address is off limits to untrusted URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressKind {
    /// `0.0.0.0/8`, `::` — Linux connects `0.0.0.0` to the local host.
    Unspecified,
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// RFC 1918, `fc00::/7` (unique local), `fec0::/10` (old site-local), local-use NAT64.
    Private,
    /// `169.254.0.0/16`, `fe80::/10`.
    LinkLocal,
    /// `169.254.169.254`, `fd00:ec2::254`: cloud instance metadata, which hands out credentials.
    CloudMetadata,
    /// `100.64.0.0/10`, carrier-grade NAT; also where some clouds put their metadata services.
    SharedAddressSpace,
    /// `255.255.255.255`.
    Broadcast,
    /// `224.0.0.0/4`, `ff00::/8`.
    Multicast,
    /// Other special-purpose ranges nothing legitimate is hosted on (documentation,
    /// benchmarking, `240.0.0.0/4`, Teredo, discard, deprecated IPv4-compatible IPv6, …).
    Reserved,
}

impl fmt::Display for AddressKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AddressKind::Unspecified => "unspecified",
            AddressKind::Loopback => "loopback",
            AddressKind::Private => "private-network",
            AddressKind::LinkLocal => "link-local",
            AddressKind::CloudMetadata => "cloud metadata",
            AddressKind::SharedAddressSpace => "carrier-grade NAT",
            AddressKind::Broadcast => "broadcast",
            AddressKind::Multicast => "multicast",
            AddressKind::Reserved => "reserved",
        })
    }
}

/// `None` when `ip` is an ordinary public address; otherwise why an untrusted URL may not
/// reach it. IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4) are judged
/// by the IPv4 address inside, since that is where the packets end up.
pub fn classify_ip(ip: IpAddr) -> Option<AddressKind> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn in_v4(ip: u32, net: [u8; 4], prefix: u32) -> bool {
    let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
    ip & mask == u32::from_be_bytes(net) & mask
}

fn classify_v4(ip: Ipv4Addr) -> Option<AddressKind> {
    use AddressKind::*;
    let n = u32::from(ip);
    let kind = if ip == Ipv4Addr::new(169, 254, 169, 254) {
        CloudMetadata
    } else if in_v4(n, [0, 0, 0, 0], 8) {
        Unspecified
    } else if in_v4(n, [127, 0, 0, 0], 8) {
        Loopback
    } else if in_v4(n, [10, 0, 0, 0], 8) || in_v4(n, [172, 16, 0, 0], 12) || in_v4(n, [192, 168, 0, 0], 16) {
        Private
    } else if in_v4(n, [169, 254, 0, 0], 16) {
        LinkLocal
    } else if in_v4(n, [100, 64, 0, 0], 10) {
        SharedAddressSpace
    } else if ip == Ipv4Addr::BROADCAST {
        Broadcast
    } else if in_v4(n, [224, 0, 0, 0], 4) {
        Multicast
    } else if in_v4(n, [240, 0, 0, 0], 4)
        || in_v4(n, [192, 0, 0, 0], 24)
        || in_v4(n, [192, 0, 2, 0], 24)
        || in_v4(n, [198, 51, 100, 0], 24)
        || in_v4(n, [203, 0, 113, 0], 24)
        || in_v4(n, [198, 18, 0, 0], 15)
        || in_v4(n, [192, 88, 99, 0], 24)
    {
        Reserved
    } else {
        return None;
    };
    Some(kind)
}

fn in_v6(ip: u128, net: u128, prefix: u32) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - prefix)
    };
    ip & mask == net & mask
}

fn classify_v6(ip: Ipv6Addr) -> Option<AddressKind> {
    use AddressKind::*;
    let n = u128::from(ip);
    let low32 = Ipv4Addr::from((n & 0xffff_ffff) as u32);
    if ip == Ipv6Addr::UNSPECIFIED {
        return Some(Unspecified);
    }
    if ip == Ipv6Addr::LOCALHOST {
        return Some(Loopback);
    }
    // ::ffff:a.b.c.d — the kernel sends these to the IPv4 address.
    if in_v6(n, 0xffff_0000_0000, 96) {
        return classify_v4(low32);
    }
    // ::a.b.c.d (deprecated IPv4-compatible): no legitimate use left, and some stacks still
    // route it to the IPv4 address.
    if in_v6(n, 0, 96) {
        return Some(classify_v4(low32).unwrap_or(Reserved));
    }
    // 64:ff9b::/96, the well-known NAT64 prefix: the gateway forwards to the embedded IPv4.
    if in_v6(n, 0x0064_ff9b << 96, 96) {
        return classify_v4(low32);
    }
    // 64:ff9b:1::/48, local-use NAT64: translated inside the operator's own network.
    if in_v6(n, 0x0064_ff9b_0001 << 80, 48) {
        return Some(Private);
    }
    // 2002::/16, 6to4: the IPv4 address sits in bits 16..48.
    if in_v6(n, 0x2002 << 112, 16) {
        return classify_v4(Ipv4Addr::from(((n >> 80) & 0xffff_ffff) as u32));
    }
    let kind = if ip == Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254) {
        CloudMetadata
    } else if in_v6(n, 0xfc00 << 112, 7) || in_v6(n, 0xfec0 << 112, 10) {
        Private
    } else if in_v6(n, 0xfe80 << 112, 10) {
        LinkLocal
    } else if in_v6(n, 0xff00 << 112, 8) {
        Multicast
    } else if in_v6(n, 0x2001_0db8 << 96, 32)
        || in_v6(n, 0x2001_0000 << 96, 32)
        || in_v6(n, 0x2001_0002 << 96, 48)
        || in_v6(n, 0x0100 << 112, 64)
    {
        Reserved
    } else {
        return None;
    };
    Some(kind)
}

/// Names refused before any lookup. Resolution would catch them too (they answer with
/// loopback or link-local addresses); naming them gives the admin a clearer error and covers
/// resolvers configured to answer them differently.
pub fn is_forbidden_name(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    matches!(
        host.as_str(),
        "localhost"
            | "localhost.localdomain"
            | "ip6-localhost"
            | "ip6-loopback"
            | "metadata"
            | "metadata.google.internal"
            | "metadata.goog"
            | "instance-data"
            | "instance-data.ec2.internal"
    ) || host.ends_with(".localhost")
}

/// The guard as configured for one client. `exempt` and `hosts` are test hooks only (see
/// `TestingOverrides`); production clients have both empty.
#[derive(Debug, Clone, Default)]
pub(crate) struct Guard {
    exempt: Arc<[IpAddr]>,
    hosts: Arc<HashMap<String, Vec<IpAddr>>>,
}

impl Guard {
    pub(crate) fn new(exempt: Vec<IpAddr>, hosts: Vec<(String, Vec<IpAddr>)>) -> Self {
        let hosts = hosts
            .into_iter()
            .map(|(name, ips)| (name.to_ascii_lowercase(), ips))
            .collect();
        Guard {
            exempt: exempt.into(),
            hosts: Arc::new(hosts),
        }
    }

    pub(crate) fn check_ip(&self, host: &str, ip: IpAddr) -> Result<(), OutboundError> {
        if self.exempt.contains(&ip) {
            return Ok(());
        }
        match classify_ip(ip) {
            None => Ok(()),
            Some(kind) => Err(OutboundError::ForbiddenAddress {
                host: host.to_owned(),
                addr: ip,
                kind,
            }),
        }
    }

    pub(crate) fn check_name(&self, host: &str) -> Result<(), OutboundError> {
        if is_forbidden_name(host) {
            return Err(OutboundError::ForbiddenHost {
                host: host.to_owned(),
            });
        }
        Ok(())
    }
}

/// Resolves names for the untrusted client and refuses the whole answer if any address is off
/// limits. Checking here, on the addresses the connection will actually use, is what defeats
/// DNS rebinding: there is no second lookup between the check and the connect.
pub(crate) struct GuardedResolver {
    pub(crate) guard: Guard,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = self.guard.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            guard.check_name(&host)?;
            let key = host.trim_end_matches('.').to_ascii_lowercase();
            let addrs: Vec<SocketAddr> = match guard.hosts.get(&key) {
                Some(ips) => ips.iter().map(|ip| SocketAddr::new(*ip, 0)).collect(),
                None => tokio::net::lookup_host((host.as_str(), 0)).await?.collect(),
            };
            for addr in &addrs {
                guard.check_ip(&host, addr.ip())?;
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}
