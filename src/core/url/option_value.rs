//! How the URL engine reads its options: SDK option trees (`{cloud_name, width, crop,
//! transformation: [...]}`, as the Node SDK's `cloudinary.url(public_id, options)` takes them) are
//! plain [`json::Value`](crate::core::json::Value)s, from whichever source (a JavaScript object as
//! `JSON.stringify` wrote it, JSON in tests, [`json!`](crate::json) in Rust). Numbers keep the text
//! their source printed them with, so the engine never formats floats itself and emits exactly what
//! the SDKs emit.
//!
//! [`OptionValue`] is the one place where the Node SDK's reading of option values is written down:
//! `null` is the same as absent ([`OptionValue::opt`], as the SDK's `option_consume` does),
//! JavaScript truthiness ([`OptionValue::truthy`]) and the text of a scalar
//! ([`OptionValue::as_text`]). Every option lookup in `core::url` goes through it.
//!
//! ```
//! use cloudinary_connector::core::url::{OptionValue, Value};
//! use cloudinary_connector::json;
//! let o = json!({"width": 100, "crop": null, "secure": true, "effect": {"sepia": 50}});
//! assert_eq!(o.opt("width").and_then(Value::as_text), Some("100"));
//! assert_eq!(o.opt("crop"), None);
//! assert_eq!(o["secure"].as_text(), Some("true"));
//! assert!(!json!(0).truthy() && !json!("").truthy() && json!([]).truthy());
//! ```

use crate::core::json::Value;

/// The Node SDK's reading of an option value (see the module documentation).
pub trait OptionValue {
    /// The value of `key` when this is an object and the key holds something other than `null`.
    fn opt(&self, key: &str) -> Option<&Value>;

    /// Scalar text: strings as they are, numbers as written, booleans as `true`/`false`.
    fn as_text(&self) -> Option<&str>;

    /// JavaScript truthiness (`false`, `0`, `-0`, `""` and `null` are false).
    fn truthy(&self) -> bool;

    /// The first non-`null` entry of an object in insertion order, as JavaScript and Python
    /// iterate objects (`effect: {sepia: 50}`, where the key names the effect).
    fn first_entry(&self) -> Option<(&str, &Value)>;
}

impl OptionValue for Value {
    fn opt(&self, key: &str) -> Option<&Value> {
        self.get(key).filter(|v| !v.is_null())
    }

    fn as_text(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.as_text()),
            Value::Bool(true) => Some("true"),
            Value::Bool(false) => Some("false"),
            _ => None,
        }
    }

    fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Number(n) => !matches!(n.as_text(), "0" | "-0"),
            Value::String(s) => !s.is_empty(),
            Value::Array(_) | Value::Object(_) => true,
        }
    }

    fn first_entry(&self) -> Option<(&str, &Value)> {
        let (k, v) = self.as_object()?.first_inserted(|v| !v.is_null())?;
        Some((k, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json::from_str;

    #[test]
    fn options_read_as_the_node_sdk_reads_them() {
        let o = from_str(r#"{"a":null,"b":0,"c":"","d":"x","e":2.50,"f":false,"g":{}}"#).unwrap();
        assert_eq!(o.opt("a"), None);
        assert_eq!(o.opt("nope"), None);
        assert_eq!(o.opt("e").and_then(Value::as_text), Some("2.50"));
        assert_eq!(o.opt("f").and_then(Value::as_text), Some("false"));
        assert_eq!(o.opt("g").and_then(Value::as_text), None);
        let truthy: Vec<bool> = ["a", "b", "c", "d", "e", "f", "g"]
            .iter()
            .map(|k| o[*k].truthy())
            .collect();
        assert_eq!(truthy, [false, false, false, true, true, false, true]);
        assert!(!from_str("-0").unwrap().truthy());
        assert_eq!(from_str("[1]").unwrap().opt("0"), None);
    }

    #[test]
    fn the_first_entry_is_the_first_written_not_the_first_sorted() {
        let e = from_str(r#"{"sepia":null,"vignette":30,"art":"zorro"}"#).unwrap();
        assert_eq!(e.first_entry(), Some(("vignette", &crate::json!(30))));
        let mut m = from_str(r#"{"z":1}"#).unwrap();
        m["a"] = crate::json!(2);
        assert_eq!(m.first_entry().map(|(k, _)| k), Some("z"));
        m["z"] = crate::json!(3);
        assert_eq!(m.first_entry().map(|(k, _)| k), Some("z"));
        // Removing keys keeps the order of the others; a key added later comes after them.
        let mut o = from_str(r#"{"c":1,"b":2,"a":3}"#).unwrap();
        let map = o.as_object_mut().unwrap();
        map.remove("c");
        map.set("0", crate::json!(4));
        assert_eq!(o.first_entry().map(|(k, _)| k), Some("b"));
        o.as_object_mut().unwrap().retain(|k, _| k != "b");
        assert_eq!(o.first_entry().map(|(k, _)| k), Some("a"));
        o.as_object_mut().unwrap().remove("a");
        assert_eq!(o.first_entry().map(|(k, _)| k), Some("0"));
        assert_eq!(crate::json!("x").first_entry(), None);
    }
}
