//! The plugin lifecycle as a pure state machine: which host call is allowed in which state, what
//! it must do, and the checks made before the plugin touches the page (manifest, host API range,
//! update direction).
//!
//! ```text
//!            install            activate
//!  Loaded ──────────▶ Inactive ──────────▶ Active
//!    │                  ▲  ▲  ◀──────────   │
//!    │ activate         │  │   deactivate   │
//!    └─(stored settings)┘  └── update ──────┘ (deactivates, migrates, re-activates)
//!                 uninstall (any state; deactivates first) ──▶ Uninstalled
//! ```
//!
//! `Loaded` is a freshly imported module: the host may `install` it (first time) or, for a plugin
//! it installed earlier, `activate` it directly (the stored settings prove the install).
//!
//! ```
//! use cloudinary_connector::core::lifecycle::{Lifecycle, Op, State};
//!
//! let mut l = Lifecycle::default();
//! l.apply(Op::Install).unwrap();
//! l.apply(Op::Activate).unwrap();
//! assert_eq!(l.state(), State::Active);
//! assert_eq!(
//!     l.apply(Op::Install).unwrap_err().to_string(),
//!     "cannot install: the plugin is installed and active"
//! );
//! ```

use crate::core::text::Quoted;
use alloc::{
    borrow::ToOwned,
    string::{String, ToString},
};
use core::fmt;

use crate::core::semver::Version;

use crate::core::manifest::{Manifest, ManifestError};

/// The host extension API version this build implements the plugin side of (see docs/host-api.md).
pub const HOST_API_VERSION: &str = "1.1.0";

/// The extension id the manifest must carry (`pkg.json`'s `id`).
pub const PLUGIN_ID: &str = "cloudinary-connector";

/// Where the plugin is in its lifecycle (in this page).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum State {
    /// Module imported; nothing done yet.
    #[default]
    Loaded,
    /// Installed (settings stored), nothing mounted.
    Inactive,
    /// Features mounted into the host.
    Active,
    /// Uninstalled: every call but `install` is refused.
    Uninstalled,
}

impl State {
    fn describe(self) -> &'static str {
        match self {
            State::Loaded => "loaded but not installed",
            State::Inactive => "installed and inactive",
            State::Active => "installed and active",
            State::Uninstalled => "uninstalled",
        }
    }

    /// The name the JS API reports: `loaded`, `inactive`, `active`, `uninstalled`.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Loaded => "loaded",
            State::Inactive => "inactive",
            State::Active => "active",
            State::Uninstalled => "uninstalled",
        }
    }
}

/// A lifecycle call from the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// First-time install: write initial settings.
    Install,
    /// Mount the features.
    Activate,
    /// Release everything mounted (idempotent).
    Deactivate,
    /// Migrate stored settings from a previous version.
    Update,
    /// Release everything and, optionally, remove stored data.
    Uninstall,
}

impl Op {
    fn verb(self) -> &'static str {
        match self {
            Op::Install => "install",
            Op::Activate => "activate",
            Op::Deactivate => "deactivate",
            Op::Update => "update",
            Op::Uninstall => "uninstall",
        }
    }
}

/// What the plugin must do for an allowed call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Release the mounted features first.
    pub deactivate_first: bool,
    /// Mount the features again at the end (an update of an active plugin).
    pub reactivate_after: bool,
    /// Nothing to do (e.g. `deactivate` when inactive).
    pub no_op: bool,
}

const DO: Plan = Plan {
    deactivate_first: false,
    reactivate_after: false,
    no_op: false,
};

/// The state machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Lifecycle {
    state: State,
}

/// A call the current state does not allow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    op: Op,
    state: State,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot {}: the plugin is {}",
            self.op.verb(),
            self.state.describe()
        )?;
        match (self.op, self.state) {
            (Op::Activate | Op::Update, State::Uninstalled) => {
                f.write_str("; install it again first")
            }
            (Op::Update, State::Loaded) => f.write_str("; activate or install it first"),
            _ => Ok(()),
        }
    }
}

impl core::error::Error for Refused {}

impl Lifecycle {
    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// What `op` requires in the current state, without changing it.
    pub fn plan(&self, op: Op) -> Result<Plan, Refused> {
        use State::*;
        let refused = Err(Refused {
            op,
            state: self.state,
        });
        match (op, self.state) {
            (Op::Install, Loaded | Uninstalled) => Ok(DO),
            (Op::Install, _) => refused,
            (Op::Activate, Loaded | Inactive) => Ok(DO),
            (Op::Activate, Active) => Ok(Plan { no_op: true, ..DO }),
            (Op::Activate, Uninstalled) => refused,
            (Op::Deactivate, Active) => Ok(Plan {
                deactivate_first: true,
                ..DO
            }),
            (Op::Deactivate, _) => Ok(Plan { no_op: true, ..DO }),
            (Op::Update, Inactive) => Ok(DO),
            (Op::Update, Active) => Ok(Plan {
                deactivate_first: true,
                reactivate_after: true,
                no_op: false,
            }),
            // A freshly loaded new version is updated before its first activation.
            (Op::Update, Loaded) => Ok(DO),
            (Op::Update, Uninstalled) => refused,
            (Op::Uninstall, Active) => Ok(Plan {
                deactivate_first: true,
                ..DO
            }),
            (Op::Uninstall, Loaded | Inactive | Uninstalled) => Ok(DO),
        }
    }

    /// Checks `op` and moves to the state it ends in. Call it once the operation succeeded (use
    /// [`Lifecycle::plan`] before doing the work); a failed operation leaves the state to the
    /// caller ([`Lifecycle::set_inactive`] after a failed activation).
    pub fn apply(&mut self, op: Op) -> Result<Plan, Refused> {
        let plan = self.plan(op)?;
        self.state = match op {
            Op::Install | Op::Deactivate => State::Inactive,
            Op::Activate => State::Active,
            Op::Update if plan.reactivate_after => State::Active,
            Op::Update => State::Inactive,
            Op::Uninstall => State::Uninstalled,
        };
        Ok(plan)
    }

    /// Records that everything was released (after a failed activation).
    pub fn set_inactive(&mut self) {
        if self.state == State::Active {
            self.state = State::Inactive;
        }
    }
}

/// How an update relates the previously installed version to this one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UpdateKind {
    /// A newer version replaces an older one: migrations run.
    Upgrade {
        /// The previous version.
        from: Version,
    },
    /// The same version again (a reinstall or a repaired install): nothing to migrate.
    Same,
}

/// Why an update or an install was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LifecycleError {
    /// The previous version the host reported is not SemVer.
    BadPrevious {
        /// As given.
        value: String,
        /// Why it is not SemVer (the `semver` crate's message).
        reason: String,
    },
    /// The host asked to replace a newer version by this older one.
    Downgrade {
        /// The installed version.
        from: Version,
        /// This version.
        to: Version,
    },
    /// The manifest the host loaded is invalid, or it refuses the host.
    Manifest(ManifestError),
    /// The manifest the host loaded describes another version than the module it loaded.
    VersionMismatch {
        /// The manifest's version.
        manifest: Version,
        /// The module's version.
        module: String,
    },
    /// The manifest the host loaded names another plugin.
    IdMismatch {
        /// The manifest's id.
        manifest: String,
    },
}

impl fmt::Display for LifecycleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LifecycleError::BadPrevious { value, reason } => {
                write!(
                    f,
                    "the previous version {value} the host reported is not SemVer: {reason}",
                    value = Quoted(value),
                )
            }
            LifecycleError::Downgrade { from, to } => write!(
                f,
                "cannot update from {from} to the older version {to}: downgrading is not supported; \
                 uninstall first (choosing \"remove all data\") to install an older version"
            ),
            LifecycleError::Manifest(e) => e.fmt(f),
            LifecycleError::VersionMismatch { manifest, module } => write!(
                f,
                "the manifest declares version {manifest} but the loaded module is version {module}: \
                 the manifest and its entry module must come from the same release"
            ),
            LifecycleError::IdMismatch { manifest } => write!(
                f,
                "the manifest names the extension {manifest}, but the loaded module is {}",
                Quoted(PLUGIN_ID),
                manifest = Quoted(manifest),
            ),
        }
    }
}

impl core::error::Error for LifecycleError {}

impl From<ManifestError> for LifecycleError {
    fn from(e: ManifestError) -> Self {
        LifecycleError::Manifest(e)
    }
}

/// Classifies an update from `previous` (as the host reports it) to `current`.
pub fn classify_update(previous: &str, current: &Version) -> Result<UpdateKind, LifecycleError> {
    let from = Version::parse(previous.trim()).map_err(|e| LifecycleError::BadPrevious {
        value: previous.to_owned(),
        reason: e.to_string(),
    })?;
    match from.cmp(current) {
        core::cmp::Ordering::Less => Ok(UpdateKind::Upgrade { from }),
        core::cmp::Ordering::Equal => Ok(UpdateKind::Same),
        core::cmp::Ordering::Greater => Err(LifecycleError::Downgrade {
            from,
            to: current.clone(),
        }),
    }
}

/// The checks made before any page resource is touched: the manifest the host loaded (if it
/// passed one) is valid and describes this module, and the host's API version is inside the
/// manifest's `hostApi` range. Returns the validated manifest.
pub fn admit(
    manifest_json: &str,
    host_api_version: &str,
    module_version: &str,
) -> Result<Manifest, LifecycleError> {
    let manifest = Manifest::parse(manifest_json)?;
    if manifest.id != PLUGIN_ID {
        return Err(LifecycleError::IdMismatch {
            manifest: manifest.id,
        });
    }
    if manifest.version.to_string() != module_version {
        return Err(LifecycleError::VersionMismatch {
            manifest: manifest.version,
            module: module_version.to_owned(),
        });
    }
    manifest.check_host_api(host_api_version)?;
    Ok(manifest)
}

/// What `uninstall` does with stored data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UninstallMode {
    /// Keep settings (and accounts) so a later install finds them.
    KeepData,
    /// Remove every storage key in the plugin's namespace.
    RemoveAllData,
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../pkg.json");

    #[track_caller]
    fn refused(state_ops: &[Op], op: Op) -> String {
        let mut l = Lifecycle::default();
        for o in state_ops {
            l.apply(*o).unwrap();
        }
        l.apply(op).unwrap_err().to_string()
    }

    #[test]
    fn the_happy_path() {
        let mut l = Lifecycle::default();
        assert_eq!(l.state(), State::Loaded);
        l.apply(Op::Install).unwrap();
        assert_eq!(l.state(), State::Inactive);
        l.apply(Op::Activate).unwrap();
        assert_eq!(l.state(), State::Active);
        assert!(l.apply(Op::Activate).unwrap().no_op);
        let p = l.apply(Op::Update).unwrap();
        assert!(p.deactivate_first && p.reactivate_after);
        assert_eq!(l.state(), State::Active);
        assert!(l.apply(Op::Deactivate).unwrap().deactivate_first);
        assert!(l.apply(Op::Deactivate).unwrap().no_op);
        l.apply(Op::Activate).unwrap();
        assert!(l.apply(Op::Uninstall).unwrap().deactivate_first);
        assert_eq!(l.state(), State::Uninstalled);
        assert!(!l.apply(Op::Uninstall).unwrap().deactivate_first);
        l.apply(Op::Install).unwrap();
        assert_eq!(l.state(), State::Inactive);
    }

    #[test]
    fn a_loaded_module_can_activate_or_update_directly() {
        let mut l = Lifecycle::default();
        l.apply(Op::Activate).unwrap();
        assert_eq!(l.state(), State::Active);
        let mut l = Lifecycle::default();
        assert!(!l.apply(Op::Update).unwrap().reactivate_after);
        assert_eq!(l.state(), State::Inactive);
    }

    #[test]
    fn refusals_name_the_call_and_the_state() {
        assert_eq!(
            refused(&[Op::Install], Op::Install),
            "cannot install: the plugin is installed and inactive"
        );
        assert_eq!(
            refused(&[Op::Install, Op::Activate], Op::Install),
            "cannot install: the plugin is installed and active"
        );
        assert_eq!(
            refused(&[Op::Uninstall], Op::Activate),
            "cannot activate: the plugin is uninstalled; install it again first"
        );
        assert_eq!(
            refused(&[Op::Uninstall], Op::Update),
            "cannot update: the plugin is uninstalled; install it again first"
        );
    }

    #[test]
    fn a_failed_activation_returns_to_inactive() {
        let mut l = Lifecycle::default();
        l.apply(Op::Activate).unwrap();
        l.set_inactive();
        assert_eq!(l.state(), State::Inactive);
    }

    #[test]
    fn update_direction() {
        let cur = Version::new(0, 1, 0);
        assert_eq!(
            classify_update("0.0.9", &cur).unwrap(),
            UpdateKind::Upgrade {
                from: Version::new(0, 0, 9)
            }
        );
        assert_eq!(classify_update("0.1.0", &cur).unwrap(), UpdateKind::Same);
        assert_eq!(
            classify_update("0.2.0", &cur).unwrap_err().to_string(),
            "cannot update from 0.2.0 to the older version 0.1.0: downgrading is not supported; uninstall first (choosing \"remove all data\") to install an older version"
        );
        assert_eq!(
            classify_update("v1", &cur).unwrap_err().to_string(),
            "the previous version \"v1\" the host reported is not SemVer: unexpected character 'v' while parsing major version number"
        );
    }

    #[test]
    fn admission_checks_manifest_module_and_host() {
        let v = crate::core::VERSION;
        admit(SHIPPED, HOST_API_VERSION, v).unwrap();
        assert_eq!(
            admit(SHIPPED, "2.0.0", v).unwrap_err().to_string(),
            "host API 2.0.0 is outside the range ^1.0 that Cloudinary Connector supports"
        );
        assert_eq!(
            admit(SHIPPED, "one", v).unwrap_err().to_string(),
            "the host API version \"one\" is not SemVer: unexpected character 'o' while parsing major version number"
        );
        assert_eq!(
            admit(SHIPPED, HOST_API_VERSION, "9.9.9").unwrap_err().to_string(),
            format!("the manifest declares version {v} but the loaded module is version 9.9.9: the manifest and its entry module must come from the same release")
        );
        let other = SHIPPED.replace("\"cloudinary-connector\"", "\"other-plugin\"");
        assert_eq!(
            admit(&other, HOST_API_VERSION, v).unwrap_err().to_string(),
            "the manifest names the extension \"other-plugin\", but the loaded module is \"cloudinary-connector\""
        );
        let bad = SHIPPED.replace(&format!("\"version\": \"{v}\""), "\"version\": \"1.0\"");
        assert_eq!(
            admit(&bad, HOST_API_VERSION, v).unwrap_err().to_string(),
            "the manifest version \"1.0\" is not SemVer: unexpected end of input while parsing minor version number"
        );
    }
}
