//! The panel's Media Library and Upload widgets: mounted on the current target, remounted on
//! an account change, released with the work in flight that belongs to an account.

use alloc::string::String;
use core::future::Future;

use super::*;

/// Work in flight, tagged with the account it belongs to (`None`: the settings' cloud).
pub(super) struct Pending {
    pub(super) owner: Option<String>,
    pub(super) _task: Cancellable,
}

/// A mounted widget and the account it belongs to (the widget handle owns the nodes its widget
/// adds to `<body>`, see [`crate::host::widgets`]).
pub(super) struct Open<W> {
    pub(super) widget: W,
    pub(super) owner: Option<String>,
}

/// A widget's places in the panel's state: its mount in flight and the mounted widget.
pub(super) type Places<'a, W> = (&'a mut Option<Pending>, &'a mut Option<Open<W>>);

/// Where one kind of widget lives in the panel's state, and how it is shown.
pub(super) struct WidgetSlot<W> {
    /// For messages: "the Media Library".
    pub(super) name: &'static str,
    pub(super) place: fn(&mut Ui) -> Places<'_, W>,
    pub(super) reveal: fn(&W) -> Result<(), MountError>,
}

pub(super) fn ml_place(ui: &mut Ui) -> Places<'_, MediaLibrary> {
    (&mut ui.ml_pending, &mut ui.ml)
}

pub(super) fn upload_place(ui: &mut Ui) -> Places<'_, UploadWidget> {
    (&mut ui.upload_pending, &mut ui.upload)
}

pub(super) const MEDIA_LIBRARY: WidgetSlot<MediaLibrary> = WidgetSlot {
    name: "the Media Library",
    place: ml_place,
    reveal: MediaLibrary::show,
};
pub(super) const UPLOAD: WidgetSlot<UploadWidget> = WidgetSlot {
    name: "the Upload widget",
    place: upload_place,
    reveal: UploadWidget::open,
};

impl Ui {
    pub(super) fn on_upload_event(&mut self, weak: &Weak<RefCell<Ui>>, e: UploadEvent) {
        if let Some(err) = &e.error {
            return self.show_error(Some(&format!("Upload failed: {err}")));
        }
        if e.event == "success" {
            if let Some(asset) = e.asset {
                self.notify(&format!("Uploaded {}", asset.public_id));
                self.insert_assets(weak, Ok(vec![asset]));
            }
        }
    }

    /// Mounts the Media Library on the current target (and shows it when `show`).
    pub(super) fn start_media_library(&mut self, weak: &Weak<RefCell<Ui>>, show: bool) {
        let target = self.target();
        if let Err(why) = &target.media_library {
            return self.show_error(Some(&sentence(why)));
        }
        let host = self.widget_host(&target);
        let options = MediaLibraryOptions {
            default_transformations: match self.default_transformation(&target) {
                Some(tx) => DefaultTransformations::parse(&tx)
                    .unwrap_or_else(|_| DefaultTransformations::optimized()),
                None => DefaultTransformations::none(),
            },
            ..MediaLibraryOptions::default()
        };
        let w = weak.clone();
        let handlers = MediaLibraryHandlers {
            on_insert: Rc::new(move |r| on_ui(&w, |ui| ui.insert_assets(&w, r))),
            on_show: None,
            on_hide: None,
        };
        let owner = target.owner.clone();
        let mount = async move {
            MediaLibrary::mount(&host, &target.account, options, Placement::Modal, handlers).await
        };
        self.spawn_mount(weak, MEDIA_LIBRARY, owner, show, mount);
    }

    /// Mounts the Upload widget (signed uploads through the signer) and opens it when `open`.
    pub(super) fn start_upload(&mut self, weak: &Weak<RefCell<Ui>>, open: bool) {
        let target = self.target();
        if let Err(why) = &target.upload {
            return self.show_error(Some(&sentence(why)));
        }
        let host = self.widget_host(&target);
        let options = UploadWidgetOptions {
            mode: UploadMode::Signed { preset: None },
            folder: target.folder.clone(),
            ..UploadWidgetOptions::default()
        };
        let w = weak.clone();
        let handler: Rc<dyn Fn(UploadEvent)> =
            Rc::new(move |e| on_ui(&w, |ui| ui.on_upload_event(&w, e)));
        let owner = target.owner.clone();
        let mount = async move {
            UploadWidget::mount(&host, &target.account, options, Placement::Modal, handler).await
        };
        self.spawn_mount(weak, UPLOAD, owner, open, mount);
    }

    /// Mounts a widget in the background (cancelled by dropping its [`Pending`]: account switch,
    /// uninstall) and, once mounted, keeps it in its slot and shows it when `reveal`.
    pub(super) fn spawn_mount<W: 'static>(
        &mut self,
        weak: &Weak<RefCell<Ui>>,
        slot: WidgetSlot<W>,
        owner: Option<String>,
        reveal: bool,
        mount: impl Future<Output = Result<W, MountError>> + 'static,
    ) {
        let w = weak.clone();
        let task_owner = owner.clone();
        self.show_error(None);
        let task = Cancellable::spawn(async move {
            let r = mount.await;
            on_ui(&w, move |ui| {
                let fail = |ui: &Ui, e: MountError| {
                    ui.show_error(Some(&format!("Could not open {}: {e}", slot.name)))
                };
                // Releasing our own handle while running is fine: the task completes by itself.
                (slot.place)(ui).0.take();
                match r {
                    Ok(widget) => {
                        if reveal {
                            if let Err(e) = (slot.reveal)(&widget) {
                                fail(ui, e);
                            }
                        }
                        *(slot.place)(ui).1 = Some(Open {
                            widget,
                            owner: task_owner,
                        });
                    }
                    Err(e) => fail(ui, e),
                }
            });
        });
        *(slot.place)(self).0 = Some(Pending { owner, _task: task });
    }

    /// Unmounts the widgets (and cancels mounts in flight) bound to `owner`, remembering which
    /// were there so they can be mounted again on the next cloud.
    pub(super) fn unmount_widgets(&mut self, owner: impl Fn(&Option<String>) -> bool) {
        // Signed inserts of that account stop too: nothing it signed reaches the editor after.
        self.inserts.retain(|p| !owner(&p.owner));
        if self.ml.as_ref().is_some_and(|m| owner(&m.owner))
            || self.ml_pending.as_ref().is_some_and(|p| owner(&p.owner))
        {
            self.ml = None;
            self.ml_pending = None;
            self.reopen.0 = true;
        }
        if self.upload.as_ref().is_some_and(|u| owner(&u.owner))
            || self
                .upload_pending
                .as_ref()
                .is_some_and(|p| owner(&p.owner))
        {
            self.upload = None;
            self.upload_pending = None;
            self.reopen.1 = true;
        }
    }
}
