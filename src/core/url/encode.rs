//! Byte-level encoders the delivery URL needs, written out so that the URL-only build stays
//! small: the official SDKs' `smart_escape`, JavaScript's `encodeURIComponent` /
//! `decodeURIComponent`, Base64 (standard and URL-safe, padded) and CRC-32 (cdn sharding).

use alloc::{string::String, vec::Vec};
const HEX: &[u8; 16] = b"0123456789ABCDEF";

pub(crate) use crate::core::text::{cat, push_uint, sub};

/// Appends `s` with every space as `%20`: the Node SDK's last step on the URL path
/// (`….join('/').replace(/ /g, '%20')`), so that a text layer's font (`l_text:Open Sans_20:…`), a
/// flag or a suffix with a space never leaves a bare space in a URL (which would also split a
/// `srcset` item). Other ASCII whitespace and control characters (a tab or a newline in a
/// `raw_transformation`), which the SDKs pass through, are percent-encoded too: a URL never holds
/// a byte an HTML `srcset` would split on. What is signed keeps them, as the SDK signs before this
/// step (the signing endpoint refuses everything but the space).
pub(crate) fn push_spaces_escaped(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut rest = s;
    while let Some(i) = rest.find(|c: char| c.is_ascii_whitespace() || c.is_ascii_control()) {
        out.push_str(sub(rest, 0, i));
        let b = rest.as_bytes()[i];
        out.push('%');
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
        rest = sub(rest, i + 1, rest.len());
    }
    out.push_str(rest);
}

fn push_pct(out: &mut String, b: u8) {
    out.push('%');
    out.push(HEX[(b >> 4) as usize] as char);
    out.push(HEX[(b & 15) as usize] as char);
}

/// The SDKs' `smart_escape`: every byte outside `[A-Za-z0-9_.\-/:]` becomes `%XX` (UTF-8 bytes,
/// upper-case hex). Used for remote (`fetch`) URLs and text layers.
pub fn smart_escape(s: &str, out: &mut String) {
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'/' | b':') {
            out.push(b as char);
        } else {
            push_pct(out, b);
        }
    }
}

/// JavaScript's `encodeURIComponent`, except that `:` and `/` stay as they are (the Node SDK's
/// public-id escaping).
pub fn encode_public_id(s: &str, out: &mut String) {
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')' | b':' | b'/'
            )
        {
            out.push(b as char);
        } else {
            push_pct(out, b);
        }
    }
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// JavaScript's `decodeURIComponent`: `None` where it would throw (a `%` not followed by two hex
/// digits, or bytes that are not UTF-8). Returns the input unchanged (borrowed) without `%`.
pub fn percent_decode(s: &str) -> Option<alloc::borrow::Cow<'_, str>> {
    if !s.as_bytes().contains(&b'%') {
        return Some(alloc::borrow::Cow::Borrowed(s));
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = hex_val(*bytes.get(i + 1)?)?;
            let lo = hex_val(*bytes.get(i + 2)?)?;
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok().map(alloc::borrow::Cow::Owned)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64 with `=` padding; `url_safe` swaps `+/` for `-_` (Python's `urlsafe_b64encode`).
pub fn base64(input: &[u8], url_safe: bool, out: &mut String) {
    let map = |i: u32| -> char {
        let c = B64[(i & 63) as usize];
        match (url_safe, c) {
            (true, b'+') => '-',
            (true, b'/') => '_',
            _ => c as char,
        }
    };
    for chunk in input.chunks(3) {
        let n = chunk.len();
        let v = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        out.push(map(v >> 18));
        out.push(map(v >> 12));
        out.push(if n > 1 { map(v >> 6) } else { '=' });
        out.push(if n > 2 { map(v) } else { '=' });
    }
}

/// CRC-32 (IEEE), as zlib/`crc32` compute it; picks the `cdn_subdomain` shard.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smart_escape_matches_the_sdks() {
        let mut s = String::new();
        smart_escape("https://blah.com/hello?a=b", &mut s);
        assert_eq!(s, "https://blah.com/hello%3Fa%3Db");
        s.clear();
        smart_escape("ß", &mut s);
        assert_eq!(s, "%C3%9F");
    }

    #[test]
    fn public_id_escaping_is_encode_uri_component_keeping_colon_and_slash() {
        let mut s = String::new();
        encode_public_id("%a (b)/c:d+e?", &mut s);
        assert_eq!(s, "%25a%20(b)/c:d%2Be%3F");
    }

    #[test]
    fn decode_rejects_what_javascript_rejects() {
        assert_eq!(percent_decode("%25a%20(b)").unwrap(), "%a (b)");
        assert!(percent_decode("100%").is_none());
        assert!(percent_decode("%zz").is_none());
        assert!(percent_decode("%C3").is_none());
        assert_eq!(percent_decode("%C3%9F").unwrap(), "ß");
    }

    #[test]
    fn base64_padding_and_alphabets() {
        let mut s = String::new();
        base64(
            b"https://www.test.com/test/JE01118-YGP900_1_lar.jpg?version=432023",
            true,
            &mut s,
        );
        assert_eq!(s, "aHR0cHM6Ly93d3cudGVzdC5jb20vdGVzdC9KRTAxMTE4LVlHUDkwMF8xX2xhci5qcGc_dmVyc2lvbj00MzIwMjM=");
        s.clear();
        base64(b"ab", false, &mut s);
        assert_eq!(s, "YWI=");
    }

    #[test]
    fn crc32_shards_like_zlib() {
        assert_eq!(crc32(b"test"), 0xD87F_7E0C);
        assert_eq!(crc32(b"test") % 5 + 1, 2);
    }
}
