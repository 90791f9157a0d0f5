//! The Upload API's size limits as this double enforces them, with their sources (reference =
//! shared/reference/cloudinary-reference.md §4). Deliberately not the plugin's constants.

/// The smallest part a chunked upload may send before its last one. Cloudinary's words are
/// "All parts except EOF-chunk must be larger than 5mb" (cloudinary_npm upload-large-video.md,
/// which also calls 5 MB "the minimum Cloudinary accepts"): "5mb" can be read as 5,000,000 or
/// 5 MiB (5,242,880). The double takes the stricter reading, so that an uploader passing here
/// passes under either: 5,000,000 and 5,000,001-byte parts are refused, 5,242,880 accepted
/// (that exactly 5 MiB is "larger than 5mb" under the MiB reading is unconfirmed).
pub const MIN_PART_BYTES: u64 = 5 * 1024 * 1024;

/// The largest single request: "100 MB per request. A single upload call cannot exceed this"
/// (cloudinary_npm upload-image.md); decimal megabytes, as the SDKs' 20,000,000-byte default
/// chunk size reads "20 MB". Unconfirmed whether the limit counts the part or the whole body.
pub const MAX_REQUEST_BYTES: u64 = 100_000_000;
