//! The Upload API's request signature as this double computes it: written from Cloudinary's
//! documentation, NOT from the plugin's `core::sign` (which it checks), so that the two can
//! disagree and a test can fail.
//!
//! Source per rule (reference = shared/reference/cloudinary-reference.md §1):
//! * every POSTed parameter except `file`, `cloud_name`, `resource_type`, `api_key` (and the
//!   `signature` itself) is signed, plus `timestamp` (docs authentication_signatures, §1.1);
//! * sorted by name, joined as `name=value` with `&` (§1.1); byte order of the names (the
//!   server's order is unconfirmed; Cloudinary's parameter names are lower-case ASCII, where
//!   byte order and the npm SDK's `localeCompare` agree except around `_` and digits);
//! * an array parameter is signed comma-joined (`public_ids=cat,dog,lion`, docs signatures);
//!   in a multipart body an array arrives as repeated fields or `name[]` fields;
//! * empty values are not signed (the SDKs drop them before sending, §1.2; what the server does
//!   with an empty field it receives is unconfirmed: dropping it is what every SDK expects);
//! * an `&` inside a value is signed as `%26` (signature version 2, the SDKs' default: "prevents
//!   parameter smuggling", §1.2; whether the server also accepts v1 is unconfirmed — only v2 is
//!   accepted here);
//! * the secret is appended, SHA-1 (40 hex digits) or SHA-256 (64) (§1.1).

use std::collections::BTreeMap;

use sha1::Digest as _;

/// The parameters never signed.
pub const NOT_SIGNED: [&str; 5] = [
    "file",
    "cloud_name",
    "resource_type",
    "api_key",
    "signature",
];

/// The multipart fields as parameters: `name[]` and repeated names collect into one array.
pub fn collect_params(fields: Vec<(String, String)>) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in fields {
        let k = k.strip_suffix("[]").map(str::to_owned).unwrap_or(k);
        out.entry(k).or_default().push(v);
    }
    out
}

/// The string Cloudinary builds (and echoes in `Invalid Signature … String to sign - '…'`).
pub fn string_to_sign(params: &BTreeMap<String, Vec<String>>) -> String {
    let mut pairs = Vec::new();
    for (k, values) in params {
        if NOT_SIGNED.contains(&k.as_str()) {
            continue;
        }
        let value = values
            .iter()
            .filter(|v| !v.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(",");
        if value.is_empty() {
            continue;
        }
        pairs.push(format!("{k}={}", value.replace('&', "%26")));
    }
    pairs.join("&")
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The signature of `to_sign` with `secret`, in the digest `like` is written in (64 hex
/// digits: SHA-256, otherwise SHA-1).
pub fn sign(to_sign: &str, secret: &str, like: &str) -> String {
    let material = format!("{to_sign}{secret}");
    if like.len() == 64 {
        hex(&sha2::Sha256::digest(material.as_bytes()))
    } else {
        hex(&sha1::Sha1::digest(material.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(p: &[(&str, &str)]) -> BTreeMap<String, Vec<String>> {
        collect_params(
            p.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    /// The reference's vectors (§1.3), recomputed there with Python's hashlib.
    #[test]
    fn the_documented_vectors() {
        let v1 = params(&[
            ("public_id", "sample_image"),
            ("timestamp", "1315060510"),
            ("eager", "w_400,h_300,c_pad|w_260,h_200,c_crop"),
            ("file", "ignored"),
            ("api_key", "1234"),
        ]);
        let s = string_to_sign(&v1);
        assert_eq!(
            s,
            "eager=w_400,h_300,c_pad|w_260,h_200,c_crop&public_id=sample_image&timestamp=1315060510"
        );
        assert_eq!(
            sign(&s, "abcd", ""),
            "bfd09f95f331f558cbd1320e67aa8d488770583e"
        );
        assert_eq!(
            sign(&s, "abcd", &"0".repeat(64)),
            "cc927e1290f9e3ae4c1a741eda21a4630b4ce80f9ce0bc0296337d25cf40f91e"
        );
        // V6: `&` in a value is signed as %26 (v2); cloud_name is in the URL path, not signed.
        let v6 = params(&[
            ("timestamp", "1568810420"),
            (
                "notification_url",
                "https://fake.com/callback?a=1&tags=hello,world",
            ),
            ("cloud_name", "dn6ot3ged"),
        ]);
        assert_eq!(
            string_to_sign(&v6),
            "notification_url=https://fake.com/callback?a=1%26tags=hello,world&timestamp=1568810420"
        );
        // V10: an array signs like its comma-joined string, as repeated or `[]` fields.
        let joined = string_to_sign(&params(&[("p1", "v1,v2")]));
        assert_eq!(
            sign(&joined, "secret", ""),
            "9e06ad20c8a98319b00503edc4053be120017905"
        );
        assert_eq!(
            string_to_sign(&params(&[("p1[]", "v1"), ("p1[]", "v2")])),
            joined
        );
        assert_eq!(
            string_to_sign(&params(&[("p1", "v1"), ("p1", "v2")])),
            joined
        );
        // Empty values and the excluded parameters are not signed.
        assert_eq!(
            string_to_sign(&params(&[
                ("tags", ""),
                ("public_id", "a"),
                ("resource_type", "raw"),
                ("signature", "x"),
                ("timestamp", "1")
            ])),
            "public_id=a&timestamp=1"
        );
        // Booleans are signed as the text the widget posts (`unique_filename=true`).
        assert_eq!(
            string_to_sign(&params(&[
                ("unique_filename", "true"),
                ("source", "uw"),
                ("timestamp", "2")
            ])),
            "source=uw&timestamp=2&unique_filename=true"
        );
    }
}
