//! `allowedUpstreamHostnames`: which hosts the plugin may call at all.

use std::collections::HashSet;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// A parsed `allowedUpstreamHostnames` value.
///
/// Matching is on the host only (ports are not part of an entry) and case-insensitive:
/// - `api.example.com` matches exactly that host;
/// - `*.example.com` matches any subdomain (`a.example.com`, `a.b.example.com`) but **not**
///   `example.com` itself. That is what the Go plugin does, so an allowlist carried over from it
///   keeps its meaning; list `example.com` as well to allow the apex;
/// - `*` matches every host (the Go plugin's spelling of "no restriction");
/// - IP literals (`127.0.0.1`, `::1` or `[::1]`) match exactly; wildcards never match IPs.
///
/// An empty list allows every host: the restriction is opt-in, so a fresh install can reach
/// its configured providers without the admin filling this in first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostAllowlist {
    allow_all: bool,
    exact: HashSet<String>,
    /// Wildcard suffixes, stored with their leading dot (`.example.com`).
    suffixes: Vec<String>,
    entries: Vec<String>,
}

/// Entries of `allowedUpstreamHostnames` that are not host names, each with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct AllowlistError {
    pub invalid: Vec<(String, &'static str)>,
}

impl fmt::Display for AllowlistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Allowed Upstream Hostnames has invalid entries: ")?;
        for (i, (entry, why)) in self.invalid.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{entry:?} ({why})")?;
        }
        Ok(())
    }
}

impl HostAllowlist {
    /// A list that allows every host.
    pub fn allow_all() -> Self {
        Self::default()
    }

    /// Parses the comma-separated setting. Blank entries (`a,,b`, a trailing comma) are skipped;
    /// every other entry must be a host name, `*.` + host name, `*`, or an IP address.
    pub fn parse(csv: &str) -> Result<Self, AllowlistError> {
        let mut list = Self::default();
        let mut invalid = Vec::new();
        for raw in csv.split(',') {
            let entry = raw.trim();
            if entry.is_empty() {
                continue;
            }
            match parse_entry(entry) {
                Ok(Entry::Any) => list.allow_all = true,
                Ok(Entry::Exact(host)) => {
                    list.exact.insert(host);
                }
                Ok(Entry::Suffix(suffix)) => list.suffixes.push(suffix),
                Err(why) => {
                    invalid.push((entry.to_owned(), why));
                    continue;
                }
            }
            list.entries.push(entry.to_ascii_lowercase());
        }
        if invalid.is_empty() {
            Ok(list)
        } else {
            Err(AllowlistError { invalid })
        }
    }

    /// True when no entry was given (or `*` was): every host passes.
    pub fn allows_everything(&self) -> bool {
        self.allow_all || self.entries.is_empty()
    }

    /// The entries as given (lower-cased), for display.
    pub fn entries(&self) -> &[String] {
        &self.entries
    }

    /// Whether `host` (a host name or IP literal, IPv6 with or without brackets, any case, with
    /// or without a trailing dot) may be called.
    pub fn allows(&self, host: &str) -> bool {
        if self.allows_everything() {
            return true;
        }
        let Some(host) = normalize_host(host) else {
            return false;
        };
        if self.exact.contains(&host.name) {
            return true;
        }
        !host.is_ip
            && self
                .suffixes
                .iter()
                .any(|suffix| host.name.ends_with(suffix.as_str()))
    }
}

enum Entry {
    Any,
    Exact(String),
    Suffix(String),
}

fn parse_entry(entry: &str) -> Result<Entry, &'static str> {
    if entry == "*" {
        return Ok(Entry::Any);
    }
    if entry.contains("://") || entry.contains('/') {
        return Err("a host name, not a URL: drop the scheme and path");
    }
    if entry.chars().any(char::is_whitespace) {
        return Err("contains a space; separate entries with commas");
    }
    if let Some(ip) = parse_ipv6(entry) {
        return Ok(Entry::Exact(ip.to_string()));
    }
    if entry.contains(':') {
        return Err("ports are not part of an entry; list the host name only");
    }
    if !entry.is_ascii() {
        return Err("use the ASCII (xn--) form of international names");
    }
    let lower = entry.to_ascii_lowercase();
    let lower = lower.strip_suffix('.').unwrap_or(&lower);
    if let Some(rest) = lower.strip_prefix("*.") {
        if rest.contains('*') {
            return Err("`*` is only allowed as the whole first label, as in *.example.com");
        }
        if ends_numeric(rest) {
            return Err("wildcards apply to host names, not IP addresses");
        }
        check_hostname(rest)?;
        return Ok(Entry::Suffix(format!(".{rest}")));
    }
    if lower.contains('*') {
        return Err("`*` is only allowed as the whole first label, as in *.example.com");
    }
    if let Ok(ip) = lower.parse::<Ipv4Addr>() {
        return Ok(Entry::Exact(ip.to_string()));
    }
    if ends_numeric(lower) {
        return Err("not a valid IP address or host name");
    }
    check_hostname(lower)?;
    Ok(Entry::Exact(lower.to_owned()))
}

/// No top-level domain is all digits, so such a name can only be a mistyped IPv4 address.
fn ends_numeric(name: &str) -> bool {
    name.rsplit('.')
        .next()
        .is_some_and(|last| !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()))
}

fn check_hostname(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name.len() > 253 {
        return Err("not a valid host name");
    }
    for label in name.split('.') {
        if label.is_empty() {
            return Err("empty label (two dots in a row, or a leading dot)");
        }
        if label.len() > 63 {
            return Err("a label is longer than 63 characters");
        }
        // Underscores are not legal in host names but appear in real internal DNS names;
        // refusing them would only push admins to `*`.
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err("host names may contain only letters, digits, `-`, `_` and dots");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("a label may not start or end with `-`");
        }
    }
    Ok(())
}

fn parse_ipv6(s: &str) -> Option<Ipv6Addr> {
    let inner = s.strip_prefix('[').and_then(|s| s.strip_suffix(']')).unwrap_or(s);
    inner.parse().ok()
}

pub(crate) struct NormalizedHost {
    pub name: String,
    pub is_ip: bool,
}

/// The form entries are stored in: lower case, no trailing dot, IPs in canonical notation.
pub(crate) fn normalize_host(host: &str) -> Option<NormalizedHost> {
    if let Some(ip) = parse_ipv6(host) {
        return Some(NormalizedHost {
            name: ip.to_string(),
            is_ip: true,
        });
    }
    let lower = host.trim_end_matches('.').to_ascii_lowercase();
    if lower.is_empty() {
        return None;
    }
    let is_ip = lower.parse::<Ipv4Addr>().is_ok();
    Some(NormalizedHost { name: lower, is_ip })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_dot_and_case_are_ignored() {
        let list = HostAllowlist::parse("API.Example.COM.").unwrap();
        assert!(list.allows("api.example.com"));
        assert!(list.allows("api.example.com."));
        assert!(list.allows("API.EXAMPLE.COM"));
    }

    #[test]
    fn ipv6_forms_match_each_other() {
        let list = HostAllowlist::parse("[::1], 2001:DB8::0:1").unwrap();
        assert!(list.allows("::1"));
        assert!(list.allows("[::1]"));
        assert!(list.allows("[2001:db8::1]"));
    }
}
