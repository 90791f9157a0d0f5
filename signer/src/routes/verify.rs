//! `POST /v1/verify/api-signature`: checks an API signature; issues nothing.

use super::prelude::*;

/// Body of `POST /v1/verify/api-signature`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VerifyRequest {
    account: Option<String>,
    params: Map<String, Value>,
    signature: String,
    signature_version: Option<u64>,
}

/// Checks a signature over exactly `params` (nothing added, nothing dropped): an upload
/// response's `signature` over `{public_id, version}` (signature version 1, as the SDKs verify
/// it), or any API signature the caller holds. Answers `valid: true/false`; issues nothing.
pub(crate) async fn verify_api_signature(
    State(s): State<Signer>,
    Authenticated { claims, body: req }: Authenticated<VerifyRequest>,
) -> Result<Json<Value>, ApiError> {
    check_param_count(&s, "params", req.params.len(), "accepted")?;
    let version = match req.signature_version {
        None | Some(2) => SignatureVersion::V2,
        Some(1) => SignatureVersion::V1,
        Some(v) => {
            return Err(ApiError::invalid(format!(
                "signature_version {v} is not 1 or 2"
            )))
        }
    };
    let (acct, _role) = resolve(&s, &claims, req.account.as_deref())?;
    let alg =
        match req.signature.len() {
            40 => Algorithm::Sha1,
            64 => Algorithm::Sha256,
            _ => return Err(ApiError::invalid(
                "signature must be a hex SHA-1 (40 characters) or SHA-256 (64 characters) digest",
            )),
        };
    let mut params = Vec::with_capacity(req.params.len());
    for (k, v) in &req.params {
        check_param_name("params", k)?;
        if let Some(p) = to_param("params", k, v)? {
            params.push((k.clone(), p));
        }
    }
    let to_sign = sign::api_string_to_sign(params.iter().map(|(k, v)| (k.as_str(), v)), version);
    let expected = crypto::api_signature(&to_sign, &acct.api_secret, alg);
    let valid = crypto::constant_time_eq(
        expected.as_bytes(),
        req.signature.to_ascii_lowercase().as_bytes(),
    );
    tracing::debug!(user = %claims.sub, account = %acct.id, valid, "API signature checked");
    Ok(Json(json!({ "valid": valid, "algorithm": alg.as_str() })))
}
