//! The plugin's side of the lifecycle: install, activate, deactivate, update, uninstall, on top of
//! the pure [`crate::core::lifecycle`] state machine.
//!
//! While active, everything the plugin has put into the page is held by [`Features`]: a registry
//! of named [`Resources`] bags. `deactivate` and `uninstall` drop them all (newest first), so the
//! page returns to what it was. Features built elsewhere in the crate (widgets, accounts) join in
//! one of two ways:
//!
//! * at activation, from [`FEATURES`]: add a [`FeatureSpec`] whose `activate` returns the bag;
//! * at any time while active: [`add_feature`] (`"media-library"`, a bag holding the widget
//!   handle and its script) and [`remove_feature`]; [`with_feature`] reaches a held value.
//!
//! ```no_run
//! # use cloudinary_connector::host::{plugin, resources::*};
//! # fn f(tag: OwnedNode) -> Result<(), plugin::PluginError> {
//! let mut bag = Resources::new();
//! bag.hold(tag);
//! plugin::add_feature("upload-widget", bag)?; // dropped on deactivate/uninstall
//! # Ok(()) }
//! ```

use crate::core::text::Quoted;
use alloc::rc::{Rc, Weak};
use alloc::{
    borrow::ToOwned,
    string::{String, ToString},
    vec::Vec,
};
use core::cell::{LazyCell, RefCell};
use core::fmt;

use crate::core::semver::Version;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::accounts::{
    AccountListing, Availability, Capabilities, Effect, Feature, FeatureState, Reason,
};
use crate::core::identity::Identity;
use crate::core::lifecycle::{self, Lifecycle, LifecycleError, Op, UninstallMode, UpdateKind};
use crate::core::settings::{self, Settings, SETTINGS_KEY};
use crate::core::url::Prepared;
use crate::core::widgets::{
    Asset, AssetReference, CloudAccount, DefaultTransformations, DeliveryTarget,
    MediaLibraryOptions, SyncMode, UploadEvent, UploadMode, UploadWidgetOptions, WidgetError,
};
use crate::host::accounts::{self as host_accounts, AccountStore, AccountsSession};
use crate::host::api::{js_message, HostApi, Level};
use crate::host::resources::*;
use crate::host::script::ScriptOptions;
use crate::host::signer_client::{SignerClient, SignerError, TokenSource};
use crate::host::widgets::media_library::Placement;
use crate::host::widgets::{
    MediaLibrary, MediaLibraryHandlers, MountError, UploadWidget, WidgetHost,
};
use crate::page_local::PageLocal;

mod insert;
mod panel;
mod panel_accounts;
mod panel_widgets;

pub use insert::image_url;
use insert::*;
use panel::*;
use panel_accounts::*;
use panel_widgets::*;

/// The manifest shipped with this build (`pkg.json`).
pub const MANIFEST: &str = include_str!("../../../pkg.json");

/// The `data-owner` attribute value on every element the plugin creates.
pub const OWNER: &str = "cloudinary-connector";

/// Storage key (in the plugin's namespace) of the panel's open/closed state.
pub const UI_STATE_KEY: &str = "ui-state";

/// Why a lifecycle call failed. The message is what the host shows the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginError(pub String);

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl core::error::Error for PluginError {}

macro_rules! from_display {
    ($($t:ty),*) => {$(
        impl From<$t> for PluginError {
            fn from(e: $t) -> Self { PluginError(e.to_string()) }
        }
    )*}
}
from_display!(
    LifecycleError,
    lifecycle::Refused,
    settings::SettingsError,
    crate::host::api::HostError,
    crate::core::identity::IdentityError
);

fn js_err(context: &str) -> impl Fn(JsValue) -> PluginError + '_ {
    move |e| PluginError(format!("{context}: {}", js_message(&e)))
}

// ---------------------------------------------------------------------------------------------
// Feature registry
// ---------------------------------------------------------------------------------------------

/// Everything the plugin holds in the page, by feature name.
#[derive(Debug, Default)]
pub struct Features {
    entries: Vec<(String, Resources)>,
}

impl Features {
    /// Adds (or replaces, releasing the old bag) the feature `name`.
    pub fn insert(&mut self, name: &str, bag: Resources) {
        self.remove(name);
        self.entries.push((name.to_owned(), bag));
    }

    /// Releases the feature `name`; `false` if there was none.
    pub fn remove(&mut self, name: &str) -> bool {
        match self.entries.iter().position(|(n, _)| n == name) {
            Some(i) => {
                let (_, bag) = self.entries.remove(i);
                drop(bag);
                true
            }
            None => false,
        }
    }

    /// The bag of feature `name`.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Resources> {
        self.entries
            .iter_mut()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b)
    }

    /// Feature names, oldest first.
    pub fn names(&self) -> Vec<String> {
        self.entries.iter().map(|(n, _)| n.clone()).collect()
    }

    /// Releases every feature, newest first.
    pub fn release_all(&mut self) {
        while let Some((_, bag)) = self.entries.pop() {
            drop(bag);
        }
    }
}

impl Drop for Features {
    fn drop(&mut self) {
        self.release_all();
    }
}

/// What a feature gets when the plugin activates.
#[derive(Debug, Clone)]
pub struct Context {
    /// The host.
    pub host: HostApi,
    /// The current settings.
    pub settings: Settings,
}

/// A feature mounted at activation.
#[derive(Debug, Clone, Copy)]
pub struct FeatureSpec {
    /// Its name in [`Features`].
    pub name: &'static str,
    /// Mounts it; everything it creates goes into the returned bag.
    pub activate: fn(&Context) -> Result<Resources, PluginError>,
}

/// The features mounted at activation, in order (released in reverse).
pub const FEATURES: &[FeatureSpec] = &[FeatureSpec {
    name: "ui",
    activate: activate_ui,
}];

// ---------------------------------------------------------------------------------------------
// Plugin state
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct Plugin {
    lifecycle: Lifecycle,
    host: Option<HostApi>,
    settings: Option<Settings>,
    features: Features,
}

static PLUGIN: PageLocal<LazyCell<RefCell<Plugin>>> =
    PageLocal::new(LazyCell::new(|| RefCell::new(Plugin::default())));

fn with<R>(f: impl FnOnce(&mut Plugin) -> R) -> Result<R, PluginError> {
    PLUGIN.with(|p| match p.try_borrow_mut() {
        Ok(mut p) => Ok(f(&mut p)),
        Err(_) => Err(PluginError(
            "the plugin is busy with another lifecycle call; call it again when that one has finished".into(),
        )),
    })
}

/// Adds a feature bag to the active plugin (released on deactivate/uninstall).
pub fn add_feature(name: &str, bag: Resources) -> Result<(), PluginError> {
    let mut bag = Some(bag);
    let added = with(|p| {
        let active = p.lifecycle.state() == lifecycle::State::Active;
        if let (true, Some(b)) = (active, bag.take()) {
            p.features.insert(name, b);
        }
        active
    })?;
    drop(bag); // released outside the borrow when refused
    if added {
        Ok(())
    } else {
        Err(PluginError(format!(
            "cannot add the feature {name}: the plugin is not active",
            name = Quoted(name)
        )))
    }
}

/// Releases the feature `name`; `false` if it was not there.
pub fn remove_feature(name: &str) -> Result<bool, PluginError> {
    // Take the bag out first so its release runs outside the borrow (dropping nodes can fire
    // events synchronously, e.g. `blur`, into the plugin's own listeners).
    let bag = with(|p| {
        let i = p.features.entries.iter().position(|(n, _)| n == name)?;
        Some(p.features.entries.remove(i).1)
    })?;
    Ok(bag.is_some())
}

/// Runs `f` on the bag of feature `name`, if the plugin is active and has it.
pub fn with_feature<R>(
    name: &str,
    f: impl FnOnce(&mut Resources) -> R,
) -> Result<Option<R>, PluginError> {
    with(|p| p.features.get_mut(name).map(f))
}

/// The host the plugin was last activated/installed with.
pub fn current_host() -> Option<HostApi> {
    with(|p| p.host.clone()).ok().flatten()
}

/// The current settings, if installed.
pub fn current_settings() -> Option<Settings> {
    with(|p| p.settings.clone()).ok().flatten()
}

/// The lifecycle state name and the active feature names.
pub fn status() -> Result<(lifecycle::State, Vec<String>), PluginError> {
    with(|p| (p.lifecycle.state(), p.features.names()))
}

fn current_version() -> Version {
    Version::parse(crate::core::VERSION).expect("Cargo.toml's version is SemVer")
}

/// Validates the host object and admits it: the manifest (the host's, or the shipped one)
/// describes this module, and the host API version is in range.
fn admit(host: &JsValue) -> Result<HostApi, PluginError> {
    let api = HostApi::from_js(host)?;
    let manifest = api.manifest().unwrap_or(MANIFEST);
    lifecycle::admit(manifest, api.api_version(), crate::core::VERSION)?;
    Identity::new(
        api.platform_name(),
        api.platform_version(),
        api.environment(),
    )?;
    Ok(api)
}

fn write_settings(api: &HostApi, s: &Settings) -> Result<(), PluginError> {
    KeyValue::set(
        api.storage(),
        SETTINGS_KEY,
        &s.to_record(&current_version()),
    )
    .map_err(js_err("cannot store the settings in the host's storage"))
}

fn read_record(api: &HostApi) -> Result<Option<String>, PluginError> {
    KeyValue::get(api.storage(), SETTINGS_KEY).map_err(js_err("cannot read the host's storage"))
}

/// The result of `install`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallReport {
    /// `true`: settings kept from an earlier install were found (and migrated if older).
    pub kept_settings: bool,
    /// Migrations applied to kept settings.
    pub migrations: Vec<&'static str>,
}

/// First-time install: admits the host and stores initial settings (or adopts the settings an
/// earlier install kept). Mounts nothing.
pub fn install(host: &JsValue) -> Result<InstallReport, PluginError> {
    let api = admit(host)?;
    with(|p| p.lifecycle.plan(Op::Install))??;
    let (settings, report) = match read_record(&api)? {
        Some(rec) => {
            let loaded = settings::load(&rec, &current_version())?;
            if loaded.needs_write(&current_version()) {
                write_settings(&api, &loaded.settings)?;
            }
            (
                loaded.settings,
                InstallReport {
                    kept_settings: true,
                    migrations: loaded.applied,
                },
            )
        }
        None => {
            let s = Settings::default();
            write_settings(&api, &s)?;
            (
                s,
                InstallReport {
                    kept_settings: false,
                    migrations: vec![],
                },
            )
        }
    };
    with(|p| {
        p.lifecycle.apply(Op::Install)?;
        p.host = Some(api.clone());
        p.settings = Some(settings);
        Ok::<_, PluginError>(())
    })??;
    api.log(
        Level::Info,
        if report.kept_settings {
            "installed with the settings kept from an earlier install"
        } else {
            "installed with default settings"
        },
    );
    Ok(report)
}

fn mount(api: &HostApi, s: &Settings) -> Result<Features, PluginError> {
    let ctx = Context {
        host: api.clone(),
        settings: s.clone(),
    };
    let mut features = Features::default();
    for spec in FEATURES {
        match (spec.activate)(&ctx) {
            Ok(bag) => features.insert(spec.name, bag),
            Err(e) => {
                drop(features); // release what the earlier features mounted
                return Err(PluginError(format!(
                    "cannot activate the feature {}: {e}",
                    Quoted(spec.name)
                )));
            }
        }
    }
    Ok(features)
}

/// Mounts every feature. A module loaded into a page where the plugin was installed earlier may
/// call this first: the stored settings prove the install.
pub fn activate(host: &JsValue) -> Result<(), PluginError> {
    let api = admit(host)?;
    if with(|p| p.lifecycle.plan(Op::Activate))??.no_op {
        return Ok(());
    }
    let record = read_record(&api)?.ok_or_else(|| {
        PluginError("cannot activate: the plugin is not installed on this host (it has no stored settings); call install() first".into())
    })?;
    let loaded = settings::load(&record, &current_version())?;
    if loaded.needs_write(&current_version()) {
        api.log(
            Level::Warn,
            &format!(
                "settings written by {} were migrated at activation; hosts should call update() after replacing a version",
                loaded.written_by
            ),
        );
        write_settings(&api, &loaded.settings)?;
    }
    let features = mount(&api, &loaded.settings)?;
    with(|p| {
        p.lifecycle.apply(Op::Activate)?;
        p.host = Some(api);
        p.settings = Some(loaded.settings);
        p.features = features;
        Ok::<_, PluginError>(())
    })?
}

/// Releases everything the plugin put into the page. Never fails; calling it when inactive does
/// nothing.
pub fn deactivate() -> Result<(), PluginError> {
    let features = with(|p| {
        let _ = p.lifecycle.apply(Op::Deactivate);
        core::mem::take(&mut p.features)
    })?;
    drop(features);
    Ok(())
}

/// The result of `update`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateReport {
    /// The version updated from.
    pub from: Version,
    /// Migrations applied, in order.
    pub migrations: Vec<&'static str>,
}

/// Updates from `previous` (the version the host had installed): migrates the stored settings in
/// order, refusing a downgrade. An active plugin is deactivated and re-activated around it.
pub fn update(host: &JsValue, previous: &str) -> Result<UpdateReport, PluginError> {
    let api = admit(host)?;
    let current = current_version();
    let kind = lifecycle::classify_update(previous, &current)?;
    let plan = with(|p| p.lifecycle.plan(Op::Update))??;
    let loaded = match read_record(&api)? {
        Some(rec) => Some(settings::load(&rec, &current)?),
        None => None,
    };
    if plan.deactivate_first {
        deactivate()?;
    }
    let (settings, migrations) = match loaded {
        Some(l) => {
            if l.needs_write(&current) {
                write_settings(&api, &l.settings)?;
            }
            (l.settings, l.applied)
        }
        None => {
            let s = Settings::default();
            write_settings(&api, &s)?;
            (s, vec![])
        }
    };
    let features = if plan.reactivate_after {
        Some(mount(&api, &settings)?)
    } else {
        None
    };
    with(|p| {
        // An active plugin was deactivated above, so this moves inactive → inactive.
        p.lifecycle.apply(Op::Update)?;
        if let Some(f) = features {
            p.lifecycle.apply(Op::Activate)?;
            p.features = f;
        }
        p.host = Some(api.clone());
        p.settings = Some(settings);
        Ok::<_, PluginError>(())
    })??;
    let from = match kind {
        UpdateKind::Upgrade { from } => from,
        UpdateKind::Same => current,
    };
    api.log(
        Level::Info,
        &format!(
            "Cloudinary Connector updated from {from} to {}",
            crate::core::VERSION
        ),
    );
    Ok(UpdateReport { from, migrations })
}

/// Releases everything and, with [`UninstallMode::RemoveAllData`], removes every key in the
/// plugin's storage namespace. Returns how many keys were removed.
pub fn uninstall(host: &JsValue, mode: UninstallMode) -> Result<usize, PluginError> {
    // Release first, whatever the host object looks like: uninstall must always clean the page.
    deactivate()?;
    let api = match HostApi::from_js(host) {
        Ok(a) => Some(a),
        Err(e) => {
            if mode == UninstallMode::RemoveAllData {
                return Err(PluginError(format!(
                    "the page is clean, but the stored data could not be removed: {e}"
                )));
            }
            None
        }
    };
    let removed = match (&api, mode) {
        (Some(a), UninstallMode::RemoveAllData) => a.storage().clear().map_err(js_err(
            "the page is clean, but removing the stored data failed",
        ))?,
        _ => 0,
    };
    with(|p| {
        let _ = p.lifecycle.apply(Op::Uninstall);
        p.host = None;
        p.settings = None;
    })?;
    if let Some(a) = api {
        a.log(
            Level::Info,
            &match mode {
                UninstallMode::KeepData => {
                    "uninstalled; its settings are kept for a later install".to_owned()
                }
                UninstallMode::RemoveAllData => {
                    format!("uninstalled; {removed} stored keys removed")
                }
            },
        );
    }
    Ok(removed)
}

/// The widget host from the host object: identity from its platform and environment, the
/// script URLs it overrides (`scripts`, for self-hosting), the signer with the user's token.
fn widget_host(host: &HostApi) -> Result<WidgetHost, PluginError> {
    let identity = Identity::new(
        host.platform_name(),
        host.platform_version(),
        host.environment(),
    )?;
    let options = host.widget_options().map_err(PluginError)?;
    let signer = host.signer_url().map(|url| {
        let client = SignerClient::new(url, TokenSource::Provider(host.signer_token_fn()));
        match options.signer_timeout_ms {
            Some(ms) => client.with_timeout(ms),
            None => client,
        }
    });
    Ok(WidgetHost {
        enabled: true,
        identity,
        scripts: options.scripts.clone(),
        script_options: ScriptOptions::default(),
        signer,
    })
}
