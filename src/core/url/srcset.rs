//! Responsive images: breakpoints → `srcset` and `sizes`, as the Node SDK computes them
//! (`lib/utils/generateBreakpoints.js`, `srcsetUtils.js`): widths `min, min+step, …, max` with
//! `step = ceil((max - min) / max(count - 1, 1))`; each item is the original transformation
//! chained with `c_scale,w_<width>`.

use super::delivery::{prepare, Prepared, SignRequest, SignatureSource};
use super::encode::push_uint;
use super::error::UrlError;
use super::options::generate;
use super::{OptionValue, Value};
use crate::json;
use alloc::{string::String, vec::Vec};

/// The most widths a responsive image may list (each one is a URL, and a signature for signed
/// delivery types): a bound on the work and memory one call can ask for.
pub const MAX_BREAKPOINTS: u32 = 100;

/// Which widths to offer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Breakpoints {
    /// `min_width`, `max_width`, `max_images`.
    Range {
        /// The smallest width.
        min: u32,
        /// The largest width.
        max: u32,
        /// How many widths at most.
        count: u32,
    },
    /// Explicit widths, used as given.
    List(Vec<u32>),
}

/// The widths of `bp`.
///
/// ```
/// use cloudinary_connector::core::url::{breakpoints, Breakpoints};
/// assert_eq!(
///     breakpoints(&Breakpoints::Range { min: 100, max: 600, count: 7 }).unwrap(),
///     [100, 184, 268, 352, 436, 520, 600]
/// );
/// ```
pub fn breakpoints(bp: &Breakpoints) -> Result<Vec<u32>, UrlError> {
    match bp {
        Breakpoints::List(list) => {
            if list.is_empty() {
                return Err(UrlError::InvalidBreakpoints("the breakpoint list is empty"));
            }
            if list.len() > MAX_BREAKPOINTS as usize {
                return Err(UrlError::InvalidBreakpoints(
                    "at most 100 breakpoints (one srcset item each)",
                ));
            }
            if list.contains(&0) {
                return Err(UrlError::InvalidBreakpoints(
                    "a breakpoint width must be a positive integer",
                ));
            }
            Ok(list.clone())
        }
        &Breakpoints::Range { min, max, count } => {
            if min == 0 {
                return Err(UrlError::InvalidBreakpoints(
                    "min_width must be a positive integer",
                ));
            }
            if min > max {
                return Err(UrlError::InvalidBreakpoints(
                    "min_width must be less than max_width",
                ));
            }
            if count == 0 {
                return Err(UrlError::InvalidBreakpoints(
                    "max_images must be a positive integer",
                ));
            }
            if count > MAX_BREAKPOINTS {
                return Err(UrlError::InvalidBreakpoints(
                    "max_images must be at most 100 (one srcset item each)",
                ));
            }
            let min = if count == 1 { max } else { min };
            let step = (max - min).div_ceil((count - 1).max(1)).max(1);
            let mut out = Vec::with_capacity(count as usize);
            let mut w = min;
            while w < max {
                out.push(w);
                w += step;
            }
            out.push(max);
            Ok(out)
        }
    }
}

/// Breakpoints from SDK-style `srcset` options: `{breakpoints: [...]}` or
/// `{min_width, max_width, max_images}`.
pub fn breakpoints_from_options(srcset: &Value) -> Result<Breakpoints, UrlError> {
    let num = |key: &'static str| -> Result<Option<u32>, UrlError> {
        match srcset.opt(key) {
            None => Ok(None),
            Some(v) => v
                .as_text()
                .and_then(|t| t.parse::<u32>().ok())
                .map(Some)
                .ok_or(UrlError::InvalidBreakpoints(
                    "widths and max_images must be non-negative integers",
                )),
        }
    };
    if let Some(Value::Array(list)) = srcset.opt("breakpoints") {
        if !list.is_empty() {
            let widths = list
                .iter()
                .map(|v| v.as_text().and_then(|t| t.parse::<u32>().ok()))
                .collect::<Option<Vec<_>>>()
                .ok_or(UrlError::InvalidBreakpoints(
                    "breakpoints must be non-negative integers",
                ))?;
            return Ok(Breakpoints::List(widths));
        }
    }
    match (num("min_width")?, num("max_width")?, num("max_images")?) {
        (Some(min), Some(max), Some(count)) => Ok(Breakpoints::Range { min, max, count }),
        _ => Err(UrlError::InvalidBreakpoints(
            "either (min_width, max_width, max_images) or breakpoints must be provided",
        )),
    }
}

/// The URL of one `srcset` item: the URL options of `options` with the transformation of
/// `options` chained with `c_scale,w_<width>`.
pub fn scaled_url(
    public_id: &str,
    width: u32,
    options: &Value,
    config: &Value,
    signer: &dyn SignatureSource,
) -> Result<String, UrlError> {
    match scaled_prepared(public_id, width, options, config)? {
        Prepared::Unchanged(s) => Ok(s),
        Prepared::Url(p) => p.finish_with(signer),
    }
}

/// One `srcset` item, prepared: its signature (when it needs one) is still to come.
pub fn scaled_prepared(
    public_id: &str,
    width: u32,
    options: &Value,
    config: &Value,
) -> Result<Prepared, UrlError> {
    let mut chain = String::new();
    generate(options, config, None, &mut chain)?;
    if !chain.is_empty() {
        chain.push('/');
    }
    chain.push_str("c_scale,w_");
    push_uint(&mut chain, u64::from(width));
    let mut url_options = json!({});
    if let Value::Object(entries) = options {
        for (k, v) in entries {
            if URL_KEYS.contains(&k.as_str()) {
                url_options.set(k, v.clone());
            }
        }
    }
    url_options.set("raw_transformation", Value::String(chain));
    prepare(public_id, &url_options, config)
}

/// A responsive image whose items are built but not yet signed: signed delivery types
/// (`authenticated`, `private`, `sign_url`) need one signature per width, which only the signing
/// endpoint can give. [`sign_requests`](Self::sign_requests) lists what to sign, in item order;
/// [`finish`](Self::finish) takes the signatures in the same order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreparedSrcset {
    items: Vec<(u32, Prepared)>,
}

impl PreparedSrcset {
    /// Builds every item of `widths`.
    pub fn new(
        public_id: &str,
        widths: &[u32],
        options: &Value,
        config: &Value,
    ) -> Result<Self, UrlError> {
        let mut items = Vec::with_capacity(widths.len());
        for &w in widths {
            items.push((w, scaled_prepared(public_id, w, options, config)?));
        }
        Ok(PreparedSrcset { items })
    }

    /// What each item needs signed (`None`: nothing), in item order.
    pub fn sign_requests(&self) -> Vec<Option<&SignRequest>> {
        self.items
            .iter()
            .map(|(_, p)| match p {
                Prepared::Url(u) => u.sign_request(),
                Prepared::Unchanged(_) => None,
            })
            .collect()
    }

    /// The `srcset` attribute, with `signatures[i]` inserted in item `i` (one entry per item;
    /// `None` where [`sign_requests`](Self::sign_requests) asked for nothing).
    pub fn finish(self, signatures: &[Option<&str>]) -> Result<String, UrlError> {
        if signatures.len() != self.items.len() {
            let mut why = String::from("expected ");
            push_uint(&mut why, self.items.len() as u64);
            why.push_str(" signatures (one per srcset item), got ");
            push_uint(&mut why, signatures.len() as u64);
            return Err(UrlError::BadSignature(why));
        }
        let mut out = String::new();
        for (i, ((w, p), sig)) in self.items.into_iter().zip(signatures).enumerate() {
            let url = match p {
                Prepared::Unchanged(s) => s,
                Prepared::Url(u) => u.finish(*sig)?,
            };
            push_item(&mut out, i, &url, w);
        }
        Ok(out)
    }

    /// The `srcset` attribute, asking `signer` for each signature needed.
    pub fn finish_with(self, signer: &dyn SignatureSource) -> Result<String, UrlError> {
        let mut out = String::new();
        for (i, (w, p)) in self.items.into_iter().enumerate() {
            let url = match p {
                Prepared::Unchanged(s) => s,
                Prepared::Url(u) => u.finish_with(signer)?,
            };
            push_item(&mut out, i, &url, w);
        }
        Ok(out)
    }
}

fn push_item(out: &mut String, i: usize, url: &str, width: u32) {
    if i > 0 {
        out.push_str(", ");
    }
    // A URL returned as given (an `http` public id) may hold a space, which would split the item.
    super::encode::push_spaces_escaped(out, url);
    out.push(' ');
    push_uint(out, u64::from(width));
    out.push('w');
}

/// The option names that are about the URL, not the transformation (Node SDK `URL_KEYS`, plus
/// the signature and analytics switches).
pub const URL_KEYS: [&str; 24] = [
    "api_secret",
    "auth_token",
    "cdn_subdomain",
    "cloud_name",
    "cname",
    "format",
    "private_cdn",
    "resource_type",
    "secure",
    "secure_cdn_subdomain",
    "secure_distribution",
    "shorten",
    "sign_url",
    "ssl_detected",
    "type",
    "url_suffix",
    "use_root_path",
    "version",
    "long_url_signature",
    "signature_algorithm",
    "force_version",
    "urlAnalytics",
    "analytics_sdk_code",
    "use_fetch_format",
];

/// The `srcset` attribute: `<url> <w>w, …`.
pub fn srcset(
    public_id: &str,
    widths: &[u32],
    options: &Value,
    config: &Value,
    signer: &dyn SignatureSource,
) -> Result<String, UrlError> {
    PreparedSrcset::new(public_id, widths, options, config)?.finish_with(signer)
}

/// The `sizes` attribute: `(max-width: <w>px) <w>px, …`.
pub fn sizes(widths: &[u32]) -> String {
    let mut out = String::new();
    for (i, w) in widths.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str("(max-width: ");
        push_uint(&mut out, u64::from(*w));
        out.push_str("px) ");
        push_uint(&mut out, u64::from(*w));
        out.push_str("px");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::url::NoSignatures;

    #[track_caller]
    fn bp_err(bp: Breakpoints) -> String {
        breakpoints(&bp).unwrap_err().to_string()
    }

    fn authenticated() -> (Value, Value) {
        (
            json!({"type": "authenticated", "sign_url": true, "crop": "fill", "width": 400}),
            json!({"cloud_name": "demo", "secure": true}),
        )
    }

    #[test]
    fn a_signed_srcset_asks_one_signature_per_item_with_the_parts_the_signer_takes() {
        let (options, config) = authenticated();
        let prepared = PreparedSrcset::new("shop/shoe", &[100, 200], &options, &config).unwrap();
        let requests = prepared.sign_requests();
        assert_eq!(requests.len(), 2);
        let r = requests[1].expect("authenticated items are signed");
        assert_eq!(r.to_sign, "c_fill,w_400/c_scale,w_200/shop/shoe");
        assert_eq!(
            (
                r.resource_type.as_str(),
                r.delivery_type.as_str(),
                r.transformation.as_str(),
                r.public_id.as_str()
            ),
            (
                "image",
                "authenticated",
                "c_fill,w_400/c_scale,w_200",
                "shop/shoe"
            )
        );
        assert_eq!(r.length, 8);
        assert!(
            !r.algorithm_requested,
            "the account's own algorithm applies"
        );
        let mut sha256 = options.clone();
        sha256.set("signature_algorithm", "sha256".into());
        let p256 = PreparedSrcset::new("shoe", &[100], &sha256, &config).unwrap();
        let r256 = p256.sign_requests()[0].unwrap();
        assert!(r256.algorithm_requested);
        assert_eq!(r256.algorithm.as_str(), "sha256");
        let set = prepared
            .finish(&[Some("AAAAAAAA"), Some("BBBBBBBB")])
            .unwrap();
        assert_eq!(
            set,
            "https://res.cloudinary.com/demo/image/authenticated/s--AAAAAAAA--/c_fill,w_400/c_scale,w_100/v1/shop/shoe 100w, \
             https://res.cloudinary.com/demo/image/authenticated/s--BBBBBBBB--/c_fill,w_400/c_scale,w_200/v1/shop/shoe 200w"
        );
    }

    #[test]
    fn a_signed_srcset_refuses_missing_miscounted_or_malformed_signatures() {
        let (options, config) = authenticated();
        let p = || PreparedSrcset::new("shoe", &[100, 200], &options, &config).unwrap();
        assert_eq!(
            p().finish(&[Some("AAAAAAAA")]).unwrap_err().to_string(),
            "signature source failed: expected 2 signatures (one per srcset item), got 1"
        );
        assert_eq!(
            p().finish(&[Some("AAAAAAAA"), None]).unwrap_err(),
            UrlError::SignatureRequired
        );
        assert_eq!(
            p().finish(&[Some("AAAAAAAA"), Some("short")])
                .unwrap_err()
                .to_string(),
            "signature source failed: expected 8 URL-safe base64 characters"
        );
        assert_eq!(
            p().finish_with(&NoSignatures).unwrap_err(),
            UrlError::SignatureRequired
        );
    }

    #[test]
    fn an_unsigned_srcset_needs_no_signature() {
        let p = PreparedSrcset::new("shoe", &[100], &json!({}), &authenticated().1).unwrap();
        assert_eq!(p.sign_requests(), [None]);
        assert_eq!(
            p.finish(&[None]).unwrap(),
            "https://res.cloudinary.com/demo/image/upload/c_scale,w_100/shoe 100w"
        );
    }

    #[test]
    fn breakpoints_like_the_node_sdk() {
        let r = |min, max, count| breakpoints(&Breakpoints::Range { min, max, count }).unwrap();
        assert_eq!(r(100, 600, 7), [100, 184, 268, 352, 436, 520, 600]);
        assert_eq!(r(100, 600, 1), [600]);
        assert_eq!(r(100, 100, 3), [100]);
        assert_eq!(r(100, 200, 2), [100, 200]);
        assert_eq!(
            bp_err(Breakpoints::Range {
                min: 600,
                max: 100,
                count: 3
            }),
            "invalid breakpoints: min_width must be less than max_width"
        );
        assert_eq!(
            bp_err(Breakpoints::Range {
                min: 100,
                max: 600,
                count: 0
            }),
            "invalid breakpoints: max_images must be a positive integer"
        );
        assert_eq!(
            bp_err(Breakpoints::List(vec![])),
            "invalid breakpoints: the breakpoint list is empty"
        );
        assert_eq!(
            bp_err(Breakpoints::Range {
                min: 1,
                max: 2,
                count: u32::MAX
            }),
            "invalid breakpoints: max_images must be at most 100 (one srcset item each)"
        );
        assert_eq!(r(1, 4_000_000_000, 100).len(), 100);
        assert_eq!(
            bp_err(Breakpoints::List(vec![100; 101])),
            "invalid breakpoints: at most 100 breakpoints (one srcset item each)"
        );
    }

    #[test]
    fn srcset_items_chain_a_scale_step() {
        let config = json!({"cloud_name": "test123", "secure": true});
        let options = json!({"width": 200, "crop": "scale"});
        assert_eq!(
            scaled_url("sample.jpg", 101, &options, &config, &NoSignatures).unwrap(),
            "https://res.cloudinary.com/test123/image/upload/c_scale,w_200/c_scale,w_101/sample.jpg"
        );
        let set = srcset("sample", &[100, 200], &json!({}), &config, &NoSignatures).unwrap();
        assert_eq!(
            set,
            "https://res.cloudinary.com/test123/image/upload/c_scale,w_100/sample 100w, \
             https://res.cloudinary.com/test123/image/upload/c_scale,w_200/sample 200w"
        );
        assert_eq!(
            sizes(&[100, 200]),
            "(max-width: 100px) 100px, (max-width: 200px) 200px"
        );
    }

    #[test]
    fn srcset_options_are_read() {
        let o = json!({"min_width": 100, "max_width": 600, "max_images": 7});
        assert_eq!(
            breakpoints_from_options(&o).unwrap(),
            Breakpoints::Range {
                min: 100,
                max: 600,
                count: 7
            }
        );
        let o = json!({"breakpoints": Value::Array(vec![Value::from(300), Value::from(800)])});
        assert_eq!(
            breakpoints_from_options(&o).unwrap(),
            Breakpoints::List(vec![300, 800])
        );
        assert_eq!(
            breakpoints_from_options(&json!({})).unwrap_err().to_string(),
            "invalid breakpoints: either (min_width, max_width, max_images) or breakpoints must be provided"
        );
    }
}
