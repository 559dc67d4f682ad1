//! Who may use the service: the bearer token, the CORS origin and the rule that an
//! open service only listens on loopback.

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::str::FromStr;

use axum::http::HeaderValue;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::ServeError;

/// Fewest characters a token may have: shorter ones are guessable.
pub const MIN_TOKEN_LEN: usize = 16;

/// A shared secret that clients send as `Authorization: Bearer <token>`. Only its
/// SHA-256 digest is kept, and comparisons take the same time whatever the guess.
#[derive(Clone)]
pub struct Token {
    digest: [u8; 32],
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl Token {
    /// A token from its text: at least [`MIN_TOKEN_LEN`] visible ASCII characters
    /// (`source` names where it came from, for errors).
    pub fn new(text: &str, source: &str) -> Result<Self, ServeError> {
        let bad = |problem: String| ServeError::Token {
            source_name: source.to_owned(),
            problem,
        };
        if text.len() < MIN_TOKEN_LEN {
            return Err(bad(format!(
                "the token has {} characters, fewer than {MIN_TOKEN_LEN}",
                text.len()
            )));
        }
        if let Some(c) = text.chars().find(|c| !c.is_ascii_graphic()) {
            return Err(bad(format!(
                "the token holds {c:?}: only visible ASCII characters are allowed"
            )));
        }
        Ok(Self {
            digest: Sha256::digest(text.as_bytes()).into(),
        })
    }

    /// Reads a token from the first line of a file (surrounding white space dropped).
    pub fn from_file(path: &Path) -> Result<Self, ServeError> {
        let text = std::fs::read_to_string(path).map_err(|source| ServeError::TokenFile {
            path: path.to_owned(),
            source,
        })?;
        Self::new(text.trim(), &path.display().to_string())
    }

    /// Whether `candidate` is this token, in time independent of where they differ
    /// and of the candidate's length (both are hashed first).
    pub fn matches(&self, candidate: &[u8]) -> bool {
        let digest: [u8; 32] = Sha256::digest(candidate).into();
        self.digest.ct_eq(&digest).into()
    }
}

/// The service's access rules. The default is an open service (no token, no
/// CORS) that may only listen on a loopback address.
#[derive(Clone, Debug, Default)]
pub struct Access {
    /// Token every route but `/health` and the page's own files requires.
    pub token: Option<Token>,
    /// The one origin whose pages may call the API from a browser (CORS); none
    /// by default, so browsers keep other sites' pages out.
    pub cors_origin: Option<Origin>,
    /// Allow listening on a non-loopback address without a token.
    pub insecure_public: bool,
}

impl Access {
    /// Refuses to listen on a non-loopback address without a token, unless the
    /// operator said `insecure_public`.
    pub fn check_bind(&self, addr: SocketAddr) -> Result<(), ServeError> {
        if addr.ip().is_loopback() || self.token.is_some() || self.insecure_public {
            Ok(())
        } else {
            Err(ServeError::InsecureBind { addr })
        }
    }
}

/// A web origin allowed to call the API from a browser: `scheme://host[:port]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin(HeaderValue);

impl Origin {
    /// The origin as the `Access-Control-Allow-Origin` value.
    pub fn header_value(&self) -> &HeaderValue {
        &self.0
    }
}

impl FromStr for Origin {
    type Err = ServeError;

    /// Parses an origin such as `https://example.org` or `http://localhost:3000`
    /// (http or https, a host, an optional port; no path, no wildcard).
    fn from_str(text: &str) -> Result<Self, ServeError> {
        let bad = |problem: &str| ServeError::Config(format!("CORS origin {text:?}: {problem}"));
        let rest = text
            .strip_prefix("https://")
            .or_else(|| text.strip_prefix("http://"))
            .ok_or_else(|| bad("must start with http:// or https://"))?;
        if rest.is_empty() || rest.contains(['/', '?', '#', '*', '@']) {
            return Err(bad("must be scheme://host[:port] with no path"));
        }
        HeaderValue::from_str(text)
            .map(Self)
            .map_err(|_| bad("not a valid header value"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_only_themselves() {
        let token = Token::new("correct-horse-battery", "test").unwrap();
        assert!(token.matches(b"correct-horse-battery"));
        assert!(!token.matches(b"correct-horse-batterx"));
        assert!(!token.matches(b"correct-horse-battery "));
        assert!(!token.matches(b""));
        assert_eq!(format!("{token:?}"), "Token(<redacted>)");
    }

    #[test]
    fn weak_or_odd_tokens_are_refused_naming_the_source() {
        let err = Token::new("short", "tok.txt").unwrap_err().to_string();
        assert!(
            err.contains("tok.txt") && err.contains("fewer than 16"),
            "{err}"
        );
        let err = Token::new("sixteen chars here", "env")
            .unwrap_err()
            .to_string();
        assert!(err.contains("' '"), "{err}");
    }

    #[test]
    fn token_files_are_trimmed_and_missing_files_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "0123456789abcdef0123\n").unwrap();
        assert!(
            Token::from_file(&path)
                .unwrap()
                .matches(b"0123456789abcdef0123")
        );
        let err = Token::from_file(&dir.path().join("nope")).unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
    }

    #[test]
    fn open_services_stay_on_loopback() {
        let open = Access::default();
        assert!(open.check_bind("127.0.0.1:80".parse().unwrap()).is_ok());
        assert!(open.check_bind("[::1]:80".parse().unwrap()).is_ok());
        let err = open.check_bind("0.0.0.0:80".parse().unwrap()).unwrap_err();
        assert!(err.to_string().contains("--insecure-public"), "{err}");
        let insecure = Access {
            insecure_public: true,
            ..Access::default()
        };
        assert!(insecure.check_bind("0.0.0.0:80".parse().unwrap()).is_ok());
        let guarded = Access {
            token: Some(Token::new("0123456789abcdef", "test").unwrap()),
            ..Access::default()
        };
        assert!(guarded.check_bind("10.1.2.3:80".parse().unwrap()).is_ok());
    }

    #[test]
    fn origins_are_scheme_host_port_only() {
        let origin: Origin = "http://localhost:3000".parse().unwrap();
        assert_eq!(origin.header_value(), "http://localhost:3000");
        assert!("https://example.org".parse::<Origin>().is_ok());
        for bad in [
            "example.org",
            "https://",
            "https://a.org/x",
            "*",
            "ftp://a.org",
        ] {
            assert!(bad.parse::<Origin>().is_err(), "{bad}");
        }
    }
}
