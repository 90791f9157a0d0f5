//! Strings to sign, computed identically in the browser and in the signer. Only the signer
//! appends a secret and hashes: nothing here ever sees a secret.
//!
//! Three kinds of Cloudinary signature are covered:
//!
//! * Upload API requests ([`api_string_to_sign`]), which the Upload widget, a chunked uploader
//!   and the Media Library login ([`media_library_login_string_to_sign`]) all use;
//! * delivery URLs ([`url_string_to_sign`]);
//! * notifications (webhooks) that Cloudinary sends ([`notification_payload_to_sign`]).

use alloc::{
    borrow::ToOwned,
    string::{String, ToString},
    vec::Vec,
};
use core::fmt;

/// How request parameters are serialised before hashing, as the official SDKs name it.
///
/// Version 2, the default of every official SDK, replaces each `&` inside a `name=value` pair
/// with `%26`, so that a value cannot smuggle in an extra parameter. Without an `&` in any value
/// both versions give the same string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum SignatureVersion {
    /// The original serialisation: pairs joined verbatim.
    V1,
    /// `&` inside a pair is written `%26` (the SDK default).
    #[default]
    V2,
}

impl SignatureVersion {
    /// The SDKs' numeric form (`1` or `2`).
    pub const fn number(self) -> u8 {
        match self {
            SignatureVersion::V1 => 1,
            SignatureVersion::V2 => 2,
        }
    }

    /// Parses the SDKs' numeric form; `None` for any other number.
    pub const fn from_number(n: u64) -> Option<Self> {
        match n {
            1 => Some(SignatureVersion::V1),
            2 => Some(SignatureVersion::V2),
            _ => None,
        }
    }
}

impl fmt::Display for SignatureVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}

/// One Upload API parameter value: a single text value or an array.
///
/// Numbers and booleans are signed in the exact text form that will be posted (the Upload widget
/// posts `unique_filename=true`, and a timestamp as its decimal digits), so callers convert them
/// to [`ParamValue::Text`] first.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ParamValue {
    /// A single value.
    Text(String),
    /// An array, signed comma-joined (`public_ids=cat,dog,lion`).
    List(Vec<String>),
}

impl ParamValue {
    /// The value as it is signed: arrays comma-joined.
    pub fn joined(&self) -> alloc::borrow::Cow<'_, str> {
        match self {
            ParamValue::Text(s) => alloc::borrow::Cow::Borrowed(s),
            ParamValue::List(v) => alloc::borrow::Cow::Owned(v.join(",")),
        }
    }
}

impl From<&str> for ParamValue {
    fn from(s: &str) -> Self {
        ParamValue::Text(s.to_owned())
    }
}

impl From<String> for ParamValue {
    fn from(s: String) -> Self {
        ParamValue::Text(s)
    }
}

impl From<Vec<String>> for ParamValue {
    fn from(v: Vec<String>) -> Self {
        ParamValue::List(v)
    }
}

/// Parameters that travel with an upload but are never part of its signature: the file
/// itself, the routing `resource_type` of the URL path, the public `api_key` and the signature.
///
/// `cloud_name` is not listed: Cloudinary's documentation leaves it out of upload signatures
/// (it is in the URL path, so clients do not send it), but the SDKs' `api_sign_request` signs it
/// when it is given, and so does the signer.
pub const UNSIGNED_UPLOAD_PARAMS: [&str; 4] = ["file", "resource_type", "api_key", "signature"];

/// The Upload API string to sign for `params`, before the secret is appended, with the rules
/// of the official SDKs' `api_sign_request`:
///
/// * empty values (and empty arrays) are dropped;
/// * arrays are comma-joined;
/// * pairs are sorted by parameter name in byte order (real parameter names are lower-case
///   ASCII with `_`; npm's `localeCompare` would differ only for names mixing `_` and digits);
/// * each pair is `name=value`, pairs are joined with `&`;
/// * with [`SignatureVersion::V2`] every `&` inside a pair is written `%26`.
///
/// Every parameter given is signed: dropping the [`UNSIGNED_UPLOAD_PARAMS`] is the caller's
/// choice.
///
/// ```
/// use cloudinary_connector::core::sign::{api_string_to_sign, ParamValue, SignatureVersion};
///
/// let params = [
///     ("timestamp", ParamValue::from("1315060510")),
///     ("public_id", ParamValue::from("sample_image")),
///     ("tags", ParamValue::List(vec!["a".into(), "b".into()])),
///     ("folder", ParamValue::from("")),
/// ];
/// assert_eq!(
///     api_string_to_sign(params.iter().map(|(k, v)| (*k, v)), SignatureVersion::V2),
///     "public_id=sample_image&tags=a,b&timestamp=1315060510"
/// );
/// ```
pub fn api_string_to_sign<'a, I>(params: I, version: SignatureVersion) -> String
where
    I: IntoIterator<Item = (&'a str, &'a ParamValue)>,
{
    let mut pairs: Vec<(&str, alloc::borrow::Cow<'_, str>)> = params
        .into_iter()
        .map(|(k, v)| (k, v.joined()))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut out = String::with_capacity(pairs.iter().map(|(k, v)| k.len() + v.len() + 2).sum());
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        match version {
            SignatureVersion::V1 => {
                out.push_str(k);
                out.push('=');
                out.push_str(v);
            }
            SignatureVersion::V2 => {
                push_escaped(&mut out, k);
                out.push('=');
                push_escaped(&mut out, v);
            }
        }
    }
    out
}

fn push_escaped(out: &mut String, s: &str) {
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(crate::core::url::encode::sub(rest, 0, i));
        out.push_str("%26");
        rest = crate::core::url::encode::sub(rest, i + 1, rest.len());
    }
    out.push_str(rest);
}

/// The string the Media Library widget's automatic login signature covers:
/// `cloud_name=<cloud>&timestamp=<unix seconds>&username=<user>`, hashed with SHA-256 after the
/// secret is appended. It is the Upload API string to sign of exactly those three parameters
/// (their sorted order is their literal order).
///
/// ```
/// use cloudinary_connector::core::sign::media_library_login_string_to_sign;
/// assert_eq!(
///     media_library_login_string_to_sign("dn6ot3ged", 1568810420, "user@cloudinary.com"),
///     "cloud_name=dn6ot3ged&timestamp=1568810420&username=user@cloudinary.com"
/// );
/// ```
pub fn media_library_login_string_to_sign(
    cloud_name: &str,
    timestamp: u64,
    username: &str,
) -> String {
    let ts = ParamValue::Text(timestamp.to_string());
    let cloud = ParamValue::Text(cloud_name.to_owned());
    let user = ParamValue::Text(username.to_owned());
    api_string_to_sign(
        [
            ("cloud_name", &cloud),
            ("timestamp", &ts),
            ("username", &user),
        ],
        SignatureVersion::V2,
    )
}

/// The bytes a Cloudinary notification (webhook) signature covers: the raw request body
/// followed by the `X-Cld-Timestamp` header value. The secret is appended by the verifier and
/// the result hashed (SHA-1 by default); the hex digest is sent as `X-Cld-Signature`.
///
/// ```
/// use cloudinary_connector::core::sign::notification_payload_to_sign;
/// assert_eq!(notification_payload_to_sign(b"{\"a\":1}", "1417727468"), b"{\"a\":1}1417727468");
/// ```
pub fn notification_payload_to_sign(body: &[u8], timestamp: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + timestamp.len());
    out.extend_from_slice(body);
    out.extend_from_slice(timestamp.as_bytes());
    out
}

/// The string a delivery-URL signature covers, as the official SDKs build it:
/// `transformation + "/" + public_id[.format]`, empty parts skipped. Neither the version nor a
/// `url_suffix` is part of it, and the public id is signed in its decoded form.
///
/// ```
/// use cloudinary_connector::core::sign::url_string_to_sign;
/// assert_eq!(url_string_to_sign("c_crop,h_20,w_10", "image.jpg"), "c_crop,h_20,w_10/image.jpg");
/// assert_eq!(url_string_to_sign("", "image.jpg"), "image.jpg");
/// ```
pub fn url_string_to_sign(transformation: &str, public_id_with_format: &str) -> String {
    match (transformation.is_empty(), public_id_with_format.is_empty()) {
        (true, _) => public_id_with_format.to_owned(),
        (false, true) => transformation.to_owned(),
        // `concat` rather than `format!`: no `core::fmt` call in the URL-only wasm.
        (false, false) => [transformation, "/", public_id_with_format].concat(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> ParamValue {
        ParamValue::Text(s.to_owned())
    }

    #[track_caller]
    fn sts(params: &[(&str, ParamValue)], v: SignatureVersion) -> String {
        api_string_to_sign(params.iter().map(|(k, v)| (*k, v)), v)
    }

    #[test]
    fn sorts_by_name_and_drops_empty_values() {
        let p = [
            ("timestamp", text("1315060510")),
            ("eager", text("w_400,h_300,c_pad|w_260,h_200,c_crop")),
            ("public_id", text("sample_image")),
            ("folder", text("")),
            ("tags", ParamValue::List(vec![])),
        ];
        assert_eq!(
            sts(&p, SignatureVersion::V2),
            "eager=w_400,h_300,c_pad|w_260,h_200,c_crop&public_id=sample_image&timestamp=1315060510"
        );
    }

    #[test]
    fn arrays_sign_like_comma_joined_text() {
        let list = [("p1", ParamValue::List(vec!["v1".into(), "v2".into()]))];
        let joined = [("p1", text("v1,v2"))];
        assert_eq!(sts(&list, SignatureVersion::V2), "p1=v1,v2");
        assert_eq!(
            sts(&list, SignatureVersion::V2),
            sts(&joined, SignatureVersion::V2)
        );
    }

    #[test]
    fn version_2_escapes_ampersands_inside_values() {
        let p = [
            ("cloud_name", text("dn6ot3ged")),
            ("timestamp", text("1568810420")),
            (
                "notification_url",
                text("https://fake.com/callback?a=1&tags=hello,world"),
            ),
        ];
        assert_eq!(
            sts(&p, SignatureVersion::V2),
            "cloud_name=dn6ot3ged&notification_url=https://fake.com/callback?a=1%26tags=hello,world&timestamp=1568810420"
        );
        assert_eq!(
            sts(&p, SignatureVersion::V1),
            "cloud_name=dn6ot3ged&notification_url=https://fake.com/callback?a=1&tags=hello,world&timestamp=1568810420"
        );
    }

    #[test]
    fn byte_order_not_locale_order() {
        let p = [
            ("a_", text("3")),
            ("B", text("4")),
            ("a1", text("2")),
            ("a", text("1")),
        ];
        assert_eq!(sts(&p, SignatureVersion::V2), "B=4&a=1&a1=2&a_=3");
    }

    #[test]
    fn no_ampersand_means_both_versions_agree() {
        let p = [
            ("public_id", text("folder/file")),
            ("version", text("1234")),
        ];
        assert_eq!(sts(&p, SignatureVersion::V1), sts(&p, SignatureVersion::V2));
        assert_eq!(
            sts(&p, SignatureVersion::V1),
            "public_id=folder/file&version=1234"
        );
    }

    #[test]
    fn media_library_login_is_the_three_sorted_params() {
        assert_eq!(
            media_library_login_string_to_sign("c", 5, "a&b"),
            "cloud_name=c&timestamp=5&username=a%26b"
        );
    }

    #[test]
    fn signature_version_numbers_round_trip() {
        for v in [SignatureVersion::V1, SignatureVersion::V2] {
            assert_eq!(
                SignatureVersion::from_number(u64::from(v.number())),
                Some(v)
            );
        }
        assert_eq!(SignatureVersion::from_number(3), None);
        assert_eq!(SignatureVersion::default().to_string(), "2");
    }

    #[test]
    fn url_string_skips_empty_parts() {
        assert_eq!(url_string_to_sign("c_fill", ""), "c_fill");
        assert_eq!(url_string_to_sign("", ""), "");
    }
}
