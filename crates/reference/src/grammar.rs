//! The distribution reference grammar, hand-written (no regex engine).
//!
//! ```text
//! reference       := name [ ":" tag ] [ "@" digest ]
//! name            := [domain '/'] path-component ['/' path-component]*
//! domain          := host [':' port-number]
//! host            := domain-name | IPv4address | '[' IPv6address ']'
//! domain-name     := domain-component ['.' domain-component]*
//! domain-component:= /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
//! path-component  := alpha-numeric [separator alpha-numeric]*
//! alpha-numeric   := /[a-z0-9]+/
//! separator       := /[_.]|__|[-]+/
//! tag             := /[\w][\w.-]{0,127}/
//! digest          := algorithm ":" hex
//! algorithm       := /[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*/
//! hex             := /[0-9a-fA-F]{32,}/
//! ```

use crate::ParseErrorKind;

/// Longest `registry/repository` the grammar accepts, in bytes.
pub(crate) const NAME_TOTAL_LENGTH_MAX: usize = 255;

/// How the leading path component is recognised as a registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DomainRule {
    /// The part before the first `/` is always the registry (the `oras` CLI's rule).
    Required,
    /// The part before the first `/` is the registry when it matches the domain grammar
    /// (distribution's `reference.Parse`). Kept to check this grammar against
    /// distribution's own test suite.
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "only the test suite uses distribution's rule")
    )]
    Optional,
    /// Docker's rule: the part before the first `/` is the registry when it contains `.`
    /// or `:`, is `localhost`, or has an uppercase letter; otherwise the registry is
    /// Docker Hub.
    Docker,
}

/// A reference split into its parts, each validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Parts<'a> {
    pub(crate) domain: Option<&'a str>,
    pub(crate) path: &'a str,
    pub(crate) tag: Option<&'a str>,
    pub(crate) digest: Option<&'a str>,
}

pub(crate) fn split(input: &str, rule: DomainRule) -> Result<Parts<'_>, ParseErrorKind> {
    if input.is_empty() {
        return Err(ParseErrorKind::Empty);
    }
    let (rest, digest) = match input.split_once('@') {
        Some((rest, digest)) => {
            check_digest(digest)?;
            (rest, Some(digest))
        }
        None => (input, None),
    };
    // A tag follows the last ':' that has no '/' after it (a ':' before a '/' is a port).
    let (name, tag) = match rest.rfind(':') {
        Some(i) if !rest[i..].contains('/') => (&rest[..i], Some(&rest[i + 1..])),
        _ => (rest, None),
    };
    if name.is_empty() {
        return Err(ParseErrorKind::MissingRepository);
    }
    let (domain, path) = match (rule, name.split_once('/')) {
        (DomainRule::Required, None) => return Err(ParseErrorKind::MissingRegistry),
        (DomainRule::Required, Some((domain, path))) => {
            if !is_domain(domain) {
                return Err(ParseErrorKind::InvalidRegistry(domain.to_owned()));
            }
            (Some(domain), path)
        }
        (DomainRule::Optional, Some((domain, path))) if is_domain(domain) => (Some(domain), path),
        (DomainRule::Docker, Some((first, path))) if looks_like_docker_domain(first) => {
            if !is_domain(first) {
                return Err(ParseErrorKind::InvalidRegistry(first.to_owned()));
            }
            (Some(first), path)
        }
        _ => (None, name),
    };
    if path.is_empty() {
        return Err(ParseErrorKind::MissingRepository);
    }
    check_path(path)?;
    let total = domain.map_or(0, |d| d.len() + 1) + path.len();
    if total > NAME_TOTAL_LENGTH_MAX {
        return Err(ParseErrorKind::NameTooLong { len: total });
    }
    if let Some(tag) = tag
        && !is_tag(tag)
    {
        return Err(ParseErrorKind::InvalidTag(tag.to_owned()));
    }
    Ok(Parts {
        domain,
        path,
        tag,
        digest,
    })
}

fn looks_like_docker_domain(first: &str) -> bool {
    first.contains(['.', ':'])
        || first == "localhost"
        || first.bytes().any(|b| b.is_ascii_uppercase())
}

pub(crate) fn check_path(path: &str) -> Result<(), ParseErrorKind> {
    if path.split('/').all(is_path_component) {
        return Ok(());
    }
    let lower = path.to_ascii_lowercase();
    if lower != path && lower.split('/').all(is_path_component) {
        return Err(ParseErrorKind::UppercaseRepository(path.to_owned()));
    }
    Err(ParseErrorKind::InvalidRepository(path.to_owned()))
}

fn is_path_component(s: &str) -> bool {
    let b = s.as_bytes();
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let mut i = 0;
    loop {
        // One run of alpha-numerics is required here.
        let start = i;
        while i < b.len() && alnum(b[i]) {
            i += 1;
        }
        if i == start {
            return false;
        }
        if i == b.len() {
            return true;
        }
        // A separator: '.', '_', '__' or one or more '-'.
        match b[i] {
            b'.' => i += 1,
            b'_' => i += if b.get(i + 1) == Some(&b'_') { 2 } else { 1 },
            b'-' => {
                while i < b.len() && b[i] == b'-' {
                    i += 1;
                }
            }
            _ => return false,
        }
    }
}

/// `host [':' port]`, where host is a domain name, an IPv4 address or a bracketed IPv6
/// address (no zone).
pub(crate) fn is_domain(s: &str) -> bool {
    let (host_ok, port) = if let Some(rest) = s.strip_prefix('[') {
        let Some((addr, after)) = rest.split_once(']') else {
            return false;
        };
        let ok = !addr.is_empty()
            && addr.bytes().all(|c| c.is_ascii_hexdigit() || c == b':')
            && addr.parse::<std::net::Ipv6Addr>().is_ok();
        match after {
            "" => (ok, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (ok, Some(port)),
                None => return false,
            },
        }
    } else {
        match s.split_once(':') {
            Some((host, port)) => (is_domain_name(host), Some(port)),
            None => (is_domain_name(s), None),
        }
    };
    host_ok && port.is_none_or(is_port)
}

fn is_port(p: &str) -> bool {
    !p.is_empty()
        && p.len() <= 5
        && p.bytes().all(|c| c.is_ascii_digit())
        && p.parse::<u16>().is_ok()
}

fn is_domain_name(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|c| {
            let b = c.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter().all(|&x| x.is_ascii_alphanumeric() || x == b'-')
        })
}

pub(crate) fn is_tag(s: &str) -> bool {
    let b = s.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    !b.is_empty()
        && b.len() <= 128
        && word(b[0])
        && b[1..].iter().all(|&c| word(c) || c == b'.' || c == b'-')
}

/// Validates a digest against the reference grammar, and the registered algorithms
/// (sha256, sha512) against their exact length in lowercase hex.
pub(crate) fn check_digest(d: &str) -> Result<(), ParseErrorKind> {
    let err = |reason: &'static str| ParseErrorKind::InvalidDigest {
        digest: d.to_owned(),
        reason,
    };
    let Some((alg, hex)) = d.split_once(':') else {
        return Err(err("expected ALGORITHM:HEX"));
    };
    let alg_ok = !alg.is_empty()
        && alg.split(['-', '_', '+', '.']).all(|c| {
            let b = c.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphabetic()
                && b.iter().all(|x| x.is_ascii_alphanumeric())
        });
    if !alg_ok {
        return Err(err("invalid algorithm"));
    }
    let expected_len = match alg {
        "sha256" => Some(64),
        "sha512" => Some(128),
        _ => None,
    };
    match expected_len {
        Some(n) => {
            if hex.len() != n || !hex.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
                return Err(if alg == "sha256" {
                    err("sha256 digests are 64 lowercase hex characters")
                } else {
                    err("sha512 digests are 128 lowercase hex characters")
                });
            }
        }
        None => {
            if hex.len() < 32 || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
                return Err(err("expected at least 32 hex characters"));
            }
        }
    }
    Ok(())
}
