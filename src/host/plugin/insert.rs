//! Inserting media into the host's editor: URLs built by the URL engine on the target cloud,
//! signed ones signed by the signer in one batch, all or none.

use crate::core::text::Quoted;
use crate::core::widgets::insert::{Blame, InsertPlan};
use alloc::{borrow::ToOwned, string::String, vec::Vec};

use super::*;

impl Ui {
    /// The delivery URL of an inserted asset, rebuilt by the URL engine from its reference on
    /// the target cloud, with the default transformation chained after the user's; for
    /// `authenticated`/`private` assets it waits for its signature.
    pub(super) fn prepared_delivery(
        &self,
        reference: &AssetReference,
        target: &Target,
    ) -> Result<Prepared, WidgetError> {
        reference.prepare_delivery(&self.delivery_target(target))
    }

    /// Where an inserted asset's URLs point, with the settings' default transformation chained
    /// after the asset's own (unless it is the plugin's own `f_auto,q_auto`, which the delivery
    /// target adds where the account allows).
    pub(super) fn delivery_target(&self, target: &Target) -> DeliveryTarget {
        let default = self.default_transformation(target);
        let optimize = default.as_deref() == Some(crate::core::settings::DEFAULT_TRANSFORMATION);
        DeliveryTarget {
            optimize,
            default_transformation: default.filter(|_| !optimize),
            ..DeliveryTarget::new(&target.account.cloud_name)
        }
    }

    /// Inserts `assets` into the host's editor with engine-built URLs. Signed assets
    /// (`authenticated`, `private`) get their signatures from the signer first; a batch is
    /// inserted whole or, on the first error, not at all.
    pub(super) fn insert_assets(
        &mut self,
        weak: &Weak<RefCell<Ui>>,
        assets: Result<Vec<Asset>, WidgetError>,
    ) {
        let assets = match assets {
            Ok(a) => a,
            Err(e) => {
                return self.show_error(Some(&format!(
                    "The Media Library's answer was unusable: {e}"
                )))
            }
        };
        if !self.host.has_editor() {
            return self.show_error(Some("This host has no editor to insert images into."));
        }
        let target = self.target();
        let mut planned = Vec::with_capacity(assets.len());
        for asset in assets {
            let reference = asset.reference();
            match self.prepared_delivery(&reference, &target) {
                Ok(p) => planned.push(((asset, reference), p)),
                Err(e) => {
                    return self
                        .show_error(Some(&format!("Cannot insert {}: {e}", asset.public_id)))
                }
            }
        }
        let plan = InsertPlan::new(planned);
        if plan.to_sign() == 0 {
            match plan.finish(&[]) {
                Ok(ready) => {
                    self.insert_ready(ready);
                }
                Err(((asset, _), e)) => {
                    self.show_error(Some(&format!("Cannot insert {}: {e}", asset.public_id)))
                }
            }
            return;
        }
        let (Some(signer), Some(_)) = (self.widget_host(&target).signer, target.owner.as_ref())
        else {
            let (asset, _) = plan.first_signed().expect("one is signed");
            return self.show_error(Some(&format!(
                "Cannot insert {}: {} assets are delivered only through signed URLs, which need an account on the signer: log in to one.",
                asset.public_id,
                Quoted(&asset.delivery_type)
            )));
        };
        let account = target.account.id.clone();
        let w = weak.clone();
        self.inserts.retain(|p| !p._task.is_done());
        let owner = target.owner.clone();
        let to_sign = plan.to_sign();
        self.notify(&format!(
            "Asking the signer to sign {to_sign} delivery URL{}…",
            if to_sign == 1 { "" } else { "s" }
        ));
        self.inserts.push(Pending {
            owner,
            _task: Cancellable::spawn(async move {
                // One batch request per 50 signatures (one rate-limit token each), all or none.
                let answers = signer
                    .sign_delivery_batch(&account, &plan.sign_requests())
                    .await;
                let answers = match answers {
                    Ok(a) => a,
                    Err(e) => {
                        // A refused item is named; a failure of the whole request (timeout, rate
                        // limit, signer down) is the batch's, unless the batch is one asset.
                        let what = match plan.blame(batch_failure_index(&e)) {
                            Blame::Item((asset, _)) => asset.public_id.clone(),
                            Blame::All(n) => format!("the {n} assets"),
                        };
                        let message = format!("Cannot insert {what}: {e}");
                        return on_ui(&w, |ui| ui.show_error(Some(&message)));
                    }
                };
                let ready = match plan.finish(&answers) {
                    Ok(ready) => ready,
                    Err(((asset, _), e)) => {
                        let message = format!("Cannot insert {}: {e}", asset.public_id);
                        return on_ui(&w, |ui| ui.show_error(Some(&message)));
                    }
                };
                let n = ready.len();
                on_ui(&w, move |ui| {
                    if ui.insert_ready(ready) {
                        ui.notify(&format!(
                            "Inserted {n} asset{} with signed URLs",
                            if n == 1 { "" } else { "s" }
                        ));
                    }
                });
            }),
        });
    }

    /// Inserts assets whose URLs are built, in order; stops at the first the host refuses
    /// (and says so). Whether all were inserted.
    pub(super) fn insert_ready(&self, ready: Vec<((Asset, AssetReference), String)>) -> bool {
        for ((asset, reference), url) in ready {
            let stored = asset.to_stored(SyncMode::Reference);
            let media = media_object(
                &url,
                &asset.public_id,
                &asset.public_id,
                &asset.resource_type,
                &asset.delivery_type,
                reference.transformation.as_deref().unwrap_or(""),
            );
            if let Ok(v) = crate::host::widgets::to_js(&stored) {
                let _ = js_sys::Reflect::set(&media, &"reference".into(), &v);
            }
            let delivery = self.delivery_target(&self.target());
            add_delivery_fields(&media, &reference, &delivery, asset.width);
            if let Err(e) = self.host.insert_media(&media) {
                self.show_error(Some(&format!(
                    "The host refused the image: {}",
                    js_message(&e)
                )));
                return false;
            }
        }
        self.show_error(None);
        true
    }
}

/// The delivery URL of an image inserted by public id on `settings`' cloud with its default
/// transformation, built by the URL engine.
pub fn image_url(settings: &Settings, public_id: &str) -> Result<String, WidgetError> {
    let (reference, target) = image_reference(settings, public_id);
    reference.delivery_url(&target)
}

/// An image inserted by public id: on `settings`' cloud, with its default transformation chained
/// by the delivery target (as for assets from the widgets, [`Ui::delivery_target`]).
pub(super) fn image_reference(
    settings: &Settings,
    public_id: &str,
) -> (AssetReference, DeliveryTarget) {
    let tx = settings.delivery.default_transformation.trim();
    let reference = AssetReference {
        public_id: public_id.to_owned(),
        version: None,
        resource_type: "image".into(),
        delivery_type: "upload".into(),
        format: None,
        transformation: None,
    };
    let target = DeliveryTarget {
        optimize: false,
        default_transformation: (!tx.is_empty()).then(|| tx.to_owned()),
        ..DeliveryTarget::new(&settings.cloud_name)
    };
    (reference, target)
}

/// Host API 1.1: the cloud an inserted asset delivers from, and the `srcset` and `sizes` of an
/// inserted image (where it has them), built like its URL.
pub(super) fn add_delivery_fields(
    media: &JsValue,
    reference: &AssetReference,
    target: &DeliveryTarget,
    width: Option<u64>,
) {
    let _ = js_sys::Reflect::set(
        media,
        &"cloudName".into(),
        &target.cloud_name.as_str().into(),
    );
    if let Ok(Some((srcset, sizes))) = reference.responsive(target, width) {
        let _ = js_sys::Reflect::set(media, &"srcset".into(), &srcset.into());
        let _ = js_sys::Reflect::set(media, &"sizes".into(), &sizes.into());
    }
}

pub(super) fn media_object(
    url: &str,
    alt: &str,
    public_id: &str,
    resource_type: &str,
    delivery_type: &str,
    tx: &str,
) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in [
        ("url", url),
        ("alt", alt),
        ("publicId", public_id),
        ("resourceType", resource_type),
        ("deliveryType", delivery_type),
        ("transformation", tx),
    ] {
        let _ = js_sys::Reflect::set(&o, &k.into(), &v.into());
    }
    o.into()
}

/// The index, over the whole batch, of the item a batch refusal (its `item`) or a malformed
/// answer (`results[N]: ...`) names.
pub(super) fn batch_failure_index(e: &SignerError) -> Option<usize> {
    let text = match e {
        // The signer names the refused item in the wire contract's `item`.
        SignerError::Refused { error, .. } => return error.as_ref()?.item,
        // The client's own check of a malformed answer (`results[N]: ...`).
        SignerError::BadAnswer(message) => message.strip_prefix("results[")?,
        _ => return None,
    };
    let (n, _) = text.split_once(']')?;
    n.parse().ok()
}
