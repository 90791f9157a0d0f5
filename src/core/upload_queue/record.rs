//! What the queue stores for an unfinished upload ([`ResumeRecord`]), its JSON form, and what
//! identifies the same file after a reload ([`Fingerprint`]).

use super::*;
use alloc::{
    borrow::ToOwned,
    string::{String, ToString},
    vec::Vec,
};

/// What identifies a file across page loads: name, size, last-modified time and the SHA-256 of
/// its first and its last part (lower-case hex).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    /// The file name.
    pub name: String,
    /// The size in bytes.
    pub size: u64,
    /// `File.lastModified` (ms since the epoch).
    pub last_modified: u64,
    /// SHA-256 of the first part.
    pub head_sha256: String,
    /// SHA-256 of the last part.
    pub tail_sha256: String,
}

impl Fingerprint {
    /// The byte ranges `[start, end)` the host hashes for a file of `size` in parts of
    /// `part_size`: the first part and the last part (the same range for a one-part file).
    pub fn ranges(size: u64, part_size: u64) -> [(u64, u64); 2] {
        let head_end = size.min(part_size);
        let last_start = if size == 0 {
            0
        } else {
            (size - 1) / part_size * part_size
        };
        [(0, head_end), (last_start, size)]
    }
}

/// What the queue stores for an unfinished upload so that it can continue after a reload: never
/// a signature or a token, only what the signer signs again for each part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResumeRecord {
    /// The upload's `X-Unique-Upload-Id`.
    pub upload_id: String,
    /// The file it uploads.
    pub fingerprint: Fingerprint,
    /// Bytes per part.
    pub part_size: u64,
    /// The parts Cloudinary confirmed, as byte ranges `(start, end)` inclusive.
    pub confirmed: Vec<(u64, u64)>,
    /// The upload parameters the signer signs (the signed parameters' input).
    pub params: Map<String, ParamValue>,
    /// The Upload API resource type.
    pub resource_type: String,
    /// The signer's account id.
    pub account: Option<String>,
    /// The public id Cloudinary assigned, once an answer gave it.
    pub public_id: Option<String>,
    /// When the upload started (ms since the epoch).
    pub created_ms: u64,
}

impl ResumeRecord {
    /// Its storage key: `upload:<upload id>`.
    pub fn key(&self) -> String {
        format!("{RECORD_KEY_PREFIX}{}", self.upload_id)
    }

    /// Whether it is older than [`RESUME_MAX_AGE_MS`] at `now`.
    pub fn expired(&self, now: u64) -> bool {
        now.saturating_sub(self.created_ms) > RESUME_MAX_AGE_MS
    }

    /// Bytes confirmed.
    pub fn confirmed_bytes(&self) -> u64 {
        self.confirmed.iter().map(|(s, e)| e - s + 1).sum()
    }

    /// The record as stored (JSON).
    pub fn to_json(&self) -> String {
        let fp = &self.fingerprint;
        let opt = |o: &Option<String>| o.clone().map_or(Value::Null, Value::String);
        let v = crate::json!({
            "v": 1,
            "uploadId": self.upload_id,
            "name": fp.name,
            "size": fp.size,
            "lastModified": fp.last_modified,
            "headSha256": fp.head_sha256,
            "tailSha256": fp.tail_sha256,
            "partSize": self.part_size,
            "confirmed": self.confirmed.iter().map(|(s, e)| crate::json!([s, e])).collect::<Vec<_>>(),
            "params": Value::Object(params_json(&self.params)),
            "resourceType": self.resource_type,
            "account": opt(&self.account),
            "publicId": opt(&self.public_id),
            "createdMs": self.created_ms,
        });
        json::to_string(&v)
    }

    /// Reads a stored record; every field checked.
    pub fn from_json(text: &str) -> Result<Self, QueueError> {
        let bad = |d: &str| QueueError::BadRecord(d.to_owned());
        let v =
            json::from_str(text).map_err(|e| QueueError::BadRecord(format!("not JSON ({e})")))?;
        if v.get("v").and_then(Value::as_u64) != Some(1) {
            return Err(bad("unknown version"));
        }
        let s = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| QueueError::BadRecord(format!("{k} is not a string")))
        };
        let n = |k: &str| {
            v.get(k)
                .and_then(Value::as_u64)
                .ok_or_else(|| QueueError::BadRecord(format!("{k} is not a number")))
        };
        let opt_s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        let mut confirmed = Vec::new();
        for r in v
            .get("confirmed")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("confirmed is not an array"))?
        {
            match (r.get_index(0), r.get_index(1)) {
                (Some(a), Some(b)) if a <= b => confirmed.push((a, b)),
                _ => return Err(bad("a confirmed range is not [start, end]")),
            }
        }
        let mut params = Map::new();
        for (k, p) in v
            .get("params")
            .and_then(Value::as_object)
            .ok_or_else(|| bad("params is not an object"))?
        {
            let p = match p {
                Value::String(t) => ParamValue::Text(t.clone()),
                Value::Array(items) => ParamValue::List(
                    items
                        .iter()
                        .map(|i| i.as_str().map(str::to_owned))
                        .collect::<Option<_>>()
                        .ok_or_else(|| bad("a list parameter holds a non-string"))?,
                ),
                _ => return Err(bad("a parameter is not a string or a list")),
            };
            params.insert(k.clone(), p);
        }
        let rec = ResumeRecord {
            upload_id: s("uploadId")?,
            fingerprint: Fingerprint {
                name: s("name")?,
                size: n("size")?,
                last_modified: n("lastModified")?,
                head_sha256: s("headSha256")?,
                tail_sha256: s("tailSha256")?,
            },
            part_size: n("partSize")?,
            confirmed,
            params,
            resource_type: s("resourceType")?,
            account: opt_s("account"),
            public_id: opt_s("publicId"),
            created_ms: n("createdMs")?,
        };
        rec.confirmed_parts()?;
        Ok(rec)
    }

    /// The 0-based indices of the confirmed parts; a range that is not a part of the plan is
    /// refused.
    pub fn confirmed_parts(&self) -> Result<Vec<u32>, QueueError> {
        let plan = ChunkPlan::new(self.fingerprint.size, self.part_size, None)
            .map_err(|e| QueueError::BadRecord(e.to_string()))?;
        self.confirmed
            .iter()
            .map(|&(s, e)| {
                let i = u32::try_from(s / self.part_size).unwrap_or(u32::MAX);
                match (i < plan.count()).then(|| plan.chunk(i)) {
                    Some(c) if c.start == s && c.end == e => Ok(i),
                    _ => Err(QueueError::BadRecord(format!(
                        "bytes {s}-{e} is not a part of the upload"
                    ))),
                }
            })
            .collect()
    }

    /// Checks that `file` is the file this upload was started with.
    pub fn check(&self, file: &Fingerprint) -> Result<(), QueueError> {
        let fp = &self.fingerprint;
        let detail = if file.name != fp.name {
            "its name differs".to_owned()
        } else if file.size != fp.size {
            format!(
                "it has {} bytes, the upload's file had {}",
                file.size, fp.size
            )
        } else if file.last_modified != fp.last_modified {
            "it was modified at another time".to_owned()
        } else if file.head_sha256 != fp.head_sha256 || file.tail_sha256 != fp.tail_sha256 {
            "its content differs".to_owned()
        } else {
            return Ok(());
        };
        Err(QueueError::NotTheSameFile {
            name: file.name.clone(),
            expected: fp.name.clone(),
            detail,
        })
    }
}

trait GetIndex {
    fn get_index(&self, i: usize) -> Option<u64>;
}

impl GetIndex for Value {
    fn get_index(&self, i: usize) -> Option<u64> {
        self.as_array()?.get(i)?.as_u64()
    }
}
