//! The `_a` delivery-URL analytics token (js-url-gen `getSDKAnalyticsSignature`, reference §8.2):
//! `algo + product + sdkCode + enc(sdkSemver) + enc(techVersion major.minor) [+ osType + encOS] + feature`.

use alloc::{borrow::ToOwned, string::String, vec::Vec};
const CHARS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// What the token says about the integration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Analytics {
    /// Algorithm letter: `'D'` (js-url-gen, with OS fields) or `'B'` (Node SDK, without).
    pub algorithm: char,
    /// Product: `'A'` for SDKs, `'B'` for integrations.
    pub product: char,
    /// The SDK code Cloudinary assigned (js-url-gen's default is `'T'`).
    pub sdk_code: char,
    /// The SDK (integration) version, `major.minor.patch`.
    pub sdk_semver: String,
    /// The runtime version (`0.0.0` in browsers).
    pub tech_version: String,
    /// OS type (`'Z'` = unknown).
    pub os_type: char,
    /// OS version `major.minor` (`0.0` = unknown).
    pub os_version: String,
    /// Feature letter (`'0'` none, `'A'` responsive, `'B'` placeholder, `'C'` lazyload, `'D'` accessibility).
    pub feature: char,
}

impl Analytics {
    /// The plugin's own token defaults: algorithm `D`, product `B` (integration), the given SDK
    /// code, the crate version, browser tech version `0.0.0`, unknown OS, no feature.
    pub fn integration(sdk_code: char) -> Self {
        Analytics {
            algorithm: 'D',
            product: 'B',
            sdk_code,
            sdk_semver: crate::core::VERSION.to_owned(),
            tech_version: "0.0.0".to_owned(),
            os_type: 'Z',
            os_version: "0.0".to_owned(),
            feature: '0',
        }
    }

    /// The token, or `"E"` when a version cannot be encoded (as js-url-gen does).
    pub fn token(&self) -> String {
        let mut tech = self.tech_version.split('.');
        let major = tech.next().unwrap_or("0");
        let tech_mm = super::encode::cat(&[major, ".", tech.next().unwrap_or("0")]);
        let (Some(sdk), Some(tech)) = (encode_version(&self.sdk_semver), encode_version(&tech_mm))
        else {
            return "E".to_owned();
        };
        let mut s = String::with_capacity(16);
        s.push(self.algorithm);
        s.push(self.product);
        s.push(self.sdk_code);
        s.push_str(&sdk);
        s.push_str(&tech);
        if self.algorithm != 'B' {
            let mut os = self.os_version.split('.');
            let major = os
                .next()
                .and_then(|v| v.parse::<usize>().ok())
                .filter(|v| *v < 64);
            let minor = os
                .next()
                .unwrap_or("0")
                .parse::<usize>()
                .ok()
                .filter(|v| *v < 64);
            let (Some(major), Some(minor)) = (major, minor) else {
                return "E".to_owned();
            };
            s.push(self.os_type);
            s.push(CHARS[major] as char);
            s.push(CHARS[minor] as char);
        }
        s.push(self.feature);
        s
    }
}

/// `1.24.0` → reversed segments `0.24.1` → each padded to 2 digits `002401` → integer → 6 bits
/// per base64 character, `6 × segments` bits.
fn encode_version(v: &str) -> Option<String> {
    let segments: Vec<&str> = v.split('.').collect();
    let mut digits = String::new();
    for seg in segments.iter().rev() {
        let n: u32 = seg.parse().ok()?;
        if n > 99 {
            return None;
        }
        if n < 10 {
            digits.push('0');
        }
        super::encode::push_uint(&mut digits, u64::from(n));
    }
    let num: u64 = digits.parse().ok()?;
    let bits = 6 * segments.len() as u32;
    if bits < 64 && num >= 1u64 << bits {
        return None;
    }
    let mut out = String::new();
    for i in (0..segments.len()).rev() {
        out.push(CHARS[((num >> (6 * i)) & 63) as usize] as char);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::too_many_arguments)]
    fn a(
        algorithm: char,
        product: char,
        code: char,
        sdk: &str,
        tech: &str,
        os_type: char,
        os: &str,
        feature: char,
    ) -> String {
        Analytics {
            algorithm,
            product,
            sdk_code: code,
            sdk_semver: sdk.into(),
            tech_version: tech.into(),
            os_type,
            os_version: os.into(),
            feature,
        }
        .token()
    }

    #[test]
    fn js_url_gen_vectors() {
        assert_eq!(
            a('D', 'A', 'Z', "1.24.0", "12.0.0", 'Z', "0.0", 'D'),
            "DAZAlhAMZAAD"
        );
        assert_eq!(
            a('D', 'A', 'Z', "1.24.0", "12.0.0", 'Z', "0.0", 'C'),
            "DAZAlhAMZAAC"
        );
        assert_eq!(
            a('D', 'B', 'Z', "1.24.0", "12.0.0", 'Z', "0.0", '0'),
            "DBZAlhAMZAA0"
        );
        assert_eq!(
            a('D', 'B', 'Z', "1.24.0", "12.0.0", 'A', "0.0", '0'),
            "DBZAlhAMAAA0"
        );
        assert_eq!(
            a('D', 'B', 'Z', "1.24.0", "12.0.0", 'Z', "16.3", '0'),
            "DBZAlhAMZQD0"
        );
        assert_eq!(
            a('D', 'A', 'T', "1.0.0", "16.0.0", 'Z', "0.0", '0'),
            "DATAABAQZAA0"
        );
    }

    #[test]
    fn node_sdk_vectors() {
        assert_eq!(
            a('B', 'B', 'X', "7.3.0", "3.4.7", 'Z', "0.0", '0'),
            "BBXAEzGT0"
        );
        assert_eq!(
            a('B', 'A', 'M', "1.24.0", "12.0", 'Z', "0.0", '0'),
            "BAMAlhAM0"
        );
        assert_eq!(
            a('B', 'A', 'M', "1.24.0", "12.0", 'Z', "0.0", 'A'),
            "BAMAlhAMA"
        );
    }

    #[test]
    fn unencodable_version_is_e() {
        assert_eq!(a('D', 'A', 'T', "1.100.0", "16.0.0", 'Z', "0.0", '0'), "E");
    }
}
