//! The only place a secret meets a digest. The strings to sign come from
//! `cloudinary_connector::core::sign`, so the browser and the signer agree by construction.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::{Digest, Sha1};
use sha2::Sha256;

use crate::config::{Algorithm, Secret};

fn digest(alg: Algorithm, parts: &[&[u8]]) -> Vec<u8> {
    match alg {
        Algorithm::Sha1 => {
            let mut h = Sha1::new();
            for p in parts {
                h.update(p);
            }
            h.finalize().to_vec()
        }
        Algorithm::Sha256 => {
            let mut h = Sha256::new();
            for p in parts {
                h.update(p);
            }
            h.finalize().to_vec()
        }
    }
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// An Upload API (or Media Library login) signature: `hex(digest(string_to_sign + secret))`.
pub fn api_signature(string_to_sign: &str, secret: &Secret, alg: Algorithm) -> String {
    hex(&digest(
        alg,
        &[string_to_sign.as_bytes(), secret.expose().as_bytes()],
    ))
}

/// A delivery-URL signature: URL-safe base64 of `digest(to_sign + secret)`, cut to 8
/// characters, or SHA-256 cut to 32 for long signatures.
pub fn url_signature(to_sign: &str, secret: &Secret, alg: Algorithm, long: bool) -> String {
    let (alg, len) = if long {
        (Algorithm::Sha256, 32)
    } else {
        (alg, 8)
    };
    let d = digest(alg, &[to_sign.as_bytes(), secret.expose().as_bytes()]);
    let mut b = base64::engine::general_purpose::URL_SAFE.encode(d);
    b.truncate(len);
    b
}

/// Verifies a notification's `X-Cld-Signature` (hex SHA-1, or SHA-256 for accounts that use
/// it) over `payload + secret`, in constant time.
pub fn verify_notification(payload: &[u8], secret: &Secret, signature: &str) -> bool {
    let alg = match signature.len() {
        40 => Algorithm::Sha1,
        64 => Algorithm::Sha256,
        _ => return false,
    };
    let expected = hex(&digest(alg, &[payload, secret.expose().as_bytes()]));
    constant_time_eq(
        expected.as_bytes(),
        signature.to_ascii_lowercase().as_bytes(),
    )
}

/// Compares two byte strings without an early exit.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `hex(HMAC-SHA256(key, message))`, for forwarded notifications.
pub fn hmac_sha256_hex(key: &Secret, message: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key.expose().as_bytes()).expect("HMAC takes any key length");
    mac.update(message);
    hex(&mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        let s = Secret::new("abcd");
        assert_eq!(
            api_signature(
                "public_id=sample_image&timestamp=1315060510",
                &s,
                Algorithm::Sha1
            ),
            "b4ad47fb4e25c7bf5f92a20089f9db59bc302313"
        );
        let b = Secret::new("b");
        assert_eq!(
            url_signature("sample.jpg", &b, Algorithm::Sha1, false),
            "v2fTPYTu"
        );
        assert_eq!(
            url_signature("sample.jpg", &b, Algorithm::Sha256, true),
            "2hbrSMPOjj5BJ4xV7SgFbRDevFaQNUFf"
        );
        let body = br#"{"public_id":"117e5550-7bfa-11e4-80d7-f962166bd3be","version":1417727468}"#;
        let payload =
            cloudinary_connector::core::sign::notification_payload_to_sign(body, "1417727468");
        assert!(verify_notification(
            &payload,
            &Secret::new("shhh"),
            "bac927006d3ce039ef7632e2c03189348d02924a"
        ));
        assert!(verify_notification(
            &payload,
            &Secret::new("shhh"),
            "BAC927006D3CE039EF7632E2C03189348D02924A"
        ));
        assert!(!verify_notification(
            &payload,
            &Secret::new("shh"),
            "bac927006d3ce039ef7632e2c03189348d02924a"
        ));
        assert!(!verify_notification(&payload, &Secret::new("shhh"), "bac9"));
    }
}
