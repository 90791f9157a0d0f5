//! `GET /v1/accounts` (the caller's accounts and permissions), and the admin endpoints
//! `GET /v1/accounts/{id}/check` and `GET /v1/accounts/{id}/sub-accounts`.

use super::prelude::*;

pub(crate) fn permissions(p: &RolePolicy, user: &str) -> Value {
    json!({
        "upload_params": p.upload_params.to_list(),
        "upload_presets": p.upload_presets.to_list(),
        "folder_prefix": p.effective_prefix(user),
        "delivery_types": p.delivery_types.to_list(),
        "delivery_prefixes": p.delivery_prefixes.clone().unwrap_or_else(|| vec!["*".into()]),
        "media_library": p.media_library,
    })
}

pub(crate) fn account_json(a: &Account, role: Option<Role>, user: &str) -> Value {
    json!({
        "id": a.id,
        "label": a.label,
        "cloud_name": a.cloud_name,
        "api_key": a.api_key,
        "products": a.products,
        "signature_algorithm": a.signature_algorithm.as_str(),
        "role": role,
        "permissions": role.map(|r| permissions(policy(a, r), user)),
    })
}

pub(crate) async fn list_accounts(
    State(s): State<Signer>,
    Caller(claims): Caller,
) -> Result<Json<Value>, ApiError> {
    let cfg = &s.0.cfg;
    let mut out = Vec::new();
    for a in cfg.accounts.iter().filter(|a| a.parent.is_none()) {
        let role = role_on(&claims, a);
        let subs: Vec<Value> = cfg
            .sub_accounts(&a.id)
            .filter_map(|sa| role_on(&claims, sa).map(|r| account_json(sa, Some(r), &claims.sub)))
            .collect();
        if role.is_none() && subs.is_empty() {
            continue;
        }
        let mut v = account_json(a, role, &claims.sub);
        v["sub_accounts"] = Value::Array(subs);
        out.push(v);
    }
    Ok(Json(
        json!({ "user": claims.sub, "expires_at": claims.exp, "accounts": out }),
    ))
}

pub(crate) async fn check_account(
    State(s): State<Signer>,
    Caller(claims): Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (acct, role) = resolve(&s, &claims, Some(&id))?;
    require_admin(acct, role, "checking credentials")?;
    s.0.outbound.check_credentials(acct).await?;
    tracing::info!(user = %claims.sub, account = %acct.id, "credentials checked");
    Ok(Json(json!({ "account": acct.id, "credentials": "valid" })))
}

pub(crate) async fn remote_sub_accounts(
    State(s): State<Signer>,
    Caller(claims): Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (acct, role) = resolve(&s, &claims, Some(&id))?;
    require_admin(acct, role, "listing sub-accounts")?;
    let prov = acct.provisioning.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_configured",
            format!(
                "account {:?} has no [accounts.provisioning] credentials to list sub-accounts with",
                acct.id
            ),
        )
        .with_rule(format!("accounts.{}.provisioning", acct.id))
    })?;
    let remote = s.0.outbound.list_sub_accounts(&acct.id, prov).await?;
    let list: Vec<Value> = remote
        .into_iter()
        .map(|r| {
            let configured = s.0.cfg.sub_accounts(&acct.id).find(|c| c.cloud_name == r.cloud_name).map(|c| c.id.clone());
            json!({"id": r.id, "name": r.name, "cloud_name": r.cloud_name, "enabled": r.enabled, "configured_as": configured})
        })
        .collect();
    Ok(Json(json!({ "account": acct.id, "sub_accounts": list })))
}
