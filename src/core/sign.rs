//! Strings to sign, computed identically in the browser and in the signer. Only the signer
//! appends a secret and hashes: nothing here ever sees a secret.

/// The string a delivery-URL signature covers, as the official SDKs build it:
/// `transformation + "/" + public_id[.format]`, empty parts skipped. Neither the version nor a
/// `url_suffix` is part of it, and the public id is signed in its decoded form.
///
/// ```
/// use cloudinary_connector::core::sign::url_string_to_sign;
/// assert_eq!(url_string_to_sign("c_crop,h_20,w_10", "image.jpg"), "c_crop,h_20,w_10/image.jpg");
/// assert_eq!(url_string_to_sign("", "image.jpg"), "image.jpg");
/// ```
pub fn url_string_to_sign(transformation: &str, public_id_with_format: &str) -> String {
    match (transformation.is_empty(), public_id_with_format.is_empty()) {
        (true, _) => public_id_with_format.to_owned(),
        (false, true) => transformation.to_owned(),
        (false, false) => format!("{transformation}/{public_id_with_format}"),
    }
}
