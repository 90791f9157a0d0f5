//! The typed transformation model. A [`Transformation`] is a chain of [`Step`]s (joined with
//! `/`), a step a list of [`Qualifier`]s (joined with `,`). `Display` writes the canonical string
//! and `FromStr` is its exact inverse: `t.to_string().parse::<Transformation>() == Ok(t)`.
//!
//! Steps built here keep the SDKs' canonical order: the condition (`if_`) first, then user
//! variables, then the `key_value` qualifiers sorted by key, then tokens without a key (raw).
//! Parsing keeps the order it reads, so `parse(s).to_string() == s` for every valid `s` too.
//!
//! ```
//! use cloudinary_connector::core::url::{CropMode, Gravity, Step, Transformation};
//! let t = Transformation::new()
//!     .then(Step::new().crop(CropMode::Fill).width(200).height(150).gravity(Gravity::Auto))
//!     .then(Step::new().radius("max").unwrap());
//! assert_eq!(t.to_string(), "c_fill,g_auto,h_150,w_200/r_max");
//! assert_eq!(t.to_string().parse::<Transformation>(), Ok(t));
//! assert_eq!(
//!     "c_blur".parse::<Transformation>().unwrap_err().to_string(),
//!     "unknown crop mode 'blur'"
//! );
//! ```
//!
//! Length: the whole grammar (typed qualifiers, steps, chains, `lex`) in one file, the one reader
//! of transformation strings; about 165 lines are tests.

use alloc::{
    borrow::ToOwned,
    string::{String, ToString},
    vec::Vec,
};
use core::fmt;
use core::str::FromStr;

/// Why a transformation string (or a value for one) is invalid.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// `c_<mode>` with a mode Cloudinary does not have.
    UnknownCropMode(String),
    /// `w_-5` / `h_-5`.
    NegativeDimension {
        /// `width` or `height`.
        which: &'static str,
        /// The value given.
        value: String,
    },
    /// `t_` with no name, or `t_a..b`.
    EmptyNamedTransformation,
    /// `w_` and the like.
    EmptyValue(String),
    /// Two `,` or `/` in a row, or a leading/trailing one.
    EmptyQualifier,
    /// A character that cannot appear in a qualifier.
    InvalidCharacter {
        /// The character.
        ch: char,
        /// Where (the offending token).
        token: String,
    },
    /// `$` followed by something that is not a variable name.
    InvalidVariableName(String),
    /// A free qualifier key (`Qualifier::Param`) that is empty, not lower-case ASCII letters, or
    /// one of the keys with a typed variant (`if`, `c`, `g`, `w`, `h`, `t`).
    InvalidKey(String),
}

/// `parts` written one after the other: the text of a `write!` without `core::fmt`'s argument
/// machinery in the URL-only wasm (scripts/size.sh).
fn write_parts(f: &mut fmt::Formatter<'_>, parts: &[&str]) -> fmt::Result {
    parts.iter().try_for_each(|p| f.write_str(p))
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::UnknownCropMode(m) => write_parts(f, &["unknown crop mode '", m, "'"]),
            ParseError::NegativeDimension { which, value } => {
                write_parts(f, &["negative ", which, " '", value, "'"])
            }
            ParseError::EmptyNamedTransformation => f.write_str("empty named transformation"),
            ParseError::EmptyValue(key) => write_parts(f, &["empty value for '", key, "'"]),
            ParseError::EmptyQualifier => f.write_str("empty qualifier (two separators in a row)"),
            ParseError::InvalidCharacter { ch, token } => {
                let mut buf = [0u8; 4];
                let ch: &str = ch.encode_utf8(&mut buf);
                write_parts(f, &["invalid character '", ch, "' in '", token, "'"])
            }
            ParseError::InvalidVariableName(n) => {
                write_parts(f, &["invalid variable name '", n, "'"])
            }
            ParseError::InvalidKey(k) => write_parts(
                f,
                &["invalid qualifier key '", k, "' (lower-case letters, and not one of if, c, g, w, h, t: those have typed qualifiers)"],
            ),
        }
    }
}

impl core::error::Error for ParseError {}

fn check_value(key: &str, v: &str) -> Result<(), ParseError> {
    if v.is_empty() {
        return Err(ParseError::EmptyValue(key.to_owned()));
    }
    if let Some(ch) = v
        .chars()
        .find(|c| matches!(c, ',' | '/') || c.is_whitespace() || c.is_control())
    {
        return Err(ParseError::InvalidCharacter {
            ch,
            token: v.to_owned(),
        });
    }
    Ok(())
}

/// A validated qualifier value: not empty, no `,` `/` or whitespace.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Token(String);

impl Token {
    /// Validates `s` as a value of qualifier `key` (the key names the error).
    pub fn new(key: &str, s: &str) -> Result<Self, ParseError> {
        check_value(key, s)?;
        Ok(Token(s.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A user variable's name (without the `$`): ASCII letters and digits, as the parser reads it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VarName(String);

impl VarName {
    /// Validates `name` (given without the `$`).
    pub fn new(name: &str) -> Result<Self, ParseError> {
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(ParseError::InvalidVariableName(["$", name].concat()));
        }
        Ok(VarName(name.to_owned()))
    }

    /// The name, without the `$`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The key of a free `key_value` qualifier: lower-case ASCII letters, and not a key with a typed
/// variant (`if`, `c`, `g`, `w`, `h`, `t`), so that what is printed parses back to the same
/// qualifier.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ParamKey(String);

impl ParamKey {
    /// Validates `key`.
    pub fn new(key: &str) -> Result<Self, ParseError> {
        let letters = !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase());
        if !letters || matches!(key, "if" | "c" | "g" | "w" | "h" | "t") {
            return Err(ParseError::InvalidKey(key.to_owned()));
        }
        Ok(ParamKey(key.to_owned()))
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The names of a named-transformation qualifier (`t_a.b`): at least one, none empty or holding
/// a `.` (which separates them).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NamedTransformations(Vec<Token>);

impl NamedTransformations {
    /// Validates `names`.
    pub fn new<S: AsRef<str>>(names: &[S]) -> Result<Self, ParseError> {
        if names.is_empty() {
            return Err(ParseError::EmptyNamedTransformation);
        }
        let mut out = Vec::with_capacity(names.len());
        for n in names {
            let n = n.as_ref();
            if n.is_empty() {
                return Err(ParseError::EmptyNamedTransformation);
            }
            if n.contains('.') {
                return Err(ParseError::InvalidCharacter {
                    ch: '.',
                    token: n.to_owned(),
                });
            }
            out.push(Token::new("t", n)?);
        }
        Ok(NamedTransformations(out))
    }

    /// The names, in order.
    pub fn as_slice(&self) -> &[Token] {
        &self.0
    }
}

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident, $err:expr, { $($(#[$vm:meta])* $variant:ident = $s:literal,)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name { $($(#[$vm])* $variant,)* }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The URL form.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s,)* }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, ParseError> {
                match s {
                    $($s => Ok($name::$variant),)*
                    other => Err($err(other)),
                }
            }
        }
    };
}

string_enum!(
    /// Resize and crop modes (`c_`).
    CropMode, |s: &str| ParseError::UnknownCropMode(s.to_owned()), {
        /// `c_scale`
        Scale = "scale",
        /// `c_fit`
        Fit = "fit",
        /// `c_limit`
        Limit = "limit",
        /// `c_mfit`
        Mfit = "mfit",
        /// `c_fill`
        Fill = "fill",
        /// `c_lfill`
        Lfill = "lfill",
        /// `c_pad`
        Pad = "pad",
        /// `c_lpad`
        Lpad = "lpad",
        /// `c_mpad`
        Mpad = "mpad",
        /// `c_fill_pad`
        FillPad = "fill_pad",
        /// `c_crop`
        Crop = "crop",
        /// `c_thumb`
        Thumb = "thumb",
        /// `c_auto`
        Auto = "auto",
        /// `c_auto_pad`
        AutoPad = "auto_pad",
        /// `c_imagga_crop`
        ImaggaCrop = "imagga_crop",
        /// `c_imagga_scale`
        ImaggaScale = "imagga_scale",
    }
);

string_enum!(
    /// Compass gravities (`g_`).
    Compass, |s: &str| ParseError::EmptyValue(s.to_owned()), {
        /// `north_west`
        NorthWest = "north_west",
        /// `north`
        North = "north",
        /// `north_east`
        NorthEast = "north_east",
        /// `west`
        West = "west",
        /// `center`
        Center = "center",
        /// `east`
        East = "east",
        /// `south_west`
        SouthWest = "south_west",
        /// `south`
        South = "south",
        /// `south_east`
        SouthEast = "south_east",
        /// `xy_center`
        XyCenter = "xy_center",
    }
);

/// Gravity (`g_`): a compass direction, `auto`, faces, or another documented value
/// (`auto:subject`, `ocr_text`, `custom_no_override`...).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Gravity {
    /// A compass direction.
    Compass(Compass),
    /// `g_auto`
    Auto,
    /// `g_face`
    Face,
    /// `g_faces`
    Faces,
    /// Any other gravity; only made by parsing, so it never duplicates a named variant.
    Other(OtherGravity),
}

/// A gravity value none of [`Gravity`]'s named variants covers.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OtherGravity(String);

impl OtherGravity {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Gravity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Gravity::Compass(c) => c.as_str(),
            Gravity::Auto => "auto",
            Gravity::Face => "face",
            Gravity::Faces => "faces",
            Gravity::Other(o) => &o.0,
        })
    }
}

impl FromStr for Gravity {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        check_value("g", s)?;
        Ok(match s {
            "auto" => Gravity::Auto,
            "face" => Gravity::Face,
            "faces" => Gravity::Faces,
            _ => match s.parse::<Compass>() {
                Ok(c) => Gravity::Compass(c),
                Err(_) => Gravity::Other(OtherGravity(s.to_owned())),
            },
        })
    }
}

/// A width or height (`w_` / `h_`): pixels, or anything else Cloudinary takes (`0.5`, `auto`,
/// `auto:breakpoints`, `iw_div_2`, `ow`...).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Dimension {
    /// Whole pixels.
    Px(u32),
    /// Any other value; only made by parsing, never a plain integer.
    Other(DimensionExpr),
}

/// A dimension that is not a whole number of pixels.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DimensionExpr(String);

impl Dimension {
    fn parse(which: &'static str, key: &str, s: &str) -> Result<Self, ParseError> {
        check_value(key, s)?;
        if s.starts_with('-') {
            return Err(ParseError::NegativeDimension {
                which,
                value: s.to_owned(),
            });
        }
        if s.bytes().all(|b| b.is_ascii_digit()) && !(s.len() > 1 && s.starts_with('0')) {
            if let Ok(px) = s.parse() {
                return Ok(Dimension::Px(px));
            }
        }
        Ok(Dimension::Other(DimensionExpr(s.to_owned())))
    }
}

impl From<u32> for Dimension {
    fn from(px: u32) -> Self {
        Dimension::Px(px)
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dimension::Px(px) => {
                let mut s = String::new();
                super::encode::push_uint(&mut s, u64::from(*px));
                f.write_str(&s)
            }
            Dimension::Other(e) => f.write_str(&e.0),
        }
    }
}

/// One `key_value` (or raw) token of a step.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Qualifier {
    /// `if_<condition>`: passed through as written.
    Condition(Token),
    /// `$name_value`: a user variable.
    Variable {
        /// The name, without the `$`.
        name: VarName,
        /// The value expression.
        value: Token,
    },
    /// `c_`
    Crop(CropMode),
    /// `g_`
    Gravity(Gravity),
    /// `w_`
    Width(Dimension),
    /// `h_`
    Height(Dimension),
    /// `t_a.b`: named transformations.
    Named(NamedTransformations),
    /// Any other `key_value` (`f_auto`, `q_auto:good`, `e_sepia:10`, `l_text:arial_20:hi`, ...).
    Param {
        /// The key (lower-case letters, not a typed one).
        key: ParamKey,
        /// The value.
        value: Token,
    },
    /// A token without a `key_value` shape; only made by parsing.
    Raw(RawToken),
}

/// A token that is not `key_value`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RawToken(String);

impl Qualifier {
    /// `key_value` for any key (`"e"`, `"sepia:50"`); typed keys are parsed into their variants.
    pub fn param(key: &str, value: &str) -> Result<Self, ParseError> {
        let mut token = String::with_capacity(key.len() + value.len() + 1);
        token.push_str(key);
        token.push('_');
        token.push_str(value);
        token.parse()
    }

    /// The canonical rank: condition, variables, keyed qualifiers (by key), raw.
    fn rank(&self) -> (u8, &str) {
        match self {
            Qualifier::Condition(_) => (0, ""),
            Qualifier::Variable { .. } => (1, ""),
            Qualifier::Crop(_) => (2, "c"),
            Qualifier::Gravity(_) => (2, "g"),
            Qualifier::Width(_) => (2, "w"),
            Qualifier::Height(_) => (2, "h"),
            Qualifier::Named(_) => (2, "t"),
            Qualifier::Param { key, .. } => (2, key.as_str()),
            Qualifier::Raw(_) => (3, ""),
        }
    }
}

impl fmt::Display for Qualifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Qualifier::Condition(c) => write_parts(f, &["if_", &c.0]),
            Qualifier::Variable { name, value } => write_parts(f, &["$", &name.0, "_", &value.0]),
            Qualifier::Crop(c) => write_parts(f, &["c_", c.as_str()]),
            Qualifier::Gravity(g) => {
                f.write_str("g_")?;
                fmt::Display::fmt(g, f)
            }
            Qualifier::Width(w) => {
                f.write_str("w_")?;
                fmt::Display::fmt(w, f)
            }
            Qualifier::Height(h) => {
                f.write_str("h_")?;
                fmt::Display::fmt(h, f)
            }
            Qualifier::Named(names) => {
                f.write_str("t_")?;
                for (i, n) in names.0.iter().enumerate() {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(&n.0)?;
                }
                Ok(())
            }
            Qualifier::Param { key, value } => write_parts(f, &[&key.0, "_", &value.0]),
            Qualifier::Raw(r) => f.write_str(&r.0),
        }
    }
}

impl FromStr for Qualifier {
    type Err = ParseError;
    fn from_str(token: &str) -> Result<Self, ParseError> {
        if token.is_empty() {
            return Err(ParseError::EmptyQualifier);
        }
        let Some((key, value)) = token.split_once('_') else {
            check_value(token, token)?;
            return Ok(Qualifier::Raw(RawToken(token.to_owned())));
        };
        if let Some(name) = key.strip_prefix('$') {
            return Ok(Qualifier::Variable {
                name: VarName::new(name)?,
                value: Token::new(key, value)?,
            });
        }
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_lowercase()) {
            check_value(token, token)?;
            return Ok(Qualifier::Raw(RawToken(token.to_owned())));
        }
        Ok(match key {
            "if" => Qualifier::Condition(Token::new(key, value)?),
            "c" => {
                check_value(key, value)?;
                Qualifier::Crop(value.parse()?)
            }
            "g" => Qualifier::Gravity(value.parse()?),
            "w" => Qualifier::Width(Dimension::parse("width", key, value)?),
            "h" => Qualifier::Height(Dimension::parse("height", key, value)?),
            "t" => {
                if value.is_empty() {
                    return Err(ParseError::EmptyNamedTransformation);
                }
                let names: Vec<&str> = value.split('.').collect();
                Qualifier::Named(NamedTransformations::new(&names)?)
            }
            _ => Qualifier::Param {
                key: ParamKey(key.to_owned()),
                value: Token::new(key, value)?,
            },
        })
    }
}

/// One step (component) of a chained transformation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Step {
    qualifiers: Vec<Qualifier>,
}

impl Step {
    /// An empty step.
    pub fn new() -> Self {
        Step::default()
    }

    /// A step of `qualifiers`, put in canonical order.
    pub fn from_qualifiers(qualifiers: Vec<Qualifier>) -> Self {
        let mut s = Step { qualifiers };
        s.qualifiers.sort_by(|a, b| a.rank().cmp(&b.rank()));
        s
    }

    /// The qualifiers, in order.
    pub fn qualifiers(&self) -> &[Qualifier] {
        &self.qualifiers
    }

    /// Adds `q` at its canonical place (after qualifiers of the same rank).
    #[must_use]
    pub fn with(mut self, q: Qualifier) -> Self {
        let pos = self.qualifiers.partition_point(|x| x.rank() <= q.rank());
        self.qualifiers.insert(pos, q);
        self
    }

    /// `c_<mode>`
    #[must_use]
    pub fn crop(self, mode: CropMode) -> Self {
        self.with(Qualifier::Crop(mode))
    }

    /// `w_<px>`
    #[must_use]
    pub fn width(self, w: impl Into<Dimension>) -> Self {
        self.with(Qualifier::Width(w.into()))
    }

    /// `h_<px>`
    #[must_use]
    pub fn height(self, h: impl Into<Dimension>) -> Self {
        self.with(Qualifier::Height(h.into()))
    }

    /// `g_<gravity>`
    #[must_use]
    pub fn gravity(self, g: Gravity) -> Self {
        self.with(Qualifier::Gravity(g))
    }

    /// `f_auto`
    #[must_use]
    pub fn format_auto(self) -> Self {
        self.with(Qualifier::Param {
            key: ParamKey("f".into()),
            value: Token("auto".into()),
        })
    }

    /// `q_auto`
    #[must_use]
    pub fn quality_auto(self) -> Self {
        self.with(Qualifier::Param {
            key: ParamKey("q".into()),
            value: Token("auto".into()),
        })
    }

    /// `r_<value>` (`"max"`, `"20"`, `"10:20"`), checked like any qualifier value (not empty,
    /// no `,` `/` or whitespace), so that the step still parses back to itself.
    pub fn radius(self, value: &str) -> Result<Self, ParseError> {
        Ok(self.with(Qualifier::Param {
            key: ParamKey("r".into()),
            value: Token::new("r", value)?,
        }))
    }

    /// Whether the step has no qualifiers.
    pub fn is_empty(&self) -> bool {
        self.qualifiers.is_empty()
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, q) in self.qualifiers.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            fmt::Display::fmt(q, f)?;
        }
        Ok(())
    }
}

impl FromStr for Step {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        if s.is_empty() {
            return Err(ParseError::EmptyQualifier);
        }
        let qualifiers = s
            .split(QUALIFIER_SEPARATOR)
            .map(str::parse)
            .collect::<Result<_, _>>()?;
        Ok(Step { qualifiers })
    }
}

/// A chained transformation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Transformation {
    steps: Vec<Step>,
}

impl Transformation {
    /// No transformation.
    pub fn new() -> Self {
        Transformation::default()
    }

    /// Appends a step (empty steps are skipped, as the SDKs skip them).
    #[must_use]
    pub fn then(mut self, step: Step) -> Self {
        if !step.is_empty() {
            self.steps.push(step);
        }
        self
    }

    /// The raw escape hatch: any transformation string, parsed (so it is still checked and
    /// round-trips).
    pub fn raw(s: &str) -> Result<Self, ParseError> {
        s.parse()
    }

    /// The steps, in order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// Whether there are no steps.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Parses (same as `FromStr`).
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        s.parse()
    }
}

impl fmt::Display for Transformation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.steps.iter().enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            fmt::Display::fmt(s, f)?;
        }
        Ok(())
    }
}

impl FromStr for Transformation {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        if s.is_empty() {
            return Ok(Transformation::new());
        }
        let steps = s
            .split(STEP_SEPARATOR)
            .map(str::parse)
            .collect::<Result<_, _>>()?;
        Ok(Transformation { steps })
    }
}

/// Separates the steps of a chained transformation.
const STEP_SEPARATOR: char = '/';
/// Separates the qualifiers of one step.
const QUALIFIER_SEPARATOR: char = ',';

/// One qualifier as the grammar splits it, before any value is checked: what [`lex`] yields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lexeme<'a> {
    /// The step's index in the chain.
    pub step: usize,
    /// The whole qualifier (`l_image:upload:docs:a`).
    pub token: &'a str,
    /// The key before the first `_` (`l`, `$img`, `fn`), if the qualifier has one.
    pub key: Option<&'a str>,
    /// The value after the first `_` (the whole token when there is no key).
    pub value: &'a str,
}

/// Splits `s` into qualifiers exactly as [`Transformation::parse`] does (steps at `/`,
/// qualifiers at `,`, key and value at the first `_`), without refusing any value: for readers
/// that must see every qualifier of a transformation Cloudinary may accept even when this
/// crate's typed parser would not (text layers with spaces, crop modes newer than the crate).
/// The signer's policy reads transformations with it.
pub fn lex(s: &str) -> impl Iterator<Item = Lexeme<'_>> {
    s.split(STEP_SEPARATOR)
        .enumerate()
        .flat_map(|(step, st)| {
            st.split(QUALIFIER_SEPARATOR)
                .map(move |token| match token.split_once('_') {
                    Some((key, value)) => Lexeme {
                        step,
                        token,
                        key: Some(key),
                        value,
                    },
                    None => Lexeme {
                        step,
                        token,
                        key: None,
                        value: token,
                    },
                })
        })
        .filter(|l| !l.token.is_empty())
}

impl TryFrom<&str> for Transformation {
    type Error = ParseError;
    fn try_from(s: &str) -> Result<Self, ParseError> {
        s.parse()
    }
}

impl From<Transformation> for String {
    fn from(t: Transformation) -> String {
        t.to_string()
    }
}

impl From<Step> for Transformation {
    fn from(step: Step) -> Self {
        Transformation::new().then(step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `lex` splits exactly where the typed parser does, and yields what it refuses too.
    #[test]
    fn lex_splits_like_the_parser() {
        let s = "$img_!docs:a!/c_fill,w_100/l_image:upload:docs:b,fl_layer_apply";
        let parsed: Vec<String> = s
            .parse::<Transformation>()
            .unwrap()
            .steps()
            .iter()
            .enumerate()
            .flat_map(|(i, st)| st.qualifiers().iter().map(move |q| format!("{i}:{q}")))
            .collect();
        let lexed: Vec<String> = lex(s).map(|l| format!("{}:{}", l.step, l.token)).collect();
        assert_eq!(parsed, lexed);
        let l: Vec<Lexeme<'_>> = lex("l_text:Open Sans_20:hi,c_newmode").collect();
        assert_eq!(l[0].key, Some("l"));
        assert_eq!(l[0].value, "text:Open Sans_20:hi");
        assert_eq!(l[1].key, Some("c"));
        assert!("l_text:Open Sans_20:hi".parse::<Transformation>().is_err());
        assert_eq!(lex("").count(), 0);
        assert_eq!(lex("e_sepia").next().unwrap().key, Some("e"));
        assert_eq!(lex("raw").next().unwrap().key, None);
    }

    #[track_caller]
    fn err(s: &str) -> String {
        s.parse::<Transformation>().unwrap_err().to_string()
    }

    #[track_caller]
    fn round_trip(s: &str) {
        assert_eq!(s.parse::<Transformation>().unwrap().to_string(), s);
    }

    #[test]
    fn bad_input_gets_specific_errors() {
        assert_eq!(err("c_blur"), "unknown crop mode 'blur'");
        assert_eq!(err("w_-10"), "negative width '-10'");
        assert_eq!(err("c_fill,h_-1"), "negative height '-1'");
        assert_eq!(err("t_"), "empty named transformation");
        assert_eq!(err("t_a..b"), "empty named transformation");
        assert_eq!(err("w_"), "empty value for 'w'");
        assert_eq!(
            err("c_fill,,w_1"),
            "empty qualifier (two separators in a row)"
        );
        assert_eq!(
            err("c_fill//w_1"),
            "empty qualifier (two separators in a row)"
        );
        assert_eq!(err("$_1"), "invalid variable name '$'");
        assert_eq!(err("l_text:a b"), "invalid character ' ' in 'text:a b'");
    }

    #[test]
    fn radius_is_checked() {
        assert_eq!(Step::new().radius("max").unwrap().to_string(), "r_max");
        assert_eq!(
            Step::new().radius("1,2").unwrap_err().to_string(),
            "invalid character ',' in '1,2'"
        );
        assert_eq!(
            Step::new().radius("").unwrap_err().to_string(),
            "empty value for 'r'"
        );
    }

    #[test]
    fn the_variants_parts_only_hold_what_parses_back() {
        let e = |r: Result<_, ParseError>| r.map(|_: ()| ()).unwrap_err().to_string();
        assert_eq!(
            e(VarName::new("a_b").map(drop)),
            "invalid variable name '$a_b'"
        );
        assert_eq!(e(VarName::new("").map(drop)), "invalid variable name '$'");
        for k in ["w", "c", "if", "t", "", "W", "a_b"] {
            assert_eq!(
                e(ParamKey::new(k).map(drop)),
                format!("invalid qualifier key '{k}' (lower-case letters, and not one of if, c, g, w, h, t: those have typed qualifiers)")
            );
        }
        let none: [&str; 0] = [];
        assert_eq!(
            e(NamedTransformations::new(&none).map(drop)),
            "empty named transformation"
        );
        assert_eq!(
            e(NamedTransformations::new(&["a", ""]).map(drop)),
            "empty named transformation"
        );
        assert_eq!(
            e(NamedTransformations::new(&["a.b"]).map(drop)),
            "invalid character '.' in 'a.b'"
        );
        // What they accept prints and parses back to the same qualifier.
        let q = Qualifier::Param {
            key: ParamKey::new("e").unwrap(),
            value: Token::new("e", "sepia:10").unwrap(),
        };
        assert_eq!(q.to_string().parse::<Qualifier>(), Ok(q));
        let q = Qualifier::Variable {
            name: VarName::new("w2").unwrap(),
            value: Token::new("$", "a_b").unwrap(),
        };
        assert_eq!(q.to_string(), "$w2_a_b");
        assert_eq!(q.to_string().parse::<Qualifier>(), Ok(q));
        let q = Qualifier::Named(NamedTransformations::new(&["a", "b%20c"]).unwrap());
        assert_eq!(q.to_string(), "t_a.b%20c");
        assert_eq!(q.to_string().parse::<Qualifier>(), Ok(q));
    }

    #[test]
    fn sdk_strings_round_trip() {
        for s in [
            "c_fill,x_100,y_100/c_crop,w_100",
            "$v_10,r_$v",
            "if_w_gt_100,c_scale,w_50",
            "w_100,g_north_west",
            "l_text:Times_70_bold:Cool%25F0%259F%2598%258D,co_red",
            "t_blip.blop",
            "c_fill,w_auto:breakpoints_100_1900_20_15",
            "fn_pre:remote:aHR0cHM6Ly9kZjM0==",
            "e_sepia:-10",
            "w_0.5",
            "w_007",
        ] {
            round_trip(s);
        }
    }

    #[test]
    fn builder_orders_like_the_sdks() {
        let s = Step::new()
            .width(100)
            .with("$v_2".parse().unwrap())
            .crop(CropMode::Fill)
            .with("if_w_gt_10".parse().unwrap())
            .format_auto()
            .quality_auto();
        assert_eq!(s.to_string(), "if_w_gt_10,$v_2,c_fill,f_auto,q_auto,w_100");
    }

    #[test]
    fn typed_values_parse() {
        assert_eq!(
            "g_north".parse::<Qualifier>(),
            Ok(Qualifier::Gravity(Gravity::Compass(Compass::North)))
        );
        assert_eq!(
            "w_100".parse::<Qualifier>(),
            Ok(Qualifier::Width(Dimension::Px(100)))
        );
        assert!(matches!(
            "g_auto:faces".parse::<Qualifier>(),
            Ok(Qualifier::Gravity(Gravity::Other(_)))
        ));
        assert_eq!(
            Qualifier::param("c", "pad"),
            Ok(Qualifier::Crop(CropMode::Pad))
        );
    }
}
