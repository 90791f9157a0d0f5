//! The CORS allowlist of host origins. A pattern is an exact origin (`https://cms.example.com`),
//! an origin with any port (`http://127.0.0.1:*`, for test runners on random ports) or with any
//! sub-domain (`https://*.example.com`). A browser request from any other origin is refused
//! with 403 before it reaches a handler; requests without an `Origin` (servers, webhooks) pass.

use std::fmt;
use std::str::FromStr;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::Signer;

/// One allowed-origin pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginPattern {
    scheme: String,
    /// Host, lower-case; a leading `*.` allows any sub-domain (not the bare domain).
    host: String,
    port: PortRule,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum PortRule {
    Default,
    Exact(u16),
    Any,
}

impl fmt::Display for OriginPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.host)?;
        match self.port {
            PortRule::Default => Ok(()),
            PortRule::Exact(p) => write!(f, ":{p}"),
            PortRule::Any => f.write_str(":*"),
        }
    }
}

fn split_origin(s: &str) -> Option<(&str, &str, Option<&str>)> {
    let (scheme, rest) = s.split_once("://")?;
    if rest.is_empty() || rest.contains(['/', '?', '#', '@']) {
        return None;
    }
    // IPv6 literals are bracketed: the port follows `]`.
    let (host, port) = if let Some(end) = rest.strip_prefix('[').and_then(|r| r.find(']')) {
        let host = &rest[..end + 2];
        let after = &rest[end + 2..];
        match after.strip_prefix(':') {
            Some(p) => (host, Some(p)),
            None if after.is_empty() => (host, None),
            None => return None,
        }
    } else {
        match rest.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        }
    };
    Some((scheme, host, port))
}

impl FromStr for OriginPattern {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            format!("{s:?} is not an origin pattern like \"https://cms.example.com\", \"http://127.0.0.1:*\" or \"https://*.example.com\"")
        };
        let (scheme, host, port) = split_origin(s.trim()).ok_or_else(bad)?;
        if scheme != "http" && scheme != "https" {
            return Err(bad());
        }
        let bare = host.strip_prefix("*.").unwrap_or(host);
        if bare.is_empty()
            || bare.contains('*')
            || !bare
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'))
        {
            return Err(bad());
        }
        let port = match port {
            None => PortRule::Default,
            Some("*") => PortRule::Any,
            Some(p) => PortRule::Exact(p.parse().map_err(|_| bad())?),
        };
        Ok(OriginPattern {
            scheme: scheme.to_owned(),
            host: host.to_ascii_lowercase(),
            port,
        })
    }
}

impl OriginPattern {
    /// Whether the request's `Origin` header value matches.
    pub fn matches(&self, origin: &str) -> bool {
        let Some((scheme, host, port)) = split_origin(origin) else {
            return false;
        };
        if scheme != self.scheme {
            return false;
        }
        let host = host.to_ascii_lowercase();
        let host_ok = match self.host.strip_prefix("*.") {
            Some(domain) => {
                host.len() > domain.len() + 1
                    && host.ends_with(domain)
                    && host.as_bytes()[host.len() - domain.len() - 1] == b'.'
            }
            None => host == self.host,
        };
        if !host_ok {
            return false;
        }
        let default_port = if scheme == "https" { 443 } else { 80 };
        let port = match port {
            None => default_port,
            Some(p) => match p.parse::<u16>() {
                Ok(p) => p,
                Err(_) => return false,
            },
        };
        match self.port {
            PortRule::Any => true,
            PortRule::Default => port == default_port,
            PortRule::Exact(p) => port == p,
        }
    }
}

/// Whether any pattern allows `origin`.
pub fn allowed(patterns: &[OriginPattern], origin: &str) -> bool {
    patterns.iter().any(|p| p.matches(origin))
}

const ALLOW_METHODS: HeaderValue = HeaderValue::from_static("GET, POST, OPTIONS");
const ALLOW_HEADERS: HeaderValue = HeaderValue::from_static("authorization, content-type");

/// The CORS layer (`axum::middleware::from_fn_with_state`): requests without an `Origin` pass;
/// an origin outside the allowlist is refused with 403 naming the rule (tower-http's `CorsLayer`
/// would pass the request on without CORS headers, and answer preflights 200); a preflight from
/// an allowed origin is answered 204 here; other answers get `Access-Control-Allow-Origin`.
pub async fn guard(State(s): State<Signer>, req: Request, next: Next) -> Response {
    let Some(origin) = req.headers().get(header::ORIGIN).cloned() else {
        return next.run(req).await;
    };
    let ok = origin
        .to_str()
        .is_ok_and(|o| allowed(&s.config().server.cors_origins, o));
    if !ok {
        let shown: String = String::from_utf8_lossy(origin.as_bytes())
            .chars()
            .take(200)
            .collect();
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            format!("origin {shown:?} is not in this signer's CORS allowlist"),
        )
        .with_rule("server.cors_origins")
        .into_response();
    }
    let preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut res = if preflight {
        let mut r = StatusCode::NO_CONTENT.into_response();
        let h = r.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS);
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS);
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        r
    } else {
        next.run(req).await
    };
    let h = res.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("retry-after"),
    );
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn pat(s: &str) -> OriginPattern {
        s.parse().unwrap()
    }

    #[test]
    fn port_wildcard_matches_any_port_of_that_host_only() {
        let p = pat("http://127.0.0.1:*");
        assert!(p.matches("http://127.0.0.1:41234"));
        assert!(p.matches("http://127.0.0.1"));
        assert!(!p.matches("https://127.0.0.1:41234"));
        assert!(!p.matches("http://127.0.0.10:41234"));
        assert!(!p.matches("http://127.0.0.1.evil.com:80"));
        assert!(!p.matches("null"));
    }

    #[test]
    fn exact_and_subdomain_patterns() {
        let p = pat("https://cms.example.com");
        assert!(p.matches("https://cms.example.com"));
        assert!(p.matches("https://CMS.example.com:443"));
        assert!(!p.matches("https://cms.example.com:8443"));
        let w = pat("https://*.example.com");
        assert!(w.matches("https://a.example.com"));
        assert!(!w.matches("https://example.com"));
        assert!(!w.matches("https://aexample.com"));
        assert_eq!(pat("http://[::1]:*").to_string(), "http://[::1]:*");
        assert!(pat("http://[::1]:*").matches("http://[::1]:3000"));
    }

    #[test]
    fn bad_patterns_are_refused() {
        for bad in [
            "*",
            "ftp://x",
            "https://a/b",
            "https://a:port",
            "https://*",
            "https://a.*.com",
        ] {
            let e = bad.parse::<OriginPattern>().unwrap_err();
            assert!(e.contains("is not an origin pattern"), "{bad}: {e}");
        }
    }
}
