//! Reading Cloudinary's answer to one part of a chunked upload.

use super::{Chunk, UploadError};
use crate::core::json::Value;
use alloc::borrow::ToOwned;
use alloc::string::String;

/// A part's answer, read.
#[derive(Clone, Debug, PartialEq)]
pub struct ChunkAnswer {
    /// `public_id`, when present.
    pub public_id: Option<String>,
    /// Whether this is the completed upload (the last part's answer).
    pub done: bool,
    /// The whole JSON answer.
    pub body: Value,
}

/// Reads Cloudinary's answer to `chunk` of a `parts`-part upload: the status and body text.
///
/// * non-2xx: [`UploadError::Rejected`] with `error.message` (or a sentence naming the status);
/// * 2xx that is not a JSON object: [`UploadError::BadResponse`];
/// * the last part's answer must be the completed upload, with `public_id` and a
///   `secure_url` or `url`; an intermediate answer with `done: true` is refused.
pub fn read_answer(
    chunk: Chunk,
    parts: u32,
    status: u16,
    body: &str,
) -> Result<ChunkAnswer, UploadError> {
    let part = chunk.index + 1;
    if !(200..300).contains(&status) {
        let message = crate::core::json::from_str(body)
            .ok()
            .and_then(|v| {
                let e = v.get("error")?;
                e.get("message")
                    .and_then(Value::as_str)
                    .or_else(|| e.as_str())
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| format!("no error message (HTTP {status})"));
        return Err(UploadError::Rejected {
            part,
            parts,
            status,
            message,
        });
    }
    let bad = |detail: String| UploadError::BadResponse {
        part,
        parts,
        detail,
    };
    let body: Value =
        crate::core::json::from_str(body).map_err(|e| bad(format!("not JSON ({e})")))?;
    if !body.is_object() {
        return Err(bad("not a JSON object".into()));
    }
    let public_id = match body.get("public_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(_) => return Err(bad("public_id is not a non-empty string".into())),
    };
    let flagged_done = body.get("done").and_then(Value::as_bool);
    let has_url = ["secure_url", "url"].iter().any(|k| {
        body.get(k)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    });
    if chunk.is_last() {
        if flagged_done == Some(false) {
            return Err(bad(
                "the last part's answer says the upload is not done".into()
            ));
        }
        if public_id.is_none() {
            return Err(bad("the completed upload has no public_id".into()));
        }
        if !has_url {
            return Err(bad("the completed upload has no secure_url".into()));
        }
        Ok(ChunkAnswer {
            public_id,
            done: true,
            body,
        })
    } else {
        if flagged_done == Some(true) {
            return Err(bad(
                "an intermediate part's answer says the upload is done".into()
            ));
        }
        Ok(ChunkAnswer {
            public_id,
            done: false,
            body,
        })
    }
}
