//! The wire contract between the plugin and its signer (`cld-signer`): the paths, the delivery
//! signing item, its answers, and the error body every refusal carries. One set of types: the
//! signer serialises them with serde, the plugin's signer client reads them with
//! [`crate::core::json`] (no `serde_json` in the wasm build), so neither side re-derives the
//! other's format, and the plugin never parses an item index back out of a message.
//!
//! Errors: `{"error": {"code", "message", "rule"?, "item"?}}`: `code` stable and
//! machine-readable, `message` a sentence for a person, `rule` the configuration rule that
//! refused (policy refusals), `item` the index of the refused item of a batch.

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

use crate::core::json::{de, Value};

/// `POST` path: one upload signature.
pub const SIGN_UPLOAD_PATH: &str = "/v1/sign/upload";
/// `POST` path: one delivery-URL signature.
pub const SIGN_DELIVERY_PATH: &str = "/v1/sign/delivery";
/// `POST` path: many delivery-URL signatures, all or none.
pub const SIGN_DELIVERY_BATCH_PATH: &str = "/v1/sign/delivery/batch";
/// `POST` path: the Media Library login signature.
pub const SIGN_MEDIA_LIBRARY_PATH: &str = "/v1/sign/media-library";

/// The body of every refusal: `{"error": ErrorBody}`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct ErrorBody {
    /// Stable machine-readable code (`policy_refused`, `rate_limited`, `token_expired`, ...).
    pub code: String,
    /// What went wrong, for a person.
    pub message: String,
    /// The configuration rule that refused (policy refusals).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub rule: Option<String>,
    /// The index of the refused item in a batch request.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub item: Option<usize>,
}

/// `{"error": ErrorBody}`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct ErrorEnvelope {
    /// The error.
    pub error: ErrorBody,
}

impl ErrorBody {
    /// Reads a refusal body (`{"error": {...}}`). A bare-string `error` (a proxy's or an older
    /// signer's) is read as its message with the code `"unknown"`.
    pub fn from_json(v: &Value) -> Result<ErrorBody, String> {
        let o = de::object(v, "ErrorEnvelope")?;
        let e = o.get("error").ok_or_else(|| de::missing_field("error"))?;
        if let Some(s) = e.as_str() {
            return Ok(ErrorBody {
                code: "unknown".into(),
                message: s.to_owned(),
                rule: None,
                item: None,
            });
        }
        let e = de::object(e, "ErrorBody")?;
        Ok(ErrorBody {
            code: de::opt_string(e, "code")?.unwrap_or_else(|| "unknown".into()),
            message: de::string(e, "message")?,
            rule: de::opt_string(e, "rule")?,
            item: de::opt_u64(e, "item")?.and_then(|n| usize::try_from(n).ok()),
        })
    }

    /// `message [rule: …]`: how the plugin shows a refusal.
    pub fn display(&self) -> String {
        match &self.rule {
            Some(rule) => format!("{} [rule: {rule}]", self.message),
            None => self.message.clone(),
        }
    }
}

/// One delivery URL to sign: the body of `POST /v1/sign/delivery` without `account`, and one item
/// of `POST /v1/sign/delivery/batch`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct DeliveryItem {
    /// `image`, `video` or `raw`.
    #[cfg_attr(feature = "serde", serde(default = "default_image"))]
    pub resource_type: String,
    /// The delivery type (`upload`, `authenticated`, ...).
    #[cfg_attr(feature = "serde", serde(default = "default_upload", rename = "type"))]
    pub delivery_type: String,
    /// The transformation the signature covers.
    #[cfg_attr(feature = "serde", serde(default))]
    pub transformation: String,
    /// The public id (with its format, as signed).
    pub public_id: String,
    /// A 32-character SHA-256 signature instead of the 8-character default.
    #[cfg_attr(feature = "serde", serde(default))]
    pub long_signature: bool,
    /// `sha1` or `sha256`; absent: the account's algorithm.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub algorithm: Option<String>,
}

#[cfg(feature = "serde")]
fn default_image() -> String {
    "image".into()
}

#[cfg(feature = "serde")]
fn default_upload() -> String {
    "upload".into()
}

impl DeliveryItem {
    /// The item as the plugin sends it.
    pub fn to_json(&self) -> Value {
        let mut o = crate::core::json::Map::new();
        o.insert(
            "resource_type".into(),
            Value::from(self.resource_type.as_str()),
        );
        o.set("type", Value::from(self.delivery_type.as_str()));
        o.insert(
            "transformation".into(),
            Value::from(self.transformation.as_str()),
        );
        o.set("public_id", Value::from(self.public_id.as_str()));
        o.set("long_signature", Value::Bool(self.long_signature));
        if let Some(a) = &self.algorithm {
            o.set("algorithm", Value::from(a.as_str()));
        }
        Value::Object(o)
    }
}

/// One delivery signature: the answer of `POST /v1/sign/delivery`, one result of a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct DeliverySignature {
    /// The URL-safe base64 signature (8 or 32 characters).
    pub signature: String,
    /// `s--<signature>--`, the URL component.
    pub url_component: String,
    /// The digest used.
    pub algorithm: String,
}

impl DeliverySignature {
    /// Reads one signature; `index` names it in a batch's messages.
    pub fn from_json(v: &Value, index: Option<usize>) -> Result<Self, String> {
        let place = |what: &str| match index {
            Some(i) => format!("results[{i}] has no `{what}` string"),
            None => format!("the answer has no `{what}` string"),
        };
        let o = v.as_object().ok_or_else(|| place("signature"))?;
        let text = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_owned);
        Ok(DeliverySignature {
            signature: text("signature").ok_or_else(|| place("signature"))?,
            url_component: text("url_component").unwrap_or_default(),
            algorithm: text("algorithm").unwrap_or_default(),
        })
    }
}

/// The answer of `POST /v1/sign/delivery/batch`: one signature per item, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct DeliveryBatchSigned {
    /// The signatures.
    pub results: Vec<DeliverySignature>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json;

    #[test]
    fn error_bodies_read_with_their_rule_and_item() {
        let v = json::from_str(
            r#"{"error":{"code":"policy_refused","message":"items[3]: no","rule":"accounts.a.policy.viewer.delivery_types","item":3}}"#,
        )
        .unwrap();
        let e = ErrorBody::from_json(&v).unwrap();
        assert_eq!(e.code, "policy_refused");
        assert_eq!(e.item, Some(3));
        assert_eq!(
            e.display(),
            "items[3]: no [rule: accounts.a.policy.viewer.delivery_types]"
        );
        let bare =
            ErrorBody::from_json(&json::from_str(r#"{"error":"Bad Gateway"}"#).unwrap()).unwrap();
        assert_eq!(
            (bare.code.as_str(), bare.message.as_str()),
            ("unknown", "Bad Gateway")
        );
        assert_eq!(
            ErrorBody::from_json(&json::from_str(r#"{"error":{"code":"x"}}"#).unwrap())
                .unwrap_err(),
            "missing field `message`"
        );
    }

    #[test]
    fn delivery_items_and_signatures() {
        let item = DeliveryItem {
            resource_type: "image".into(),
            delivery_type: "authenticated".into(),
            transformation: "w_100".into(),
            public_id: "a.jpg".into(),
            long_signature: false,
            algorithm: None,
        };
        assert_eq!(
            json::to_string(&item.to_json()),
            r#"{"long_signature":false,"public_id":"a.jpg","resource_type":"image","transformation":"w_100","type":"authenticated"}"#
        );
        let v = json::from_str(
            r#"{"signature":"abcdefgh","url_component":"s--abcdefgh--","algorithm":"sha1"}"#,
        )
        .unwrap();
        assert_eq!(
            DeliverySignature::from_json(&v, None).unwrap().signature,
            "abcdefgh"
        );
        assert_eq!(
            DeliverySignature::from_json(&json::from_str("{}").unwrap(), Some(4)).unwrap_err(),
            "results[4] has no `signature` string"
        );
    }
}
