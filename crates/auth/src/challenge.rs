//! `WWW-Authenticate` challenges (RFC 7235): several per header or over several headers,
//! quoted strings with escapes, unknown parameters kept, scheme and parameter names
//! case-insensitive. Garbage is an error, never a panic.

use std::fmt;

/// The schemes a registry uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthScheme {
    /// `Basic`: send the username and password with every request.
    Basic,
    /// `Bearer`: get a token from the realm, send it.
    Bearer,
    /// Anything else.
    Other,
}

/// One challenge: a scheme and its parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    scheme: String,
    params: Vec<(String, String)>,
    token68: Option<String>,
}

impl Challenge {
    /// Parses every challenge in one header value.
    ///
    /// ```
    /// use oras_auth::{AuthScheme, Challenge};
    /// let v = r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull", Basic realm="x""#;
    /// let c = Challenge::parse(v)?;
    /// assert_eq!(c[0].scheme(), AuthScheme::Bearer);
    /// assert_eq!(c[0].scope(), Some("repository:a/b:pull"));
    /// assert_eq!(c[1].scheme(), AuthScheme::Basic);
    /// # Ok::<(), oras_auth::ChallengeError>(())
    /// ```
    pub fn parse(value: &str) -> Result<Vec<Self>, ChallengeError> {
        Parser {
            s: value.as_bytes(),
            i: 0,
            input: value,
        }
        .challenges()
    }

    /// Parses the challenges of every `WWW-Authenticate` header in a response.
    pub fn from_headers(headers: &http::HeaderMap) -> Result<Vec<Self>, ChallengeError> {
        let mut out = Vec::new();
        for v in headers.get_all(http::header::WWW_AUTHENTICATE) {
            let text = v.to_str().map_err(|_| ChallengeError {
                input: String::from_utf8_lossy(v.as_bytes())
                    .chars()
                    .take(256)
                    .collect(),
                position: 0,
                reason: "the header is not visible ASCII",
            })?;
            out.extend(Self::parse(text)?);
        }
        Ok(out)
    }

    /// The scheme, compared case-insensitively.
    pub fn scheme(&self) -> AuthScheme {
        if self.scheme.eq_ignore_ascii_case("basic") {
            AuthScheme::Basic
        } else if self.scheme.eq_ignore_ascii_case("bearer") {
            AuthScheme::Bearer
        } else {
            AuthScheme::Other
        }
    }

    /// The scheme as written.
    pub fn scheme_name(&self) -> &str {
        &self.scheme
    }

    /// The first parameter of that name (names are case-insensitive).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// All parameters in order, names lowercased.
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.params.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// The `token68` form (`Negotiate abc==`), if the challenge used it.
    pub fn token68(&self) -> Option<&str> {
        self.token68.as_deref()
    }

    /// `realm`: where to ask for a token (Bearer), or the protection space (Basic).
    pub fn realm(&self) -> Option<&str> {
        self.param("realm")
    }

    /// `service`: the token service's name for the registry.
    pub fn service(&self) -> Option<&str> {
        self.param("service")
    }

    /// `scope`: the scopes the registry wants, space-separated.
    pub fn scope(&self) -> Option<&str> {
        self.param("scope")
    }
}

impl fmt::Display for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.scheme)?;
        if let Some(t) = &self.token68 {
            return write!(f, " {t}");
        }
        for (i, (n, v)) in self.params.iter().enumerate() {
            let sep = if i == 0 { " " } else { ", " };
            write!(
                f,
                "{sep}{n}=\"{}\"",
                v.replace('\\', "\\\\").replace('"', "\\\"")
            )?;
        }
        Ok(())
    }
}

/// A `WWW-Authenticate` value that is not a list of challenges.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid WWW-Authenticate header {input:?} at byte {position}: {reason}")]
pub struct ChallengeError {
    input: String,
    position: usize,
    reason: &'static str,
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    input: &'a str,
}

fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

fn is_token68_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-._~+/".contains(&c)
}

impl<'a> Parser<'a> {
    fn err(&self, reason: &'static str) -> ChallengeError {
        let mut end = self.input.len().min(256);
        while !self.input.is_char_boundary(end) {
            end -= 1;
        }
        ChallengeError {
            input: self.input[..end].to_owned(),
            position: self.i,
            reason,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_ows(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
        self.i - start
    }

    fn token(&mut self) -> Option<&'a str> {
        let start = self.i;
        while self.peek().is_some_and(is_tchar) {
            self.i += 1;
        }
        let input: &'a str = self.input;
        (self.i > start).then(|| &input[start..self.i])
    }

    /// After a comma: is the next list element a parameter (`token OWS =` not followed by
    /// end or comma, which would make it a token68) rather than a new challenge?
    fn next_is_param(&self) -> bool {
        let mut j = self.i;
        while self.s.get(j).copied().is_some_and(is_tchar) {
            j += 1;
        }
        if j == self.i {
            return false;
        }
        while matches!(self.s.get(j), Some(b' ' | b'\t')) {
            j += 1;
        }
        self.s.get(j) == Some(&b'=')
    }

    fn quoted(&mut self) -> Result<String, ChallengeError> {
        self.i += 1; // opening quote
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err(self.err("unterminated quoted string")),
                Some(b'"') => {
                    self.i += 1;
                    return String::from_utf8(out)
                        .map_err(|_| self.err("invalid UTF-8 in quoted string"));
                }
                Some(b'\\') => {
                    self.i += 1;
                    let Some(c) = self.peek() else {
                        return Err(self.err("unterminated quoted string"));
                    };
                    // quoted-pair (RFC 7230): HTAB, SP, visible ASCII or obs-text only.
                    if !(c == b'\t' || c >= b' ' && c != 0x7f) {
                        return Err(self.err("control character in quoted string"));
                    }
                    out.push(c);
                    self.i += 1;
                }
                Some(c) if c == b'\t' || c >= b' ' && c != 0x7f => {
                    out.push(c);
                    self.i += 1;
                }
                Some(_) => return Err(self.err("control character in quoted string")),
            }
        }
    }

    fn challenges(mut self) -> Result<Vec<Challenge>, ChallengeError> {
        let mut out = Vec::new();
        loop {
            // Empty list elements are allowed.
            while matches!(self.peek(), Some(b' ' | b'\t' | b',')) {
                self.i += 1;
            }
            if self.peek().is_none() {
                break;
            }
            let Some(scheme) = self.token() else {
                return Err(self.err("expected an auth scheme"));
            };
            let scheme = scheme.to_owned();
            let mut ch = Challenge {
                scheme,
                params: Vec::new(),
                token68: None,
            };
            let spaced = self.skip_ows() > 0;
            if spaced && !matches!(self.peek(), None | Some(b',')) {
                self.params_or_token68(&mut ch)?;
            } else if !matches!(self.peek(), None | Some(b',')) {
                return Err(self.err("expected a space after the auth scheme"));
            }
            out.push(ch);
        }
        if out.is_empty() {
            return Err(self.err("no challenge"));
        }
        Ok(out)
    }

    fn params_or_token68(&mut self, ch: &mut Challenge) -> Result<(), ChallengeError> {
        // token68: its characters, optional '=' padding, then end or comma.
        let start = self.i;
        while self.peek().is_some_and(is_token68_char) {
            self.i += 1;
        }
        let body_end = self.i;
        while self.peek() == Some(b'=') {
            self.i += 1;
        }
        let after = self.i;
        self.skip_ows();
        if body_end > start && matches!(self.peek(), None | Some(b',')) {
            ch.token68 = Some(self.input[start..after].to_owned());
            return Ok(());
        }
        self.i = start;
        loop {
            let Some(name) = self.token() else {
                return Err(self.err("expected a parameter name"));
            };
            let name = name.to_ascii_lowercase();
            self.skip_ows();
            if self.peek() != Some(b'=') {
                return Err(self.err("expected '=' after a parameter name"));
            }
            self.i += 1;
            self.skip_ows();
            let value = match self.peek() {
                Some(b'"') => self.quoted()?,
                _ => match self.token() {
                    Some(v) => v.to_owned(),
                    None => return Err(self.err("expected a parameter value")),
                },
            };
            ch.params.push((name, value));
            self.skip_ows();
            match self.peek() {
                None => return Ok(()),
                Some(b',') => {
                    self.i += 1;
                    self.skip_ows();
                    while self.peek() == Some(b',') {
                        self.i += 1;
                        self.skip_ows();
                    }
                    if !self.next_is_param() {
                        return Ok(()); // the next challenge starts here
                    }
                }
                Some(_) => return Err(self.err("expected ',' between parameters")),
            }
        }
    }
}
