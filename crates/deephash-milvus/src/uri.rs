//! Milvus server addresses: `http://host:port`, `https://host:port` or `host:port`.

use crate::MilvusError;

/// The port Milvus serves gRPC on unless told otherwise.
pub const DEFAULT_PORT: u16 = 19530;

/// A parsed, normalised server address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MilvusUri {
    /// `http` or `https`.
    pub scheme: &'static str,
    /// Host name or IP address.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

impl MilvusUri {
    /// Parses `[http://|https://|tcp://]host[:port][/]`; the port defaults to 19530.
    /// A file path (Milvus Lite's local database) or any other scheme is refused.
    pub fn parse(uri: &str) -> Result<Self, MilvusError> {
        let bad = |reason: &str| MilvusError::MalformedUri {
            uri: uri.to_string(),
            reason: reason.to_string(),
        };
        let trimmed = uri.trim();
        let (scheme, rest) = split_scheme(trimmed).ok_or_else(|| {
            bad("unknown scheme (use http://host:port, https://host:port or host:port)")
        })?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.is_empty() {
            return Err(bad("no host"));
        }
        if rest.contains('/') || rest.ends_with(".db") {
            return Err(bad(
                "a path, not a server address (a Milvus Lite database file cannot be opened \
                 directly: start its server and pass host:port)",
            ));
        }
        let (host, port) = split_port(rest).map_err(|r| bad(&r))?;
        if host.is_empty() || host.contains(char::is_whitespace) {
            return Err(bad("no host"));
        }
        Ok(Self {
            scheme,
            host: host.to_string(),
            port,
        })
    }
}

impl std::fmt::Display for MilvusUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

fn split_scheme(uri: &str) -> Option<(&'static str, &str)> {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return Some(("http", uri));
    };
    match scheme.to_ascii_lowercase().as_str() {
        "http" | "tcp" | "grpc" => Some(("http", rest)),
        "https" => Some(("https", rest)),
        _ => None,
    }
}

fn split_port(rest: &str) -> Result<(&str, u16), String> {
    // A bracketed IPv6 address keeps its colons.
    let colon = if rest.starts_with('[') {
        rest.find(']')
            .map(|end| rest[end..].find(':').map(|c| end + c))
    } else {
        Some(rest.rfind(':'))
    };
    let Some(colon) = colon else {
        return Err("unclosed `[` in the host".into());
    };
    let Some(colon) = colon else {
        return Ok((rest, DEFAULT_PORT));
    };
    let port = &rest[colon + 1..];
    match port.parse::<u16>() {
        Ok(p) if p > 0 => Ok((&rest[..colon], p)),
        _ => Err(format!("port `{port}` is not a number from 1 to 65535")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_usual_forms_and_normalises_them() {
        let cases = [
            ("http://localhost:19530", "http://localhost:19530"),
            ("localhost", "http://localhost:19530"),
            ("10.0.0.7:1234/", "http://10.0.0.7:1234"),
            (
                "https://milvus.example.com",
                "https://milvus.example.com:19530",
            ),
            ("tcp://127.0.0.1:5", "http://127.0.0.1:5"),
            ("[::1]:19531", "http://[::1]:19531"),
        ];
        for (given, want) in cases {
            assert_eq!(
                MilvusUri::parse(given).unwrap().to_string(),
                want,
                "{given}"
            );
        }
    }

    #[test]
    fn refuses_malformed_uris_with_the_reason() {
        for (given, why) in [
            ("", "no host"),
            ("http://", "no host"),
            ("ftp://host:1", "unknown scheme"),
            ("host:port", "port `port`"),
            ("host:0", "port `0`"),
            ("host:70000", "port `70000`"),
            ("./milvus.db", "a path"),
            ("http://host:19530/db/x", "a path"),
            ("[::1:5", "unclosed"),
        ] {
            let e = MilvusUri::parse(given).unwrap_err().to_string();
            assert!(e.contains(why), "{given}: {e}");
            assert!(e.contains(&format!("`{given}`")), "{e}");
        }
    }
}
