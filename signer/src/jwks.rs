//! Key sets from the platform's identity provider: a JWKS document (RFC 7517 §5) at
//! `[[auth.keys]] jwks_url`, or the `jwks_uri` of the issuer's OpenID Connect discovery document
//! (`oidc_issuer`: `{issuer}/.well-known/openid-configuration`, OpenID Connect Discovery 1.0 §4).
//!
//! * The set is kept for the response's `Cache-Control: max-age` (clamped to
//!   [`MIN_TTL`]..[`MAX_TTL`]; [`DEFAULT_TTL`] without one), then fetched again on the next token.
//! * A token naming a `kid` the set does not hold fetches the set again (rotation without a
//!   restart), at most once per `refresh_min_interval_secs`: a stream of bogus kids cannot make
//!   the signer hammer the provider.
//! * A failed fetch keeps the last good set (logged, counted in
//!   `cld_signer_jwks_refreshes_total{outcome="error"}`); at start-up it is a start-up error.
//! * Usable keys: `RS256` (kty RSA), `ES256` (kty EC, crv P-256), `EdDSA` (kty OKP, crv Ed25519),
//!   not marked `"use": "enc"`. Others are skipped; a set with none is refused.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm as JwtAlg, DecodingKey};

use crate::auth::Key;
use crate::config::{JwksConfig, JwksLocation};
use crate::telemetry;

/// Shortest time a fetched set is kept, whatever its `Cache-Control` says.
pub const MIN_TTL: Duration = Duration::from_secs(30);
/// Longest time a fetched set is kept.
pub const MAX_TTL: Duration = Duration::from_secs(24 * 3600);
/// How long a set is kept when its response has no `max-age`.
pub const DEFAULT_TTL: Duration = Duration::from_secs(300);
/// Largest JWKS or discovery document read.
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;

/// Why a key set could not be fetched (no secret in it: the URL is the provider's public one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwksError(pub String);

impl std::fmt::Display for JwksError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Default)]
struct FetchState {
    /// When the last fetch was attempted (successful or not).
    last_attempt: Option<Instant>,
    /// Until when the current set is fresh.
    fresh_until: Option<Instant>,
    /// Whether a set was ever fetched.
    loaded: bool,
}

/// One provider's key set.
pub struct JwksSource {
    cfg: JwksConfig,
    audience: Option<String>,
    issuer: Option<String>,
    client: reqwest::Client,
    keys: RwLock<Arc<Vec<Key>>>,
    state: Mutex<FetchState>,
    /// One fetch at a time; the others wait for its result.
    fetching: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for JwksSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksSource")
            .field("location", &self.cfg.location)
            .finish_non_exhaustive()
    }
}

/// Why a refresh is wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// At start-up: any failure is an error.
    Start,
    /// The set's `max-age` has passed.
    Stale,
    /// A token names a `kid` the set does not hold: rate-limited.
    UnknownKid,
}

impl JwksSource {
    /// A source (nothing fetched yet).
    pub fn new(cfg: JwksConfig, audience: Option<String>, issuer: Option<String>) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(cfg.timeout_ms))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a reqwest client with rustls builds");
        JwksSource {
            cfg,
            audience,
            issuer,
            client,
            keys: RwLock::new(Arc::new(Vec::new())),
            state: Mutex::new(FetchState::default()),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    /// Where the keys come from, for messages.
    pub fn location(&self) -> &str {
        match &self.cfg.location {
            JwksLocation::Url(u) | JwksLocation::Issuer(u) => u,
        }
    }

    /// The keys held now.
    pub fn keys(&self) -> Arc<Vec<Key>> {
        self.keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Whether the set is past its `max-age` (or was never fetched).
    pub fn is_stale(&self) -> bool {
        let st = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        st.fresh_until.is_none_or(|t| Instant::now() >= t)
    }

    /// Whether a refresh for `why` may run now.
    fn may_fetch(&self, why: Refresh) -> bool {
        let st = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let since = st.last_attempt.map(|t| t.elapsed());
        match why {
            Refresh::Start => true,
            Refresh::Stale => {
                st.fresh_until.is_none_or(|t| Instant::now() >= t)
                    && since.is_none_or(|s| s >= MIN_TTL.min(self.min_interval()))
            }
            Refresh::UnknownKid => since.is_none_or(|s| s >= self.min_interval()),
        }
    }

    fn min_interval(&self) -> Duration {
        Duration::from_secs(self.cfg.refresh_min_interval_secs)
    }

    /// Fetches the set again if `why` allows it now. Returns whether the held keys changed.
    pub async fn refresh(&self, why: Refresh) -> Result<bool, JwksError> {
        if !self.may_fetch(why) {
            if why == Refresh::UnknownKid {
                telemetry::jwks_refresh("throttled");
            }
            return Ok(false);
        }
        let _one = self.fetching.lock().await;
        // Another request may have fetched while this one waited.
        if why != Refresh::Start && !self.may_fetch(why) {
            return Ok(false);
        }
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .last_attempt = Some(Instant::now());
        match self.fetch().await {
            Ok((keys, ttl)) => {
                telemetry::jwks_refresh("ok");
                let kids = |k: &[Key]| k.iter().map(|k| k.id.clone()).collect::<Vec<_>>();
                let changed = kids(&keys) != kids(&self.keys());
                tracing::info!(
                    source = %self.location(),
                    keys = keys.len(),
                    changed,
                    ttl_secs = ttl.as_secs(),
                    "JWKS key set fetched"
                );
                *self
                    .keys
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(keys);
                let mut st = self
                    .state
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                st.fresh_until = Some(Instant::now() + ttl);
                st.loaded = true;
                Ok(changed)
            }
            Err(e) => {
                telemetry::jwks_refresh("error");
                let mut st = self
                    .state
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if st.loaded {
                    tracing::error!(source = %self.location(), error = %e, "JWKS refresh failed; keeping the last good key set");
                    // Try again after the refresh interval, not on every request.
                    st.fresh_until = Some(Instant::now() + self.min_interval().max(MIN_TTL));
                } else {
                    tracing::error!(source = %self.location(), error = %e, "JWKS fetch failed; no key set from this source yet");
                }
                Err(e)
            }
        }
    }

    async fn get_json(
        &self,
        url: &str,
    ) -> Result<(serde_json::Value, Option<Duration>), JwksError> {
        let fail = |why: String| JwksError(format!("cannot fetch the key set from {url}: {why}"));
        let res = self
            .client
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| {
                fail(if e.is_timeout() {
                    "no answer within the timeout".into()
                } else {
                    "the provider is unreachable".into()
                })
            })?;
        if !res.status().is_success() {
            return Err(fail(format!("HTTP {}", res.status().as_u16())));
        }
        let max_age = res
            .headers()
            .get(reqwest::header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .and_then(max_age);
        let body = res
            .bytes()
            .await
            .map_err(|_| fail("the response could not be read".into()))?;
        if body.len() > MAX_DOCUMENT_BYTES {
            return Err(fail(format!(
                "the document is larger than {MAX_DOCUMENT_BYTES} bytes"
            )));
        }
        let v =
            serde_json::from_slice(&body).map_err(|_| fail("the document is not JSON".into()))?;
        Ok((v, max_age))
    }

    async fn fetch(&self) -> Result<(Vec<Key>, Duration), JwksError> {
        let url = match &self.cfg.location {
            JwksLocation::Url(u) => u.clone(),
            JwksLocation::Issuer(iss) => {
                let discovery = format!(
                    "{}/.well-known/openid-configuration",
                    iss.trim_end_matches('/')
                );
                let (doc, _) = self.get_json(&discovery).await?;
                let uri = doc
                    .get("jwks_uri")
                    .and_then(|u| u.as_str())
                    .ok_or_else(|| {
                        JwksError(format!(
                            "the OpenID configuration at {discovery} has no jwks_uri"
                        ))
                    })?;
                crate::config::check_key_url(uri).map_err(|e| {
                    JwksError(format!(
                        "the OpenID configuration at {discovery}: jwks_uri {e}"
                    ))
                })?;
                uri.to_owned()
            }
        };
        let (doc, max_age) = self.get_json(&url).await?;
        let keys = self.usable_keys(&doc).ok_or_else(|| {
            JwksError(format!(
                "the key set at {url} has no usable signing key (RS256, ES256 or EdDSA with a kid)"
            ))
        })?;
        let ttl = max_age.unwrap_or(DEFAULT_TTL).clamp(MIN_TTL, MAX_TTL);
        Ok((keys, ttl))
    }

    fn usable_keys(&self, doc: &serde_json::Value) -> Option<Vec<Key>> {
        let list = doc.get("keys")?.as_array()?;
        let keys: Vec<Key> = list
            .iter()
            // One key of a kind this signer does not know must not hide the others.
            .filter_map(|k| serde_json::from_value::<Jwk>(k.clone()).ok())
            .filter_map(|jwk| self.key(&jwk))
            .collect();
        (!keys.is_empty()).then_some(keys)
    }

    fn key(&self, jwk: &Jwk) -> Option<Key> {
        if jwk.common.public_key_use == Some(PublicKeyUse::Encryption) {
            return None;
        }
        let kid = jwk.common.key_id.clone()?;
        let alg = match (&jwk.algorithm, jwk.common.key_algorithm) {
            (AlgorithmParameters::RSA(_), None | Some(KeyAlgorithm::RS256)) => JwtAlg::RS256,
            (AlgorithmParameters::EllipticCurve(p), None | Some(KeyAlgorithm::ES256))
                if p.curve == EllipticCurve::P256 =>
            {
                JwtAlg::ES256
            }
            (AlgorithmParameters::OctetKeyPair(p), None | Some(KeyAlgorithm::EdDSA))
                if p.curve == EllipticCurve::Ed25519 =>
            {
                JwtAlg::EdDSA
            }
            _ => return None,
        };
        let key = DecodingKey::from_jwk(jwk).ok()?;
        Some(Key::new(
            Some(kid),
            alg,
            key,
            self.audience.as_deref(),
            self.issuer.as_deref(),
        ))
    }
}

/// `max-age` of a `Cache-Control` value (`no-store`/`no-cache`: zero, clamped up to the minimum).
fn max_age(v: &str) -> Option<Duration> {
    let mut out = None;
    for d in v.split(',').map(str::trim) {
        let lower = d.to_ascii_lowercase();
        if lower == "no-store" || lower == "no-cache" {
            return Some(Duration::ZERO);
        }
        if let Some(n) = lower.strip_prefix("max-age=") {
            out = n
                .trim_matches('"')
                .parse::<u64>()
                .ok()
                .map(Duration::from_secs);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_max_age() {
        assert_eq!(
            max_age("public, max-age=600"),
            Some(Duration::from_secs(600))
        );
        assert_eq!(
            max_age("max-age=\"60\", must-revalidate"),
            Some(Duration::from_secs(60))
        );
        assert_eq!(max_age("no-store"), Some(Duration::ZERO));
        assert_eq!(max_age("public"), None);
        assert_eq!(max_age("max-age=soon"), None);
    }
}
