//! The panel's accounts section: listing, login, logout, switching, and the effects of the
//! accounts state machine carried out on the page.

use super::*;
use alloc::{
    borrow::ToOwned,
    boxed::Box,
    string::{String, ToString},
    vec::Vec,
};

impl Ui {
    /// Carries out what an accounts transition asks, in order.
    pub(super) fn run_effects(&mut self, weak: &Weak<RefCell<Ui>>, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::CancelPending(account) => {
                    let mine = |o: &Option<String>| o.as_deref() == Some(account.as_str());
                    if self.ml_pending.as_ref().is_some_and(|p| mine(&p.owner)) {
                        self.ml_pending = None;
                    }
                    if self.upload_pending.as_ref().is_some_and(|p| mine(&p.owner)) {
                        self.upload_pending = None;
                    }
                    self.inserts.retain(|p| !mine(&p.owner));
                }
                Effect::UnmountWidgetsOf(account) => {
                    self.unmount_widgets(|o| o.as_deref() == Some(account.as_str()));
                }
                // The Media Library login signature lives only in the widget unmounted above,
                // upload signatures are asked per upload and never cached, and signed inserts in
                // flight were cancelled with the account's pending work: nothing else holds a
                // signature for the account.
                Effect::DropCachedSignatures(_) => {}
                Effect::Notify(n) => self.notify(&n.to_string()),
                Effect::RemountOn(cloud) => {
                    // Widgets on another cloud (the settings' one before the first login) move too.
                    self.unmount_widgets(|o| o.as_deref() != Some(cloud.account.as_str()));
                    let (ml, upload) = core::mem::take(&mut self.reopen);
                    self.render_status();
                    // A widget the new cloud refuses (a viewer's Upload, say) is remembered and
                    // comes back on the next cloud that allows it.
                    let target = self.target();
                    if ml {
                        match &target.media_library {
                            Ok(()) => self.start_media_library(weak, false),
                            Err(why) => {
                                self.reopen.0 = true;
                                self.show_error(Some(&sentence(why)));
                            }
                        }
                    }
                    if upload {
                        match &target.upload {
                            Ok(()) => self.start_upload(weak, false),
                            Err(_) => self.reopen.1 = true,
                        }
                    }
                }
                Effect::NoCurrentAccount => {
                    self.unmount_widgets(|o| o.is_some());
                    self.reopen = (false, false);
                }
                // Effect::Persist is carried out by the session itself.
                _ => {}
            }
        }
        self.render_status();
    }

    pub(super) fn render_accounts(&self) {
        let Ok(list) = q(&self.panel, ".cldc-account-list") else {
            return;
        };
        let now = host_accounts::now();
        let state = self.accounts.as_ref().map(AccountsSession::state);
        let current = state.and_then(|s| s.selection().cloned());
        let mut rows: Vec<(String, String, String, String, bool)> = Vec::new();
        if let Some(s) = state {
            for a in s.accounts() {
                let cloud = a
                    .sub_account(a.default_sub_account())
                    .map(|c| c.cloud_name().to_owned())
                    .unwrap_or_default();
                rows.push((
                    a.id().to_owned(),
                    a.label().to_owned(),
                    cloud,
                    a.role().as_str().to_owned(),
                    a.is_logged_in(now),
                ));
            }
        }
        if let Some(l) = &self.listing {
            for a in &l.accounts {
                if rows.iter().any(|r| r.0 == a.id) {
                    continue;
                }
                let role = a
                    .role
                    .or_else(|| a.sub_accounts.first().map(|s| s.role))
                    .map(|r| r.as_str())
                    .unwrap_or("");
                rows.push((
                    a.id.clone(),
                    a.label.clone(),
                    a.cloud_name.clone(),
                    role.to_owned(),
                    false,
                ));
            }
        }
        let doc = document();
        let items = js_sys::Array::new();
        for (id, label, cloud, role, logged_in) in rows {
            let is_current = current.as_ref().is_some_and(|c| c.account == id);
            let Ok(li) = element("li", &[("data-account", &id)]) else {
                continue;
            };
            if is_current {
                let _ = li.set_attribute("aria-current", "true");
            }
            let span = |class: &str, text: &str| {
                let e = doc.create_element("span").ok()?;
                e.set_class_name(class);
                e.set_text_content(Some(text));
                Some(e)
            };
            let button = |act: AccountAction, text: &str| {
                let b = element("button", &[("type", "button"), ("data-act", act.attr())]).ok()?;
                b.set_text_content(Some(text));
                Some(b)
            };
            let mut parts = vec![
                span("cldc-account-label", &label),
                span("cldc-cloud", &cloud),
                span("cldc-role", &role),
                span(
                    "cldc-session",
                    if logged_in { "logged in" } else { "logged out" },
                ),
            ];
            if logged_in {
                if !is_current {
                    parts.push(button(AccountAction::Switch, "Use"));
                }
                parts.push(button(AccountAction::Logout, "Log out"));
            } else {
                parts.push(button(AccountAction::Login, "Log in"));
            }
            for p in parts.into_iter().flatten() {
                let _ = li.append_child(&p);
            }
            items.push(&li);
        }
        list.replace_children_with_node(&items);

        // Sub-accounts of the current account.
        if let (Ok(label), Ok(select)) = (
            q(&self.panel, ".cldc-sub"),
            q(&self.panel, "[name=subAccount]"),
        ) {
            let subs = state
                .zip(current.as_ref())
                .and_then(|(s, c)| s.account(&c.account))
                .map(|a| a.sub_accounts().to_vec())
                .unwrap_or_default();
            let options = js_sys::Array::new();
            for c in &subs {
                if let Ok(o) = element("option", &[("value", c.id())]) {
                    o.set_text_content(Some(&format!("{} ({})", c.label(), c.cloud_name())));
                    if current.as_ref().is_some_and(|s| s.sub_account == c.id()) {
                        let _ = o.set_attribute("selected", "");
                    }
                    options.push(&o);
                }
            }
            select.replace_children_with_node(&options);
            if let Some(c) = &current {
                let _ =
                    js_sys::Reflect::set(&select, &"value".into(), &c.sub_account.as_str().into());
            }
            set_hidden(&label, subs.len() < 2);
        }

        let target = self.target();
        if let Ok(el) = q(&self.panel, ".cldc-current") {
            let text = match state.and_then(|s| s.current()) {
                Some(c) => format!(
                    "Current: {} / {} ({}) · role {} · {}",
                    c.account_label, c.sub_account_label, c.cloud_name, c.role, c.product
                ),
                None => format!(
                    "No account selected: log in to one to use the Media Library and uploads; images inserted by public ID use the cloud \"{}\".",
                    self.settings.cloud_name
                ),
            };
            el.set_text_content(Some(&text));
        }
        if let Ok(b) = q(&self.panel, ".cldc-upload") {
            set_hidden(&b, target.upload.is_err());
        }
        if let Ok(el) = q(&self.panel, ".cldc-upload-reason") {
            let why = target.upload.as_ref().err();
            el.set_text_content(why.map(|w| sentence(w)).as_deref());
            set_hidden(&el, why.is_none());
        }
        if let Ok(el) = q(&self.panel, ".cldc-delivery-note") {
            let why = target.optimized_delivery.as_ref().err();
            el.set_text_content(
                why.map(|w| {
                    format!(
                        "{} Inserted images are delivered untransformed.",
                        sentence(w)
                    )
                })
                .as_deref(),
            );
            set_hidden(&el, why.is_none());
        }
        if let Ok(b) = q(&self.panel, ".cldc-signin") {
            set_hidden(&b, self.accounts.is_none());
        }
    }
}

/// What runs on the UI once the listing has come.
pub(super) type WithListing = Box<dyn FnOnce(&mut Ui, &Weak<RefCell<Ui>>, AccountListing)>;

/// Fetches the accounts the host's user token grants; `then` runs on the UI with the listing.
/// `then` is boxed: one instance of the fetch and its task for both callers, not one each
/// (1,335 B less raw wasm, 299 B gzipped; measured as in `host::fetch`, 2026-12-02).
pub(super) fn with_listing(weak: &Weak<RefCell<Ui>>, then: WithListing) {
    let Some(rc) = weak.upgrade() else { return };
    let Ok(mut ui) = rc.try_borrow_mut() else {
        return;
    };
    let Some(url) = ui.host.signer_url().map(str::to_owned) else {
        return ui.show_error(Some("No signer is configured: the host must give the plugin a signer URL to log in to accounts."));
    };
    let host = ui.host.clone();
    let w = weak.clone();
    ui.accounts_pending = Some(Cancellable::spawn(async move {
        let listing = match host.signer_token().await {
            Ok(token) => host_accounts::fetch_listing(&url, &token, None)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(format!("the host gave no user token: {}", js_message(&e))),
        };
        let w2 = w.clone();
        on_ui(&w, move |ui| {
            ui.accounts_pending = None;
            match listing {
                Ok(l) => {
                    ui.show_error(None);
                    then(ui, &w2, l);
                }
                Err(e) => {
                    ui.show_error(Some(&format!("Cannot load your Cloudinary accounts: {e}")))
                }
            }
        });
    }));
    drop(ui);
}

/// What an account button (its `data-act`) or the sub-account select asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AccountAction {
    Login,
    Logout,
    Switch,
    SubAccount,
}

impl AccountAction {
    /// The buttons' actions.
    const BUTTONS: [AccountAction; 3] = [
        AccountAction::Login,
        AccountAction::Logout,
        AccountAction::Switch,
    ];

    /// The `data-act` value of its button.
    pub(super) fn attr(self) -> &'static str {
        match self {
            AccountAction::Login => "login",
            AccountAction::Logout => "logout",
            AccountAction::Switch => "switch",
            AccountAction::SubAccount => "sub",
        }
    }

    /// The action of a button's `data-act` value.
    pub(super) fn of_button(attr: &str) -> Option<Self> {
        Self::BUTTONS.into_iter().find(|a| a.attr() == attr)
    }
}

pub(super) fn account_action(weak: &Weak<RefCell<Ui>>, act: AccountAction, account: String) {
    let now = host_accounts::now;
    match act {
        AccountAction::Login => with_listing(
            weak,
            Box::new(move |ui, w, listing| {
                let Some(session) = ui.accounts.as_mut() else {
                    return;
                };
                let ticket = session.begin_login(&account);
                let r = session.login(ticket, &listing, now());
                ui.listing = Some(listing);
                match r {
                    Ok(effects) => ui.run_effects(w, effects),
                    Err(e) => {
                        ui.show_error(Some(&format!("Cannot log in to \"{account}\": {e}")));
                        ui.render_status();
                    }
                }
            }),
        ),
        _ => on_ui(weak, |ui| {
            let Some(session) = ui.accounts.as_mut() else {
                return;
            };
            let r = match act {
                AccountAction::Logout => session.logout(&account, now()),
                AccountAction::Switch => session.switch_to(&account, None, now()),
                AccountAction::SubAccount => session.switch_sub_account(&account, now()),
                AccountAction::Login => return,
            };
            match r {
                Ok(effects) => {
                    ui.show_error(None);
                    ui.run_effects(weak, effects)
                }
                Err(e) => ui.show_error(Some(&e.to_string())),
            }
        }),
    }
}
