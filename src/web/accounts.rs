//! The JavaScript face of several accounts: the `Accounts` class an account switcher is built
//! on. Every method returns the effects to carry out, as plain objects
//! (`{type: "remountOn", cloud: {...}}`, `{type: "notify", text, kind}`, ...), and throws an
//! `Error` with the user-facing message when refused (nothing changed then).

use alloc::rc::Rc;
use alloc::{
    borrow::ToOwned,
    string::{String, ToString},
    vec::Vec,
};
use core::cell::RefCell;

use crate::core::json::Value;
use crate::json;
use wasm_bindgen::prelude::*;

use crate::core::accounts::{Availability, Cloud, Effect, Notice, RemoteStatus, Timestamp};
use crate::host::accounts::{
    fetch_listing, fetch_remote_sub_accounts, now, AccountStore, AccountsError, AccountsSession,
    StorageWatch,
};

fn js(v: &Value) -> JsValue {
    crate::host::widgets::js_of(v)
}

fn cloud_json(c: &Cloud) -> Value {
    json!({
        "account": c.account, "accountLabel": c.account_label,
        "subAccount": c.sub_account, "subAccountLabel": c.sub_account_label,
        "cloudName": c.cloud_name, "apiKey": c.api_key,
        "product": c.product.as_str(), "role": c.role.as_str(), "user": c.user,
        "signerAccount": c.signer_account(),
        // What the widgets' `remount(account)` takes.
        "widgetAccount": {"id": c.signer_account(), "cloud_name": c.cloud_name, "api_key": c.api_key},
        "grants": {
            "uploadParams": c.grants.upload_params, "uploadPresets": c.grants.upload_presets,
            "folderPrefix": c.grants.folder_prefix, "deliveryTypes": c.grants.delivery_types,
            "mediaLibrary": c.grants.media_library,
        },
    })
}

fn notice_kind(n: &Notice) -> &'static str {
    match n {
        Notice::LoggedIn { .. } => "loggedIn",
        Notice::LoggedOut { .. } => "loggedOut",
        Notice::LoggedOutInAnotherTab { .. } => "loggedOutInAnotherTab",
        Notice::SessionExpired { .. } => "sessionExpired",
        Notice::AccessRevoked { .. } => "accessRevoked",
        Notice::UserChanged { .. } => "userChanged",
        Notice::SubAccountRemoved { .. } => "subAccountRemoved",
        Notice::RoleChanged { .. } => "roleChanged",
        Notice::ProductChanged { .. } => "productChanged",
        Notice::SwitchedTo { .. } => "switchedTo",
        Notice::NoAccountSelected => "noAccountSelected",
    }
}

fn effect_json(e: &Effect) -> Value {
    match e {
        Effect::CancelPending(a) => json!({"type": "cancelPending", "account": a}),
        Effect::UnmountWidgetsOf(a) => json!({"type": "unmountWidgetsOf", "account": a}),
        Effect::DropCachedSignatures(a) => json!({"type": "dropCachedSignatures", "account": a}),
        Effect::Notify(n) => {
            json!({"type": "notify", "kind": notice_kind(n), "text": n.to_string()})
        }
        Effect::RemountOn(c) => json!({"type": "remountOn", "cloud": cloud_json(c)}),
        Effect::NoCurrentAccount => json!({"type": "noCurrentAccount"}),
        Effect::Persist => json!({"type": "persisted"}),
    }
}

fn effects(r: Result<Vec<Effect>, AccountsError>) -> Result<JsValue, JsValue> {
    let list: Vec<Value> = r?.iter().map(effect_json).collect();
    Ok(js(&Value::Array(list)))
}

fn opt_ts(v: Option<f64>) -> Option<Timestamp> {
    v.filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| Timestamp(s as u64))
}

/// Several Cloudinary accounts for one tab, persisted under `prefix + "accounts"` in
/// `localStorage`, fetched from the signer at `signerUrl`.
#[wasm_bindgen(js_name = Accounts)]
#[derive(Debug)]
pub struct JsAccounts {
    session: Rc<RefCell<AccountsSession>>,
    signer_url: Rc<str>,
    opened: Value,
    watch: RefCell<Option<StorageWatch>>,
}

#[wasm_bindgen(js_class = Accounts)]
impl JsAccounts {
    /// Restores the state (or starts empty). `tabId`: a random id for this page load.
    #[wasm_bindgen(constructor)]
    pub fn new(prefix: &str, signer_url: &str, tab_id: &str) -> Result<JsAccounts, JsValue> {
        let opened = AccountsSession::open(AccountStore::local(prefix)?, tab_id, now())?;
        let report = json!({
            "effects": opened.effects.iter().map(effect_json).collect::<Vec<_>>(),
            "issues": opened.issues.iter().map(|i| i.to_string()).collect::<Vec<_>>(),
            "loadError": opened.load_error.as_ref().map(|e| e.to_string()),
        });
        Ok(JsAccounts {
            session: Rc::new(RefCell::new(opened.session)),
            signer_url: signer_url.trim_end_matches('/').into(),
            opened: report,
            watch: RefCell::new(None),
        })
    }

    /// What the restore found: `{effects, issues, loadError}`.
    #[wasm_bindgen(js_name = restored, unchecked_return_type = "RestoreReport")]
    pub fn restored(&self) -> JsValue {
        js(&self.opened)
    }

    /// Logs in to `accountId` with the host's signer `token`. Resolves to the effects.
    /// `tokenExpiresAt` (Unix seconds) is needed only if the token is not a JWT.
    #[wasm_bindgen(unchecked_return_type = "Promise<AccountsEffect[]>")]
    pub fn login(
        &self,
        account_id: String,
        token: String,
        token_expires_at: Option<f64>,
    ) -> js_sys::Promise {
        let session = self.session.clone();
        let url = self.signer_url.clone();
        crate::web::promise(async move {
            let ticket = session.borrow_mut().begin_login(&account_id);
            let listing = fetch_listing(&url, &token, opt_ts(token_expires_at)).await?;
            effects(session.borrow_mut().login(ticket, &listing, now()))
        })
    }

    /// Re-fetches the listing (after a token renewal, or periodically) and applies it.
    #[wasm_bindgen(unchecked_return_type = "Promise<AccountsEffect[]>")]
    pub fn refresh(&self, token: String, token_expires_at: Option<f64>) -> js_sys::Promise {
        let session = self.session.clone();
        let url = self.signer_url.clone();
        crate::web::promise(async move {
            let listing = fetch_listing(&url, &token, opt_ts(token_expires_at)).await?;
            effects(session.borrow_mut().reconcile(&listing, now()))
        })
    }

    /// Cloudinary's sub-accounts of `accountId` (admins; through the signer's Provisioning API
    /// endpoint), each with `status` and the `text` to show: `[{id, name, cloudName, enabled,
    /// status: "usable" | "disabled" | "notConfigured" | "notGranted", subAccount, text}]`.
    #[wasm_bindgen(js_name = remoteSubAccounts, unchecked_return_type = "Promise<RemoteSubAccount[]>")]
    pub fn remote_sub_accounts(&self, account_id: String, token: String) -> js_sys::Promise {
        let session = self.session.clone();
        let url = self.signer_url.clone();
        crate::web::promise(async move {
            let remote = fetch_remote_sub_accounts(&url, &token, &account_id).await?;
            let view = session
                .borrow()
                .state()
                .provisioning_view(&remote)
                .map_err(AccountsError::Transition)?;
            let list: Vec<Value> = view
                .iter()
                .map(|(r, st)| {
                    let (status, sub) = match st {
                        RemoteStatus::Usable(id) => ("usable", Some(id)),
                        RemoteStatus::Disabled => ("disabled", None),
                        RemoteStatus::NotConfigured => ("notConfigured", None),
                        RemoteStatus::NotGranted(id) => ("notGranted", Some(id)),
                    };
                    json!({"id": r.id, "name": r.name, "cloudName": r.cloud_name, "enabled": r.enabled,
                           "status": status, "subAccount": sub, "text": st.to_string()})
                })
                .collect();
            Ok(js(&Value::Array(list)))
        })
    }

    /// Logs out of one account.
    #[wasm_bindgen(unchecked_return_type = "AccountsEffect[]")]
    pub fn logout(&self, account_id: &str) -> Result<JsValue, JsValue> {
        effects(self.session.borrow_mut().logout(account_id, now()))
    }

    /// Logs out of every account.
    #[wasm_bindgen(js_name = logoutAll, unchecked_return_type = "AccountsEffect[]")]
    pub fn logout_all(&self) -> Result<JsValue, JsValue> {
        effects(self.session.borrow_mut().logout_all(now()))
    }

    /// Switches to an account, on `subAccountId` or its last used / default cloud.
    #[wasm_bindgen(js_name = switchTo, unchecked_return_type = "AccountsEffect[]")]
    pub fn switch_to(
        &self,
        account_id: &str,
        sub_account_id: Option<String>,
    ) -> Result<JsValue, JsValue> {
        effects(
            self.session
                .borrow_mut()
                .switch_to(account_id, sub_account_id.as_deref(), now()),
        )
    }

    /// Sets (or, with `null`, clears) the user's own label for an account.
    #[wasm_bindgen(unchecked_return_type = "AccountsEffect[]")]
    pub fn rename(&self, account_id: &str, label: Option<String>) -> Result<JsValue, JsValue> {
        effects(
            self.session
                .borrow_mut()
                .rename(account_id, label.as_deref()),
        )
    }

    /// Ends expired sessions (call from a timer).
    #[wasm_bindgen(unchecked_return_type = "AccountsEffect[]")]
    pub fn expire(&self) -> Result<JsValue, JsValue> {
        effects(self.session.borrow_mut().expire(now()))
    }

    /// Follows other tabs: `onChange(effects)` is called after another tab changed the state.
    /// Replaces any previous watcher; `unwatch()` (or dropping the object) stops it.
    pub fn watch(
        &self,
        #[wasm_bindgen(
            unchecked_param_type = "(effects: AccountsEffect[] | ConnectorError) => void"
        )]
        on_change: js_sys::Function,
    ) -> Result<(), JsValue> {
        let session = self.session.clone();
        let key = session.borrow().store().key().to_owned();
        let w = StorageWatch::new(&key, move || {
            let r = session.borrow_mut().sync_from_storage(now());
            let arg = match effects(r) {
                Ok(v) => v,
                Err(e) => e,
            };
            let _ = on_change.call1(&JsValue::NULL, &arg);
        })?;
        *self.watch.borrow_mut() = Some(w);
        Ok(())
    }

    /// Stops following other tabs.
    pub fn unwatch(&self) {
        self.watch.borrow_mut().take();
    }

    /// The switcher's data: `{current, accounts: [{id, label, role, loggedIn, expiresAt, subAccounts: [...]}]}`.
    #[wasm_bindgen(unchecked_return_type = "AccountsState")]
    pub fn state(&self) -> JsValue {
        let s = self.session.borrow();
        let st = s.state();
        let t = now();
        let accounts: Vec<Value> = st
            .accounts()
            .iter()
            .map(|a| {
                json!({
                    "id": a.id(), "label": a.label(), "listedLabel": a.listed_label(),
                    "role": a.role().as_str(), "loggedIn": a.is_logged_in(t),
                    "expiresAt": a.session().map(|s| s.expires_at().0),
                    "subAccounts": a.sub_accounts().iter().map(|c| json!({
                        "id": c.id(), "label": c.label(), "cloudName": c.cloud_name(),
                        "role": c.role().as_str(), "product": c.product().as_str(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        js(&json!({"current": st.current().as_ref().map(cloud_json), "accounts": accounts}))
    }

    /// What the current cloud allows: `[{feature, enabled, reason}]` (`reason` is the text to
    /// show next to a disabled control), plus `defaultTransformation`.
    #[wasm_bindgen(unchecked_return_type = "AccountFeatures")]
    pub fn features(&self) -> JsValue {
        let caps = self.session.borrow().state().features(now());
        let list: Vec<Value> = caps
            .all()
            .iter()
            .map(|f| {
                let enabled = f.availability == Availability::Enabled;
                json!({
                    "feature": format!("{:?}", f.feature),
                    "enabled": enabled,
                    "reason": (!enabled).then(|| f.to_string()),
                })
            })
            .collect();
        js(&json!({"features": list, "defaultTransformation": caps.default_transformation()}))
    }
}
