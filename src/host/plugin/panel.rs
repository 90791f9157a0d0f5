//! The "ui" feature's panel: toolbar button, panel, settings, status and the signer check.
//! Its markup and style are `panel.html` and `panel.css` (included at compile time); inserting
//! media is [`super::insert`], the accounts section [`super::panel_accounts`], the widgets
//! [`super::panel_widgets`]. About 610 lines: `activate_ui`, which builds the panel and wires its
//! controls, holds every listener it adds in one bag, so that releasing the feature removes them all.

use super::*;
use alloc::{
    borrow::ToOwned,
    boxed::Box,
    string::{String, ToString},
    vec::Vec,
};

const CSS: &str = include_str!("panel.css");

const PANEL_HTML: &str = include_str!("panel.html");

/// What the widgets are mounted on: the current account's cloud, or the settings' cloud when
/// no account is logged in (the Media Library then shows Cloudinary's own login screen).
pub(super) struct Target {
    pub(super) account: CloudAccount,
    pub(super) owner: Option<String>,
    /// Where uploads go (the signer's folder rule for the role), if anywhere.
    pub(super) folder: Option<String>,
    pub(super) media_library: Result<(), String>,
    pub(super) upload: Result<(), String>,
    /// `f_auto,q_auto` and delivery transformations allowed (not on DAM-only clouds).
    pub(super) optimized_delivery: Result<(), String>,
}

pub(super) struct Ui {
    // Fields drop in declaration order: work in flight first, then the widgets, then the rest.
    pub(super) ml_pending: Option<Pending>,
    pub(super) upload_pending: Option<Pending>,
    pub(super) accounts_pending: Option<Cancellable>,
    /// Inserts waiting for delivery signatures from the signer, with the account they are for.
    pub(super) inserts: Vec<Pending>,
    pub(super) signer_check: Option<AbortOnDrop>,
    pub(super) ml: Option<Open<MediaLibrary>>,
    pub(super) upload: Option<Open<UploadWidget>>,
    pub(super) host: HostApi,
    pub(super) settings: Settings,
    pub(super) widgets: WidgetHost,
    pub(super) accounts: Option<AccountsSession>,
    pub(super) listing: Option<AccountListing>,
    /// Widgets unmounted by an account change, to mount again on the new cloud.
    pub(super) reopen: (bool, bool),
    pub(super) panel: web_sys::Element,
    pub(super) button: Option<web_sys::Element>,
    pub(super) signer_state: String,
}

pub(super) type UiRef = Rc<RefCell<Ui>>;

pub(super) fn q(root: &web_sys::Element, sel: &str) -> Result<web_sys::Element, PluginError> {
    root.query_selector(sel)
        .ok()
        .flatten()
        .ok_or_else(|| PluginError(format!("the panel has no {sel}")))
}

pub(super) fn input(
    root: &web_sys::Element,
    name: &str,
) -> Result<web_sys::HtmlInputElement, PluginError> {
    q(root, &format!("[name={name}]"))?
        .dyn_into()
        .map_err(|_| PluginError(format!("[name={name}] is not an input")))
}

pub(super) fn set_hidden(el: &web_sys::Element, hidden: bool) {
    let _ = if hidden {
        el.set_attribute("hidden", "")
    } else {
        el.remove_attribute("hidden")
    };
}

pub(super) fn allowed(caps: &Capabilities, f: Feature) -> Result<(), String> {
    if caps.is_enabled(f) {
        Ok(())
    } else {
        Err(caps.get(f).to_string())
    }
}

/// Sentence case for a feature state shown on its own ("Uploading is not allowed…"). The states
/// are the plugin's own messages, which start with an ASCII letter: ASCII case only, because
/// `char::to_uppercase` links std's Unicode case table (12 KB of wasm data; scripts/size.sh).
pub(super) fn sentence(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 1);
    let mut c = s.chars();
    if let Some(f) = c.next() {
        out.push(f.to_ascii_uppercase());
        out.push_str(c.as_str());
        out.push('.');
    }
    out
}

impl Ui {
    pub(super) fn render_status(&self) {
        if let Ok(el) = q(&self.panel, ".cldc-status") {
            let cloud = self.target().account.cloud_name;
            el.set_text_content(Some(&format!(
                "Cloud: {cloud} · Signer: {}",
                self.signer_state
            )));
        }
        self.render_accounts();
    }

    pub(super) fn show_error(&self, message: Option<&str>) {
        if let Ok(el) = q(&self.panel, ".cldc-error") {
            el.set_text_content(message);
            set_hidden(&el, message.is_none());
        }
        if let Some(m) = message {
            self.host.log(Level::Error, m);
        }
    }

    pub(super) fn notify(&self, text: &str) {
        if let Ok(el) = q(&self.panel, ".cldc-notice") {
            el.set_text_content(Some(text));
            set_hidden(&el, false);
        }
        self.host.log(Level::Info, text);
    }

    pub(super) fn set_open(&self, open: bool) {
        let _ = if open {
            self.panel.remove_attribute("hidden")
        } else {
            self.panel.set_attribute("hidden", "")
        };
        if let Some(b) = &self.button {
            let _ = b.set_attribute("aria-pressed", if open { "true" } else { "false" });
        }
        let _ = KeyValue::set(
            self.host.storage(),
            UI_STATE_KEY,
            if open {
                r#"{"open":true}"#
            } else {
                r#"{"open":false}"#
            },
        );
    }

    pub(super) fn toggle(&self) {
        self.set_open(self.panel.has_attribute("hidden"));
    }

    /// The cloud the widgets work on now, and what it allows.
    pub(super) fn target(&self) -> Target {
        let now = host_accounts::now();
        if let Some(state) = self.accounts.as_ref().map(AccountsSession::state) {
            if let Some(cloud) = state.current() {
                let caps = state.features(now);
                let prefix = cloud.grants.folder_prefix.clone(); // the signer substitutes `{user}`
                return Target {
                    account: CloudAccount {
                        api_key: Some(cloud.api_key.clone()),
                        ..CloudAccount::new(cloud.signer_account(), &cloud.cloud_name)
                    },
                    owner: Some(cloud.account.clone()),
                    folder: (!prefix.is_empty()).then_some(prefix),
                    media_library: allowed(&caps, Feature::MediaLibrary),
                    upload: allowed(&caps, Feature::Upload),
                    optimized_delivery: allowed(&caps, Feature::OptimizedDelivery),
                };
            }
        }
        // No account: the widgets need one (the Media Library its API key and signed login,
        // uploads their signatures); URLs are built for the settings' cloud.
        let no_account = |feature| {
            FeatureState {
                feature,
                availability: Availability::Disabled(Reason::NoAccount),
            }
            .to_string()
        };
        Target {
            account: CloudAccount::new("settings", &self.settings.cloud_name),
            owner: None,
            folder: None,
            media_library: Err(no_account(Feature::MediaLibrary)),
            upload: Err(no_account(Feature::Upload)),
            optimized_delivery: Ok(()),
        }
    }

    /// The widget host for `target`: signed (ML login, upload signatures) on an account, plain
    /// on the settings' cloud.
    pub(super) fn widget_host(&self, target: &Target) -> WidgetHost {
        let mut host = self.widgets.clone();
        if target.owner.is_none() {
            host.signer = None;
        }
        host
    }

    /// The host's default transformation where the cloud allows delivery transformations.
    pub(super) fn default_transformation(&self, target: &Target) -> Option<String> {
        let tx = self.settings.delivery.default_transformation.trim();
        (target.optimized_delivery.is_ok() && !tx.is_empty()).then(|| tx.to_owned())
    }
}

/// Runs `f` on the live UI state, if the feature has not been released; never panics into the
/// host's event dispatch.
pub(super) fn on_ui(weak: &Weak<RefCell<Ui>>, f: impl FnOnce(&mut Ui)) {
    if let Some(rc) = weak.upgrade() {
        if let Ok(mut ui) = rc.try_borrow_mut() {
            f(&mut ui);
        }
    }
}

/// A tab id for the accounts' two-tab rule.
pub(super) fn tab_id() -> String {
    format!(
        "tab-{:x}",
        (js_sys::Math::random() * 4_294_967_296.0) as u64
    )
}

pub(super) fn activate_ui(ctx: &Context) -> Result<Resources, PluginError> {
    let mut bag = Resources::new();
    let host = &ctx.host;
    let dom = js_err("cannot build the Cloudinary panel");
    let widgets = widget_host(host)?;

    bag.hold(inject_style(OWNER, CSS).map_err(&dom)?);
    bag.hold(inject_link(OWNER, "preconnect", "https://res.cloudinary.com", true).map_err(&dom)?);
    let info = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&info, &"version".into(), &crate::core::VERSION.into());
    bag.hold(
        Global::define("cloudinaryConnector", &js_sys::Object::freeze(&info).into())
            .map_err(&dom)?,
    );

    let panel_slot = host
        .slot("panel")
        .map_err(js_err("the host's ui.slot(\"panel\") failed"))?;
    let Some(panel_slot) = panel_slot else {
        host.log(
            Level::Warn,
            "the host offers no \"panel\" slot: Cloudinary features are unavailable",
        );
        return Ok(bag);
    };
    let panel = element(
        "section",
        &[
            ("class", "cldc-panel"),
            ("data-owner", OWNER),
            ("aria-label", "Cloudinary"),
            ("hidden", ""),
        ],
    )
    .map_err(&dom)?;
    panel.set_inner_html(PANEL_HTML);
    let panel_node = OwnedNode::append(&panel_slot, &panel).map_err(&dom)?;

    // Accounts: restored from the host's namespaced storage when a signer is configured.
    let mut opened_effects = Vec::new();
    let accounts = if host.signer_url().is_some() {
        let store = AccountStore::new(host.storage().clone(), "");
        match AccountsSession::open(store, &tab_id(), host_accounts::now()) {
            Ok(o) => {
                for issue in &o.issues {
                    host.log(Level::Warn, &format!("stored accounts: {issue}"));
                }
                if let Some(e) = &o.load_error {
                    host.log(
                        Level::Warn,
                        &format!("the stored accounts were unusable and are ignored: {e}"),
                    );
                }
                opened_effects = o.effects;
                Some(o.session)
            }
            Err(e) => {
                host.log(
                    Level::Error,
                    &format!("cannot restore the Cloudinary accounts: {e}"),
                );
                None
            }
        }
    } else {
        None
    };

    let ui: UiRef = Rc::new(RefCell::new(Ui {
        ml_pending: None,
        upload_pending: None,
        accounts_pending: None,
        inserts: Vec::new(),
        signer_check: None,
        ml: None,
        upload: None,
        host: host.clone(),
        settings: ctx.settings.clone(),
        widgets,
        accounts,
        listing: None,
        reopen: (false, false),
        panel: panel.clone(),
        button: None,
        signer_state: if host.signer_url().is_some() {
            "checking…".into()
        } else {
            "not configured".into()
        },
    }));
    let weak = Rc::downgrade(&ui);

    // Settings form initial values.
    input(&panel, "cloudName")?.set_value(&ctx.settings.cloud_name);
    input(&panel, "defaultTransformation")?
        .set_value(&ctx.settings.delivery.default_transformation);
    input(&panel, "shortcut")?.set_checked(ctx.settings.ui.shortcut);

    // Toolbar button, kept in place by an observer if the host re-renders its toolbar.
    let mut toolbar_nodes = None;
    if let Some(toolbar) = host
        .slot("toolbar")
        .map_err(js_err("the host's ui.slot(\"toolbar\") failed"))?
    {
        let button = element(
            "button",
            &[
                ("type", "button"),
                ("class", "cldc-toolbar-button"),
                ("data-owner", OWNER),
                ("aria-pressed", "false"),
                ("title", "Cloudinary (Ctrl+Shift+M)"),
            ],
        )
        .map_err(&dom)?;
        button.set_text_content(Some("Cloudinary"));
        let node = OwnedNode::append(&toolbar, &button).map_err(&dom)?;
        let w = weak.clone();
        let click = Listener::new(&button, "click", move |_| on_ui(&w, |ui| ui.toggle()));
        let (tb, bt) = (toolbar.clone(), button.clone());
        let observer = Observer::children(&toolbar, move |_| {
            if bt.parent_node().is_none() {
                let _ = tb.append_child(&bt);
            }
        })
        .map_err(&dom)?;
        ui.borrow_mut().button = Some(button);
        toolbar_nodes = Some((node, click, observer));
    }

    // Insert an image by public id.
    let w = weak.clone();
    let insert = Listener::with_options(
        &q(&panel, ".cldc-insert")?,
        "submit",
        false,
        false,
        move |e| {
            e.prevent_default();
            on_ui(&w, |ui| {
                let (Ok(pid), Ok(alt)) = (input(&ui.panel, "publicId"), input(&ui.panel, "alt"))
                else {
                    return;
                };
                let id = pid.value().trim().to_owned();
                if id.is_empty() {
                    return ui.show_error(Some("Enter the public ID of the image to insert."));
                }
                if !ui.host.has_editor() {
                    return ui.show_error(Some("This host has no editor to insert images into."));
                }
                let (reference, target) = image_reference(&ui.settings, &id);
                let url = match reference.delivery_url(&target) {
                    Ok(u) => u,
                    Err(e) => return ui.show_error(Some(&format!("Cannot insert {id}: {e}"))),
                };
                let alt_text = alt.value();
                let media = media_object(
                    &url,
                    alt_text.trim(),
                    &id,
                    "image",
                    "upload",
                    &ui.settings.delivery.default_transformation,
                );
                add_delivery_fields(&media, &reference, &target, None);
                match ui.host.insert_media(&media) {
                    Ok(_) => {
                        ui.show_error(None);
                        pid.set_value("");
                        alt.set_value("");
                    }
                    Err(e) => ui.show_error(Some(&format!(
                        "The host refused the image: {}",
                        js_message(&e)
                    ))),
                }
            })
        },
    );

    // Save settings.
    let w = weak.clone();
    let save = Listener::with_options(
        &q(&panel, ".cldc-settings-form")?,
        "submit",
        false,
        false,
        move |e| {
            e.prevent_default();
            on_ui(&w, |ui| {
                let (Ok(c), Ok(t), Ok(s)) = (
                    input(&ui.panel, "cloudName"),
                    input(&ui.panel, "defaultTransformation"),
                    input(&ui.panel, "shortcut"),
                ) else {
                    return;
                };
                let mut next = ui.settings.clone();
                next.cloud_name = c.value().trim().to_owned();
                next.delivery.default_transformation = t.value().trim().to_owned();
                next.ui.shortcut = s.checked();
                if let Err(e) = next.validate_input() {
                    return ui.show_error(Some(&format!("Settings not saved: {e}.")));
                }
                if let Err(e) = write_settings(&ui.host, &next) {
                    return ui.show_error(Some(&format!("Settings not saved: {e}.")));
                }
                ui.settings = next.clone();
                let _ = with(|p| p.settings = Some(next));
                ui.show_error(None);
                ui.render_status();
            })
        },
    );

    // Media Library and Upload widgets.
    let w = weak.clone();
    let ml = Listener::new(&q(&panel, ".cldc-ml")?, "click", move |_| {
        on_ui(&w, |ui| match &ui.ml {
            Some(open) => {
                if let Err(e) = open.widget.show() {
                    ui.show_error(Some(&format!("Could not open the Media Library: {e}")));
                }
            }
            None if ui.ml_pending.is_some() => {}
            None => ui.start_media_library(&w, true),
        })
    });
    let w = weak.clone();
    let upload = Listener::new(&q(&panel, ".cldc-upload")?, "click", move |_| {
        on_ui(&w, |ui| match &ui.upload {
            Some(open) => {
                if let Err(e) = open.widget.open() {
                    ui.show_error(Some(&format!("Could not open the Upload widget: {e}")));
                }
            }
            None if ui.upload_pending.is_some() => {}
            None => ui.start_upload(&w, true),
        })
    });

    // Accounts: load the listing, log in/out, switch account and sub-account.
    let w = weak.clone();
    let signin = Listener::new(&q(&panel, ".cldc-signin")?, "click", move |_| {
        with_listing(
            &w,
            Box::new(|ui, w, listing| {
                let r = ui
                    .accounts
                    .as_mut()
                    .map(|s| s.reconcile(&listing, host_accounts::now()));
                ui.listing = Some(listing);
                match r {
                    Some(Ok(effects)) => ui.run_effects(w, effects),
                    Some(Err(e)) => ui.show_error(Some(&e.to_string())),
                    None => {}
                }
                ui.render_status();
            }),
        )
    });
    let w = weak.clone();
    let account_clicks = Listener::new(&q(&panel, ".cldc-account-list")?, "click", move |e| {
        let Some(button) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        let Ok(Some(button)) = button.closest("button[data-act]") else {
            return;
        };
        let (Some(act), Some(account)) = (
            button
                .get_attribute("data-act")
                .as_deref()
                .and_then(AccountAction::of_button),
            button
                .closest("li[data-account]")
                .ok()
                .flatten()
                .and_then(|li| li.get_attribute("data-account")),
        ) else {
            return;
        };
        account_action(&w, act, account);
    });
    let w = weak.clone();
    let sub_change = Listener::new(&q(&panel, "[name=subAccount]")?, "change", move |e| {
        let value = e
            .target()
            .and_then(|t| js_sys::Reflect::get(&t, &"value".into()).ok())
            .and_then(|v| v.as_string());
        if let Some(sub) = value {
            account_action(&w, AccountAction::SubAccount, sub);
        }
    });

    // Keyboard shortcut.
    let w = weak.clone();
    let keys = Listener::new(&document(), "keydown", move |e| {
        let Some(k) = e.dyn_ref::<web_sys::KeyboardEvent>() else {
            return;
        };
        if k.ctrl_key() && k.shift_key() && k.key().eq_ignore_ascii_case("m") {
            on_ui(&w, |ui| {
                if ui.settings.ui.shortcut {
                    ui.toggle()
                }
            });
        }
    });

    // Signer status: checked now and every 30 s while active.
    let mut timers = None;
    if host.signer_url().is_some() {
        let w = weak.clone();
        let first = Timeout::new(0, move || check_signer(&w));
        let w = weak.clone();
        let every = Interval::new(30_000, move || check_signer(&w));
        timers = Some((first, every));
    }

    // Restore the panel's open state and the accounts' selection.
    let open = KeyValue::get(host.storage(), UI_STATE_KEY)
        .ok()
        .flatten()
        .is_some_and(|v| crate::core::text::find_bytes(v.as_bytes(), b"true").is_some());
    {
        let mut u = ui.borrow_mut();
        u.run_effects(&weak, opened_effects);
        if open {
            u.set_open(true);
        }
    }

    // Acquisition order = release order reversed: state (widgets, requests) first, then timers
    // and listeners, then nodes.
    bag.hold(panel_node);
    if let Some((node, click, observer)) = toolbar_nodes {
        bag.hold(node);
        bag.hold(observer);
        bag.hold(click);
    }
    bag.hold(insert);
    bag.hold(save);
    bag.hold(ml);
    bag.hold(upload);
    bag.hold(signin);
    bag.hold(account_clicks);
    bag.hold(sub_change);
    bag.hold(keys);
    if let Some(t) = timers {
        bag.hold(t);
    }
    bag.hold(ui);
    Ok(bag)
}

pub(super) fn check_signer(weak: &Weak<RefCell<Ui>>) {
    let Some(rc) = weak.upgrade() else { return };
    let Ok(mut ui) = rc.try_borrow_mut() else {
        return;
    };
    let Some(client) = ui.widgets.signer.clone() else {
        return;
    };
    let Ok(abort) = AbortOnDrop::new() else {
        return;
    };
    let signal = abort.signal();
    ui.signer_check = Some(abort); // replaces (aborts) a check still running
    drop(ui);
    drop(rc);
    let weak = weak.clone();
    crate::host::resources::spawn(async move {
        let res = client.health(&signal).await;
        if signal.aborted() {
            return; // torn down or superseded
        }
        let state = match res {
            Ok(()) => "connected".to_owned(),
            Err(SignerError::Refused { status, .. }) => format!("error (HTTP {status})"),
            Err(_) => "unreachable".to_owned(),
        };
        on_ui(&weak, |ui| {
            ui.signer_check = None;
            ui.signer_state = state;
            ui.render_status();
        });
    });
}
