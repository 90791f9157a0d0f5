//! The one mounted-widget handle: a widget's spec (its options, where it goes, what the host
//! wants to hear), the cloud it is mounted on and what its current mount holds on the page.
//! [`Mounted::remount`] is the account switch of every widget: the old mount is released first,
//! then the widget is created again for the new cloud. The Media Library, the Upload widget,
//! the Product Gallery and the Video Player are `Mounted<…Spec>` (their modules add what is
//! their own: `show`, `open`, `container`, ...).

use core::fmt;
use core::future::Future;

use super::{MountError, WidgetHost};
use crate::core::widgets::CloudAccount;

/// One kind of widget: what it takes to create it on a cloud, and what one mount holds.
pub trait WidgetSpec {
    /// The handle's name in `Debug` output (`"MediaLibrary"`).
    const NAME: &'static str;
    /// What one mount holds on the page (instance, nodes, callbacks, script); dropping it
    /// unmounts the widget.
    type Live;
    /// Creates the widget on `account`, checking everything it can before touching the page.
    fn create(
        &self,
        host: &WidgetHost,
        account: &CloudAccount,
    ) -> impl Future<Output = Result<Self::Live, MountError>>;
    /// Fields of its own in the handle's `Debug` output, after `account`.
    fn debug_fields(&self, _f: &mut fmt::DebugStruct<'_, '_>) {}
}

/// A mounted widget. Dropping it unmounts the widget and releases everything the mount holds.
#[must_use = "dropping the handle unmounts the widget"]
pub struct Mounted<S: WidgetSpec> {
    host: WidgetHost,
    account: CloudAccount,
    spec: S,
    live: Option<S::Live>,
}

impl<S: WidgetSpec> fmt::Debug for Mounted<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct(S::NAME);
        d.field("account", &self.account.id);
        self.spec.debug_fields(&mut d);
        d.field("mounted", &self.live.is_some()).finish()
    }
}

impl<S: WidgetSpec> Mounted<S> {
    /// Creates the widget of `spec` on `account`.
    pub async fn with_spec(
        host: &WidgetHost,
        account: &CloudAccount,
        spec: S,
    ) -> Result<Self, MountError> {
        let mut m = Mounted {
            host: host.clone(),
            account: account.clone(),
            spec,
            live: None,
        };
        m.live = Some(m.spec.create(&m.host, &m.account).await?);
        Ok(m)
    }

    /// The current mount, or [`MountError::NotMounted`] after a failed remount.
    pub(crate) fn live(&self) -> Result<&S::Live, MountError> {
        self.live.as_ref().ok_or(MountError::NotMounted)
    }

    /// Whether the widget is mounted.
    pub fn is_mounted(&self) -> bool {
        self.live.is_some()
    }

    /// The account the widget is mounted for.
    pub fn account(&self) -> &CloudAccount {
        &self.account
    }

    /// Account switch: unmounts the widget, then mounts it again for `account` (a new login or
    /// upload signature, new options). If the new mount fails the handle stays unmounted and
    /// says so ([`MountError::NotMounted`] from then on).
    pub async fn remount(&mut self, account: &CloudAccount) -> Result<(), MountError> {
        self.live = None;
        self.account = account.clone();
        self.live = Some(self.spec.create(&self.host, &self.account).await?);
        Ok(())
    }
}
