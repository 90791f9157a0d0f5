//! Delivery-URL assembly, as the Node SDK's `url()` and Python's `cloudinary_url()` do it:
//! `[prefix, resource_type, type, signature, transformation, version, source]`, empty parts
//! skipped. The signature comes from a [`SignatureSource`]: this module never sees a secret.
//!
//! Length: URL assembly, preparation for signing, templates and their tests (about 125 lines)
//! follow the SDKs' one `url()` function and share its private helpers.

use super::analytics::Analytics;
use super::encode::{
    cat, crc32, encode_public_id, percent_decode, push_spaces_escaped, push_uint, smart_escape, sub,
};
use super::error::UrlError;
use super::options::generate;
use super::{OptionValue, Value};
use alloc::{borrow::ToOwned, string::String};

/// The hash a signature uses: of a delivery URL (here), and of the signer's Upload API and
/// delivery signatures (its accounts' `signature_algorithm`, a delivery item's `algorithm`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "lowercase")
)]
pub enum SignatureAlgorithm {
    /// SHA-1 (the default, Cloudinary's).
    #[default]
    Sha1,
    /// SHA-256 (`signature_algorithm: "sha256"`, and always with `long_url_signature`).
    Sha256,
}

impl SignatureAlgorithm {
    /// The algorithm named `sha1` or `sha256`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "sha1" => Some(SignatureAlgorithm::Sha1),
            "sha256" => Some(SignatureAlgorithm::Sha256),
            _ => None,
        }
    }

    /// `sha1` / `sha256`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SignatureAlgorithm::Sha1 => "sha1",
            SignatureAlgorithm::Sha256 => "sha256",
        }
    }
}

/// What a signature source is asked to sign: `signature = base64url(hash(to_sign + secret))[..length]`.
///
/// It also carries the parts `to_sign` is made of, which are what the signing endpoint's
/// `POST /v1/sign/delivery` takes (it checks its policy on them and rebuilds the same string with
/// the same core function): `to_sign == url_string_to_sign(transformation, public_id)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignRequest {
    /// The exact string to sign ([`crate::core::sign::url_string_to_sign`]).
    pub to_sign: String,
    /// The hash.
    pub algorithm: SignatureAlgorithm,
    /// 8, or 32 with `long_url_signature`.
    pub length: usize,
    /// `image`, `video` or `raw` (as given, before any SEO or short form).
    pub resource_type: String,
    /// The delivery type (`upload`, `authenticated`, `private`, ...).
    pub delivery_type: String,
    /// The transformation component of the URL, as signed.
    pub transformation: String,
    /// The public id as it appears in the URL, with its format: the signed source.
    pub public_id: String,
    /// Whether the options or configuration chose the algorithm (`signature_algorithm`,
    /// `long_url_signature`). When they did not, the signing endpoint applies the account's own
    /// setting (an account restricted to SHA-256 gets SHA-256), so the request leaves it out.
    pub algorithm_requested: bool,
}

/// Something that turns a [`SignRequest`] into a signature: in the browser, the signing
/// endpoint (asynchronously, through [`PreparedUrl`]); in tests, a test-only hasher.
pub trait SignatureSource {
    /// The signature (`length` URL-safe base64 characters), or why there is none.
    fn signature(&self, request: &SignRequest) -> Result<String, String>;

    /// Whether this source can sign at all ([`NoSignatures`] cannot: asking it is
    /// [`UrlError::SignatureRequired`]).
    fn available(&self) -> bool {
        true
    }
}

impl<F> SignatureSource for F
where
    F: Fn(&SignRequest) -> Result<String, String>,
{
    fn signature(&self, request: &SignRequest) -> Result<String, String> {
        self(request)
    }
}

/// The source to use when nothing may be signed: asking it is [`UrlError::SignatureRequired`].
#[derive(Clone, Copy, Debug, Default)]
pub struct NoSignatures;

/// A URL whose parts are known, waiting only for its signature (when it needs one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreparedUrl {
    head: String,
    tail: String,
    sign: Option<SignRequest>,
}

impl PreparedUrl {
    /// What must be signed, if anything.
    pub fn sign_request(&self) -> Option<&SignRequest> {
        self.sign.as_ref()
    }

    /// The URL, with `signature` inserted as `s--<signature>--` where one is needed.
    pub fn finish(self, signature: Option<&str>) -> Result<String, UrlError> {
        let Some(req) = &self.sign else {
            return Ok(self.head + &self.tail);
        };
        let sig = signature.ok_or(UrlError::SignatureRequired)?;
        check_signature(sig, req.length)?;
        let mut url = self.head;
        url.reserve(sig.len() + 6 + self.tail.len());
        url.push_str("/s--");
        url.push_str(sig);
        url.push_str("--");
        url.push_str(&self.tail);
        Ok(url)
    }

    /// The URL, asking `source` for the signature where one is needed.
    pub fn finish_with(self, source: &dyn SignatureSource) -> Result<String, UrlError> {
        match &self.sign {
            None => self.finish(None),
            Some(_) if !source.available() => Err(UrlError::SignatureRequired),
            Some(req) => {
                let sig = source.signature(req).map_err(UrlError::BadSignature)?;
                self.finish(Some(&sig))
            }
        }
    }
}

impl SignatureSource for NoSignatures {
    fn signature(&self, _: &SignRequest) -> Result<String, String> {
        Err("no signature source".to_owned())
    }

    fn available(&self) -> bool {
        false
    }
}

fn check_signature(sig: &str, length: usize) -> Result<(), UrlError> {
    let ok = sig.len() == length
        && sig
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        let mut why = String::from("expected ");
        push_uint(&mut why, length as u64);
        why.push_str(" URL-safe base64 characters");
        Err(UrlError::BadSignature(why))
    }
}

/// `options` first, then `config` (a `null` option falls back to the configuration, as in the
/// Node SDK).
fn opt<'a>(options: &'a Value, config: &'a Value, key: &str) -> Option<&'a Value> {
    options.opt(key).or_else(|| config.opt(key))
}

fn opt_text<'a>(
    options: &'a Value,
    config: &'a Value,
    key: &'static str,
) -> Result<Option<&'a str>, UrlError> {
    match opt(options, config, key) {
        None => Ok(None),
        Some(v) => v
            .as_text()
            .map(Some)
            .ok_or_else(|| UrlError::option(key, "expected a string")),
    }
}

fn flag(options: &Value, config: &Value, key: &str) -> bool {
    opt(options, config, key).is_some_and(Value::truthy)
}

const OLD_AKAMAI_SHARED_CDN: &str = "cloudinary-a.akamaihd.net";
const SHARED_CDN: &str = "res.cloudinary.com";

/// The Node SDK's `url(public_id, options)` with `config` as its global configuration, signing
/// through `signer`. Plain `url()` output matches the official SDKs byte for byte.
pub fn url(
    public_id: &str,
    options: &Value,
    config: &Value,
    signer: &dyn SignatureSource,
) -> Result<String, UrlError> {
    match prepare(public_id, options, config)? {
        Prepared::Unchanged(s) => Ok(s),
        Prepared::Url(p) => p.finish_with(signer),
    }
}

/// The result of [`prepare`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Prepared {
    /// The public id is already a URL (`http(s)://…` with no delivery type): returned as it is.
    Unchanged(String),
    /// A delivery URL, maybe waiting for a signature.
    Url(PreparedUrl),
}

impl Prepared {
    /// The URL when no signature is needed; [`UrlError::SignatureRequired`] otherwise.
    pub fn into_unsigned(self) -> Result<String, UrlError> {
        match self {
            Prepared::Unchanged(s) => Ok(s),
            Prepared::Url(p) => p.finish(None),
        }
    }
}

fn starts_with_http(s: &str) -> bool {
    let b = s.as_bytes();
    let lower = |i: usize| b.get(i).map(u8::to_ascii_lowercase);
    lower(0) == Some(b'h')
        && lower(1) == Some(b't')
        && lower(2) == Some(b't')
        && lower(3) == Some(b'p')
        && (s.get(4..6).is_some_and(|x| x == ":/")
            || (lower(4) == Some(b's') && s.get(5..7).is_some_and(|x| x == ":/")))
}

/// Python's `re.sub(r'([^:])/+', r'\1/', s)`: runs of slashes collapse to one, except that
/// after `:` (or at the start) a run keeps at most two.
fn collapse_slashes(s: &str) -> alloc::borrow::Cow<'_, str> {
    if crate::core::text::find_bytes(s.as_bytes(), b"//").is_none() {
        return alloc::borrow::Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut last = 0;
    while i < b.len() {
        if b[i] != b'/' {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i] == b'/' {
            i += 1;
        }
        out.push_str(sub(s, last, start));
        let after_colon_or_start = start == 0 || b[start - 1] == b':';
        out.push_str(if after_colon_or_start && i - start >= 2 {
            "//"
        } else {
            "/"
        });
        last = i;
    }
    out.push_str(sub(s, last, s.len()));
    alloc::borrow::Cow::Owned(out)
}

/// `image/upload/v123/sample.jpg` (a preloaded-file path) → its parts.
fn preloaded(public_id: &str) -> Option<(&str, &str, &str, &str)> {
    let (rt, rest) = public_id.split_once('/')?;
    if rt != "image" && rt != "raw" {
        return None;
    }
    let (ty, rest) = rest.split_once('/')?;
    if ty.is_empty()
        || !ty
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return None;
    }
    let (ver, id) = rest.split_once('/')?;
    let digits = ver.strip_prefix('v')?;
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || id.is_empty()
        || id.contains('#')
    {
        return None;
    }
    Some((rt, ty, digits, id))
}

/// The transformation string of `options`, and the format that stays an extension: for fetch
/// URLs (and `use_fetch_format`) the format becomes `f_<format>` in the transformation instead.
pub(crate) fn transformation_and_format<'a>(
    options: &'a Value,
    config: &Value,
) -> Result<(String, Option<&'a str>), UrlError> {
    let delivery_type = opt_text(options, &Value::Null, "type")?;
    let mut format = opt_text(options, &Value::Null, "format")?;
    let use_fetch_format =
        delivery_type == Some("fetch") || flag(options, config, "use_fetch_format");
    let fetch_format = if use_fetch_format && options.opt("fetch_format").is_none() {
        format = None;
        options.opt("format")
    } else {
        None
    };
    let mut transformation = String::new();
    generate(options, config, fetch_format, &mut transformation)?;
    Ok((transformation, format))
}

/// Everything of the URL except the signature, and what to sign.
pub fn prepare(public_id: &str, options: &Value, config: &Value) -> Result<Prepared, UrlError> {
    check_options(options, config)?;
    if public_id.is_empty() {
        return Err(UrlError::EmptyPublicId);
    }
    let delivery_type = opt_text(options, &Value::Null, "type")?;
    let (transformation, format) = transformation_and_format(options, config)?;
    assemble(
        public_id,
        options,
        config,
        &transformation,
        format,
        delivery_type,
    )
}

/// A URL recipe for many public ids with the same options: the transformation string is built
/// once, each [`UrlTemplate::prepare`] only assembles host, path and public id. Galleries and
/// `srcset`s use it; so does the JavaScript `UrlFactory`.
///
/// ```
/// use cloudinary_connector::core::url::{NoSignatures, UrlTemplate};
/// use cloudinary_connector::json;
/// let config = json!({"cloud_name": "demo", "secure": true});
/// let t = UrlTemplate::new(&json!({"width": 200, "crop": "fill"}), &config).unwrap();
/// assert_eq!(t.url("a", &NoSignatures).unwrap(), "https://res.cloudinary.com/demo/image/upload/c_fill,w_200/a");
/// assert_eq!(t.url("b/c", &NoSignatures).unwrap(), "https://res.cloudinary.com/demo/image/upload/c_fill,w_200/v1/b/c");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct UrlTemplate {
    options: Value,
    config: Value,
    transformation: String,
    format: Option<String>,
    fast: Option<FastPath>,
}

/// What stays the same for every public id when nothing depends on it (no signature, no CDN
/// shard, no SEO suffix): host, path types and transformation, built once.
#[derive(Clone, Debug, PartialEq)]
struct FastPath {
    head: String,
    version: Option<String>,
    force_version: bool,
    analytics: Option<String>,
}

impl UrlTemplate {
    /// Checks `options` and builds their transformation once.
    pub fn new(options: &Value, config: &Value) -> Result<Self, UrlError> {
        Self::from_options(options.clone(), config)
    }

    /// [`UrlTemplate::new`], taking the options by value (no copy).
    pub fn from_options(options: Value, config: &Value) -> Result<Self, UrlError> {
        check_options(&options, config)?;
        let (transformation, format) = {
            let (t, f) = transformation_and_format(&options, config)?;
            (t, f.map(str::to_owned))
        };
        let mut t = UrlTemplate {
            format,
            options,
            config: config.clone(),
            transformation,
            fast: None,
        };
        let delivery_type = opt_text(&t.options, &Value::Null, "type")?.map(str::to_owned);
        t.fast = t.fast_path(delivery_type.as_deref());
        Ok(t)
    }

    fn fast_path(&self, delivery_type: Option<&str>) -> Option<FastPath> {
        let (o, c) = (&self.options, &self.config);
        let per_id = [
            "sign_url",
            "cdn_subdomain",
            "secure_cdn_subdomain",
            "url_suffix",
        ];
        if per_id.iter().any(|k| flag(o, c, k)) {
            return None;
        }
        let Ok(Prepared::Url(probe)) = assemble(
            "x",
            o,
            c,
            &self.transformation,
            self.format.as_deref(),
            delivery_type,
        ) else {
            return None;
        };
        let mut head = probe.head.clone();
        let t = collapse_slashes(&self.transformation);
        if !t.is_empty() {
            head.push('/');
            push_spaces_escaped(&mut head, &t);
        }
        let fast = FastPath {
            head,
            version: o
                .opt("version")
                .filter(|v| v.truthy())
                .and_then(Value::as_text)
                .map(str::to_owned),
            force_version: opt(o, c, "force_version").map_or(true, Value::truthy),
            analytics: crate::core::text::split_once_str(&probe.tail, "?_a=")
                .map(|(_, a)| cat(&["?_a=", a])),
        };
        // Defensive: the fast path must agree with the general one.
        let slow = probe.finish(None).ok()?;
        (self.fast_url(&fast, "x") == slow).then_some(fast)
    }

    fn fast_url(&self, f: &FastPath, public_id: &str) -> String {
        let collapsed = collapse_slashes(public_id);
        let mut out = String::with_capacity(f.head.len() + collapsed.len() + 24);
        out.push_str(&f.head);
        out.push('/');
        let mark = out.len();
        match percent_decode(&collapsed) {
            Some(decoded) => encode_public_id(&decoded, &mut out),
            None => encode_public_id(&collapsed, &mut out),
        }
        let id = sub(&out, mark, out.len());
        let version = match &f.version {
            Some(v) => Some(v.as_str()),
            // No `v1` for an id that decodes to a URL (`%68ttp://…`), as the general path does.
            None if f.force_version
                && id.contains('/')
                && !starts_with_version(id)
                && !starts_with_http(id) =>
            {
                Some("1")
            }
            None => None,
        };
        if let Some(v) = version {
            out.insert(mark, '/');
            out.insert_str(mark, v);
            out.insert(mark, 'v');
        }
        if let Some(fmt) = &self.format {
            out.push('.');
            push_spaces_escaped(&mut out, fmt);
        }
        if let Some(a) = &f.analytics {
            if !sub(&out, mark, out.len()).contains('?') {
                out.push_str(a);
            }
        }
        out
    }

    /// The URL parts for `public_id`, and what to sign.
    pub fn prepare(&self, public_id: &str) -> Result<Prepared, UrlError> {
        if public_id.is_empty() {
            return Err(UrlError::EmptyPublicId);
        }
        let delivery_type = opt_text(&self.options, &Value::Null, "type")?;
        assemble(
            public_id,
            &self.options,
            &self.config,
            &self.transformation,
            self.format.as_deref(),
            delivery_type,
        )
    }

    /// The URL for `public_id`, signed through `signer` when needed.
    pub fn url(&self, public_id: &str, signer: &dyn SignatureSource) -> Result<String, UrlError> {
        if let Some(f) = &self.fast {
            if !public_id.is_empty()
                && !starts_with_http(public_id)
                && preloaded(public_id).is_none()
            {
                return Ok(self.fast_url(f, public_id));
            }
        }
        match self.prepare(public_id)? {
            Prepared::Unchanged(s) => Ok(s),
            Prepared::Url(p) => p.finish_with(signer),
        }
    }
}

fn check_options(options: &Value, config: &Value) -> Result<(), UrlError> {
    if opt(options, config, "api_secret").is_some() {
        return Err(UrlError::SecretNotAccepted);
    }
    if options
        .opt("auth_token")
        .is_some_and(|v| !matches!(v, Value::Bool(false)))
        || config.opt("auth_token").is_some()
    {
        return Err(UrlError::AuthTokenNotSupported);
    }
    Ok(())
}

fn assemble<'a>(
    public_id: &'a str,
    options: &'a Value,
    config: &'a Value,
    transformation: &str,
    format: Option<&str>,
    mut delivery_type: Option<&'a str>,
) -> Result<Prepared, UrlError> {
    let mut resource_type = opt_text(options, &Value::Null, "resource_type")?.unwrap_or("image");
    let version_value = options.opt("version").filter(|v| v.truthy());
    let mut version: Option<&str> = match version_value {
        Some(v) => Some(
            v.as_text()
                .ok_or_else(|| UrlError::option("version", "expected a number or a string"))?,
        ),
        None => None,
    };
    let mut public_id = public_id;
    if let Some((rt, ty, v, id)) = preloaded(public_id) {
        resource_type = rt;
        delivery_type = Some(ty);
        version = Some(v);
        public_id = id;
    }
    if matches!(delivery_type, None | Some("upload") | Some("asset")) && starts_with_http(public_id)
    {
        return Ok(Prepared::Unchanged(public_id.to_owned()));
    }

    // Resource type / delivery type, with SEO suffix, root path and short forms.
    let url_suffix = opt_text(options, &Value::Null, "url_suffix")?.filter(|s| !s.is_empty());
    let mut ty: Option<&str> = Some(delivery_type.unwrap_or("upload"));
    let mut rt: Option<&str> = Some(resource_type);
    if url_suffix.is_some() {
        let seo = match (resource_type, ty.unwrap_or("upload")) {
            ("image", "upload") => "images",
            ("image", "private") => "private_images",
            ("image", "authenticated") => "authenticated_images",
            ("raw", "upload") => "files",
            ("video", "upload") => "videos",
            (r, t) => {
                return Err(UrlError::UrlSuffixNotSupported {
                    resource_type: r.to_owned(),
                    delivery_type: t.to_owned(),
                })
            }
        };
        rt = Some(seo);
        ty = None;
    }
    if flag(options, config, "use_root_path") {
        if (rt == Some("image") && ty == Some("upload")) || (rt == Some("images") && ty.is_none()) {
            rt = None;
            ty = None;
        } else {
            return Err(UrlError::RootPathNotSupported);
        }
    }
    if flag(options, config, "shorten") && rt == Some("image") && ty == Some("upload") {
        rt = Some("iu");
        ty = None;
    }

    // Source: remote URLs smart-escaped; public ids decoded then re-encoded.
    let collapsed = collapse_slashes(public_id);
    let mut source = String::with_capacity(collapsed.len() + 16);
    // `source[..base_len]` is the public id as signed and version-checked; the signed string adds
    // the format but never the SEO suffix.
    let base_len;
    if starts_with_http(&collapsed) {
        smart_escape(&collapsed, &mut source);
        base_len = source.len();
    } else {
        match percent_decode(&collapsed) {
            Some(decoded) => encode_public_id(&decoded, &mut source),
            None => encode_public_id(&collapsed, &mut source),
        }
        base_len = source.len();
        if let Some(suffix) = url_suffix {
            if suffix.contains(['.', '/']) {
                return Err(UrlError::InvalidUrlSuffix);
            }
            // `?` or `#` would end the path: the rest would be a query or fragment, never seen
            // by Cloudinary (the SDKs pass them through and break the URL).
            if suffix.contains(['?', '#']) {
                return Err(UrlError::UrlSuffixEndsPath);
            }
            source.push('/');
            source.push_str(suffix);
        }
        if let Some(f) = format {
            source.push('.');
            source.push_str(f);
        }
    }
    let id_part = sub(&source, 0, base_len);

    let force_version = opt(options, config, "force_version").map_or(true, Value::truthy);
    if version.is_none()
        && force_version
        && id_part.contains('/')
        && !starts_with_http(id_part)
        && !starts_with_version(id_part)
    {
        version = Some("1");
    }

    let transformation = collapse_slashes(transformation);

    let sign = if flag(options, config, "sign_url") {
        let long = flag(options, config, "long_url_signature");
        let requested = opt_text(options, config, "signature_algorithm")?;
        let algorithm_requested = long || requested.is_some();
        let algorithm = match requested {
            _ if long => SignatureAlgorithm::Sha256,
            None => SignatureAlgorithm::Sha1,
            Some(name) => SignatureAlgorithm::parse(name)
                .ok_or_else(|| UrlError::UnsupportedSignatureAlgorithm(name.to_owned()))?,
        };
        // The signed source is the public id as it appears in the URL (decoded once, then
        // re-encoded), with its format: `%25a%20(b)` signs `%25a%20(b).jpg` (Node SDK "should
        // sign the decoded form of a url"), text layers sign their escaped form (pycloudinary).
        let mut signed_source = id_part.to_owned();
        if let (Some(f), false) = (format, starts_with_http(&collapsed)) {
            signed_source.push('.');
            signed_source.push_str(f);
        }
        let to_sign = crate::core::sign::url_string_to_sign(&transformation, &signed_source);
        Some(SignRequest {
            to_sign,
            algorithm,
            length: if long { 32 } else { 8 },
            resource_type: resource_type.to_owned(),
            delivery_type: delivery_type.unwrap_or("upload").to_owned(),
            transformation: transformation.clone().into_owned(),
            public_id: signed_source,
            algorithm_requested,
        })
    } else {
        None
    };

    // Host.
    let cloud_name = opt_text(options, config, "cloud_name")?
        .filter(|c| !c.is_empty())
        .ok_or(UrlError::MissingCloudName)?;
    let mut head = String::new();
    push_spaces_escaped(&mut head, &prefix(&source, cloud_name, options, config)?);
    for part in [rt, ty].into_iter().flatten() {
        head.push('/');
        push_spaces_escaped(&mut head, part);
    }
    // Spaces become `%20` in the URL (the Node SDK's last step), not in what was signed.
    let mut tail = String::with_capacity(transformation.len() + source.len() + 16);
    if !transformation.is_empty() {
        tail.push('/');
        push_spaces_escaped(&mut tail, &transformation);
    }
    if let Some(v) = version {
        tail.push_str("/v");
        push_spaces_escaped(&mut tail, v);
    }
    tail.push('/');
    push_spaces_escaped(&mut tail, &source);

    if flag(options, config, "urlAnalytics") && !source.contains('?') {
        let code = opt_text(options, config, "analytics_sdk_code")?
            .and_then(|c| c.chars().next())
            .unwrap_or('T');
        tail.push_str("?_a=");
        tail.push_str(&Analytics::integration(code).token());
    }
    Ok(Prepared::Url(PreparedUrl { head, tail, sign }))
}

fn starts_with_version(s: &str) -> bool {
    s.strip_prefix('v')
        .is_some_and(|r| r.bytes().next().is_some_and(|b| b.is_ascii_digit()))
}

fn prefix(
    source: &str,
    cloud_name: &str,
    options: &Value,
    config: &Value,
) -> Result<String, UrlError> {
    if cloud_name.starts_with('/') {
        return Ok(cat(&["/res", cloud_name]));
    }
    let private_cdn = flag(options, config, "private_cdn");
    let secure = match options.opt("secure") {
        Some(v) => v.truthy(),
        None => flag(options, config, "ssl_detected") || flag(&Value::Null, config, "secure"),
    };
    let cdn_subdomain = flag(options, config, "cdn_subdomain");
    let shard = || (crc32(source.as_bytes()) % 5 + 1) as u8;
    let mut shared_domain = !private_cdn;
    let mut prefix = String::with_capacity(48);
    if secure {
        let dist = opt_text(options, config, "secure_distribution")?
            .filter(|d| !d.is_empty() && *d != OLD_AKAMAI_SHARED_CDN);
        let mut dist = match dist {
            Some(d) => d.to_owned(),
            None if private_cdn => cat(&[cloud_name, "-res.cloudinary.com"]),
            None => SHARED_CDN.to_owned(),
        };
        shared_domain = shared_domain || dist == SHARED_CDN;
        let secure_cdn_subdomain = match opt(options, config, "secure_cdn_subdomain") {
            Some(v) => v.truthy(),
            None => shared_domain && cdn_subdomain,
        };
        if secure_cdn_subdomain {
            if let Some(i) = crate::core::text::find_bytes(dist.as_bytes(), b"res.cloudinary.com") {
                dist.insert(i + 3, (b'0' + shard()) as char);
                dist.insert(i + 3, '-');
            }
        }
        prefix.push_str("https://");
        prefix.push_str(&dist);
    } else if let Some(cname) = opt(options, config, "cname")
        .filter(|v| v.truthy())
        .and_then(Value::as_text)
    {
        prefix.push_str("http://");
        if cdn_subdomain {
            prefix.push('a');
            prefix.push((b'0' + shard()) as char);
            prefix.push('.');
        }
        prefix.push_str(cname);
    } else {
        prefix.push_str("http://");
        if private_cdn {
            prefix.push_str(cloud_name);
            prefix.push('-');
        }
        prefix.push_str("res");
        if cdn_subdomain {
            prefix.push('-');
            prefix.push((b'0' + shard()) as char);
        }
        prefix.push_str(".cloudinary.com");
    }
    if shared_domain {
        prefix.push('/');
        prefix.push_str(cloud_name);
    }
    Ok(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json;
    use crate::json;

    #[test]
    fn slashes_collapse_except_after_a_scheme() {
        assert_eq!(collapse_slashes("a//b///c"), "a/b/c");
        assert_eq!(collapse_slashes("http://x//y"), "http://x/y");
        assert_eq!(collapse_slashes("l_fetch:http://x"), "l_fetch:http://x");
    }

    /// An effect given as an object is named by its first key in insertion order, as the SDKs
    /// read it (Python's `cloudinary_url` takes the dict's first item; the Node SDK maps
    /// `Object.entries`, in insertion order too): `vignette` here, not the alphabetically first
    /// `art`, however the options were built.
    #[test]
    fn an_effect_object_is_named_by_its_first_written_key() {
        let cfg = json!({"cloud_name": "demo", "secure": true});
        let want = "https://res.cloudinary.com/demo/image/upload/e_vignette:30/sample";
        let parsed = json::from_str(r#"{"effect":{"vignette":30,"art":"zorro"}}"#).unwrap();
        assert_eq!(url("sample", &parsed, &cfg, &NoSignatures).unwrap(), want);
        let built = json!({"effect": {"vignette": 30, "art": "zorro"}});
        assert_eq!(url("sample", &built, &cfg, &NoSignatures).unwrap(), want);
        // `null` entries are skipped, as for every other option.
        let o = json::from_str(r#"{"effect":{"sepia":null,"blur":300,"art":"zorro"}}"#).unwrap();
        assert_eq!(
            url("sample", &o, &cfg, &NoSignatures).unwrap(),
            "https://res.cloudinary.com/demo/image/upload/e_blur:300/sample"
        );
    }

    /// Options are read by `core::json`: its nesting limit (127 levels, `serde_json`'s) and
    /// message apply (the browser facade prefixes `options could not be read: `), and options
    /// nested below it build as usual.
    #[test]
    fn deeply_nested_options_hit_the_json_readers_limit() {
        let nest = |n: usize| {
            let mut s = "{\"transformation\":".repeat(n);
            s.push_str("{\"width\":10}");
            s.push_str(&"}".repeat(n));
            s
        };
        assert_eq!(
            json::from_str(&nest(200)).unwrap_err(),
            "recursion limit exceeded at line 1 column 2287"
        );
        let cfg = json!({"cloud_name": "demo", "secure": true});
        let o = json::from_str(&nest(30)).unwrap();
        assert_eq!(
            url("sample", &o, &cfg, &NoSignatures).unwrap(),
            "https://res.cloudinary.com/demo/image/upload/w_10/sample"
        );
    }

    #[test]
    fn readme_examples() {
        let cfg = json!({"cloud_name": "demo", "secure": true});
        let o =
            json::from_str(r#"{"width":300,"height":200,"crop":"fill","gravity":"auto"}"#).unwrap();
        assert_eq!(
            url("sample", &o, &cfg, &NoSignatures).unwrap(),
            "https://res.cloudinary.com/demo/image/upload/c_fill,g_auto,h_200,w_300/sample"
        );
        let o = json::from_str(r#"{"resource_type":"video","transformation":[{"effect":"sepia"},{"radius":20}],"format":"mp4"}"#).unwrap();
        assert_eq!(
            url("folder/clip", &o, &cfg, &NoSignatures).unwrap(),
            "https://res.cloudinary.com/demo/video/upload/e_sepia/r_20/v1/folder/clip.mp4"
        );
        let o =
            json::from_str(r#"{"type":"authenticated","sign_url":true,"width":10,"crop":"scale"}"#)
                .unwrap();
        let Ok(Prepared::Url(p)) = prepare("image.jpg", &o, &cfg) else {
            panic!("a URL")
        };
        assert_eq!(p.sign_request().unwrap().to_sign, "c_scale,w_10/image.jpg");
        let o = json!({"signature_algorithm": "md5", "sign_url": true});
        assert_eq!(
            url("x", &o, &cfg, &NoSignatures).unwrap_err().to_string(),
            "unsupported signature algorithm 'md5' (expected sha1 or sha256)"
        );
        let o = json!({"url_suffix": "s", "type": "private", "resource_type": "raw"});
        assert_eq!(
            url("x", &o, &cfg, &NoSignatures).unwrap_err().to_string(),
            "url_suffix is only supported for image/upload, image/private, image/authenticated, video/upload and raw/upload, not raw/private"
        );
        let o = json!({"use_root_path": true, "type": "private"});
        assert_eq!(
            url("x", &o, &cfg, &NoSignatures).unwrap_err().to_string(),
            "use_root_path is only supported for image/upload"
        );
        let o = json!({"keyframe_interval": 0});
        assert_eq!(
            url("x", &o, &cfg, &NoSignatures).unwrap_err().to_string(),
            "invalid keyframe_interval: should be greater than zero"
        );
        let o = json::from_str(r#"{"radius":[1,2,3,4,5]}"#).unwrap();
        assert_eq!(
            url("x", &o, &cfg, &NoSignatures).unwrap_err().to_string(),
            "invalid radius: expected 1 to 4 values"
        );
        let o = json::from_str(r#"{"overlay":{"text":"hi","font_family":"arial"}}"#).unwrap();
        assert_eq!(
            url("x", &o, &cfg, &NoSignatures).unwrap_err().to_string(),
            "invalid overlay: must supply font_size for text"
        );
        let o = json!({"auth_token": {"key": "k"}});
        assert_eq!(
            url("x", &o, &cfg, &NoSignatures).unwrap_err(),
            UrlError::AuthTokenNotSupported
        );
    }

    #[test]
    fn cdn_shards_and_hosts() {
        let cfg = json!({"cloud_name": "test123"});
        let u = |o: Value| url("test", &o, &cfg, &NoSignatures).unwrap();
        assert_eq!(
            u(json!({"cdn_subdomain": true})),
            "http://res-2.cloudinary.com/test123/image/upload/test"
        );
        assert_eq!(
            u(json!({"cdn_subdomain": true, "private_cdn": true})),
            "http://test123-res-2.cloudinary.com/image/upload/test"
        );
        assert_eq!(
            u(json!({"urlAnalytics": true}))
                .split_once("?_a=")
                .map(|(_, a)| a.len()),
            Some(12)
        );
        let fetch = json!({"type": "fetch", "urlAnalytics": true});
        assert_eq!(
            url("https://x.com/a?b=c", &fetch, &cfg, &NoSignatures).unwrap(),
            format!(
                "http://res.cloudinary.com/test123/image/fetch/https://x.com/a%3Fb%3Dc?_a={}",
                Analytics::integration('T').token()
            )
        );
        // Version 0.1.0 encodes as `ABk`, the browser tech version 0.0 as `AA`, unknown OS `ZAA`.
        assert_eq!(
            Analytics {
                sdk_semver: "0.1.0".into(),
                ..Analytics::integration('T')
            }
            .token(),
            "DBTABkAAZAA0"
        );
    }

    #[test]
    fn preloaded_paths_are_split() {
        assert_eq!(
            preloaded("image/upload/v123/a/b.jpg"),
            Some(("image", "upload", "123", "a/b.jpg"))
        );
        assert_eq!(preloaded("video/upload/v123/a"), None);
    }
}
