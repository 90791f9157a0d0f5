//! Planning an insert of several assets into a host's editor: which URLs wait for a signature,
//! the one batch of sign requests in item order, where each answer goes back, which item a
//! refusal names, and all-or-none: the first URL that cannot be finished stops the whole insert.
//! Pure: the plugin (`host::plugin`) sends the batch to the signer and inserts the result.
//!
//! ```
//! use cloudinary_connector::core::widgets::{insert::InsertPlan, AssetReference, DeliveryTarget};
//! let reference = |id: &str, ty: &str| AssetReference {
//!     public_id: id.into(), version: None, resource_type: "image".into(),
//!     delivery_type: ty.into(), format: None, transformation: None,
//! };
//! let target = DeliveryTarget { optimize: false, ..DeliveryTarget::new("demo") };
//! let plan = InsertPlan::new(
//!     ["a", "b"].map(|id| (id, reference(id, if id == "b" { "authenticated" } else { "upload" })))
//!         .into_iter()
//!         .map(|(id, r)| Ok::<_, String>((id, r.prepare_delivery(&target).unwrap())))
//!         .collect::<Result<Vec<_>, _>>()
//!         .unwrap(),
//! );
//! assert_eq!(plan.to_sign(), 1);
//! let urls = plan.finish(&["s1gnatur".to_owned()]).unwrap();
//! assert_eq!(urls[1].1, "https://res.cloudinary.com/demo/image/authenticated/s--s1gnatur--/b");
//! ```

use crate::core::url::{Prepared, SignRequest, UrlError};
use alloc::{string::String, vec::Vec};

/// The items of one insert (`T`: what the caller inserts, e.g. the asset and its reference), in
/// order, with their prepared delivery URLs.
#[derive(Debug)]
pub struct InsertPlan<T> {
    items: Vec<(T, Prepared)>,
}

/// Which item a failure of the signer's batch is about.
#[derive(Debug, PartialEq, Eq)]
pub enum Blame<'a, T> {
    /// One item: the one the refusal names, or the only one.
    Item(&'a T),
    /// The whole batch of this many items (a timeout, a rate limit, the signer down).
    All(usize),
}

fn request(p: &Prepared) -> Option<&SignRequest> {
    match p {
        Prepared::Url(u) => u.sign_request(),
        Prepared::Unchanged(_) => None,
    }
}

impl<T> InsertPlan<T> {
    /// The plan of `items`, in insert order.
    pub fn new(items: Vec<(T, Prepared)>) -> Self {
        InsertPlan { items }
    }

    /// How many items the insert has.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the insert is empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many URLs wait for a signature.
    pub fn to_sign(&self) -> usize {
        self.items
            .iter()
            .filter(|(_, p)| request(p).is_some())
            .count()
    }

    /// The first item whose URL waits for a signature.
    pub fn first_signed(&self) -> Option<&T> {
        self.items.iter().find_map(|(t, p)| request(p).map(|_| t))
    }

    /// The sign requests of the batch, in item order (the signer answers in the same order).
    pub fn sign_requests(&self) -> Vec<&SignRequest> {
        self.items.iter().filter_map(|(_, p)| request(p)).collect()
    }

    /// The item a batch failure names by its index in [`InsertPlan::sign_requests`]
    /// (`batch_index`), else the only item, else the whole batch.
    pub fn blame(&self, batch_index: Option<usize>) -> Blame<'_, T> {
        let named = batch_index.and_then(|i| {
            self.items
                .iter()
                .filter(|(_, p)| request(p).is_some())
                .nth(i)
                .map(|(t, _)| t)
        });
        match (named, self.items.as_slice()) {
            (Some(t), _) => Blame::Item(t),
            (None, [(t, _)]) => Blame::Item(t),
            (None, items) => Blame::All(items.len()),
        }
    }

    /// Every item with its finished URL, in order, with the signer's `signatures` in batch order
    /// (none when nothing waits for one); on the first URL that cannot be finished, that item
    /// and why, and nothing else.
    pub fn finish(self, signatures: &[String]) -> Result<Vec<(T, String)>, (T, UrlError)> {
        let mut answers = signatures.iter();
        let mut out = Vec::with_capacity(self.items.len());
        for (t, p) in self.items {
            let url = match p {
                Prepared::Unchanged(url) => Ok(url),
                Prepared::Url(u) => {
                    let sig = u.sign_request().and_then(|_| answers.next());
                    u.finish(sig.map(String::as_str))
                }
            };
            match url {
                Ok(url) => out.push((t, url)),
                Err(e) => return Err((t, e)),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::widgets::{AssetReference, DeliveryTarget};

    fn prepared(id: &str, delivery_type: &str) -> Prepared {
        AssetReference {
            public_id: id.into(),
            version: None,
            resource_type: "image".into(),
            delivery_type: delivery_type.into(),
            format: None,
            transformation: None,
        }
        .prepare_delivery(&DeliveryTarget {
            optimize: false,
            ..DeliveryTarget::new("demo")
        })
        .unwrap()
    }

    fn plan(items: &[(&'static str, &str)]) -> InsertPlan<&'static str> {
        InsertPlan::new(
            items
                .iter()
                .map(|&(id, ty)| (id, prepared(id, ty)))
                .collect(),
        )
    }

    #[test]
    fn unsigned_items_finish_without_the_signer_in_order() {
        let p = plan(&[("a", "upload"), ("https://example.com/x.jpg", "upload")]);
        assert_eq!((p.len(), p.to_sign(), p.first_signed()), (2, 0, None));
        assert!(p.sign_requests().is_empty());
        let urls = p.finish(&[]).unwrap();
        assert_eq!(
            urls,
            [
                (
                    "a",
                    "https://res.cloudinary.com/demo/image/upload/a".to_owned()
                ),
                (
                    "https://example.com/x.jpg",
                    "https://example.com/x.jpg".to_owned()
                )
            ]
        );
    }

    #[test]
    fn signatures_go_back_to_their_items_by_batch_order() {
        let p = plan(&[("a", "authenticated"), ("b", "upload"), ("c", "private")]);
        assert_eq!((p.to_sign(), p.first_signed()), (2, Some(&"a")));
        let to_sign: Vec<&str> = p
            .sign_requests()
            .iter()
            .map(|r| r.to_sign.as_str())
            .collect();
        assert_eq!(
            to_sign,
            ["a", "c"],
            "the signed items' paths, in item order"
        );
        let urls = p.finish(&["one11111".into(), "two22222".into()]).unwrap();
        let urls: Vec<&str> = urls.iter().map(|(_, u)| u.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://res.cloudinary.com/demo/image/authenticated/s--one11111--/a",
                "https://res.cloudinary.com/demo/image/upload/b",
                "https://res.cloudinary.com/demo/image/private/s--two22222--/c",
            ]
        );
    }

    #[test]
    fn a_missing_signature_fails_the_whole_insert_naming_its_item() {
        let p = plan(&[("a", "authenticated"), ("b", "authenticated")]);
        let (item, e) = p.finish(&["only-one".into()]).unwrap_err();
        assert_eq!(item, "b");
        assert_eq!(e, UrlError::SignatureRequired);
    }

    #[test]
    fn a_refusal_names_the_item_at_its_batch_index_else_the_only_item_else_the_batch() {
        let p = plan(&[("a", "upload"), ("b", "authenticated"), ("c", "private")]);
        assert_eq!(
            p.blame(Some(0)),
            Blame::Item(&"b"),
            "batch index 0 is item 1"
        );
        assert_eq!(p.blame(Some(1)), Blame::Item(&"c"));
        assert_eq!(p.blame(Some(2)), Blame::All(3), "out of range: the batch's");
        assert_eq!(p.blame(None), Blame::All(3));
        let one = plan(&[("solo", "authenticated")]);
        assert_eq!(one.blame(None), Blame::Item(&"solo"));
    }
}
