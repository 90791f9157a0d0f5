//! [`Value`]: the SDK-style option tree (`{cloud_name, width, crop, transformation: [...]}`) the
//! Node SDK's `cloudinary.url(public_id, options)` takes, independent of where it came from
//! (a JavaScript object in the browser, JSON in tests, Rust code).

use super::encode::sub;

/// One option value. Numbers keep the text their source printed them with (JavaScript's
/// `String(n)` in the browser, JSON's in tests), so the engine never formats floats itself and
/// emits exactly what the SDKs emit.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    /// `null` / `undefined`: treated as absent, as the Node SDK's `option_consume` does.
    #[default]
    Null,
    /// A boolean.
    Bool(bool),
    /// A number, as decimal text (`"100"`, `"2.63"`).
    Num(String),
    /// A string.
    Str(String),
    /// An array.
    List(Vec<Value>),
    /// An object, entries in insertion order.
    Map(Vec<(String, Value)>),
}

impl Value {
    /// An empty object.
    pub fn map() -> Self {
        Value::Map(Vec::new())
    }

    /// Adds or replaces `key` (objects only; a no-op on other values). Chainable.
    #[must_use]
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.set(key, value.into());
        self
    }

    /// Adds or replaces `key` in an object.
    pub fn set(&mut self, key: &str, value: Value) {
        if let Value::Map(entries) = self {
            match entries.iter_mut().find(|(k, _)| k == key) {
                Some(slot) => slot.1 = value,
                None => entries.push((key.to_owned(), value)),
            }
        }
    }

    /// The value of `key` when this is an object and the key holds something other than `null`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v)
                .filter(|v| !v.is_null()),
            _ => None,
        }
    }

    /// `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Scalar text: strings as they are, numbers as printed, booleans as `true`/`false`.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Str(s) | Value::Num(s) => Some(s),
            Value::Bool(true) => Some("true"),
            Value::Bool(false) => Some("false"),
            _ => None,
        }
    }

    /// JavaScript truthiness (`false`, `0`, `""`, `null` are false).
    pub fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Num(n) => !(n == "0" || n == "-0" || n == "NaN"),
            Value::Str(s) => !s.is_empty(),
            Value::List(_) | Value::Map(_) => true,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
macro_rules! num_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Self {
                Value::Num(n.to_string())
            }
        }
    )*};
}
num_from!(u8, u16, u32, u64, i32, i64, usize);
impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Self {
        Value::List(v)
    }
}

// `From<&core::json::Value>` (the plugin's JSON model) lives in `core::json`.

impl Value {
    /// Parses JSON (as `JSON.stringify` writes it) into a [`Value`], keeping number text as
    /// written. The browser facade passes option objects this way: one string instead of one
    /// call per property, and no `serde_json` in the URL-only build.
    ///
    /// ```
    /// use cloudinary_connector::core::url::Value;
    /// let v = Value::from_json(r#"{"width":100,"crop":"fill","flags":["a","b"],"x":2.5e-7}"#).unwrap();
    /// assert_eq!(v.get("width"), Some(&Value::Num("100".into())));
    /// assert_eq!(v.get("x"), Some(&Value::Num("2.5e-7".into())));
    /// assert_eq!(Value::from_json("{").unwrap_err(), "invalid JSON at byte 1");
    /// ```
    pub fn from_json(s: &str) -> Result<Value, String> {
        let mut p = JsonParser {
            s: s.as_bytes(),
            src: s,
            i: 0,
            depth: 0,
        };
        let v = p.value()?;
        p.ws();
        if p.i != p.s.len() {
            return Err(p.err());
        }
        Ok(v)
    }
}

struct JsonParser<'a> {
    s: &'a [u8],
    src: &'a str,
    i: usize,
    depth: u32,
}

impl JsonParser<'_> {
    fn err(&self) -> String {
        let mut s = String::from("invalid JSON at byte ");
        super::encode::push_uint(&mut s, self.i as u64);
        s
    }

    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn eat(&mut self, lit: &str) -> Result<(), String> {
        if self.s[self.i..].starts_with(lit.as_bytes()) {
            self.i += lit.len();
            Ok(())
        } else {
            Err(self.err())
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        self.ws();
        let Some(&c) = self.s.get(self.i) else {
            return Err(self.err());
        };
        match c {
            b'n' => self.eat("null").map(|()| Value::Null),
            b't' => self.eat("true").map(|()| Value::Bool(true)),
            b'f' => self.eat("false").map(|()| Value::Bool(false)),
            b'"' => self.string().map(Value::Str),
            b'[' | b'{' => {
                self.depth += 1;
                if self.depth > 64 {
                    return Err("JSON nested too deeply".to_owned());
                }
                let v = if c == b'[' {
                    self.array()
                } else {
                    self.object()
                };
                self.depth -= 1;
                v
            }
            b'-' | b'0'..=b'9' => {
                let start = self.i;
                self.i += 1;
                while self.i < self.s.len()
                    && matches!(
                        self.s[self.i],
                        b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-'
                    )
                {
                    self.i += 1;
                }
                Ok(Value::Num(sub(self.src, start, self.i).to_owned()))
            }
            _ => Err(self.err()),
        }
    }

    fn array(&mut self) -> Result<Value, String> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b']') {
            self.i += 1;
            return Ok(Value::List(items));
        }
        loop {
            items.push(self.value()?);
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::List(items));
                }
                _ => return Err(self.err()),
            }
        }
    }

    fn object(&mut self) -> Result<Value, String> {
        self.i += 1;
        let mut entries = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Ok(Value::Map(entries));
        }
        loop {
            self.ws();
            if self.s.get(self.i) != Some(&b'"') {
                return Err(self.err());
            }
            let k = self.string()?;
            self.ws();
            self.eat(":")?;
            let v = self.value()?;
            entries.push((k, v));
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::Map(entries));
                }
                _ => return Err(self.err()),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let h = self.src.get(self.i..self.i + 4).ok_or_else(|| self.err())?;
        let v = u32::from_str_radix(h, 16).map_err(|_| self.err())?;
        self.i += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out = String::new();
        let mut start = self.i;
        loop {
            let Some(&c) = self.s.get(self.i) else {
                return Err(self.err());
            };
            match c {
                b'"' => {
                    out.push_str(sub(self.src, start, self.i));
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(sub(self.src, start, self.i));
                    self.i += 1;
                    let Some(&e) = self.s.get(self.i) else {
                        return Err(self.err());
                    };
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let cp = if (0xD800..0xDC00).contains(&hi)
                                && self.s[self.i..].starts_with(b"\\u")
                            {
                                self.i += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.err());
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            // Lone surrogates (possible in JS strings) become U+FFFD.
                            out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                        }
                        _ => return Err(self.err()),
                    }
                    start = self.i;
                }
                _ => self.i += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_parses_like_javascript_writes_it() {
        let v = Value::from_json(
            r#" {"a":[1,-2.5,true,null,{}],"b":"x\"\\\/\n\u00e9\ud83d\ude0d","c":[]} "#,
        )
        .unwrap();
        assert_eq!(
            v,
            Value::Map(vec![
                (
                    "a".into(),
                    Value::List(vec![
                        Value::Num("1".into()),
                        Value::Num("-2.5".into()),
                        Value::Bool(true),
                        Value::Null,
                        Value::Map(vec![])
                    ])
                ),
                ("b".into(), Value::Str("x\"\\/\né😍".into())),
                ("c".into(), Value::List(vec![])),
            ])
        );
        assert_eq!(
            Value::from_json("[1,]").unwrap_err(),
            "invalid JSON at byte 3"
        );
        assert_eq!(
            Value::from_json("{} x").unwrap_err(),
            "invalid JSON at byte 3"
        );
        assert_eq!(
            Value::from_json(&"[".repeat(100)).unwrap_err(),
            "JSON nested too deeply"
        );
    }
}
