//! `POST /v1/sign/upload`: an Upload API signature of `params_to_sign`.

use cloudinary_connector::core::wire::UploadSigned;

use super::prelude::*;

/// Body of `POST /v1/sign/upload`. `paramsToSign` is accepted as an alias so that endpoints
/// written for next-cloudinary's `signatureEndpoint` convention work unchanged.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UploadRequest {
    account: Option<String>,
    #[serde(alias = "paramsToSign")]
    params_to_sign: Map<String, Value>,
    algorithm: Option<Algorithm>,
    signature_version: Option<u64>,
}

pub(crate) async fn sign_upload(
    State(s): State<Signer>,
    Authenticated { claims, body: req }: Authenticated<UploadRequest>,
) -> Result<Response, ApiError> {
    check_param_count(&s, "params_to_sign", req.params_to_sign.len(), "signed")?;
    match req.signature_version {
        None | Some(2) => {}
        Some(v) => {
            return Err(ApiError::invalid(format!(
                "signature_version {v} is not supported: this signer signs with version 2 only (it escapes `&` in values)"
            )))
        }
    }
    let (acct, role) = resolve(&s, &claims, req.account.as_deref())?;
    let mut params: Vec<(String, ParamValue)> = Vec::with_capacity(req.params_to_sign.len() + 1);
    let mut timestamp = None;
    // Consumed: names and string values move into the parameters to sign, uncopied.
    for (k, v) in req.params_to_sign {
        check_param_name("params_to_sign", &k)?;
        if UNSIGNED_UPLOAD_PARAMS.contains(&k.as_str()) {
            continue;
        }
        if k == "timestamp" {
            timestamp = Some(parse_timestamp(&v)?);
            continue;
        }
        // Empty values are not signed (SDK rule), so no policy applies to them either.
        if let Some(p) = into_param("params_to_sign", &k, v)?.filter(|p| !p.joined().is_empty()) {
            params.push((k, p));
        }
    }
    let ts = match timestamp {
        Some(ts) => {
            check_timestamp(&s, ts)?;
            ts
        }
        None => s.now(),
    };
    params.push(("timestamp".into(), ParamValue::Text(ts.to_string())));
    policy(acct, role).check_upload(
        Subject {
            account: &acct.id,
            role,
            user: &claims.sub,
            folder_mode: acct.folder_mode,
        },
        &params,
    )?;
    let alg = req.algorithm.unwrap_or(acct.signature_algorithm);
    let to_sign = sign::api_string_to_sign(
        params.iter().map(|(k, v)| (k.as_str(), v)),
        SignatureVersion::V2,
    );
    let signature = crypto::api_signature(&to_sign, &acct.api_secret, alg);
    s.issued("upload", &acct.id);
    tracing::debug!(user = %claims.sub, account = %acct.id, params = params.len(), algorithm = alg.as_str(), "upload signed");
    Ok(Json(UploadSigned {
        signature,
        timestamp: ts,
        api_key: acct.api_key.clone(),
        cloud_name: acct.cloud_name.clone(),
        algorithm: Some(alg),
        signature_version: Some(2),
    })
    .into_response())
}
