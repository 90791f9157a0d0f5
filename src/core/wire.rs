//! The wire contract between the plugin and its signer (`cld-signer`): the paths, the delivery
//! signing item, its answers, and the error body every refusal carries. One set of types: the
//! signer serialises them with serde, the plugin's signer client reads them with
//! [`crate::core::json`] (no `serde_json` in the wasm build), so neither side re-derives the
//! other's format, and the plugin never parses an item index back out of a message.
//!
//! Errors: `{"error": {"code", "message", "rule"?, "item"?}}`: `code` stable and
//! machine-readable, `message` a sentence for a person, `rule` the configuration rule that
//! refused (policy refusals), `item` the index of the refused item of a batch.

use alloc::{borrow::ToOwned, string::String, vec::Vec};
#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

use crate::core::json::{de, Value};
use crate::core::url::{SignRequest, SignatureAlgorithm};
use crate::core::widgets::MediaLibraryLogin;

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

/// The answer of `POST /v1/sign/upload`: the signature of exactly the parameters sent (with the
/// timestamp the signer set when they had none), and the account's public `api_key` and
/// `cloud_name`: all a direct Upload API request needs.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct UploadSigned {
    /// Hex digest (SHA-1 or SHA-256).
    pub signature: String,
    /// The signed timestamp (unix seconds).
    pub timestamp: u64,
    /// The account's public API key.
    pub api_key: String,
    /// The account's cloud name.
    pub cloud_name: String,
    /// The digest used (always sent by this project's signer).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub algorithm: Option<SignatureAlgorithm>,
    /// The signature version (2: values with `&` escaped; always sent by this project's signer).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub signature_version: Option<u8>,
}

impl UploadSigned {
    /// Reads and checks the answer: `signature` (a hex digest), `timestamp`, `api_key` and
    /// `cloud_name` required; `algorithm` and `signature_version` read when present (another
    /// signing endpoint may leave them out); other keys ignored.
    pub fn from_json(v: &Value) -> Result<Self, String> {
        let o = de::object(v, "UploadSignature")?;
        let api_key = de::field(o, "api_key", de::str_value)?;
        let cloud_name = de::field(o, "cloud_name", de::str_value)?;
        let signature = de::field(o, "signature", de::str_value)?;
        let timestamp = de::field(o, "timestamp", de::u64_value)?;
        let algorithm = match de::opt_string(o, "algorithm")? {
            None => None,
            Some(name) => Some(
                SignatureAlgorithm::parse(&name)
                    .ok_or("algorithm is neither \"sha1\" nor \"sha256\"")?,
            ),
        };
        let signature_version = match de::opt_u64(o, "signature_version")? {
            None => None,
            Some(n @ (1 | 2)) => Some(n as u8),
            Some(_) => return Err("signature_version is not 1 or 2".into()),
        };
        let a = UploadSigned {
            signature: de::required(signature, "signature")?,
            timestamp: de::required(timestamp, "timestamp")?,
            api_key: de::required(api_key, "api_key")?,
            cloud_name: de::required(cloud_name, "cloud_name")?,
            algorithm,
            signature_version,
        };
        check_hex_signature(&a.signature)?;
        Ok(a)
    }
}

/// The answer of `POST /v1/sign/media-library`: the Media Library auto-login (what the plugin
/// reads: [`MediaLibrarySigned::login_from_json`]) and the account's cloud name and public API key.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct MediaLibrarySigned {
    /// The account's cloud name (signed into the login).
    pub cloud_name: String,
    /// The account's public API key.
    pub api_key: String,
    /// `username`, `timestamp`, `signature`.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub login: MediaLibraryLogin,
}

impl MediaLibrarySigned {
    /// Reads and checks the login of the answer: `username`, `timestamp` (a whole number of
    /// seconds, or its decimal digits as a string) and `signature` (a hex digest) required; other
    /// keys ignored.
    pub fn login_from_json(v: &Value) -> Result<MediaLibraryLogin, String> {
        let o = de::object(v, "LoginAnswer")?;
        let signature = de::field(o, "signature", de::str_value)?;
        let ts = o.get("timestamp");
        let username = de::field(o, "username", de::str_value)?;
        let username = de::required(username, "username")?;
        let ts = de::required(ts, "timestamp")?;
        let signature = de::required(signature, "signature")?;
        check_hex_signature(&signature)?;
        let timestamp = match ts {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
        .ok_or("timestamp is not a whole number of seconds")?;
        Ok(MediaLibraryLogin {
            username,
            timestamp,
            signature,
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
    fn upload_and_login_answers_are_read_and_checked() {
        let hex = "a1".repeat(20);
        let v = json::from_str(&format!(
            r#"{{"signature":"{hex}","timestamp":1700000000,"api_key":"123","cloud_name":"demo","algorithm":"sha256","signature_version":2,"extra":1}}"#
        ))
        .unwrap();
        assert_eq!(
            UploadSigned::from_json(&v).unwrap(),
            UploadSigned {
                signature: hex.clone(),
                timestamp: 1_700_000_000,
                api_key: "123".into(),
                cloud_name: "demo".into(),
                algorithm: Some(SignatureAlgorithm::Sha256),
                signature_version: Some(2),
            }
        );
        let upload = |body: &str| UploadSigned::from_json(&json::from_str(body).unwrap());
        let minimal =
            format!(r#"{{"signature":"{hex}","timestamp":1,"api_key":"k","cloud_name":"c"}}"#);
        let a = upload(&minimal).unwrap();
        assert_eq!((a.algorithm, a.signature_version), (None, None));
        assert_eq!(
            upload(&format!(
                r#"{{"signature":"{hex}","timestamp":1,"cloud_name":"c"}}"#
            ))
            .unwrap_err(),
            "missing field `api_key`"
        );
        assert_eq!(
            upload(r#"{"signature":"xyz","timestamp":1,"api_key":"k","cloud_name":"c"}"#)
                .unwrap_err(),
            "signature is not a SHA-1 or SHA-256 hex digest"
        );
        assert_eq!(
            upload(&minimal.replace('}', r#","algorithm":"md5"}"#)).unwrap_err(),
            r#"algorithm is neither "sha1" nor "sha256""#
        );
        assert_eq!(
            upload(&minimal.replace('}', r#","signature_version":3}"#)).unwrap_err(),
            "signature_version is not 1 or 2"
        );

        let login =
            |body: &str| MediaLibrarySigned::login_from_json(&json::from_str(body).unwrap());
        let l = login(&format!(
            r#"{{"cloud_name":"demo","api_key":"123","username":"ann@example.com","timestamp":"1700000000","signature":"{hex}"}}"#
        ))
        .unwrap();
        assert_eq!(
            (l.username.as_str(), l.timestamp, l.signature.as_str()),
            ("ann@example.com", 1_700_000_000, hex.as_str())
        );
        assert_eq!(
            login(&format!(
                r#"{{"username":"u","timestamp":1.5,"signature":"{hex}"}}"#
            ))
            .unwrap_err(),
            "timestamp is not a whole number of seconds"
        );
        assert_eq!(
            login(&format!(r#"{{"timestamp":1,"signature":"{hex}"}}"#)).unwrap_err(),
            "missing field `username`"
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
        // A single answer (`SignerClient::sign_delivery`) is read by the same reader.
        for answer in [
            "[]",
            r#"{"signature":7}"#,
            r#"{"url_component":"s--abcdefgh--"}"#,
        ] {
            assert_eq!(
                DeliverySignature::from_json(&json::from_str(answer).unwrap(), None).unwrap_err(),
                "the answer has no `signature` string",
                "{answer}"
            );
        }
    }
}
