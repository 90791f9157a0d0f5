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
use crate::core::url::{SignRequest, SignatureAlgorithm};

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

    /// This refusal of item N of a request whose first item is item `offset` of a larger batch
    /// (the plugin sends its batches in requests of at most 50): `item` becomes `offset + N`, and
    /// the `items[N]` prefix of its message, and of `shown` (the message as displayed, see
    /// [`ErrorBody::display`]), `items[offset + N]`. A refusal without an item is unchanged.
    pub fn offset_item(&mut self, offset: usize, shown: &mut String) {
        let Some(n) = self.item else {
            return;
        };
        let whole = n + offset;
        self.item = Some(whole);
        let prefix = format!("items[{n}]");
        for m in [&mut self.message, shown] {
            if let Some(rest) = m.strip_prefix(&prefix) {
                *m = format!("items[{whole}]{rest}");
            }
        }
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
    pub algorithm: Option<SignatureAlgorithm>,
}

/// A batch refusal's message: `items[index]: message`.
pub fn item_message(index: usize, message: &str) -> String {
    format!("items[{index}]: {message}")
}

/// A delivery item's `resource_type` when it names none (serde's default).
#[cfg(feature = "serde")]
pub fn default_image() -> String {
    "image".into()
}

/// A delivery item's `type` when it names none (serde's default).
#[cfg(feature = "serde")]
pub fn default_upload() -> String {
    "upload".into()
}

impl DeliveryItem {
    /// The parts of `request` the signer checks and signs. Unless the URL's options chose an
    /// algorithm, the item names none and the signer applies the account's own.
    pub fn of(request: &SignRequest) -> DeliveryItem {
        DeliveryItem {
            resource_type: request.resource_type.clone(),
            delivery_type: request.delivery_type.clone(),
            transformation: request.transformation.clone(),
            public_id: request.public_id.clone(),
            long_signature: request.length == 32,
            algorithm: request.algorithm_requested.then_some(request.algorithm),
        }
    }

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
        if let Some(a) = self.algorithm {
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

/// Checks a delivery signature: `length` URL-safe base64 characters (`index`: its place in a
/// batch, named in the message).
pub fn check_delivery_signature(
    signature: &str,
    length: usize,
    index: Option<usize>,
) -> Result<(), String> {
    let ok = signature.len() == length
        && signature
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        return Ok(());
    }
    Err(match index {
        None => format!("the delivery signature is not {length} URL-safe base64 characters"),
        Some(i) => format!(
            "results[{i}]: the delivery signature is not {length} URL-safe base64 characters"
        ),
    })
}

/// Checks an upload or Media Library login signature: a SHA-1 or SHA-256 hex digest.
pub fn check_hex_signature(signature: &str) -> Result<(), String> {
    if (signature.len() == 40 || signature.len() == 64)
        && signature.bytes().all(|b| b.is_ascii_hexdigit())
    {
        Ok(())
    } else {
        Err("signature is not a SHA-1 or SHA-256 hex digest".into())
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
    fn batch_refusals_are_renumbered_over_the_whole_batch() {
        let body = |item| ErrorBody {
            code: "policy_refused".into(),
            message: item_message(7, "role uploader may not sign"),
            rule: Some("accounts.demo.policy.uploader.delivery_types".into()),
            item,
        };
        // Item 7 of the second request of 50 is item 57 of the caller's batch.
        let mut e = body(Some(7));
        let mut shown = e.display();
        e.offset_item(50, &mut shown);
        assert_eq!(e.item, Some(57));
        assert_eq!(e.message, "items[57]: role uploader may not sign");
        assert_eq!(
            shown,
            "items[57]: role uploader may not sign [rule: accounts.demo.policy.uploader.delivery_types]"
        );
        // A message that does not name its item keeps its words; the item is still renumbered.
        let mut e = ErrorBody {
            message: "rate limited".into(),
            ..body(Some(2))
        };
        let mut shown = e.display();
        e.offset_item(100, &mut shown);
        assert_eq!((e.item, e.message.as_str()), (Some(102), "rate limited"));
        assert_eq!(
            shown,
            "rate limited [rule: accounts.demo.policy.uploader.delivery_types]"
        );
        // Without an item nothing changes.
        let mut e = body(None);
        let mut shown = e.display();
        e.offset_item(50, &mut shown);
        assert_eq!(e, body(None));
        assert!(shown.starts_with("items[7]: "), "{shown}");
    }

    #[test]
    fn answer_signatures_are_checked() {
        assert_eq!(check_delivery_signature("abc-_XY9", 8, None), Ok(()));
        assert_eq!(
            check_delivery_signature("abc+/XY9", 8, None).unwrap_err(),
            "the delivery signature is not 8 URL-safe base64 characters"
        );
        assert_eq!(
            check_delivery_signature("abcdefgh", 32, Some(3)).unwrap_err(),
            "results[3]: the delivery signature is not 32 URL-safe base64 characters"
        );
        assert_eq!(check_hex_signature(&"a1".repeat(20)), Ok(()));
        assert_eq!(check_hex_signature(&"F0".repeat(32)), Ok(()));
        for bad in ["", "abc", &"g1".repeat(20), &"a".repeat(41)] {
            assert_eq!(
                check_hex_signature(bad).unwrap_err(),
                "signature is not a SHA-1 or SHA-256 hex digest",
                "{bad}"
            );
        }
    }

    #[test]
    fn delivery_items_name_an_algorithm_only_when_the_url_chose_one() {
        let mut request = SignRequest {
            to_sign: "w_100/a.jpg".into(),
            algorithm: SignatureAlgorithm::Sha1,
            length: 8,
            resource_type: "image".into(),
            delivery_type: "authenticated".into(),
            transformation: "w_100".into(),
            public_id: "a.jpg".into(),
            algorithm_requested: false,
        };
        assert_eq!(
            json::to_string(&DeliveryItem::of(&request).to_json()),
            r#"{"long_signature":false,"public_id":"a.jpg","resource_type":"image","transformation":"w_100","type":"authenticated"}"#
        );
        request.algorithm = SignatureAlgorithm::Sha256;
        request.length = 32;
        request.algorithm_requested = true;
        let item = DeliveryItem::of(&request);
        assert_eq!(
            (item.long_signature, item.algorithm),
            (true, Some(SignatureAlgorithm::Sha256))
        );
        assert_eq!(
            json::to_string(&item.to_json()),
            r#"{"algorithm":"sha256","long_signature":true,"public_id":"a.jpg","resource_type":"image","transformation":"w_100","type":"authenticated"}"#
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
