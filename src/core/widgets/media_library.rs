//! Media Library widget options: `cloudinary.createMediaLibrary(options, callbacks, el?)`.
//! Option names are Cloudinary's (snake_case), and the `integration` object the partner
//! program requires is always present.

use crate::core::json::{Map, Value};
use crate::core::text::Quoted;
use alloc::{
    borrow::ToOwned,
    string::{String, ToString},
    vec::Vec,
};
#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

use super::{check_folder, CloudAccount, ResourceType, WidgetError};
use crate::core::identity::Identity;

/// `default_transformations`: an array of chains, each an array of transformation objects
/// (`[[{fetch_format: "auto"}, {quality: "auto"}]]`). The default is `f_auto,q_auto`, the
/// optimisation the partner guidelines recommend.
#[derive(Clone, Debug, PartialEq)]
pub struct DefaultTransformations(Vec<Vec<Map<String, Value>>>);

impl Default for DefaultTransformations {
    fn default() -> Self {
        DefaultTransformations::optimized()
    }
}

/// Transformation letters the parser knows, with the Media Library's (the SDKs') option names.
const LETTERS: &[(&str, &str)] = &[
    ("a", "angle"),
    ("ar", "aspect_ratio"),
    ("b", "background"),
    ("c", "crop"),
    ("dpr", "dpr"),
    ("e", "effect"),
    ("f", "fetch_format"),
    ("fl", "flags"),
    ("g", "gravity"),
    ("h", "height"),
    ("q", "quality"),
    ("r", "radius"),
    ("t", "named_transformation"),
    ("w", "width"),
    ("x", "x"),
    ("y", "y"),
    ("z", "zoom"),
];

impl DefaultTransformations {
    /// `[[{fetch_format: "auto"}, {quality: "auto"}]]`, i.e. `f_auto,q_auto`.
    pub fn optimized() -> Self {
        let mut f = Map::new();
        f.set("fetch_format", "auto".into());
        let mut q = Map::new();
        q.set("quality", "auto".into());
        DefaultTransformations(vec![vec![f, q]])
    }

    /// No default transformation (the host switched optimisation off).
    pub fn none() -> Self {
        DefaultTransformations(Vec::new())
    }

    /// Parses a transformation string such as `"f_auto,q_auto"` or `"c_fill,w_300/f_auto"`
    /// (chained components separated by `/`) into one chain: each qualifier becomes one
    /// object. Letters outside a known set are refused, so a typo never reaches the widget.
    pub fn parse(text: &str) -> Result<Self, WidgetError> {
        let bad = |why: String| WidgetError::BadTransformation {
            text: text.to_owned(),
            why,
        };
        let text_trim = text.trim();
        if text_trim.is_empty() {
            return Ok(DefaultTransformations::none());
        }
        let mut chain = Vec::new();
        for component in text_trim.split('/') {
            for q in component.split(',') {
                let (letter, value) = q.split_once('_').ok_or_else(|| {
                    bad(format!(
                        "{q} is not of the form <letter>_<value>",
                        q = Quoted(q)
                    ))
                })?;
                if value.is_empty() {
                    return Err(bad(format!("{q} has no value", q = Quoted(q))));
                }
                let name = LETTERS
                    .iter()
                    .find(|(l, _)| *l == letter)
                    .map(|(_, n)| *n)
                    .ok_or_else(|| {
                        bad(format!(
                            "unknown transformation parameter {letter}",
                            letter = Quoted(letter)
                        ))
                    })?;
                let mut o = Map::new();
                let v = match name {
                    "width" | "height" => value
                        .parse::<u64>()
                        .map(Value::from)
                        .unwrap_or_else(|_| Value::from(value)),
                    _ => Value::from(value),
                };
                o.insert(name.to_owned(), v);
                chain.push(o);
            }
        }
        // The values, read by the URL engine's grammar (the one reader of transformations).
        text_trim
            .parse::<crate::core::url::Transformation>()
            .map_err(|e| bad(e.to_string()))?;
        Ok(DefaultTransformations(vec![chain]))
    }

    /// Takes the documented JSON shape as is, after checking it is an array of arrays of
    /// objects.
    pub fn from_json(value: &Value) -> Result<Self, WidgetError> {
        let shape = WidgetError::BadOptionShape {
            option: "default_transformations",
            expected: "an array of arrays of transformation objects",
        };
        let chains = value.as_array().ok_or(shape.clone())?;
        let mut out = Vec::with_capacity(chains.len());
        for chain in chains {
            let items = chain.as_array().ok_or(shape.clone())?;
            let mut c = Vec::with_capacity(items.len());
            for item in items {
                c.push(item.as_object().ok_or(shape.clone())?.clone());
            }
            out.push(c);
        }
        Ok(DefaultTransformations(out))
    }

    /// The JSON value passed to the widget.
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.0
                .iter()
                .map(|c| Value::Array(c.iter().cloned().map(Value::Object).collect()))
                .collect(),
        )
    }
}

/// The signed auto-login the signer issues: `signature` is SHA-256 over
/// `cloud_name=<c>&timestamp=<t>&username=<u>` + the API secret, computed by the signer.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct MediaLibraryLogin {
    /// The Cloudinary user the widget logs in as.
    pub username: String,
    /// Unix seconds, set by the signer.
    pub timestamp: u64,
    /// Hex signature.
    pub signature: String,
}

impl core::fmt::Debug for MediaLibraryLogin {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MediaLibraryLogin")
            .field("username", &self.username)
            .field("timestamp", &self.timestamp)
            .field("signature", &"<redacted>")
            .finish()
    }
}

/// The folder the widget opens on.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct FolderOption {
    /// Folder path.
    pub path: String,
    /// Restrict to a resource type.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub resource_type: Option<ResourceType>,
}

impl FolderOption {
    /// Reads `{path, resource_type}` (`resource_type` optional; other keys ignored).
    fn from_json(v: &Value) -> Option<Self> {
        let o = v.as_object()?;
        let resource_type = match o.get("resource_type") {
            None | Some(Value::Null) => None,
            Some(r) => Some(ResourceType::parse(r.as_str()?).ok()?),
        };
        Some(FolderOption {
            path: o.get("path")?.as_str()?.to_owned(),
            resource_type,
        })
    }
}

impl crate::core::json::ToJson for FolderOption {
    fn to_json(&self) -> Value {
        crate::core::json::object([
            ("path", Some(self.path.as_str().into())),
            (
                "resource_type",
                self.resource_type.map(|r| r.as_str().into()),
            ),
        ])
    }
}

/// What the host may set on the Media Library widget.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct MediaLibraryOptions {
    /// Allow selecting several assets (`multiple`, default false).
    pub multiple: bool,
    /// At most this many (`max_files`, 1..=1000; needs `multiple`).
    pub max_files: Option<u32>,
    /// `default_transformations` (default `f_auto,q_auto`).
    pub default_transformations: DefaultTransformations,
    /// The widget opens on this folder (`folder`).
    pub folder: Option<FolderOption>,
    /// Label of the insert button (`insert_caption`).
    pub insert_caption: Option<String>,
    /// Hide Cloudinary's header (`remove_header`; inline mode).
    pub remove_header: bool,
    /// Button caption (`button_caption`).
    pub button_caption: Option<String>,
    /// Button class (`button_class`).
    pub button_class: Option<String>,
    /// Let the user apply a transformation before inserting (`insert_transformation`).
    pub insert_transformation: Option<bool>,
    /// Stacking order of the modal (`z_index`).
    pub z_index: Option<u32>,
    /// The user to pre-fill on the login screen when no signed login is used (`username`).
    pub username: Option<String>,
}

fn non_empty(option: &'static str, v: &Option<String>) -> Result<(), WidgetError> {
    match v {
        Some(s) if s.trim().is_empty() => Err(WidgetError::EmptyOption(option)),
        _ => Ok(()),
    }
}

impl MediaLibraryOptions {
    /// Checks the options on their own.
    pub fn validate(&self) -> Result<(), WidgetError> {
        if let Some(n) = self.max_files {
            if !(1..=1000).contains(&n) {
                return Err(WidgetError::OutOfRange {
                    option: "max_files",
                    rule: "must be between 1 and 1000",
                });
            }
            if n > 1 && !self.multiple {
                return Err(WidgetError::OutOfRange {
                    option: "max_files",
                    rule: "above 1 needs multiple: true",
                });
            }
        }
        if let Some(f) = &self.folder {
            check_folder(&f.path)?;
        }
        non_empty("insert_caption", &self.insert_caption)?;
        non_empty("button_caption", &self.button_caption)?;
        non_empty("button_class", &self.button_class)?;
        non_empty("username", &self.username)?;
        Ok(())
    }

    /// The options object for `createMediaLibrary`, with Cloudinary's option names: account,
    /// signed login when given, the `integration` object, and the behaviour options.
    /// `inline_container` is a CSS selector of the element the widget renders into (inline
    /// mode) or `None` (modal).
    pub fn to_json(
        &self,
        account: &CloudAccount,
        identity: &Identity,
        login: Option<&MediaLibraryLogin>,
        inline_container: Option<&str>,
    ) -> Result<Value, WidgetError> {
        account.validate()?;
        self.validate()?;
        let api_key = account.require_api_key("the Media Library widget")?;
        let mut o = Map::new();
        o.set("cloud_name", account.cloud_name.clone().into());
        o.set("api_key", api_key.into());
        match login {
            Some(l) => {
                o.set("username", l.username.clone().into());
                o.set("timestamp", l.timestamp.into());
                o.set("signature", l.signature.clone().into());
            }
            None => {
                if let Some(u) = &self.username {
                    o.set("username", u.clone().into());
                }
            }
        }
        o.insert(
            "integration".into(),
            crate::core::json::to_value(&identity.integration()),
        );
        o.set("multiple", self.multiple.into());
        if let Some(n) = self.max_files {
            o.set("max_files", n.into());
        }
        o.insert(
            "default_transformations".into(),
            self.default_transformations.to_json(),
        );
        if let Some(sel) = inline_container {
            o.set("inline_container", sel.into());
        }
        if let Some(f) = &self.folder {
            o.set("folder", crate::core::json::to_value(f));
        }
        let opt_str = |o: &mut Map<String, Value>, k: &str, v: &Option<String>| {
            if let Some(v) = v {
                o.insert(k.into(), v.clone().into());
            }
        };
        opt_str(&mut o, "insert_caption", &self.insert_caption);
        opt_str(&mut o, "button_caption", &self.button_caption);
        opt_str(&mut o, "button_class", &self.button_class);
        if self.remove_header {
            o.set("remove_header", true.into());
        }
        if let Some(b) = self.insert_transformation {
            o.set("insert_transformation", b.into());
        }
        if let Some(z) = self.z_index {
            o.set("z_index", z.into());
        }
        Ok(Value::Object(o))
    }

    /// Reads host options from JSON with Cloudinary's option names (`multiple`, `max_files`,
    /// `default_transformations` as a string like `"f_auto,q_auto"`, `false`/`null` for none, or
    /// the documented array shape, `folder` as a path or `{path, resource_type}`,
    /// `insert_caption`, `remove_header`, `button_caption`, `button_class`,
    /// `insert_transformation`, `z_index`, `username`). Unknown keys are refused.
    pub fn from_json(v: &Value) -> Result<Self, WidgetError> {
        let o = match v {
            Value::Null => return Ok(Self::default()),
            Value::Object(o) => o,
            _ => {
                return Err(WidgetError::BadOptionShape {
                    option: "options",
                    expected: "an object",
                })
            }
        };
        let mut out = MediaLibraryOptions::default();
        for (k, val) in o {
            match k.as_str() {
                "multiple" => out.multiple = want_bool("multiple", val)?,
                "max_files" => out.max_files = Some(want_u32("max_files", val)?),
                "default_transformations" => {
                    out.default_transformations = match val {
                        Value::Null | Value::Bool(false) => DefaultTransformations::none(),
                        Value::String(s) => DefaultTransformations::parse(s)?,
                        other => DefaultTransformations::from_json(other)?,
                    }
                }
                "folder" => {
                    out.folder = Some(match val {
                        Value::String(p) => FolderOption {
                            path: p.clone(),
                            resource_type: None,
                        },
                        other => {
                            FolderOption::from_json(other).ok_or(WidgetError::BadOptionShape {
                                option: "folder",
                                expected: "a path or {path, resource_type}",
                            })?
                        }
                    })
                }
                "insert_caption" => out.insert_caption = Some(want_str("insert_caption", val)?),
                "remove_header" => out.remove_header = want_bool("remove_header", val)?,
                "button_caption" => out.button_caption = Some(want_str("button_caption", val)?),
                "button_class" => out.button_class = Some(want_str("button_class", val)?),
                "insert_transformation" => {
                    out.insert_transformation = Some(want_bool("insert_transformation", val)?)
                }
                "z_index" => out.z_index = Some(want_u32("z_index", val)?),
                "username" => out.username = Some(want_str("username", val)?),
                _ => {
                    return Err(WidgetError::UnknownOption {
                        widget: "Media Library",
                        option: k.clone(),
                    })
                }
            }
        }
        out.validate()?;
        Ok(out)
    }
}

pub(crate) fn want_bool(option: &'static str, v: &Value) -> Result<bool, WidgetError> {
    v.as_bool().ok_or(WidgetError::BadOptionShape {
        option,
        expected: "true or false",
    })
}

pub(crate) fn want_u32(option: &'static str, v: &Value) -> Result<u32, WidgetError> {
    v.as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or(WidgetError::BadOptionShape {
            option,
            expected: "a whole number",
        })
}

pub(crate) fn want_u64(option: &'static str, v: &Value) -> Result<u64, WidgetError> {
    v.as_u64().ok_or(WidgetError::BadOptionShape {
        option,
        expected: "a whole number",
    })
}

pub(crate) fn want_str(option: &'static str, v: &Value) -> Result<String, WidgetError> {
    v.as_str()
        .map(str::to_owned)
        .ok_or(WidgetError::BadOptionShape {
            option,
            expected: "a string",
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::identity::Environment;
    use crate::core::VERSION;
    use crate::json;

    fn account() -> CloudAccount {
        CloudAccount::new("main", "demo").with_api_key("123456789012345")
    }

    fn identity() -> Identity {
        Identity::new("Reference Host", "2.1.0", Environment::Prod).unwrap()
    }

    #[track_caller]
    fn opts_err(v: Value) -> String {
        MediaLibraryOptions::from_json(&v).unwrap_err().to_string()
    }

    #[test]
    fn default_options_carry_integration_and_f_auto_q_auto() {
        let login = MediaLibraryLogin {
            username: "ed@example.com".into(),
            timestamp: 1_700_000_000,
            signature: "ab12".into(),
        };
        let v = MediaLibraryOptions::default()
            .to_json(&account(), &identity(), Some(&login), None)
            .unwrap();
        assert_eq!(
            v,
            json!({
                "cloud_name": "demo", "api_key": "123456789012345",
                "username": "ed@example.com", "timestamp": 1_700_000_000u64, "signature": "ab12",
                "integration": {"type": "cloudinary_connector", "platform": "Reference Host 2.1.0",
                                "version": VERSION, "environment": "prod"},
                "multiple": false,
                "default_transformations": [[{"fetch_format": "auto"}, {"quality": "auto"}]]
            })
        );
    }

    #[test]
    fn host_options_map_to_cloudinary_names() {
        let o = MediaLibraryOptions::from_json(&json!({
            "multiple": true, "max_files": 20, "default_transformations": "c_fill,w_300/f_auto",
            "folder": {"path": "shop/shoes", "resource_type": "image"}, "insert_caption": "Insert",
            "remove_header": true, "insert_transformation": true, "z_index": 1000
        }))
        .unwrap();
        let v = o
            .to_json(&account(), &identity(), None, Some("#cld-ml-1"))
            .unwrap();
        assert_eq!(v["max_files"], 20);
        assert_eq!(
            v["default_transformations"],
            json!([[{"crop": "fill"}, {"width": 300}, {"fetch_format": "auto"}]])
        );
        assert_eq!(
            v["folder"],
            json!({"path": "shop/shoes", "resource_type": "image"})
        );
        assert_eq!(v["inline_container"], "#cld-ml-1");
        assert_eq!(v["remove_header"], true);
        assert_eq!(v["insert_caption"], "Insert");
        assert_eq!(v["z_index"], 1000);
        let none =
            MediaLibraryOptions::from_json(&json!({"default_transformations": false})).unwrap();
        assert_eq!(
            none.to_json(&account(), &identity(), None, None).unwrap()["default_transformations"],
            json!([])
        );
    }

    #[test]
    fn bad_options_are_refused_with_specific_errors() {
        assert_eq!(
            opts_err(json!({"max_files": 0})),
            "option max_files must be between 1 and 1000"
        );
        assert_eq!(
            opts_err(json!({"max_files": 5})),
            "option max_files above 1 needs multiple: true"
        );
        assert_eq!(
            opts_err(json!({"multiple": "yes"})),
            "option multiple must be true or false"
        );
        assert_eq!(
            opts_err(json!({"insert_caption": " "})),
            "option insert_caption is empty"
        );
        assert_eq!(
            opts_err(json!({"folder": "/abs"})),
            "the folder \"/abs\" is not valid: it starts or ends with '/'"
        );
        assert_eq!(
            opts_err(json!({"maxFiles": 3})),
            "unknown Media Library option \"maxFiles\""
        );
        assert_eq!(
            opts_err(json!({"default_transformations": "f_auto,qq_auto"})),
            "the default transformation \"f_auto,qq_auto\" is not valid: unknown transformation parameter \"qq\""
        );
        assert_eq!(
            opts_err(json!({"default_transformations": "c_nope,w_300"})),
            "the default transformation \"c_nope,w_300\" is not valid: unknown crop mode 'nope'"
        );
        assert_eq!(
            opts_err(json!({"default_transformations": "w_-5"})),
            "the default transformation \"w_-5\" is not valid: negative width '-5'"
        );
        assert_eq!(
            opts_err(json!({"default_transformations": "f_auto,q"})),
            "the default transformation \"f_auto,q\" is not valid: \"q\" is not of the form <letter>_<value>"
        );
        assert_eq!(
            opts_err(json!({"default_transformations": [{"quality": "auto"}]})),
            "option default_transformations must be an array of arrays of transformation objects"
        );
        let e = MediaLibraryOptions::default()
            .to_json(&CloudAccount::new("main", "demo"), &identity(), None, None)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "the Media Library widget needs the account's API key, and it has none"
        );
    }

    #[test]
    fn login_debug_never_shows_the_signature() {
        let login = MediaLibraryLogin {
            username: "u".into(),
            timestamp: 1,
            signature: "deadbeef".into(),
        };
        assert!(!format!("{login:?}").contains("deadbeef"));
    }
}
