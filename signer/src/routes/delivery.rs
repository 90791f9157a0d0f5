//! `POST /v1/sign/delivery` and `POST /v1/sign/delivery/batch`: delivery-URL signatures.

use cloudinary_connector::core::url::transformation::lex;
use cloudinary_connector::core::wire::{
    self, DeliveryBatchSigned, DeliveryItem, DeliverySignature,
};

use super::prelude::*;

/// Body of `POST /v1/sign/delivery`: the wire contract's [`DeliveryItem`] and the `account`
/// (serde cannot combine `flatten` with `deny_unknown_fields`, so the item's fields are listed
/// here too).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeliveryRequest {
    account: Option<String>,
    #[serde(default = "wire::default_image")]
    resource_type: String,
    #[serde(default = "wire::default_upload", rename = "type")]
    delivery_type: String,
    #[serde(default)]
    transformation: String,
    public_id: String,
    #[serde(default)]
    long_signature: bool,
    algorithm: Option<Algorithm>,
}

impl DeliveryRequest {
    fn into_parts(self) -> (Option<String>, DeliveryItem) {
        let item = DeliveryItem {
            resource_type: self.resource_type,
            delivery_type: self.delivery_type,
            transformation: self.transformation,
            public_id: self.public_id,
            long_signature: self.long_signature,
            algorithm: self.algorithm,
        };
        (self.account, item)
    }
}

/// Checks one delivery item's values and the caller's policy on it: everything short of
/// signing, so that a batch can be refused whole before a single signature is issued.
pub(crate) fn check_delivery_item(
    acct: &Account,
    role: Role,
    claims: &Claims,
    req: &DeliveryItem,
) -> Result<(), ApiError> {
    if !matches!(req.resource_type.as_str(), "image" | "video" | "raw") {
        return Err(ApiError::invalid(format!(
            "resource_type {:?} is not one of \"image\", \"video\", \"raw\"",
            truncate(&req.resource_type, 32)
        )));
    }
    if req.delivery_type.is_empty()
        || !req
            .delivery_type
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'_')
    {
        return Err(ApiError::invalid(format!(
            "type {:?} is not a delivery type",
            truncate(&req.delivery_type, 32)
        )));
    }
    if req.public_id.is_empty()
        || req.public_id.len() > 2048
        || req.public_id.chars().any(char::is_control)
    {
        return Err(ApiError::invalid(
            "public_id must be 1 to 2048 characters without control characters",
        ));
    }
    if req.transformation.len() > 2048
        || req
            .transformation
            .chars()
            // A plain space is signed as is (a text layer's font, `l_text:Open Sans_20:hi`: the
            // SDKs sign the transformation before the URL gets `%20`); other whitespace is not.
            .any(|c| c.is_control() || (c.is_whitespace() && c != ' '))
    {
        return Err(ApiError::invalid(
            "transformation must be at most 2048 characters without control characters or whitespace other than spaces",
        ));
    }
    // A space only inside a qualifier's value (after its `key_`): never before or in a key, where
    // it could hide a layer (` l_secret:doc`) from the policy's checks if Cloudinary trims it.
    if let Some(q) = lex(&req.transformation).map(|l| l.token).find(|q| {
        q.find(' ')
            .is_some_and(|sp| q.find('_').is_none_or(|us| sp < us))
    }) {
        return Err(ApiError::invalid(format!(
            "transformation: {:?} has a space outside its value (a space may only follow a qualifier's key_)",
            truncate(q, 64)
        )));
    }
    policy(acct, role).check_delivery(
        Subject {
            account: &acct.id,
            role,
            user: &claims.sub,
            folder_mode: acct.folder_mode,
        },
        &req.delivery_type,
        &req.transformation,
        &req.public_id,
    )?;
    Ok(())
}

/// Signs one checked delivery item: `{"signature", "url_component", "algorithm"}`.
pub(crate) fn sign_delivery_item(
    s: &Signer,
    acct: &Account,
    claims: &Claims,
    req: &DeliveryItem,
) -> DeliverySignature {
    let to_sign = sign::url_string_to_sign(&req.transformation, &req.public_id);
    let alg = req.algorithm.unwrap_or(acct.signature_algorithm);
    let sig = crypto::url_signature(&to_sign, &acct.api_secret, alg, req.long_signature);
    s.issued("delivery", &acct.id);
    tracing::debug!(user = %claims.sub, account = %acct.id, r#type = %req.delivery_type, "delivery URL signed");
    DeliverySignature {
        url_component: format!("s--{sig}--"),
        signature: sig,
        algorithm: if req.long_signature {
            "sha256"
        } else {
            alg.as_str()
        }
        .to_owned(),
    }
}

pub(crate) async fn sign_delivery(
    State(s): State<Signer>,
    Authenticated { claims, body: req }: Authenticated<DeliveryRequest>,
) -> Result<Json<DeliverySignature>, ApiError> {
    let (account, item) = req.into_parts();
    let (acct, role) = resolve(&s, &claims, account.as_deref())?;
    check_delivery_item(acct, role, &claims, &item)?;
    Ok(Json(sign_delivery_item(&s, acct, &claims, &item)))
}

/// Body of `POST /v1/sign/delivery/batch`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeliveryBatchRequest {
    account: Option<String>,
    items: BoundedItems,
}

/// `items` of a batch: at most [`config::MAX_MAX_BATCH`] + 1 items are kept; the rest are only
/// counted (skipped without allocating), so a body of tiny items cannot allocate without bound.
/// An item that does not parse is named by its index.
pub(crate) struct BoundedItems {
    kept: Vec<DeliveryItem>,
    total: usize,
}

impl<'de> Deserialize<'de> for BoundedItems {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = BoundedItems;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of delivery URLs to sign")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<BoundedItems, A::Error> {
                let mut kept = Vec::new();
                let mut total = 0usize;
                loop {
                    if total <= config::MAX_MAX_BATCH {
                        match seq.next_element::<DeliveryItem>() {
                            Ok(Some(item)) => kept.push(item),
                            Ok(None) => break,
                            Err(e) => {
                                return Err(serde::de::Error::custom(format!(
                                    "items[{total}]: {e}"
                                )))
                            }
                        }
                    } else if seq.next_element::<serde::de::IgnoredAny>()?.is_none() {
                        break;
                    }
                    total += 1;
                }
                Ok(BoundedItems { kept, total })
            }
        }
        d.deserialize_seq(V)
    }
}

/// Signs up to `server.max_batch` delivery URLs in one request (one rate-limit token), all or
/// none: every item is checked before the first is signed, and the first refused item's error
/// is answered with its index (`items[N]: ...`).
pub(crate) async fn sign_delivery_batch(
    State(s): State<Signer>,
    Caller(claims): Caller,
    req: Request,
) -> Result<Json<DeliveryBatchSigned>, ApiError> {
    let (parts, body) = req.into_parts();
    let srv = &s.0.cfg.server;
    let limit = srv.max_body_bytes.saturating_mul(srv.max_batch);
    let req: DeliveryBatchRequest =
        json_body(&parts.headers, body, limit)
            .await
            .map_err(|mut e| {
                if e.code == "body_too_large" {
                    e.message = format!(
                        "the batch body is larger than {limit} bytes (server.max_body_bytes × server.max_batch)"
                    );
                }
                e
            })?;
    let total = req.items.total;
    let items = req.items.kept;
    if total == 0 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty_batch",
            "`items` is empty: send at least one delivery URL to sign",
        ));
    }
    let max = srv.max_batch;
    if total > max {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_items",
            format!("`items` has {total} delivery URLs; at most {max} are signed in one request"),
        )
        .with_rule("server.max_batch"));
    }
    let (acct, role) = resolve(&s, &claims, req.account.as_deref())?;
    for (i, item) in items.iter().enumerate() {
        check_delivery_item(acct, role, &claims, item).map_err(|mut e| {
            e.message = wire::item_message(i, &e.message);
            e.item = Some(i);
            e
        })?;
    }
    let results: Vec<DeliverySignature> = items
        .iter()
        .map(|item| sign_delivery_item(&s, acct, &claims, item))
        .collect();
    Ok(Json(DeliveryBatchSigned { results }))
}
