//! [`Value`]: the SDK-style option tree (`{cloud_name, width, crop, transformation: [...]}`) the
//! Node SDK's `cloudinary.url(public_id, options)` takes, independent of where it came from
//! (a JavaScript object in the browser, JSON in tests, Rust code).

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

impl From<&serde_json::Value> for Value {
    fn from(v: &serde_json::Value) -> Self {
        use serde_json::Value as J;
        match v {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => Value::Num(n.to_string()),
            J::String(s) => Value::Str(s.clone()),
            J::Array(a) => Value::List(a.iter().map(Value::from).collect()),
            J::Object(o) => Value::Map(o.iter().map(|(k, v)| (k.clone(), Value::from(v))).collect()),
        }
    }
}
