//! `POST /v1/sign/media-library`: the Media Library login signature.

use cloudinary_connector::core::widgets::MediaLibraryLogin;
use cloudinary_connector::core::wire::MediaLibrarySigned;

use super::prelude::*;

/// Body of `POST /v1/sign/media-library`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MediaLibraryRequest {
    account: Option<String>,
    username: Option<String>,
    timestamp: Option<Value>,
}

pub(crate) async fn sign_media_library(
    State(s): State<Signer>,
    Authenticated { claims, body: req }: Authenticated<MediaLibraryRequest>,
) -> Result<Json<MediaLibrarySigned>, ApiError> {
    let (acct, role) = resolve(&s, &claims, req.account.as_deref())?;
    policy(acct, role).check_media_library(Subject {
        account: &acct.id,
        role,
        user: &claims.sub,
        folder_mode: acct.folder_mode,
    })?;
    let vouched = claims.ml_username.as_deref().unwrap_or(&claims.sub);
    let username = match req.username.as_deref() {
        None => vouched,
        Some(u) if u == vouched => vouched,
        Some(u) => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "policy_refused",
                format!(
                    "the token vouches for Media Library user {vouched:?}, not {:?}",
                    truncate(u, 128)
                ),
            )
            .with_rule("token.ml_username"))
        }
    };
    if username.is_empty()
        || username.contains(['&', '='])
        || username.chars().any(char::is_control)
    {
        return Err(ApiError::invalid(
            "the Media Library user name must be non-empty, without `&`, `=` or control characters",
        ));
    }
    let ts = match &req.timestamp {
        Some(v) => {
            let ts = parse_timestamp(v)?;
            check_timestamp(&s, ts)?;
            ts
        }
        None => s.now(),
    };
    let to_sign = sign::media_library_login_string_to_sign(&acct.cloud_name, ts, username);
    let signature = crypto::api_signature(&to_sign, &acct.api_secret, Algorithm::Sha256);
    s.issued("media_library", &acct.id);
    tracing::debug!(user = %claims.sub, account = %acct.id, "media library login signed");
    Ok(Json(MediaLibrarySigned {
        cloud_name: acct.cloud_name.clone(),
        api_key: acct.api_key.clone(),
        login: MediaLibraryLogin {
            username: username.to_owned(),
            timestamp: ts,
            signature,
        },
    }))
}
