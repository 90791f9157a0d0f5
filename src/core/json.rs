//! A small JSON model, parser and serializer: the plugin's option and record format, with the
//! subset of `serde_json`'s API the plugin uses (`Value`, `Map`, `Number`, [`json!`](crate::json),
//! [`from_str`], [`to_string`]) so that the wasm build links no `serde_json` (with it, its
//! monomorphisations and the float formatting it pulls in, the whole plugin's wasm was 125 KB
//! larger: `scripts/size.sh`).
//!
//! * Numbers keep the text their source printed them with (`JSON.stringify` in the browser, the
//!   JSON a test wrote): no float parsing or formatting code in the wasm build, and a number
//!   round-trips exactly.
//! * Objects keep their keys sorted (as `serde_json`'s default `Map` does), so serialised records
//!   are stable; each entry also remembers its insertion rank, for the one reader that needs a
//!   JavaScript object's order ([`Map::first_inserted`]).
//! * Parse errors read as `serde_json`'s (`expected value at line 1 column 1`), so error messages
//!   users and tests already know stay the same.
//!
//! ```
//! use cloudinary_connector::{core::json, json};
//! let v = json::from_str(r#"{"b": [1, 2.50, null], "a": "x\u00e9"}"#).unwrap();
//! assert_eq!(v["b"][1].to_string(), "2.50");
//! assert_eq!(v["a"], "xé");
//! assert_eq!(json::to_string(&v), r#"{"a":"xé","b":[1,2.50,null]}"#);
//! assert_eq!(v, json!({"a": "xé", "b": [1, json::Value::Number(json::Number::from_text("2.50").unwrap()), null]}));
//! assert_eq!(json::from_str("{").unwrap_err(), "EOF while parsing an object at line 1 column 1");
//! ```
//!
//! It is the plugin's one JSON model: the URL engine's SDK options are these values too (read
//! through `core::url::OptionValue`, which adds the Node SDK's reading: `null` as absent, JS
//! truthiness, scalar text), so the URL-only builds compile this module as well. For their size the
//! parser keeps `core::fmt` out (messages are joined with `core::text`'s helpers, and written once,
//! by [`from_str`], from a `(what, where)` pair).
//!
//! Length: the model (`Value`, `Map`, `Number`), its parser, serializer, `json!` macro and their
//! tests (about 110 lines) are one unit: each half is only correct against the other (exact number
//! text, sorted keys, `serde_json`'s error positions).

use crate::core::text::Quoted;
use alloc::{
    borrow::ToOwned,
    string::{String, ToString},
    vec::Vec,
};
use core::fmt::{self, Write as _};

use crate::core::text::{cat, push_uint, sub};
use core::ops::{Index, IndexMut};

/// A JSON value.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Value {
    /// `null`.
    #[default]
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, as JSON text.
    Number(Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object.
    Object(Map<String, Value>),
}

/// A JSON number, kept as the (valid JSON) text it was written with.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Number(String);

impl Number {
    /// The number written as `text`, when `text` is a JSON number.
    pub fn from_text(text: &str) -> Option<Number> {
        let mut p = Parser::new(text);
        match p.number_text() {
            Ok(()) if p.i == text.len() => Some(Number(text.to_owned())),
            _ => None,
        }
    }

    /// The JSON text.
    pub fn as_text(&self) -> &str {
        &self.0
    }

    /// The value as a `u64`, when it is a non-negative integer written without fraction or
    /// exponent that fits.
    pub fn as_u64(&self) -> Option<u64> {
        let t = self.0.as_str();
        if t.bytes().all(|b| b.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    }

    /// The value as an `i64`, when it is an integer written without fraction or exponent that
    /// fits.
    pub fn as_i64(&self) -> Option<i64> {
        let digits = self.0.strip_prefix('-').unwrap_or(&self.0);
        if digits.bytes().all(|b| b.is_ascii_digit()) {
            self.0.parse().ok()
        } else {
            None
        }
    }

    /// The integer part of a non-negative number written without exponent (`12.9` → 12); `None`
    /// for one with an exponent (`1.5e3`).
    pub fn as_u64_truncated(&self) -> Option<u64> {
        if self.0.contains(['e', 'E']) {
            return None;
        }
        Number(self.0.split('.').next().unwrap_or("").to_owned()).as_u64()
    }

    /// The value as an `f64` (links Rust's float parser: keep it out of wasm paths).
    pub fn as_f64(&self) -> Option<f64> {
        self.0.parse().ok()
    }

    /// Whether this is an integer that fits a `u64`.
    pub fn is_u64(&self) -> bool {
        self.as_u64().is_some()
    }

    /// Whether this is an integer that fits an `i64`.
    pub fn is_i64(&self) -> bool {
        self.as_i64().is_some()
    }

    /// Whether this is neither a `u64` nor an `i64` (a fraction, an exponent, a huge number).
    pub fn is_f64(&self) -> bool {
        !self.is_u64() && !self.is_i64()
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! number_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(n: $t) -> Self {
                Number(n.to_string())
            }
        }
        impl From<$t> for Value {
            fn from(n: $t) -> Self {
                Value::Number(Number::from(n))
            }
        }
        impl ToJson for $t {
            fn to_json(&self) -> Value {
                Value::from(*self)
            }
        }
        impl PartialEq<$t> for Value {
            fn eq(&self, other: &$t) -> bool {
                matches!(self, Value::Number(n) if n.0 == other.to_string())
            }
        }
    )*};
}
number_from!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

/// A JSON object: keys kept sorted, like `serde_json`'s default `Map`. Each entry also remembers
/// when its key was first inserted, as a JavaScript object does: [`Map::first_inserted`] reads
/// by that order (the one URL option whose meaning depends on it: `core::url::OptionValue`).
/// Equality ignores insertion order, as `serde_json`'s does.
#[derive(Clone)]
pub struct Map<K = String, V = Value> {
    /// Sorted by key; the `u32` is the entry's insertion rank: the ranks are always `0..len`
    /// (`remove` and `retain` close the gaps), so a new key's rank is `len`.
    entries: Vec<(K, V, u32)>,
}

impl<K: PartialEq, V: PartialEq> PartialEq for Map<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.entries.len() == other.entries.len()
            && self
                .entries
                .iter()
                .zip(&other.entries)
                .all(|(a, b)| a.0 == b.0 && a.1 == b.1)
    }
}
impl<K: Eq, V: Eq> Eq for Map<K, V> {}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for Map<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(k, v, _)| (k, v)))
            .finish()
    }
}

impl<V> Default for Map<String, V> {
    fn default() -> Self {
        Map {
            entries: Vec::new(),
        }
    }
}

impl<V> Map<String, V> {
    /// An empty object.
    pub fn new() -> Self {
        Map {
            entries: Vec::new(),
        }
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.entries
            .binary_search_by(|(k, _, _)| k.as_str().cmp(key))
    }

    /// The insertion rank of a key inserted now.
    fn next_rank(&self) -> u32 {
        self.entries.len() as u32
    }

    /// Renumbers the ranks `0..len`, keeping their order (after entries were removed).
    fn close_rank_gaps(&mut self) {
        let old: Vec<u32> = self.entries.iter().map(|e| e.2).collect();
        for e in &mut self.entries {
            e.2 = old.iter().filter(|&&r| r < e.2).count() as u32;
        }
    }

    /// Sets `key`, returning the value it replaced (a replaced key keeps its insertion rank, as
    /// in JavaScript).
    pub fn insert(&mut self, key: String, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(core::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                let rank = self.next_rank();
                self.entries.insert(i, (key, value, rank));
                None
            }
        }
    }

    /// Sets `key` (copied) to `value`, dropping any value it replaces. `json!({...})` and the
    /// option writers use it rather than `insert(key.into(), value)`, so that the copy and the
    /// drop are in the wasm once, not at every call (−1.4 KB gzip on the whole plugin,
    /// `scripts/size.sh`).
    pub fn set(&mut self, key: &str, value: V) {
        self.insert(key.to_owned(), value);
    }

    /// The entry inserted first among those whose value passes `keep` (JavaScript's
    /// `Object.entries(o).find(...)`; every other reader sees key order).
    pub fn first_inserted(&self, mut keep: impl FnMut(&V) -> bool) -> Option<(&String, &V)> {
        self.entries
            .iter()
            .filter(|e| keep(&e.1))
            .min_by_key(|e| e.2)
            .map(|(k, v, _)| (k, v))
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    /// The value of `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        self.find(key).ok().map(|i| &mut self.entries[i].1)
    }

    /// Whether `key` is set.
    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<V> {
        let i = self.find(key).ok()?;
        let v = self.entries.remove(i).1;
        self.close_rank_gaps();
        Some(v)
    }

    /// The value of `key`, inserting `f()` first when it is not set.
    pub fn get_or_insert_with(&mut self, key: &str, f: impl FnOnce() -> V) -> &mut V {
        let i = match self.find(key) {
            Ok(i) => i,
            Err(i) => {
                let rank = self.next_rank();
                self.entries.insert(i, (key.to_owned(), f(), rank));
                i
            }
        };
        &mut self.entries[i].1
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, in key order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&String, &V)> + ExactSizeIterator {
        self.entries.iter().map(|(k, v, _)| (k, v))
    }

    /// The entries, in key order, values mutably.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&String, &mut V)> {
        self.entries.iter_mut().map(|(k, v, _)| (&*k, v))
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator {
        self.entries.iter().map(|(k, _, _)| k)
    }

    /// The values, in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.entries.iter().map(|(_, v, _)| v)
    }

    /// Keeps the entries for which `f` is true.
    pub fn retain(&mut self, mut f: impl FnMut(&String, &mut V) -> bool) {
        let len = self.entries.len();
        self.entries.retain_mut(|(k, v, _)| f(k, v));
        if self.entries.len() != len {
            self.close_rank_gaps();
        }
    }
}

impl<'a, V> IntoIterator for &'a Map<String, V> {
    type Item = (&'a String, &'a V);
    type IntoIter = core::iter::Map<
        core::slice::Iter<'a, (String, V, u32)>,
        fn(&'a (String, V, u32)) -> (&'a String, &'a V),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v, _)| (k, v))
    }
}

impl<V> IntoIterator for Map<String, V> {
    type Item = (String, V);
    type IntoIter = core::iter::Map<
        alloc::vec::IntoIter<(String, V, u32)>,
        fn((String, V, u32)) -> (String, V),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter().map(|(k, v, _)| (k, v))
    }
}

impl<V> FromIterator<(String, V)> for Map<String, V> {
    fn from_iter<I: IntoIterator<Item = (String, V)>>(iter: I) -> Self {
        let mut m = Map::new();
        m.extend(iter);
        m
    }
}

impl<V> Extend<(String, V)> for Map<String, V> {
    fn extend<I: IntoIterator<Item = (String, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl Index<&str> for Map<String, Value> {
    type Output = Value;
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or(&NULL)
    }
}

static NULL: Value = Value::Null;

impl Value {
    /// The value of `key` in an object (`None` for other values).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?.get(key)
    }

    /// The value of `key` in an object, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.as_object_mut()?.get_mut(key)
    }

    /// Sets `key` in an object (adding or replacing it); does nothing to other values. Unlike
    /// `v[key] = value` it never panics, which also keeps the panic message's formatting out of
    /// the URL-only wasm.
    pub fn set(&mut self, key: &str, value: Value) {
        if let Value::Object(o) = self {
            o.insert(key.to_owned(), value);
        }
    }

    /// The value at a JSON Pointer (`/error/message`, `/items/0`), as `serde_json` reads it.
    pub fn pointer(&self, pointer: &str) -> Option<&Value> {
        if pointer.is_empty() {
            return Some(self);
        }
        let rest = pointer.strip_prefix('/')?;
        rest.split('/').try_fold(self, |v, token| {
            let token = unescape_pointer_token(token);
            match v {
                Value::Object(o) => o.get(&token),
                Value::Array(a) => a.get(token.parse::<usize>().ok()?),
                _ => None,
            }
        })
    }

    /// `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// A string.
    pub fn is_string(&self) -> bool {
        matches!(self, Value::String(_))
    }

    /// An object.
    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    /// An array.
    pub fn is_array(&self) -> bool {
        matches!(self, Value::Array(_))
    }

    /// A boolean.
    pub fn is_boolean(&self) -> bool {
        matches!(self, Value::Bool(_))
    }

    /// A number.
    pub fn is_number(&self) -> bool {
        matches!(self, Value::Number(_))
    }

    /// The string, for a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, for a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number as a `u64` (see [`Number::as_u64`]).
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    /// The number as an `i64` (see [`Number::as_i64`]).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// The number as an `f64` (see [`Number::as_f64`]).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    /// The items, for an array.
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The items, for an array, mutably.
    pub fn as_array_mut(&mut self) -> Option<&mut Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The entries, for an object.
    pub fn as_object(&self) -> Option<&Map<String, Value>> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// The entries, for an object, mutably.
    pub fn as_object_mut(&mut self) -> Option<&mut Map<String, Value>> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// Takes the value out, leaving `null`.
    pub fn take(&mut self) -> Value {
        core::mem::take(self)
    }

    /// How `serde` names this value in "invalid type" errors (`string "x"`, `integer `5``,
    /// `null`, `map`, ...).
    pub fn unexpected(&self) -> String {
        match self {
            Value::Null => "null".to_owned(),
            Value::Bool(b) => format!("boolean `{b}`"),
            Value::Number(n) if n.is_u64() || n.is_i64() => format!("integer `{n}`"),
            Value::Number(n) => format!("floating point `{n}`"),
            Value::String(s) => format!("string {s}", s = Quoted(s)),
            Value::Array(_) => "sequence".to_owned(),
            Value::Object(_) => "map".to_owned(),
        }
    }
}

impl Index<&str> for Value {
    type Output = Value;
    /// The value of `key`, `null` when absent or when this is not an object.
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or(&NULL)
    }
}

impl Index<usize> for Value {
    type Output = Value;
    /// Item `i`, `null` when absent or when this is not an array.
    fn index(&self, i: usize) -> &Value {
        self.as_array().and_then(|a| a.get(i)).unwrap_or(&NULL)
    }
}

impl IndexMut<&str> for Value {
    /// The slot of `key`, inserting `null` when absent (`null` itself becomes an object first).
    ///
    /// # Panics
    /// When this is neither an object nor `null`, as `serde_json` does.
    fn index_mut(&mut self, key: &str) -> &mut Value {
        if self.is_null() {
            *self = Value::Object(Map::new());
        }
        match self {
            Value::Object(o) => o.get_or_insert_with(key, || Value::Null),
            other => panic!(
                "cannot access key {key} in JSON {}",
                other.unexpected(),
                key = Quoted(key)
            ),
        }
    }
}

impl IndexMut<usize> for Value {
    /// Item `i`.
    ///
    /// # Panics
    /// When this is not an array or `i` is out of bounds, as `serde_json` does.
    fn index_mut(&mut self, i: usize) -> &mut Value {
        match self {
            Value::Array(a) => {
                let len = a.len();
                a.get_mut(i).unwrap_or_else(|| {
                    panic!("cannot access index {i} of JSON array of length {len}")
                })
            }
            other => panic!("cannot access index {i} in JSON {}", other.unexpected()),
        }
    }
}

impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == Some(other)
    }
}
impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}
impl PartialEq<String> for Value {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == Some(other.as_str())
    }
}
impl PartialEq<Value> for str {
    fn eq(&self, other: &Value) -> bool {
        other == self
    }
}
impl PartialEq<Value> for &str {
    fn eq(&self, other: &Value) -> bool {
        other == *self
    }
}
impl PartialEq<Value> for String {
    fn eq(&self, other: &Value) -> bool {
        other == self
    }
}
impl PartialEq<bool> for Value {
    fn eq(&self, other: &bool) -> bool {
        self.as_bool() == Some(*other)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<Number> for Value {
    fn from(n: Number) -> Self {
        Value::Number(n)
    }
}
impl From<Map<String, Value>> for Value {
    fn from(m: Map<String, Value>) -> Self {
        Value::Object(m)
    }
}
impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Self {
        Value::Array(v.into_iter().map(Into::into).collect())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// Conversion into a JSON [`Value`]: what `serde::Serialize` was for the plugin's records.
pub trait ToJson {
    /// This as JSON.
    fn to_json(&self) -> Value;
}

impl ToJson for Value {
    fn to_json(&self) -> Value {
        self.clone()
    }
}
impl ToJson for Number {
    fn to_json(&self) -> Value {
        Value::Number(self.clone())
    }
}
impl ToJson for Map<String, Value> {
    fn to_json(&self) -> Value {
        Value::Object(self.clone())
    }
}
impl ToJson for str {
    fn to_json(&self) -> Value {
        Value::from(self)
    }
}
impl ToJson for String {
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
}
impl ToJson for bool {
    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }
}
impl ToJson for f64 {
    /// Rust's shortest round-trip text (`12.5`, `1` for `1.0`); `null` when not finite, as
    /// `JSON.stringify` does. Links float formatting: for tests and native code.
    fn to_json(&self) -> Value {
        if self.is_finite() {
            Value::Number(Number(self.to_string()))
        } else {
            Value::Null
        }
    }
}

impl<T: ToJson + ?Sized> ToJson for &T {
    fn to_json(&self) -> Value {
        (**self).to_json()
    }
}
impl<T: ToJson> ToJson for Option<T> {
    fn to_json(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToJson::to_json)
    }
}
impl<T: ToJson> ToJson for [T] {
    fn to_json(&self) -> Value {
        Value::Array(self.iter().map(ToJson::to_json).collect())
    }
}
impl<T: ToJson> ToJson for Vec<T> {
    fn to_json(&self) -> Value {
        self.as_slice().to_json()
    }
}
impl<T: ToJson, const N: usize> ToJson for [T; N] {
    fn to_json(&self) -> Value {
        self.as_slice().to_json()
    }
}
impl<V: ToJson> ToJson for alloc::collections::BTreeMap<String, V> {
    fn to_json(&self) -> Value {
        Value::Object(self.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
    }
}

/// `v` as a JSON value (the [`json!`](crate::json) macro's conversion for expressions).
pub fn to_value<T: ToJson + ?Sized>(v: &T) -> Value {
    v.to_json()
}

/// `v` as compact JSON text.
pub fn to_string<T: ToJson + ?Sized>(v: &T) -> String {
    v.to_json().to_string()
}

/// Builds an object from `(key, value)` pairs (values converted with [`ToJson`]), skipping
/// `None` values: the shape of a `#[derive(Serialize)]` struct with `skip_serializing_if`.
pub fn object<'a>(entries: impl IntoIterator<Item = (&'a str, Option<Value>)>) -> Value {
    Value::Object(
        entries
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_owned(), v?)))
            .collect(),
    )
}

impl fmt::Display for Value {
    /// Compact JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(true) => f.write_str("true"),
            Value::Bool(false) => f.write_str("false"),
            Value::Number(n) => f.write_str(&n.0),
            Value::String(s) => write_str(f, s),
            Value::Array(a) => {
                f.write_char('[')?;
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    fmt::Display::fmt(v, f)?;
                }
                f.write_char(']')
            }
            Value::Object(o) => {
                f.write_char('{')?;
                for (i, (k, v)) in o.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    write_str(f, k)?;
                    f.write_char(':')?;
                    fmt::Display::fmt(v, f)?;
                }
                f.write_char('}')
            }
        }
    }
}

/// A JSON string literal, escaped as `serde_json` does.
fn write_str(f: &mut impl fmt::Write, s: &str) -> fmt::Result {
    f.write_char('"')?;
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        f.write_str(&s[start..i])?;
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            f.write_str("\\u00")?;
            f.write_char(HEX[usize::from(b >> 4)] as char)?;
            f.write_char(HEX[usize::from(b & 15)] as char)?;
        } else {
            f.write_str(esc)?;
        }
        start = i + 1;
    }
    f.write_str(&s[start..])?;
    f.write_char('"')
}

/// Parses JSON text. Errors read as `serde_json`'s: `<what> at line <l> column <c>`.
pub fn from_str(s: &str) -> Result<Value, String> {
    let mut p = Parser::new(s);
    let parsed = p.value().and_then(|v| match p.ws() {
        Some(_) => Err(p.peek_err("trailing characters")),
        None => Ok(v),
    });
    parsed.map_err(|e| e.message(p.s))
}

/// Parses JSON bytes (UTF-8).
pub fn from_slice(b: &[u8]) -> Result<Value, String> {
    from_str(core::str::from_utf8(b).map_err(|_| "invalid unicode code point".to_owned())?)
}

/// Nesting limit (`serde_json`'s: the 128th open bracket is refused).
const MAX_DEPTH: u32 = 128;

/// A parse error: what went wrong and where (a byte index). The message with its line and
/// column is only written once, by [`from_str`].
#[derive(Clone, Copy)]
struct Fail {
    what: &'static str,
    at: usize,
}

impl Fail {
    /// `<what> at line <l> column <c>`, line and column as `serde_json` counts them in `src`.
    fn message(self, src: &[u8]) -> String {
        let before = src.get(..self.at).unwrap_or(src);
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let column = match before.iter().rposition(|&b| b == b'\n') {
            Some(nl) => before.len() - nl - 1,
            None => before.len(),
        };
        let mut s = cat(&[self.what, " at line "]);
        push_uint(&mut s, line as u64);
        s.push_str(" column ");
        push_uint(&mut s, column as u64);
        s
    }
}

struct Parser<'a> {
    s: &'a [u8],
    src: &'a str,
    i: usize,
    depth: u32,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
        Parser {
            s: src.as_bytes(),
            src,
            i: 0,
            depth: 0,
        }
    }

    /// `what` at the position `at` (a byte index).
    fn err_at(&self, what: &'static str, at: usize) -> Fail {
        Fail { what, at }
    }

    /// An error about the last byte consumed.
    fn err(&self, what: &'static str) -> Fail {
        self.err_at(what, self.i)
    }

    /// An error about the next byte.
    fn peek_err(&self, what: &'static str) -> Fail {
        self.err_at(what, (self.i + 1).min(self.s.len()))
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.i += 1;
        Some(b)
    }

    /// Skips whitespace, returning the next byte.
    fn ws(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
        self.peek()
    }

    fn ident(&mut self, rest: &[u8], v: Value) -> Result<Value, Fail> {
        self.i += 1;
        for &expected in rest {
            match self.next() {
                None => return Err(self.err("EOF while parsing a value")),
                Some(b) if b != expected => return Err(self.err("expected ident")),
                Some(_) => {}
            }
        }
        Ok(v)
    }

    fn value(&mut self) -> Result<Value, Fail> {
        let Some(c) = self.ws() else {
            return Err(self.peek_err("EOF while parsing a value"));
        };
        match c {
            b'n' => self.ident(b"ull", Value::Null),
            b't' => self.ident(b"rue", Value::Bool(true)),
            b'f' => self.ident(b"alse", Value::Bool(false)),
            b'-' | b'0'..=b'9' => {
                let start = self.i;
                self.number_text()?;
                Ok(Value::Number(Number(
                    sub(self.src, start, self.i).to_owned(),
                )))
            }
            b'"' => {
                self.i += 1;
                self.string().map(Value::String)
            }
            b'[' | b'{' => {
                self.depth += 1;
                if self.depth >= MAX_DEPTH {
                    return Err(self.peek_err("recursion limit exceeded"));
                }
                self.i += 1;
                let v = if c == b'[' {
                    self.array()
                } else {
                    self.object()
                };
                self.depth -= 1;
                v
            }
            _ => Err(self.peek_err("expected value")),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        self.i - start
    }

    /// Consumes one JSON number (grammar only: the text is kept).
    fn number_text(&mut self) -> Result<(), Fail> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.next() {
            None => return Err(self.err("EOF while parsing a value")),
            Some(b'0') => {
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.peek_err("invalid number"));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            Some(_) => return Err(self.err("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(match self.peek() {
                    Some(_) => self.peek_err("invalid number"),
                    None => self.peek_err("EOF while parsing a value"),
                });
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            match self.next() {
                Some(b'0'..=b'9') => {
                    self.digits();
                }
                None => return Err(self.err("EOF while parsing a value")),
                Some(_) => return Err(self.err("invalid number")),
            }
        }
        Ok(())
    }

    fn array(&mut self) -> Result<Value, Fail> {
        let mut items = Vec::new();
        loop {
            match self.ws() {
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::Array(items));
                }
                Some(b',') if !items.is_empty() => {
                    self.i += 1;
                    if self.ws() == Some(b']') {
                        return Err(self.peek_err("trailing comma"));
                    }
                }
                Some(_) if !items.is_empty() => return Err(self.peek_err("expected `,` or `]`")),
                Some(_) => {}
                None => return Err(self.peek_err("EOF while parsing a list")),
            }
            items.push(self.value()?);
        }
    }

    fn object(&mut self) -> Result<Value, Fail> {
        let mut map = Map::new();
        let mut first = true;
        loop {
            let next = match self.ws() {
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::Object(map));
                }
                Some(b',') if !first => {
                    self.i += 1;
                    self.ws()
                }
                Some(_) if !first => return Err(self.peek_err("expected `,` or `}`")),
                other => other,
            };
            match next {
                Some(b'"') => {}
                Some(b'}') => return Err(self.peek_err("trailing comma")),
                Some(_) => return Err(self.peek_err("key must be a string")),
                None if first => return Err(self.peek_err("EOF while parsing an object")),
                None => return Err(self.peek_err("EOF while parsing a value")),
            }
            first = false;
            self.i += 1;
            let key = self.string()?;
            match self.ws() {
                Some(b':') => self.i += 1,
                Some(_) => return Err(self.peek_err("expected `:`")),
                None => return Err(self.peek_err("EOF while parsing an object")),
            }
            let v = self.value()?;
            map.insert(key, v);
        }
    }

    fn hex4(&mut self) -> Result<u32, Fail> {
        let Some(h) = self.s.get(self.i..self.i + 4) else {
            self.i = self.s.len();
            return Err(self.err("EOF while parsing a string"));
        };
        self.i += 4;
        let mut v = 0;
        for &b in h {
            let d = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ => return Err(self.err("invalid escape")),
            };
            v = v * 16 + u32::from(d);
        }
        Ok(v)
    }

    /// A string's contents, after the opening quote.
    fn string(&mut self) -> Result<String, Fail> {
        let mut out = String::new();
        let mut start = self.i;
        loop {
            let Some(c) = self.next() else {
                return Err(self.err("EOF while parsing a string"));
            };
            match c {
                b'"' => {
                    out.push_str(sub(self.src, start, self.i - 1));
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(sub(self.src, start, self.i - 1));
                    let Some(e) = self.next() else {
                        return Err(self.err("EOF while parsing a string"));
                    };
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
                            let cp = match hi {
                                0xDC00..=0xDFFF => {
                                    return Err(self.err("lone leading surrogate in hex escape"))
                                }
                                0xD800..=0xDBFF => {
                                    if self.next() != Some(b'\\') || self.next() != Some(b'u') {
                                        return Err(self.err("unexpected end of hex escape"));
                                    }
                                    let lo = self.hex4()?;
                                    if !(0xDC00..=0xDFFF).contains(&lo) {
                                        return Err(
                                            self.err("lone leading surrogate in hex escape")
                                        );
                                    }
                                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                }
                                _ => hi,
                            };
                            out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                        }
                        _ => return Err(self.err("invalid escape")),
                    }
                    start = self.i;
                }
                0..=0x1f => {
                    return Err(self
                        .err("control character (\\u0000-\\u001F) found while parsing a string"))
                }
                _ => {}
            }
        }
    }
}

/// `serde`'s wording for a list of expected names: `` `a` ``, `` `a` or `b` ``,
/// `` one of `a`, `b`, `c` ``.
fn one_of(expected: &[&str]) -> String {
    match expected {
        [] => "there are no fields".to_owned(),
        [a] => format!("`{a}`"),
        [a, b] => format!("`{a}` or `{b}`"),
        more => {
            let mut s = String::from("one of ");
            for (i, e) in more.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                let _ = write!(s, "`{e}`");
            }
            s
        }
    }
}

/// Readers for typed records, with `serde`'s error wording (`missing field `x``, `unknown field
/// `y`, expected one of ...`, `invalid type: string "z", expected a boolean`).
pub mod de {
    use super::{one_of, Map, Value};
    use alloc::{borrow::ToOwned, string::String, vec::Vec};

    /// `unknown field `name`, expected ...`.
    pub fn unknown_field(name: &str, expected: &[&str]) -> String {
        if expected.is_empty() {
            format!("unknown field `{name}`, there are no fields")
        } else {
            format!("unknown field `{name}`, expected {}", one_of(expected))
        }
    }

    /// `unknown variant `name`, expected ...`.
    pub fn unknown_variant(name: &str, expected: &[&str]) -> String {
        format!("unknown variant `{name}`, expected {}", one_of(expected))
    }

    /// `missing field `name``.
    pub fn missing_field(name: &str) -> String {
        format!("missing field `{name}`")
    }

    /// `invalid type: <what v is>, expected <expected>`.
    pub fn invalid_type(v: &Value, expected: &str) -> String {
        format!("invalid type: {}, expected {expected}", v.unexpected())
    }

    /// A struct's object: `v` must be an object with no keys outside `fields`
    /// (`#[serde(deny_unknown_fields)]`); `name` is the struct's name in the type error.
    pub fn strict<'a>(
        v: &'a Value,
        name: &str,
        fields: &[&str],
    ) -> Result<&'a Map<String, Value>, String> {
        let o = object(v, name)?;
        if let Some(k) = o.keys().find(|k| !fields.contains(&k.as_str())) {
            return Err(unknown_field(k, fields));
        }
        Ok(o)
    }

    /// A struct's object (unknown keys ignored).
    pub fn object<'a>(v: &'a Value, name: &str) -> Result<&'a Map<String, Value>, String> {
        v.as_object()
            .ok_or_else(|| invalid_type(v, &format!("struct {name}")))
    }

    /// The value of `key` read with `read`; `None` when the key is absent (a `null` value is
    /// given to `read`, which refuses it unless it reads an `Option`).
    pub fn field<T>(
        o: &Map<String, Value>,
        key: &str,
        read: impl FnOnce(&Value) -> Result<T, String>,
    ) -> Result<Option<T>, String> {
        o.get(key).map(read).transpose()
    }

    /// A required field's value, or `missing field `key``.
    pub fn required<T>(v: Option<T>, key: &str) -> Result<T, String> {
        v.ok_or_else(|| missing_field(key))
    }

    /// `read` for non-null values, `None` for `null` (an `Option` field).
    pub fn nullable<T>(
        read: impl Fn(&Value) -> Result<T, String>,
    ) -> impl Fn(&Value) -> Result<Option<T>, String> {
        move |v| match v {
            Value::Null => Ok(None),
            v => read(v).map(Some),
        }
    }

    /// A string value.
    pub fn str_value(v: &Value) -> Result<String, String> {
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| invalid_type(v, "a string"))
    }

    /// A boolean value.
    pub fn bool_value(v: &Value) -> Result<bool, String> {
        v.as_bool().ok_or_else(|| invalid_type(v, "a boolean"))
    }

    /// A `u64` value.
    pub fn u64_value(v: &Value) -> Result<u64, String> {
        v.as_u64().ok_or_else(|| invalid_type(v, "u64"))
    }

    /// A `u32` value.
    pub fn u32_value(v: &Value) -> Result<u32, String> {
        let n = u64_value(v).map_err(|_| invalid_type(v, "u32"))?;
        u32::try_from(n).map_err(|_| format!("invalid value: integer `{n}`, expected u32"))
    }

    /// An array of items read with `read`.
    pub fn seq_value<T>(
        v: &Value,
        read: impl Fn(&Value) -> Result<T, String>,
    ) -> Result<Vec<T>, String> {
        v.as_array()
            .ok_or_else(|| invalid_type(v, "a sequence"))?
            .iter()
            .map(read)
            .collect()
    }

    /// A unit variant of an enum, by its wire name.
    pub fn variant<T: Copy>(v: &Value, variants: &[(&str, T)]) -> Result<T, String> {
        let s = v.as_str().ok_or_else(|| invalid_type(v, "string or map"))?;
        variants
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, t)| *t)
            .ok_or_else(|| {
                let names: Vec<&str> = variants.iter().map(|(n, _)| *n).collect();
                unknown_variant(s, &names)
            })
    }

    /// A required string field.
    pub fn string(o: &Map<String, Value>, key: &str) -> Result<String, String> {
        required(field(o, key, str_value)?, key)
    }

    /// An optional string field (`null` and absent are `None`).
    pub fn opt_string(o: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
        Ok(field(o, key, nullable(str_value))?.flatten())
    }

    /// A required boolean field.
    pub fn boolean(o: &Map<String, Value>, key: &str) -> Result<bool, String> {
        required(field(o, key, bool_value)?, key)
    }

    /// An optional `u64` field (`null` and absent are `None`).
    pub fn opt_u64(o: &Map<String, Value>, key: &str) -> Result<Option<u64>, String> {
        Ok(field(o, key, nullable(u64_value))?.flatten())
    }
}

/// Builds a [`Value`](crate::core::json::Value) from JSON-like syntax, as `crate::json!`
/// does: `null`, arrays, objects with string-literal keys, and any expression implementing
/// [`ToJson`](crate::core::json::ToJson).
///
/// ```
/// use cloudinary_connector::json;
/// let name = "demo";
/// let v = json!({"cloud": name, "sizes": [100, 200], "secure": true, "cname": null});
/// assert_eq!(v.to_string(), r#"{"cloud":"demo","cname":null,"secure":true,"sizes":[100,200]}"#);
/// ```
#[macro_export]
macro_rules! json {
    (null) => { $crate::core::json::Value::Null };
    ([]) => { $crate::core::json::Value::Array($crate::__alloc::vec::Vec::new()) };
    ([ $($tt:tt)+ ]) => {
        $crate::core::json::Value::Array($crate::__json_array!(@acc [] ($($tt)+)))
    };
    ({}) => { $crate::core::json::Value::Object($crate::core::json::Map::new()) };
    ({ $($tt:tt)+ }) => {{
        let mut object = $crate::core::json::Map::new();
        $crate::__json_object!(object ($($tt)+));
        $crate::core::json::Value::Object(object)
    }};
    ($other:expr) => { $crate::core::json::to_value(&$other) };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __json_array {
    (@acc [$($e:expr,)*] ()) => { $crate::__alloc::vec![$($e,)*] };
    (@acc [$($e:expr,)*] ($($rest:tt)+)) => { $crate::__json_array!(@elem [$($e,)*] () ($($rest)+)) };
    (@elem [$($e:expr,)*] ($($cur:tt)+) (, $($rest:tt)*)) => {
        $crate::__json_array!(@acc [$($e,)* $crate::json!($($cur)+),] ($($rest)*))
    };
    (@elem [$($e:expr,)*] ($($cur:tt)+) ()) => {
        $crate::__json_array!(@acc [$($e,)* $crate::json!($($cur)+),] ())
    };
    (@elem [$($e:expr,)*] ($($cur:tt)*) ($tt:tt $($rest:tt)*)) => {
        $crate::__json_array!(@elem [$($e,)*] ($($cur)* $tt) ($($rest)*))
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __json_object {
    ($m:ident ()) => {};
    ($m:ident ($key:literal : $($rest:tt)+)) => { $crate::__json_object!(@val $m $key () ($($rest)+)) };
    (@val $m:ident $key:literal ($($cur:tt)+) (, $($rest:tt)*)) => {
        $m.set($key, $crate::json!($($cur)+));
        $crate::__json_object!($m ($($rest)*));
    };
    (@val $m:ident $key:literal ($($cur:tt)+) ()) => {
        $m.set($key, $crate::json!($($cur)+));
    };
    (@val $m:ident $key:literal ($($cur:tt)*) ($tt:tt $($rest:tt)*)) => {
        $crate::__json_object!(@val $m $key ($($cur)* $tt) ($($rest)*))
    };
}

/// A JSON Pointer token with `~1` read as `/` and `~0` as `~` (RFC 6901, in that order, as
/// `serde_json` reads it), without `str::replace`'s searcher for a two-byte pattern.
fn unescape_pointer_token(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    let mut rest = token;
    while let Some(i) = rest.find('~') {
        out.push_str(crate::core::text::sub(rest, 0, i));
        let after = crate::core::text::sub(rest, i + 1, rest.len());
        let (c, skip) = match after.as_bytes().first() {
            Some(b'1') => ('/', 1),
            Some(b'0') => ('~', 1),
            _ => ('~', 0),
        };
        out.push(c);
        rest = crate::core::text::sub(after, skip, after.len());
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn err(s: &str) -> String {
        from_str(s).unwrap_err()
    }

    #[test]
    fn set_copies_the_key_replaces_the_value_and_keeps_the_rank() {
        let mut m: Map<String, Value> = Map::new();
        m.set("b", Value::from("first"));
        m.set("a", Value::Bool(true));
        m.set("b", Value::from("second"));
        assert_eq!(m.len(), 2);
        assert_eq!(m.get("b"), Some(&Value::from("second")));
        // "b" was inserted first and keeps that rank after being replaced.
        assert_eq!(
            m.first_inserted(|_| true).map(|(k, _)| k.as_str()),
            Some("b")
        );
        // `json!` objects are built with it: a repeated key keeps its last value.
        assert_eq!(crate::json!({"k": 1, "k": 2}).to_string(), r#"{"k":2}"#);
    }

    #[test]
    fn truncation_takes_plain_decimals_only() {
        let n = |t: &str| Number::from_text(t).unwrap().as_u64_truncated();
        assert_eq!(n("12.9"), Some(12));
        assert_eq!(n("800"), Some(800));
        assert_eq!(n("1.5e3"), None);
        assert_eq!(n("2.5E-7"), None);
        assert_eq!(n("-3.2"), None);
    }

    #[test]
    fn parse_errors_read_as_serde_json_s() {
        assert_eq!(err(""), "EOF while parsing a value at line 1 column 0");
        assert_eq!(err("{"), "EOF while parsing an object at line 1 column 1");
        assert_eq!(err("nope"), "expected ident at line 1 column 2");
        assert_eq!(err("<html>"), "expected value at line 1 column 1");
        assert_eq!(err("[1,]"), "trailing comma at line 1 column 4");
        assert_eq!(err("[1 2]"), "expected `,` or `]` at line 1 column 4");
        assert_eq!(err("{\"a\" 1}"), "expected `:` at line 1 column 6");
        assert_eq!(
            err("{\"a\":1 \"b\"}"),
            "expected `,` or `}` at line 1 column 8"
        );
        assert_eq!(err("{1:2}"), "key must be a string at line 1 column 2");
        assert_eq!(err("{\"a\":1,}"), "trailing comma at line 1 column 8");
        assert_eq!(err("{} x"), "trailing characters at line 1 column 4");
        assert_eq!(err("[\n  01]"), "invalid number at line 2 column 4");
        assert_eq!(err("\"ab"), "EOF while parsing a string at line 1 column 3");
        assert_eq!(err("\"\\x\""), "invalid escape at line 1 column 3");
        assert_eq!(err("1."), "EOF while parsing a value at line 1 column 2");
        assert_eq!(err("-"), "EOF while parsing a value at line 1 column 1");
        assert_eq!(
            err(&"[".repeat(200)),
            "recursion limit exceeded at line 1 column 128"
        );
    }

    #[test]
    fn values_round_trip_with_their_number_text() {
        let text = r#"{"a":[1,-2.5,true,null,{}],"b":"x\"\\/\n\u0001é😍","c":1e-7,"d":[]}"#;
        let v = from_str(text).unwrap();
        assert_eq!(v["b"], "x\"\\/\n\u{1}é😍");
        assert_eq!(v["c"].to_string(), "1e-7");
        assert_eq!(v["a"][1].as_i64(), None);
        assert_eq!(v["a"][0].as_u64(), Some(1));
        assert_eq!(
            v.to_string(),
            r#"{"a":[1,-2.5,true,null,{}],"b":"x\"\\/\n\u0001é😍","c":1e-7,"d":[]}"#
        );
        assert_eq!(from_str(r#""\ud83d\ude0d""#).unwrap(), "😍");
        assert_eq!(Number::from_text("01"), None);
        assert_eq!(Number::from_text("-1.5E+3").unwrap().as_text(), "-1.5E+3");
    }

    #[test]
    fn maps_sort_their_keys_and_index_like_serde_json() {
        let mut v = json!({"z": 1, "a": {"b": [true, "x"]}, "m": null});
        assert_eq!(v.to_string(), r#"{"a":{"b":[true,"x"]},"m":null,"z":1}"#);
        assert_eq!(v["a"]["b"][1], "x");
        assert!(v["nope"][3].is_null());
        v["a"]["c"] = json!(-5);
        v["new"]["deep"] = json!([1, [2], {"k": [null]}]);
        assert_eq!(
            v.to_string(),
            r#"{"a":{"b":[true,"x"],"c":-5},"m":null,"new":{"deep":[1,[2],{"k":[null]}]},"z":1}"#
        );
        let o: Option<&str> = None;
        assert_eq!(
            json!({"x": o, "y": Some(3u8)}),
            from_str(r#"{"x":null,"y":3}"#).unwrap()
        );
    }

    #[test]
    fn type_errors_use_serde_s_wording() {
        assert_eq!(
            de::strict(&json!({"b": 1}), "S", &["a", "c", "d"]).unwrap_err(),
            "unknown field `b`, expected one of `a`, `c`, `d`"
        );
        assert_eq!(
            de::object(&json!("acme"), "Selection").unwrap_err(),
            "invalid type: string \"acme\", expected struct Selection"
        );
        assert_eq!(
            de::unknown_variant("x", &["a", "b"]),
            "unknown variant `x`, expected `a` or `b`"
        );
        let o = json!({"n": 1.5, "s": 3});
        let o = o.as_object().unwrap();
        assert_eq!(
            de::u64_value(&o["n"]).unwrap_err(),
            "invalid type: floating point `1.5`, expected u64"
        );
        assert_eq!(
            de::string(o, "s").unwrap_err(),
            "invalid type: integer `3`, expected a string"
        );
        assert_eq!(de::string(o, "t").unwrap_err(), "missing field `t`");
    }
}
