//! The plugin's own delivery defaults. Plain [`url`](super::url) matches the official SDKs
//! exactly; the URLs the plugin itself delivers (inserted assets, gallery, video, srcset) add
//! `f_auto,q_auto` by default, as Cloudinary's partner guidelines recommend ("add common
//! optimization transformations as default (such as 'f_auto,q_auto')"), and carry the `_a`
//! analytics token. The host can switch either off.

use super::delivery::{prepare, transformation_and_format, Prepared, SignatureSource};
use super::error::UrlError;
use super::srcset::{sizes, srcset, PreparedSrcset};
use super::{OptionValue, Value};
use crate::json;
use alloc::string::String;

/// What the plugin adds to the URLs it delivers itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeliveryDefaults {
    /// Add `f_auto` and `q_auto`, each unless a step of the transformation sets a format or a
    /// quality (see [`DeliveryDefaults::apply`]). Default: on.
    pub auto_format_quality: bool,
    /// Append the `_a` analytics token (`urlAnalytics`). Default: on.
    pub analytics: bool,
}

impl Default for DeliveryDefaults {
    fn default() -> Self {
        DeliveryDefaults {
            auto_format_quality: true,
            analytics: true,
        }
    }
}

impl DeliveryDefaults {
    /// Nothing added: the plugin's URLs equal plain `url()`'s.
    pub const OFF: DeliveryDefaults = DeliveryDefaults {
        auto_format_quality: false,
        analytics: false,
    };

    /// `options` with the defaults applied. What the caller chose always wins, wherever it is:
    /// `f_auto` is added only when no step of the transformation sets a format (`f_…`, which
    /// `fetch_format`, or `format` on fetch URLs and with `use_fetch_format`, become), `q_auto`
    /// only when no step sets a quality (`q_…`), whether the options say so at the top level,
    /// in a chained `transformation` step or in a `raw_transformation`. What is added goes into
    /// the options' own (last) step. Inserted assets (`core::widgets::AssetReference`) go
    /// through here too, so an asset gets the same optimisation whichever way it is delivered.
    ///
    /// ```
    /// use cloudinary_connector::core::url::{url, DeliveryDefaults, NoSignatures};
    /// use cloudinary_connector::json;
    /// let config = json!({"cloud_name": "demo", "secure": true});
    /// let defaults = DeliveryDefaults { auto_format_quality: true, analytics: false };
    /// let options = defaults.apply(&json!({"width": 300, "crop": "fill"}), &config);
    /// assert_eq!(
    ///     url("sample", &options, &config, &NoSignatures).unwrap(),
    ///     "https://res.cloudinary.com/demo/image/upload/c_fill,f_auto,q_auto,w_300/sample"
    /// );
    /// ```
    pub fn apply(&self, options: &Value, config: &Value) -> Value {
        let mut o = match options {
            Value::Object(_) => options.clone(),
            _ => json!({}),
        };
        let raw = o.opt("resource_type").and_then(Value::as_text) == Some("raw");
        if self.auto_format_quality && !raw {
            // Options the engine refuses are refused again when the URL is built, with the
            // engine's message: here they just get no defaults.
            let (has_format, has_quality) = transformation_and_format(&o, config)
                .map_or((true, true), |(t, _)| sets_format_and_quality(&t));
            if !has_format {
                o.set("fetch_format", "auto".into());
            }
            if !has_quality {
                o.set("quality", "auto".into());
            }
        }
        if self.analytics && o.opt("urlAnalytics").is_none() {
            o.set("urlAnalytics", true.into());
        }
        o
    }

    /// A delivery URL of the plugin's own (defaults applied).
    pub fn url(
        &self,
        public_id: &str,
        options: &Value,
        config: &Value,
        signer: &dyn SignatureSource,
    ) -> Result<String, UrlError> {
        match prepare(public_id, &self.apply(options, config), config)? {
            Prepared::Unchanged(s) => Ok(s),
            Prepared::Url(p) => p.finish_with(signer),
        }
    }

    /// The plugin's own responsive image with the defaults applied to each item, prepared for
    /// signing (signed delivery types need one signature per item from the signing endpoint).
    pub fn prepare_srcset(
        &self,
        public_id: &str,
        widths: &[u32],
        options: &Value,
        config: &Value,
    ) -> Result<PreparedSrcset, UrlError> {
        PreparedSrcset::new(public_id, widths, &self.apply(options, config), config)
    }

    /// `(srcset, sizes)` of the plugin's own responsive images (defaults applied to each item).
    pub fn srcset(
        &self,
        public_id: &str,
        widths: &[u32],
        options: &Value,
        config: &Value,
        signer: &dyn SignatureSource,
    ) -> Result<(String, String), UrlError> {
        Ok((
            srcset(
                public_id,
                widths,
                &self.apply(options, config),
                config,
                signer,
            )?,
            sizes(widths),
        ))
    }
}

/// Whether a transformation string sets a format (`f_…`) and a quality (`q_…`) in any of its
/// steps, unconditionally: what a condition sets applies only when it holds, so it does not
/// count, whether the condition heads one step (`if_w_gt_100,q_80[,if_end]`) or opens a block of
/// steps (`if_w_gt_100/q_80/if_else/…/if_end`). Named transformations (`t_…`) are opaque here:
/// what they set is not known.
pub fn sets_format_and_quality(transformation: &str) -> (bool, bool) {
    let (mut f, mut q) = (false, false);
    let mut depth = 0usize;
    for step in transformation.split('/') {
        let first = step.split(',').next().unwrap_or("");
        match first {
            "if_end" => depth = depth.saturating_sub(1),
            "if_else" => {}
            // A step that is only the condition opens a block; otherwise the condition is this
            // step's alone.
            c if c.starts_with("if_") && c == step => depth += 1,
            c if c.starts_with("if_") => {}
            _ if depth == 0 => {
                for qualifier in step.split(',') {
                    f |= qualifier.starts_with("f_");
                    q |= qualifier.starts_with("q_");
                }
            }
            _ => {}
        }
    }
    (f, q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::url::NoSignatures;

    fn cfg() -> Value {
        json!({"cloud_name": "demo", "secure": true})
    }

    #[test]
    fn defaults_add_auto_format_quality_and_analytics() {
        let u = DeliveryDefaults::default()
            .url("sample", &json!({}), &cfg(), &NoSignatures)
            .unwrap();
        assert!(
            u.starts_with(
                "https://res.cloudinary.com/demo/image/upload/f_auto,q_auto/sample?_a=DBT"
            ),
            "{u}"
        );
    }

    #[test]
    fn caller_options_win_and_off_changes_nothing() {
        let o = json!({"quality": 80});
        let d = DeliveryDefaults {
            auto_format_quality: true,
            analytics: false,
        };
        assert_eq!(
            d.url("sample", &o, &cfg(), &NoSignatures).unwrap(),
            "https://res.cloudinary.com/demo/image/upload/f_auto,q_80/sample"
        );
        assert_eq!(
            DeliveryDefaults::OFF
                .url("sample", &o, &cfg(), &NoSignatures)
                .unwrap(),
            "https://res.cloudinary.com/demo/image/upload/q_80/sample"
        );
        let raw = json!({"resource_type": "raw"});
        assert_eq!(
            d.url("file.pdf", &raw, &cfg(), &NoSignatures).unwrap(),
            "https://res.cloudinary.com/demo/raw/upload/file.pdf"
        );
    }

    #[test]
    fn srcset_items_get_the_defaults() {
        let d = DeliveryDefaults {
            auto_format_quality: true,
            analytics: false,
        };
        let (set, sizes) = d
            .srcset("sample", &[100], &json!({}), &cfg(), &NoSignatures)
            .unwrap();
        assert_eq!(
            set,
            "https://res.cloudinary.com/demo/image/upload/f_auto,q_auto/c_scale,w_100/sample 100w"
        );
        assert_eq!(sizes, "(max-width: 100px) 100px");
    }
}
