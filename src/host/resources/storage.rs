//! Storage keys removed on drop (`TempKey`) over the host's storage or `web_sys::Storage`.

use super::*;
use alloc::borrow::ToOwned;
use alloc::string::String;

// ---------------------------------------------------------------------------------------------
// Storage keys
// ---------------------------------------------------------------------------------------------

/// Key/value storage with string values: the host's namespaced storage
/// ([`crate::host::api::HostStorage`]) or a raw `web_sys::Storage`.
pub trait KeyValue {
    /// The stored value, if any.
    fn get(&self, key: &str) -> Result<Option<String>, JsValue>;
    /// Stores a value.
    fn set(&self, key: &str, value: &str) -> Result<(), JsValue>;
    /// Removes a key.
    fn remove(&self, key: &str) -> Result<(), JsValue>;
}

impl KeyValue for web_sys::Storage {
    fn get(&self, key: &str) -> Result<Option<String>, JsValue> {
        self.get_item(key)
    }
    fn set(&self, key: &str, value: &str) -> Result<(), JsValue> {
        self.set_item(key, value)
    }
    fn remove(&self, key: &str) -> Result<(), JsValue> {
        self.remove_item(key)
    }
}

/// A temporary storage key (a draft, an upload's resume state): dropping the handle removes the key.
/// Persistent data (settings, accounts) is not held this way; it is removed by
/// `uninstall({keepData: false})` instead.
#[must_use = "dropping the handle removes the key"]
pub struct TempKey<S: KeyValue> {
    storage: S,
    key: String,
    armed: bool,
}

impl<S: KeyValue> fmt::Debug for TempKey<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TempKey").field("key", &self.key).finish()
    }
}

impl<S: KeyValue> TempKey<S> {
    /// Writes `value` under `key` and owns the key.
    pub fn set(storage: S, key: &str, value: &str) -> Result<Self, JsValue> {
        storage.set(key, value)?;
        Ok(TempKey {
            storage,
            key: key.to_owned(),
            armed: true,
        })
    }

    /// Replaces the value.
    pub fn update(&self, value: &str) -> Result<(), JsValue> {
        self.storage.set(&self.key, value)
    }

    /// The current value.
    pub fn get(&self) -> Result<Option<String>, JsValue> {
        self.storage.get(&self.key)
    }

    /// The key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Keeps the key stored.
    pub fn forget(mut self) {
        self.armed = false;
    }
}

impl<S: KeyValue> Drop for TempKey<S> {
    fn drop(&mut self) {
        if self.armed {
            let _ = self.storage.remove(&self.key);
        }
    }
}
