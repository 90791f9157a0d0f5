//! Caller authentication: the host vouches for its user with a short-lived JWT whose claims name
//! the user (`sub`) and their role per account (`roles`). HS256 (shared key), EdDSA and RS256
//! (public keys) are accepted; expiry is checked against the signer's clock.

use std::collections::BTreeMap;
use std::sync::Arc;

use dashmap::DashMap;

use jsonwebtoken::{Algorithm as JwtAlg, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use serde_json::{Map, Value};

use crate::config::{AuthConfig, KeyMaterial, Secret};
use crate::jwks::{JwksError, JwksSource, Refresh};
use crate::policy::Role;

/// The claims the signer reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user the host vouches for.
    pub sub: String,
    /// Expiry, Unix seconds.
    pub exp: u64,
    /// Not before, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    /// Issued at, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    /// Issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Audience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    /// Role per account id (a role on an account also applies to its sub-accounts unless the
    /// sub-account is named itself).
    #[serde(default)]
    pub roles: BTreeMap<String, Role>,
    /// The Cloudinary Media Library user name this user logs in as (defaults to `sub`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ml_username: Option<String>,
}

/// Why a token was refused (always HTTP 401). Messages never contain the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthError {
    /// No `Authorization: Bearer` header.
    Missing,
    /// Not a JWT, or claims of the wrong shape.
    Malformed(String),
    /// The signature does not verify with any configured key.
    BadSignature,
    /// The token's `alg` is not one a configured key uses.
    AlgorithmNotAccepted(String),
    /// `exp` is past.
    Expired {
        /// The token's expiry.
        exp: u64,
        /// The signer's clock.
        now: u64,
    },
    /// `nbf` is in the future.
    NotYetValid,
    /// `exp` is further away than the configured maximum lifetime.
    TooLongLived(u64),
    /// `aud` or `iss` do not match.
    WrongAudienceOrIssuer(&'static str),
    /// The token's `kid` names no key of this signer's key sets (even after a refresh).
    UnknownKey(String),
}

impl std::fmt::Display for AuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuthError::Missing => f.write_str("no bearer token: send `Authorization: Bearer <JWT>` issued by the host"),
            AuthError::Malformed(why) => write!(f, "the bearer token is malformed: {why}"),
            AuthError::BadSignature => f.write_str("the bearer token's signature does not verify with any configured key"),
            AuthError::AlgorithmNotAccepted(a) => write!(f, "the bearer token's algorithm {a} is not accepted by this signer"),
            AuthError::Expired { exp, now } => write!(f, "the bearer token expired at {exp} (signer clock {now}); ask the host for a new one"),
            AuthError::NotYetValid => f.write_str("the bearer token is not valid yet (nbf is in the future)"),
            AuthError::TooLongLived(max) => write!(f, "the bearer token lives too long: its exp must be at most {max} seconds away"),
            AuthError::WrongAudienceOrIssuer(which) => write!(f, "the bearer token's {which} claim is not the one this signer expects"),
            AuthError::UnknownKey(kid) => write!(f, "the bearer token's key id {kid:?} is not in this signer's key sets"),
        }
    }
}

/// One verification key: static (`[[auth.keys]]`) or from a JWKS set.
pub struct Key {
    pub(crate) id: Option<String>,
    alg: JwtAlg,
    key: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key")
            .field("id", &self.id)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl Key {
    /// A key for `alg` whose tokens must carry `audience` and `issuer` when those are set.
    pub(crate) fn new(
        id: Option<String>,
        alg: JwtAlg,
        key: DecodingKey,
        audience: Option<&str>,
        issuer: Option<&str>,
    ) -> Self {
        let mut v = Validation::new(alg);
        v.validate_exp = false; // checked against the signer's (injectable) clock
        v.validate_nbf = false;
        let mut required = vec!["exp", "sub"];
        v.validate_aud = audience.is_some();
        if let Some(aud) = audience {
            v.set_audience(&[aud]);
            required.push("aud");
        }
        if let Some(iss) = issuer {
            v.set_issuer(&[iss]);
            required.push("iss");
        }
        v.set_required_spec_claims(&required);
        Key {
            id,
            alg,
            key,
            validation: v,
        }
    }
}

/// Most verified tokens the cache holds; a full cache is emptied (tokens are short-lived).
pub const TOKEN_CACHE_CAPACITY: usize = 16_384;
/// Longer tokens are verified on every request, never cached: the cache holds at most
/// [`TOKEN_CACHE_CAPACITY`] tokens of at most this many bytes (32 MiB), whatever callers send.
pub const TOKEN_CACHE_MAX_TOKEN_BYTES: usize = 2048;

/// Verifies callers' tokens with the configured keys and key sets.
///
/// A token whose signature verified once is remembered (by its full text) so that a caller
/// reusing it skips the signature and JSON work; its times (`exp`, `nbf`, the lifetime cap) are
/// still checked on every request. Only successes are cached; a token that differs by one byte
/// is a different entry; the cache is emptied whenever a JWKS refresh changes a key set, so a
/// token whose key left the set stops verifying at once.
pub struct Verifier {
    keys: Vec<Key>,
    jwks: Vec<JwksSource>,
    claims: ClaimRules,
    leeway: u64,
    max_lifetime: u64,
    /// Verified tokens (`dashmap`: sharded locks, so concurrent requests rarely wait).
    cache: DashMap<Box<str>, Arc<Claims>>,
}

/// Where the roles come from in a token's claims.
#[derive(Debug, Clone, Default)]
struct ClaimRules {
    /// The claim holding `{account: role}` (default `roles`).
    roles_claim: String,
    /// The claim holding the user's groups, if any.
    groups_claim: Option<String>,
    /// Per account: group → role.
    group_roles: Vec<(String, BTreeMap<String, Role>)>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("keys", &self.keys.len())
            .field("jwks", &self.jwks)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// Builds the verifier; `extra_hs256` is the development mode's ephemeral key, if any.
    pub fn new(cfg: &AuthConfig, extra_hs256: Option<&Secret>) -> Self {
        let mut keys = Vec::new();
        let (aud, iss) = (cfg.audience.as_deref(), cfg.issuer.as_deref());
        for k in &cfg.keys {
            let (alg, key) = match &k.material {
                KeyMaterial::Hs256(s) => (
                    JwtAlg::HS256,
                    DecodingKey::from_secret(s.expose().as_bytes()),
                ),
                KeyMaterial::EdDsaPem(p) => (
                    JwtAlg::EdDSA,
                    DecodingKey::from_ed_pem(p.as_bytes()).expect("validated at load"),
                ),
                KeyMaterial::Rs256Pem(p) => (
                    JwtAlg::RS256,
                    DecodingKey::from_rsa_pem(p.as_bytes()).expect("validated at load"),
                ),
            };
            keys.push(Key::new(k.id.clone(), alg, key, aud, iss));
        }
        if let Some(s) = extra_hs256 {
            keys.push(Key::new(
                Some("dev".into()),
                JwtAlg::HS256,
                DecodingKey::from_secret(s.expose().as_bytes()),
                aud,
                iss,
            ));
        }
        Verifier {
            keys,
            jwks: cfg
                .jwks
                .iter()
                .map(|j| JwksSource::new(j.clone(), cfg.audience.clone(), cfg.issuer.clone()))
                .collect(),
            claims: ClaimRules {
                roles_claim: cfg.roles_claim.clone(),
                groups_claim: cfg.groups_claim.clone(),
                group_roles: cfg
                    .group_roles
                    .iter()
                    .map(|(a, m)| (a.clone(), m.clone()))
                    .collect(),
            },
            leeway: cfg.leeway_secs,
            max_lifetime: cfg.max_token_lifetime_secs,
            cache: DashMap::new(),
        }
    }

    /// Fetches every JWKS key set: the start-up check (an unreachable provider, a document
    /// that is not JSON or has no usable key is an error naming the source).
    pub async fn start(&self) -> Result<(), JwksError> {
        for src in &self.jwks {
            src.refresh(Refresh::Start).await?;
        }
        self.clear_cache();
        Ok(())
    }

    /// The JWKS sources.
    pub fn jwks(&self) -> &[JwksSource] {
        &self.jwks
    }

    fn clear_cache(&self) {
        self.cache.clear();
    }

    /// Whether any key is configured.
    pub fn has_keys(&self) -> bool {
        !self.keys.is_empty() || !self.jwks.is_empty()
    }

    /// How many verified tokens the cache holds now.
    pub fn cached_tokens(&self) -> usize {
        self.cache.len()
    }

    /// Verifies `token` at `now` (Unix seconds).
    pub fn verify(&self, token: &str, now: u64) -> Result<Arc<Claims>, AuthError> {
        if token.len() > 8192 {
            return Err(AuthError::Malformed("longer than 8192 bytes".into()));
        }
        let cached = self.cache.get(token).map(|c| c.clone());
        let claims = match cached {
            Some(c) => c,
            None => {
                let c = Arc::new(self.verify_signature(token)?);
                if token.len() > TOKEN_CACHE_MAX_TOKEN_BYTES {
                    self.check_times(&c, now)?;
                    return Ok(c);
                }
                if self.cache.len() >= TOKEN_CACHE_CAPACITY {
                    self.cache.clear();
                }
                self.cache.insert(token.into(), c.clone());
                c
            }
        };
        self.check_times(&claims, now)?;
        Ok(claims)
    }

    /// [`Verifier::verify`] with the JWKS rules: a stale key set is fetched again first, and a
    /// token naming a `kid` no set holds fetches the sets again (rate-limited) before it is
    /// refused.
    pub async fn verify_async(&self, token: &str, now: u64) -> Result<Arc<Claims>, AuthError> {
        if self.jwks.is_empty() {
            return self.verify(token, now);
        }
        let mut changed = false;
        for src in self.jwks.iter().filter(|s| s.is_stale()) {
            changed |= src.refresh(Refresh::Stale).await.unwrap_or(false);
        }
        if changed {
            self.clear_cache();
        }
        match self.verify(token, now) {
            Err(AuthError::UnknownKey(kid)) => {
                let mut changed = false;
                for src in &self.jwks {
                    changed |= src.refresh(Refresh::UnknownKid).await.unwrap_or(false);
                }
                if !changed {
                    return Err(AuthError::UnknownKey(kid));
                }
                self.clear_cache();
                self.verify(token, now)
            }
            other => other,
        }
    }

    fn verify_signature(&self, token: &str) -> Result<Claims, AuthError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| header_refusal(token))?;
        let jwks: Vec<Arc<Vec<Key>>> = self.jwks.iter().map(JwksSource::keys).collect();
        let all = || self.keys.iter().chain(jwks.iter().flat_map(|k| k.iter()));
        let same_alg = || all().filter(|k| k.alg == header.alg);
        // A key set may publish a key of another asymmetric algorithm after a rotation: a
        // token naming a kid with one is an unknown key (which fetches the sets again), not
        // an algorithm this signer refuses.
        let jwks_alg = matches!(header.alg, JwtAlg::RS256 | JwtAlg::ES256 | JwtAlg::EdDSA)
            && !self.jwks.is_empty()
            && header.kid.is_some();
        if same_alg().next().is_none() && !jwks_alg {
            return Err(AuthError::AlgorithmNotAccepted(format!("{:?}", header.alg)));
        }
        let candidates: Vec<&Key> = same_alg()
            .filter(|k| match (&header.kid, &k.id) {
                (Some(kid), Some(id)) => kid == id,
                _ => true,
            })
            .collect();
        if candidates.is_empty() {
            let kid = header.kid.as_deref().unwrap_or("");
            return Err(AuthError::UnknownKey(kid.chars().take(64).collect()));
        }
        let mut last = AuthError::BadSignature;
        for k in candidates {
            match jsonwebtoken::decode::<Map<String, Value>>(token, &k.key, &k.validation) {
                Ok(data) => return self.claims.read(data.claims),
                Err(e) => {
                    use jsonwebtoken::errors::ErrorKind as K;
                    last = match e.kind() {
                        K::InvalidSignature => AuthError::BadSignature,
                        K::InvalidAudience => AuthError::WrongAudienceOrIssuer("aud"),
                        K::InvalidIssuer => AuthError::WrongAudienceOrIssuer("iss"),
                        K::MissingRequiredClaim(c) => {
                            AuthError::Malformed(format!("the {c} claim is missing"))
                        }
                        K::Json(_) => AuthError::Malformed(SHAPE.into()),
                        _ => AuthError::Malformed("not a JWT".into()),
                    };
                    if last != AuthError::BadSignature {
                        return Err(last);
                    }
                }
            }
        }
        Err(last)
    }

    fn check_times(&self, c: &Claims, now: u64) -> Result<(), AuthError> {
        if c.exp.saturating_add(self.leeway) < now {
            return Err(AuthError::Expired { exp: c.exp, now });
        }
        if c.nbf
            .is_some_and(|nbf| nbf > now.saturating_add(self.leeway))
        {
            return Err(AuthError::NotYetValid);
        }
        if c.exp > now.saturating_add(self.max_lifetime) {
            return Err(AuthError::TooLongLived(self.max_lifetime));
        }
        Ok(())
    }
}

const SHAPE: &str = "the claims are not of the expected shape (sub, exp, roles)";

/// A header `jsonwebtoken` does not read: `alg: none` (RFC 7519 §6, an unsecured JWT) and other
/// algorithms are named as not accepted, anything else is not a JWT.
fn header_refusal(token: &str) -> AuthError {
    use base64::Engine as _;
    let alg = token
        .split('.')
        .next()
        .and_then(|h| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(h)
                .ok()
        })
        .and_then(|h| serde_json::from_slice::<Value>(&h).ok())
        .and_then(|h| h.get("alg").and_then(Value::as_str).map(str::to_owned));
    match alg {
        Some(a) => AuthError::AlgorithmNotAccepted(a.chars().take(16).collect()),
        None => AuthError::Malformed("not a JWT".into()),
    }
}

impl ClaimRules {
    /// The signer's [`Claims`] from a verified token's claims.
    fn read(&self, mut m: Map<String, Value>) -> Result<Claims, AuthError> {
        let shape = || AuthError::Malformed(SHAPE.into());
        let text = |v: Option<Value>| -> Result<Option<String>, AuthError> {
            match v {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(shape()),
            }
        };
        let secs = |v: Option<Value>| -> Result<Option<u64>, AuthError> {
            match v {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v.as_u64().map(Some).ok_or_else(shape),
            }
        };
        let sub = text(m.remove("sub"))?.ok_or_else(shape)?;
        if sub.trim().is_empty() {
            return Err(AuthError::Malformed("the sub claim is empty".into()));
        }
        let exp = secs(m.remove("exp"))?.ok_or_else(shape)?;
        // `aud` may be a list (RFC 7519 §4.1.3); it was checked against the expected audience.
        let aud = match m.remove("aud") {
            Some(Value::Array(list)) => list.into_iter().find_map(|a| match a {
                Value::String(s) => Some(s),
                _ => None,
            }),
            other => text(other)?,
        };
        let mut roles: BTreeMap<String, Role> = match m.remove(&self.roles_claim) {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(v) => serde_json::from_value(v).map_err(|_| shape())?,
        };
        if let Some(claim) = &self.groups_claim {
            let groups: Vec<String> = match m.remove(claim) {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::String(g)) => vec![g],
                Some(v) => serde_json::from_value(v).map_err(|_| shape())?,
            };
            for (account, map) in &self.group_roles {
                if roles.contains_key(account) {
                    continue;
                }
                if let Some(r) = groups.iter().filter_map(|g| map.get(g)).max() {
                    roles.insert(account.clone(), *r);
                }
            }
        }
        Ok(Claims {
            sub,
            exp,
            nbf: secs(m.remove("nbf"))?,
            iat: secs(m.remove("iat"))?,
            iss: text(m.remove("iss"))?,
            aud,
            roles,
            ml_username: text(m.remove("ml_username"))?,
        })
    }
}

/// Mints an HS256 token (development mode and tests only; production hosts mint their own).
pub fn mint_hs256(key: &Secret, claims: &Claims) -> String {
    mint_hs256_kid(key, None, claims)
}

/// Mints an HS256 token with a key id (`kid`) header.
pub fn mint_hs256_kid(key: &Secret, kid: Option<&str>, claims: &Claims) -> String {
    let mut header = Header::new(JwtAlg::HS256);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_secret(key.expose().as_bytes()),
    )
    .expect("HS256 encoding cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AuthKey;

    fn cfg(key: &str) -> AuthConfig {
        AuthConfig {
            keys: vec![AuthKey {
                id: None,
                material: KeyMaterial::Hs256(Secret::new(key)),
            }],
            audience: Some("cld-signer".into()),
            issuer: None,
            leeway_secs: 0,
            max_token_lifetime_secs: 3600,
            jwks: Vec::new(),
            roles_claim: "roles".into(),
            groups_claim: None,
            group_roles: BTreeMap::new(),
        }
    }

    fn claims(exp: u64) -> Claims {
        Claims {
            sub: "alice".into(),
            exp,
            nbf: None,
            iat: None,
            iss: None,
            aud: Some("cld-signer".into()),
            roles: [("demo".to_owned(), Role::Admin)].into(),
            ml_username: None,
        }
    }

    const K: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn verifies_and_refuses() {
        let v = Verifier::new(&cfg(K), None);
        let t = mint_hs256(&Secret::new(K), &claims(1000));
        assert_eq!(v.verify(&t, 900).unwrap().sub, "alice");
        assert_eq!(
            v.verify(&t, 1001).unwrap_err(),
            AuthError::Expired {
                exp: 1000,
                now: 1001
            }
        );
        assert_eq!(
            v.verify(&t, 1001).unwrap_err().to_string(),
            "the bearer token expired at 1000 (signer clock 1001); ask the host for a new one"
        );
        let long = mint_hs256(&Secret::new(K), &claims(10_000));
        assert_eq!(
            v.verify(&long, 900).unwrap_err(),
            AuthError::TooLongLived(3600)
        );
        let other = mint_hs256(
            &Secret::new("another-key-another-key-another-key"),
            &claims(1000),
        );
        assert_eq!(v.verify(&other, 900).unwrap_err(), AuthError::BadSignature);
        assert_eq!(
            v.verify("abc", 900).unwrap_err(),
            AuthError::Malformed("not a JWT".into())
        );
        let mut c = claims(1000);
        c.aud = Some("someone-else".into());
        let t = mint_hs256(&Secret::new(K), &c);
        assert_eq!(
            v.verify(&t, 900).unwrap_err(),
            AuthError::WrongAudienceOrIssuer("aud")
        );
    }

    fn at(exp: u64, nbf: Option<u64>, sub: &str) -> Claims {
        Claims {
            nbf,
            sub: sub.into(),
            ..claims(exp)
        }
    }

    #[test]
    fn a_cache_hit_still_honours_exp_and_nbf() {
        let v = Verifier::new(&cfg(K), None);
        let t = mint_hs256(&Secret::new(K), &at(1000, Some(950), "alice"));
        assert_eq!(v.verify(&t, 960).unwrap().sub, "alice");
        assert_eq!(v.cached_tokens(), 1);
        // The same token again, from the cache: still refused once expired...
        assert_eq!(
            v.verify(&t, 1001).unwrap_err(),
            AuthError::Expired {
                exp: 1000,
                now: 1001
            }
        );
        // ... and before its nbf.
        assert_eq!(v.verify(&t, 940).unwrap_err(), AuthError::NotYetValid);
        assert_eq!(v.verify(&t, 999).unwrap().sub, "alice");
        assert_eq!(v.cached_tokens(), 1);
        // ... and the lifetime cap: exp too far away for the signer's clock.
        let t2 = mint_hs256(&Secret::new(K), &at(5000, None, "alice"));
        assert!(v.verify(&t2, 1500).is_ok());
        assert_eq!(v.cached_tokens(), 2);
        assert_eq!(
            v.verify(&t2, 1000).unwrap_err(),
            AuthError::TooLongLived(3600)
        );
    }

    #[test]
    fn failures_are_never_cached() {
        let v = Verifier::new(&cfg(K), None);
        let other = mint_hs256(
            &Secret::new("another-key-another-key-another-key"),
            &claims(1000),
        );
        let mut c = claims(1000);
        c.aud = Some("someone-else".into());
        let wrong_aud = mint_hs256(&Secret::new(K), &c);
        for _ in 0..2 {
            assert_eq!(v.verify(&other, 900).unwrap_err(), AuthError::BadSignature);
            assert_eq!(
                v.verify(&wrong_aud, 900).unwrap_err(),
                AuthError::WrongAudienceOrIssuer("aud")
            );
            assert_eq!(
                v.verify("abc", 900).unwrap_err(),
                AuthError::Malformed("not a JWT".into())
            );
        }
        assert_eq!(v.cached_tokens(), 0);
        // A token that verifies but is already expired is cached (its signature is good) and
        // refused on every use.
        let t = mint_hs256(&Secret::new(K), &claims(1000));
        assert!(v.verify(&t, 2000).is_err());
        assert!(v.verify(&t, 2000).is_err());
    }

    #[test]
    fn tokens_that_differ_never_share_an_entry() {
        let v = Verifier::new(&cfg(K), None);
        let t = mint_hs256(&Secret::new(K), &claims(1000));
        assert!(v.verify(&t, 900).is_ok());
        let (head_payload, sig) = t.rsplit_once('.').unwrap();
        // The same header and claims with another signature (last character changed).
        let mut forged_sig = sig.to_owned();
        let last = forged_sig.pop().unwrap();
        forged_sig.push(if last == 'A' { 'B' } else { 'A' });
        let forged = format!("{head_payload}.{forged_sig}");
        assert_eq!(v.verify(&forged, 900).unwrap_err(), AuthError::BadSignature);
        // Other claims (another user, admin everywhere) under the cached token's signature.
        let (head, _) = head_payload.split_once('.').unwrap();
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut c = claims(1000);
        c.sub = "mallory".into();
        let payload = b64.encode(serde_json::to_vec(&c).unwrap());
        let swapped = format!("{head}.{payload}.{sig}");
        assert_eq!(
            v.verify(&swapped, 900).unwrap_err(),
            AuthError::BadSignature
        );
        assert_eq!(v.cached_tokens(), 1);
        assert_eq!(v.verify(&t, 900).unwrap().sub, "alice");
    }

    #[test]
    fn a_changed_key_does_not_accept_tokens_the_old_one_verified() {
        let old = Verifier::new(&cfg(K), None);
        let t = mint_hs256(&Secret::new(K), &claims(1000));
        assert!(old.verify(&t, 900).is_ok());
        // The key is part of the configuration: rotating it means a new verifier (a restarted
        // signer), and nothing the old one cached carries over.
        let rotated = Verifier::new(&cfg("fedcba9876543210fedcba9876543210"), None);
        assert_eq!(rotated.cached_tokens(), 0);
        assert_eq!(
            rotated.verify(&t, 900).unwrap_err(),
            AuthError::BadSignature
        );
    }

    #[test]
    fn the_cache_is_bounded() {
        let v = Verifier::new(&cfg(K), None);
        let key = Secret::new(K);
        for i in 0..TOKEN_CACHE_CAPACITY + 3000 {
            let t = mint_hs256(&key, &at(1000, None, &format!("user-{i}")));
            assert!(v.verify(&t, 900).is_ok());
            assert!(v.cached_tokens() <= TOKEN_CACHE_CAPACITY);
        }
        // Tokens longer than TOKEN_CACHE_MAX_TOKEN_BYTES are verified, never kept.
        let before = v.cached_tokens();
        let long = mint_hs256(
            &key,
            &at(1000, None, &"x".repeat(TOKEN_CACHE_MAX_TOKEN_BYTES)),
        );
        assert!(long.len() > TOKEN_CACHE_MAX_TOKEN_BYTES);
        assert_eq!(
            v.verify(&long, 900).unwrap().sub.len(),
            TOKEN_CACHE_MAX_TOKEN_BYTES
        );
        assert_eq!(
            v.verify(&long, 1001).unwrap_err(),
            AuthError::Expired {
                exp: 1000,
                now: 1001
            }
        );
        assert_eq!(v.cached_tokens(), before);
    }
}
