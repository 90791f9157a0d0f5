//! SDK options → transformation string, exactly as the official SDKs' `generate_transformation_string`
//! (Node `lib/utils/index.js`, Python `cloudinary/utils.py`) build it: one component per level,
//! `if` first, then user variables, then the `key_value` parameters in sorted order, then
//! `raw_transformation`; base transformations first, components joined with `/`.
//!
//! Length: one file on purpose: the option table and the generator follow the SDKs' single
//! `generate_transformation_string` step by step, so that they can be read side by side with it;
//! the last 75 lines are tests.

use super::encode::{base64, cat, smart_escape, sub};
use super::error::UrlError;
use super::{OptionValue, Value};
use crate::core::text::{find_bytes, split_once_str};
use crate::json;
use alloc::{borrow::ToOwned, string::String, vec::Vec};

/// How a parameter's value is computed from its option.
#[derive(Clone, Copy)]
enum Kind {
    /// Copied through unchanged.
    Simple,
    /// Normalised as an expression (`width * 2` → `w_mul_2`).
    Expr,
    /// Computed by its own rule.
    Special(Sp),
}

#[derive(Clone, Copy)]
enum Sp {
    Angle,
    AspectRatio,
    Background,
    Border,
    Color,
    Dpr,
    Duration,
    Effect,
    EndOffset,
    FetchFormat,
    Flags,
    Function,
    Fps,
    Height,
    KeyframeInterval,
    Overlay,
    Radius,
    StartOffset,
    Named,
    Underlay,
    VideoCodec,
    Width,
}

/// The parameters in the order the SDKs' sort puts `key_value` strings in (keys never repeat
/// within a component, so sorting by key equals sorting the joined strings): no sort at run time.
/// Each with the option it is computed from (`""` for `t`, which the `transformation` names
/// feed: [`BIT_NAMED`]).
const PARAMS: [(&str, &str, Kind); 40] = [
    ("a", "angle", Kind::Special(Sp::Angle)),
    ("ac", "audio_codec", Kind::Simple),
    ("af", "audio_frequency", Kind::Simple),
    ("ar", "aspect_ratio", Kind::Special(Sp::AspectRatio)),
    ("b", "background", Kind::Special(Sp::Background)),
    ("bo", "border", Kind::Special(Sp::Border)),
    ("br", "bit_rate", Kind::Simple),
    ("c", "crop", Kind::Simple),
    ("co", "color", Kind::Special(Sp::Color)),
    ("cs", "color_space", Kind::Simple),
    ("d", "default_image", Kind::Simple),
    ("dl", "delay", Kind::Simple),
    ("dn", "density", Kind::Simple),
    ("dpr", "dpr", Kind::Special(Sp::Dpr)),
    ("du", "duration", Kind::Special(Sp::Duration)),
    ("e", "effect", Kind::Special(Sp::Effect)),
    ("eo", "end_offset", Kind::Special(Sp::EndOffset)),
    ("f", "fetch_format", Kind::Special(Sp::FetchFormat)),
    ("fl", "flags", Kind::Special(Sp::Flags)),
    ("fn", "custom_function", Kind::Special(Sp::Function)),
    ("fps", "fps", Kind::Special(Sp::Fps)),
    ("g", "gravity", Kind::Simple),
    ("h", "height", Kind::Special(Sp::Height)),
    (
        "ki",
        "keyframe_interval",
        Kind::Special(Sp::KeyframeInterval),
    ),
    ("l", "overlay", Kind::Special(Sp::Overlay)),
    ("o", "opacity", Kind::Expr),
    ("p", "prefix", Kind::Simple),
    ("pg", "page", Kind::Simple),
    ("q", "quality", Kind::Expr),
    ("r", "radius", Kind::Special(Sp::Radius)),
    ("so", "start_offset", Kind::Special(Sp::StartOffset)),
    ("sp", "streaming_profile", Kind::Simple),
    ("t", "", Kind::Special(Sp::Named)),
    ("u", "underlay", Kind::Special(Sp::Underlay)),
    ("vc", "video_codec", Kind::Special(Sp::VideoCodec)),
    ("vs", "video_sampling", Kind::Simple),
    ("w", "width", Kind::Special(Sp::Width)),
    ("x", "x", Kind::Expr),
    ("y", "y", Kind::Expr),
    ("z", "zoom", Kind::Expr),
];

/// Which [`PARAMS`] entries (bit = index) an option name feeds: one pass over the table per
/// option given, instead of one lookup per parameter. A table walk, not a `match` on 42 names,
/// which compiled to one string comparison call each (1.1 KB of wasm: scripts/size.sh).
fn param_bits(option: &str) -> u64 {
    let at = |key: &str| {
        PARAMS
            .iter()
            .position(|(k, _, _)| *k == key)
            .map_or(0, |i| 1 << i)
    };
    match option {
        "" => 0,
        "custom_pre_function" => at("fn"),
        "size" => at("h") | at("w"),
        "offset" => at("so") | at("eo"),
        _ => PARAMS
            .iter()
            .position(|(_, o, _)| *o == option)
            .map_or(0, |i| 1 << i),
    }
}

const BIT_DPR: u64 = 1 << 13;
const BIT_FETCH_FORMAT: u64 = 1 << 17;
const BIT_NAMED: u64 = 1 << 32;

/// The transformation string of SDK `options` (with `config` for `responsive_width`,
/// `responsive_width_transformation` and `dpr`).
pub fn transformation_string(options: &Value, config: &Value) -> Result<String, UrlError> {
    let mut out = String::new();
    generate(options, config, None, &mut out)?;
    Ok(out)
}

/// Appends `part` as a new `/`-separated component (empty parts are skipped).
fn push_component(out: &mut String, part: &str) {
    if part.is_empty() {
        return;
    }
    if !out.is_empty() {
        out.push('/');
    }
    out.push_str(part);
}

pub(crate) fn generate(
    options: &Value,
    config: &Value,
    fetch_format: Option<&Value>,
    out: &mut String,
) -> Result<(), UrlError> {
    match options {
        Value::Null => Ok(()),
        Value::String(s) => {
            push_component(out, s);
            Ok(())
        }
        Value::Array(items) => {
            for item in items {
                generate(item, config, None, out)?;
            }
            Ok(())
        }
        Value::Object(_) => generate_map(options, config, fetch_format, out),
        _ => Err(UrlError::option(
            "transformation",
            "expected an object, an array or a string",
        )),
    }
}

/// Scalar text of an option, erroring on arrays/objects.
fn scalar<'a>(o: &'a Value, name: &'static str) -> Result<Option<&'a str>, UrlError> {
    scalar_of(o, name, name)
}

/// Scalar text of `o`'s `key`, an error naming the option `which` on arrays/objects (a layer's
/// fields are errors of its `overlay`/`underlay`).
fn scalar_of<'a>(
    o: &'a Value,
    key: &str,
    which: &'static str,
) -> Result<Option<&'a str>, UrlError> {
    match o.opt(key) {
        None => Ok(None),
        Some(v) => text_of(v, which).map(Some),
    }
}

fn text_of<'a>(v: &'a Value, name: &'static str) -> Result<&'a str, UrlError> {
    v.as_text()
        .ok_or_else(|| UrlError::option(name, "expected a string or a number"))
}

/// `[a, b]` → iterator over items; a scalar → one item.
fn items(v: &Value) -> &[Value] {
    match v {
        Value::Array(l) => l,
        other => core::slice::from_ref(other),
    }
}

fn join_texts(
    v: &Value,
    name: &'static str,
    sep: char,
    normalize: bool,
) -> Result<String, UrlError> {
    let mut s = String::new();
    for (i, item) in items(v).iter().enumerate() {
        if i > 0 {
            s.push(sep);
        }
        let t = text_of(item, name)?;
        if normalize {
            normalize_expression_into(t, &mut s);
        } else {
            s.push_str(t);
        }
    }
    Ok(s)
}

fn replace_leading_hash(s: &str) -> String {
    match s.strip_prefix('#') {
        Some(rest) => cat(&["rgb:", rest]),
        None => s.to_owned(),
    }
}

#[allow(clippy::too_many_lines)]
fn generate_map(
    o: &Value,
    config: &Value,
    fetch_format: Option<&Value>,
    out: &mut String,
) -> Result<(), UrlError> {
    let responsive_width = o
        .opt("responsive_width")
        .or_else(|| config.opt("responsive_width"))
        .is_some_and(Value::truthy);

    let size_parts;
    let (width, height) = match scalar(o, "size")? {
        Some(size) if !size.is_empty() => {
            let mut it = size.splitn(2, 'x');
            size_parts = (it.next().map(str::to_owned), it.next().map(str::to_owned));
            (size_parts.0.as_deref(), size_parts.1.as_deref())
        }
        _ => (scalar(o, "width")?, scalar(o, "height")?),
    };

    // Base transformations first: objects recurse, strings become named ones.
    let mut named = String::new();
    if let Some(t) = o.opt("transformation") {
        let list = items(t);
        if list.iter().any(|v| matches!(v, Value::Object(_))) {
            for item in list {
                match item {
                    Value::Object(_) => generate_map(item, config, None, out)?,
                    other => {
                        let mut n = String::from("t_");
                        push_named(text_of(other, "transformation")?, &mut n)?;
                        push_component(out, &n);
                    }
                }
            }
        } else {
            for (i, item) in list.iter().enumerate() {
                if i > 0 {
                    named.push('.');
                }
                push_named(text_of(item, "transformation")?, &mut named)?;
            }
        }
    }

    let mut comp = String::new();
    let sep = |comp: &mut String| {
        if !comp.is_empty() {
            comp.push(',');
        }
    };

    if let Some(cond) = o.opt("if").filter(|v| v.truthy()) {
        comp.push_str("if_");
        normalize_expression_into(text_of(cond, "if")?, &mut comp);
    }

    // User variables: `$name` keys (sorted), then the `variables` list in its order.
    if let Value::Object(entries) = o {
        let mut vars: Vec<String> = Vec::new();
        for (k, v) in entries {
            if k.starts_with('$') && !v.is_null() {
                let mut s = cat(&[k, "_"]);
                normalize_expression_into(text_of(v, "variables")?, &mut s);
                vars.push(s);
            }
        }
        // Sorted by insertion: no sort routine in the wasm for a handful of variables.
        let mut sorted: Vec<String> = Vec::with_capacity(vars.len());
        for v in vars {
            let pos = sorted.partition_point(|x| *x <= v);
            sorted.insert(pos, v);
        }
        for v in sorted {
            sep(&mut comp);
            comp.push_str(&v);
        }
    }
    if let Some(list) = o.opt("variables") {
        for pair in items(list) {
            let (name, value) = match pair {
                Value::Array(p) if p.len() == 2 => {
                    (text_of(&p[0], "variables")?, text_of(&p[1], "variables")?)
                }
                _ => {
                    return Err(UrlError::option(
                        "variables",
                        "expected a list of [name, value] pairs",
                    ))
                }
            };
            sep(&mut comp);
            comp.push_str(name);
            comp.push('_');
            normalize_expression_into(value, &mut comp);
        }
    }

    let (mut start_offset, mut end_offset) = (None, None);
    if let Some(offset) = o.opt("offset") {
        match offset {
            Value::Array(l) if !l.is_empty() => {
                start_offset = Some(text_of(&l[0], "offset")?.to_owned());
                end_offset = Some(text_of(&l[l.len() - 1], "offset")?.to_owned());
            }
            Value::String(s) if is_range(s) => {
                let (a, b) = split_once_str(s, "..").unwrap_or((s, ""));
                start_offset = Some(a.to_owned());
                end_offset = Some(b.to_owned());
            }
            _ => {}
        }
    }

    let mut present = 0u64;
    if let Value::Object(entries) = o {
        for (k, v) in entries {
            if !v.is_null() {
                present |= param_bits(k);
            }
        }
    }
    if config.opt("dpr").is_some() {
        present |= BIT_DPR;
    }
    if fetch_format.is_some() {
        present |= BIT_FETCH_FORMAT;
    }
    if !named.is_empty() {
        present |= BIT_NAMED;
    }
    let mut value = String::new();
    for (i, (key, name, kind)) in PARAMS.into_iter().enumerate() {
        if present & (1 << i) == 0 {
            continue;
        }
        value.clear();
        let sp = match kind {
            Kind::Simple => {
                if let Some(t) = scalar(o, name)? {
                    value.push_str(t);
                }
                None
            }
            Kind::Expr => {
                normalize_opt(scalar(o, name)?, &mut value);
                None
            }
            Kind::Special(sp) => Some(sp),
        };
        match sp {
            None => {}
            Some(Sp::Width) => normalize_opt(width, &mut value),
            Some(Sp::Height) => normalize_opt(height, &mut value),
            Some(Sp::Angle) => {
                if let Some(v) = o.opt("angle") {
                    value = join_texts(v, "angle", '.', true)?;
                }
            }
            Some(Sp::AspectRatio) => {
                if let Some(t) = scalar(o, "aspect_ratio")? {
                    match fraction(t) {
                        Some((n, d)) => {
                            value.push_str(n);
                            value.push(':');
                            value.push_str(d);
                        }
                        None => normalize_expression_into(t, &mut value),
                    }
                }
            }
            Some(Sp::Background) => {
                if let Some(t) = scalar(o, "background")? {
                    value = replace_leading_hash(t);
                }
            }
            Some(Sp::Color) => {
                if let Some(t) = scalar(o, "color")? {
                    value = replace_leading_hash(t);
                }
            }
            Some(Sp::Border) => border(o.opt("border"), &mut value)?,
            Some(Sp::Dpr) => {
                let dpr = o.opt("dpr").or_else(|| config.opt("dpr"));
                if let Some(v) = dpr {
                    normalize_expression_into(text_of(v, "dpr")?, &mut value);
                }
            }
            Some(Sp::Duration) => range_value(scalar(o, "duration")?, false, &mut value),
            Some(Sp::StartOffset) => match &start_offset {
                Some(s) => range_value(Some(s), true, &mut value),
                None => range_value(scalar(o, "start_offset")?, true, &mut value),
            },
            Some(Sp::EndOffset) => match &end_offset {
                Some(s) => range_value(Some(s), false, &mut value),
                None => range_value(scalar(o, "end_offset")?, false, &mut value),
            },
            Some(Sp::Effect) => {
                if let Some(v) = o.opt("effect") {
                    let raw = match v {
                        Value::Array(_) => join_texts(v, "effect", ':', false)?,
                        Value::Object(_) => match v.first_entry() {
                            Some((k, v)) => cat(&[k, ":", text_of(v, "effect")?]),
                            None => String::new(),
                        },
                        other => text_of(other, "effect")?.to_owned(),
                    };
                    normalize_expression_into(&raw, &mut value);
                }
            }
            Some(Sp::FetchFormat) => {
                if let Some(v) = fetch_format.or_else(|| o.opt("fetch_format")) {
                    value.push_str(text_of(v, "fetch_format")?);
                }
            }
            Some(Sp::Flags) => {
                if let Some(v) = o.opt("flags") {
                    value = join_texts(v, "flags", '.', false)?;
                }
            }
            Some(Sp::Function) => {
                if let Some(v) = o.opt("custom_function").filter(|v| v.truthy()) {
                    custom_function(v, &mut value)?;
                } else if let Some(v) = o.opt("custom_pre_function").filter(|v| v.truthy()) {
                    value.push_str("pre:");
                    custom_function(v, &mut value)?;
                }
            }
            Some(Sp::Fps) => match o.opt("fps") {
                Some(v @ Value::Array(_)) => value = join_texts(v, "fps", '-', true)?,
                Some(v) => value.push_str(text_of(v, "fps")?),
                None => {}
            },
            Some(Sp::KeyframeInterval) => {
                keyframe_interval(o.opt("keyframe_interval"), &mut value)?
            }
            Some(Sp::Overlay) => {
                if let Some(v) = o.opt("overlay") {
                    layer(v, "overlay", &mut value)?;
                }
            }
            Some(Sp::Underlay) => {
                if let Some(v) = o.opt("underlay") {
                    layer(v, "underlay", &mut value)?;
                }
            }
            Some(Sp::Radius) => match o.opt("radius") {
                Some(v @ Value::Array(l)) => {
                    if l.is_empty() || l.len() > 4 {
                        return Err(UrlError::option("radius", "expected 1 to 4 values"));
                    }
                    value = join_texts(v, "radius", ':', true)?;
                }
                Some(v) => normalize_expression_into(text_of(v, "radius")?, &mut value),
                None => {}
            },
            Some(Sp::Named) => value.push_str(&named),
            Some(Sp::VideoCodec) => match o.opt("video_codec") {
                Some(Value::Object(_)) => {
                    let vc = o.opt("video_codec").unwrap_or(&Value::Null);
                    if let Some(codec) = vc.opt("codec") {
                        value.push_str(text_of(codec, "video_codec")?);
                        if let Some(profile) = vc.opt("profile") {
                            value.push(':');
                            value.push_str(text_of(profile, "video_codec")?);
                            if let Some(level) = vc.opt("level") {
                                value.push(':');
                                value.push_str(text_of(level, "video_codec")?);
                                if matches!(vc.opt("b_frames"), Some(Value::Bool(false))) {
                                    value.push_str(":bframes_no");
                                }
                            }
                        }
                    }
                }
                Some(v) => value.push_str(text_of(v, "video_codec")?),
                None => {}
            },
        }
        if !value.is_empty() {
            sep(&mut comp);
            comp.push_str(key);
            comp.push('_');
            comp.push_str(&value);
        }
    }

    if let Some(raw) = scalar(o, "raw_transformation")? {
        if !raw.is_empty() {
            sep(&mut comp);
            comp.push_str(raw);
        }
    }
    push_component(out, &comp);

    if responsive_width {
        let default_rw;
        let rw = match config.opt("responsive_width_transformation") {
            Some(v) => v,
            None => {
                default_rw = json!({"width": "auto", "crop": "limit"});
                &default_rw
            }
        };
        // The configured transformation itself must not recurse into responsive_width.
        let cfg = json!({});
        generate(rw, &cfg, None, out)?;
    }
    Ok(())
}

/// Named transformation names: spaces are escaped (`blip blop` → `blip%20blop`).
fn push_named(name: &str, out: &mut String) -> Result<(), UrlError> {
    for c in name.chars() {
        match c {
            ' ' => out.push_str("%20"),
            ',' | '/' => {
                return Err(UrlError::option(
                    "transformation",
                    "a named transformation must not contain ',' or '/'",
                ))
            }
            c => out.push(c),
        }
    }
    Ok(())
}

fn normalize_opt(v: Option<&str>, out: &mut String) {
    if let Some(t) = v {
        normalize_expression_into(t, out);
    }
}

/// `N/M` with integer N and M (a fraction, Python's `Fraction`) → `(N, M)`.
fn fraction(s: &str) -> Option<(&str, &str)> {
    let (n, d) = s.split_once('/')?;
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    (digits(n) && digits(d)).then_some((n, d))
}

fn border(v: Option<&Value>, out: &mut String) -> Result<(), UrlError> {
    match v {
        None => {}
        Some(b @ Value::Object(_)) => {
            let width = match b.opt("width") {
                Some(w) => text_of(w, "border")?,
                None => "2",
            };
            let color = match b.opt("color") {
                Some(c) => replace_leading_hash(text_of(c, "border")?),
                None => "black".to_owned(),
            };
            out.push_str(width);
            out.push_str("px_solid_");
            out.push_str(&color);
        }
        Some(other) => {
            let t = text_of(other, "border")?;
            // A bare number is an HTML border width in the Node SDK, not a transformation.
            if t.is_empty() || t.bytes().all(|b| b.is_ascii_digit()) {
                return Ok(());
            }
            out.push_str(t);
        }
    }
    Ok(())
}

/// Whether `s` is `<number>[%pP]..<number>[%pP]`.
fn is_range(s: &str) -> bool {
    match split_once_str(s, "..") {
        Some((a, b)) => range_number(a).is_some() && range_number(b).is_some(),
        None => false,
    }
}

/// `^(\d*\.\d+|\d+)([%pP])?$` → (number, has modifier).
fn range_number(s: &str) -> Option<(&str, bool)> {
    let (num, modifier) = match s.as_bytes().last()? {
        b'%' | b'p' | b'P' => (sub(s, 0, s.len() - 1), true),
        _ => (s, false),
    };
    let ok = match num.split_once('.') {
        Some((i, f)) => {
            i.bytes().all(|b| b.is_ascii_digit())
                && !f.is_empty()
                && f.bytes().all(|b| b.is_ascii_digit())
        }
        None => !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit()),
    };
    ok.then_some((num, modifier))
}

/// Offsets and durations: `35%` → `35p`; anything else passes through (normalised).
fn range_value(v: Option<&str>, allow_auto: bool, out: &mut String) {
    let Some(t) = v else { return };
    if allow_auto && t == "auto" {
        out.push_str(t);
        return;
    }
    match range_number(t) {
        Some((num, modifier)) => {
            out.push_str(num);
            if modifier {
                out.push('p');
            }
        }
        None => normalize_expression_into(t, out),
    }
}

fn keyframe_interval(v: Option<&Value>, out: &mut String) -> Result<(), UrlError> {
    match v {
        None => Ok(()),
        Some(Value::String(s)) => {
            out.push_str(s);
            Ok(())
        }
        Some(Value::Number(n)) => {
            let n = n.as_text();
            // Positive: no sign, and some non-zero digit before any exponent (no float parsing:
            // it would pull the float tables into the wasm).
            let mantissa = n.split(['e', 'E']).next().unwrap_or_default();
            let positive =
                !n.starts_with('-') && mantissa.bytes().any(|b| matches!(b, b'1'..=b'9'));
            if !positive {
                return Err(UrlError::option(
                    "keyframe_interval",
                    "should be greater than zero",
                ));
            }
            out.push_str(n);
            // A number is a float interval: `10` → `10.0`, as the Python SDK prints it.
            if !n.contains(['.', 'e', 'E']) {
                out.push_str(".0");
            }
            Ok(())
        }
        Some(_) => Err(UrlError::option(
            "keyframe_interval",
            "should be a number or a string",
        )),
    }
}

fn custom_function(v: &Value, out: &mut String) -> Result<(), UrlError> {
    match v {
        Value::Object(_) => {
            let kind = v.opt("function_type").and_then(Value::as_text);
            let source = v.opt("source").and_then(Value::as_text);
            let (Some(kind), Some(source)) = (kind, source) else {
                return Err(UrlError::option(
                    "custom_function",
                    "expected {function_type, source}",
                ));
            };
            out.push_str(kind);
            out.push(':');
            if kind == "remote" {
                base64(source.as_bytes(), true, out);
            } else {
                out.push_str(source);
            }
            Ok(())
        }
        other => {
            out.push_str(text_of(other, "custom_function")?);
            Ok(())
        }
    }
}

const TEXT_STYLE_KEYWORDS: [(&str, Option<&str>); 5] = [
    ("font_weight", Some("normal")),
    ("font_style", Some("normal")),
    ("text_decoration", Some("none")),
    ("text_align", None),
    ("stroke", Some("none")),
];

fn text_style(layer: &Value, which: &'static str) -> Result<Option<String>, UrlError> {
    if let Some(style) = layer.opt("text_style").and_then(Value::as_text) {
        if !style.trim().is_empty() {
            return Ok(Some(style.to_owned()));
        }
    }
    let family = scalar_of(layer, "font_family", which)?;
    let size = scalar_of(layer, "font_size", which)?;
    let mut keywords: Vec<String> = Vec::new();
    for (attr, default) in TEXT_STYLE_KEYWORDS {
        if let Some(t) = scalar_of(layer, attr, which)? {
            if Some(t) != default {
                keywords.push(t.to_owned());
            }
        }
    }
    for (attr, prefix) in [
        ("letter_spacing", "letter_spacing_"),
        ("line_spacing", "line_spacing_"),
        ("font_antialiasing", "antialias_"),
        ("font_hinting", "hinting_"),
    ] {
        if let Some(t) = scalar_of(layer, attr, which)? {
            keywords.push(cat(&[prefix, t]));
        }
    }
    if family.is_none() && size.is_none() && keywords.is_empty() {
        return Ok(None);
    }
    let family =
        family.ok_or_else(|| UrlError::option(which, "must supply font_family for text"))?;
    let size = size.ok_or_else(|| UrlError::option(which, "must supply font_size for text"))?;
    let mut s = cat(&[family, "_", size]);
    for k in keywords {
        s.push('_');
        s.push_str(&k);
    }
    Ok(Some(s))
}

/// Text layers: `,` and `/` are double-escaped, other unsafe bytes escaped, `$(var)` kept.
fn encode_layer_text(text: &str, out: &mut String) {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut start = 0;
    let flush = |part: &str, out: &mut String| {
        for c in part.split_inclusive([',', '/']) {
            let (body, tail) = match c.as_bytes().last() {
                Some(b',') | Some(b'/') => {
                    (sub(c, 0, c.len() - 1), Some(c.as_bytes()[c.len() - 1]))
                }
                _ => (c, None),
            };
            smart_escape(body, out);
            match tail {
                Some(b',') => out.push_str("%252C"),
                Some(_) => out.push_str("%252F"),
                None => {}
            }
        }
    };
    while i < bytes.len() {
        // `$(name)`: name starts with a letter followed by at least one word character.
        if bytes[i] == b'$'
            && bytes.get(i + 1) == Some(&b'(')
            && bytes.get(i + 2).is_some_and(u8::is_ascii_alphabetic)
        {
            let mut j = i + 3;
            while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                j += 1;
            }
            if j > i + 3 && bytes.get(j) == Some(&b')') {
                flush(sub(text, start, i), out);
                out.push_str(sub(text, i, j + 1));
                i = j + 1;
                start = i;
                continue;
            }
        }
        i += 1;
    }
    flush(sub(text, start, text.len()), out);
}

fn layer(v: &Value, which: &'static str, out: &mut String) -> Result<(), UrlError> {
    let owned;
    let v = match v {
        Value::String(s) => {
            let (resource_type, url) = if let Some(url) = s.strip_prefix("fetch:") {
                (None, url)
            } else if let Some(pos) =
                find_bytes(s.as_bytes().get(..12).unwrap_or(s.as_bytes()), b":fetch:")
            {
                (Some(sub(s, 0, pos)), sub(s, pos + 7, s.len()))
            } else {
                out.push_str(s);
                return Ok(());
            };
            let mut m = json!({"url": url, "type": "fetch"});
            if let Some(rt) = resource_type {
                m.set("resource_type", rt.into());
            }
            owned = m;
            &owned
        }
        Value::Object(_) => v,
        other => {
            out.push_str(text_of(other, which)?);
            return Ok(());
        }
    };
    let text = scalar_of(v, "text", which)?;
    let fetch_url = scalar_of(v, "url", which)?;
    let mut resource_type = scalar_of(v, "resource_type", which)?;
    let mut kind = scalar_of(v, "type", which)?;
    let format = scalar_of(v, "format", which)?;
    let mut public_id = scalar_of(v, "public_id", which)?.map(str::to_owned);
    if text.is_some() && resource_type.is_none() {
        resource_type = Some("text");
    }
    if fetch_url.is_some_and(|u| !u.is_empty()) && kind.is_none() {
        kind = Some("fetch");
    }
    if let (Some(p), Some(f)) = (&mut public_id, format) {
        p.push('.');
        p.push_str(f);
    }
    if public_id.is_none() && resource_type != Some("text") && kind != Some("fetch") {
        return Err(UrlError::option(
            which,
            "must supply public_id for a non-text layer",
        ));
    }
    let mut parts: Vec<String> = Vec::new();
    if let Some(rt) = resource_type.filter(|rt| *rt != "image") {
        parts.push(rt.to_owned());
    }
    if let Some(k) = kind.filter(|k| *k != "upload") {
        parts.push(k.to_owned());
    }
    if matches!(resource_type, Some("text") | Some("subtitles")) {
        if public_id.is_none() && text.is_none() {
            return Err(UrlError::option(
                which,
                "must supply either text or public_id",
            ));
        }
        if let Some(style) = text_style(v, which)? {
            parts.push(style);
        }
        if let Some(p) = &public_id {
            parts.push(p.replace('/', ":"));
        }
        if let Some(t) = text {
            let mut s = String::new();
            encode_layer_text(t, &mut s);
            parts.push(s);
        }
    } else if kind == Some("fetch") {
        let mut s = String::new();
        base64(fetch_url.unwrap_or_default().as_bytes(), true, &mut s);
        parts.push(s);
    } else if let Some(p) = &public_id {
        parts.push(p.replace('/', ":"));
    }
    out.push_str(&parts.join(":"));
    Ok(())
}

const OPERATORS: [(&str, &str); 13] = [
    ("||", "or"),
    (">=", "gte"),
    ("<=", "lte"),
    ("&&", "and"),
    ("!=", "ne"),
    (">", "gt"),
    ("=", "eq"),
    ("<", "lt"),
    ("/", "div"),
    ("-", "sub"),
    ("+", "add"),
    ("*", "mul"),
    ("^", "pow"),
];

const PREDEFINED_VARS: [(&str, &str); 29] = [
    ("aspect_ratio", "ar"),
    ("aspectRatio", "ar"),
    ("current_page", "cp"),
    ("currentPage", "cp"),
    ("face_count", "fc"),
    ("faceCount", "fc"),
    ("height", "h"),
    ("initial_aspect_ratio", "iar"),
    ("initialAspectRatio", "iar"),
    ("trimmed_aspect_ratio", "tar"),
    ("trimmedAspectRatio", "tar"),
    ("initial_height", "ih"),
    ("initialHeight", "ih"),
    ("initial_width", "iw"),
    ("initialWidth", "iw"),
    ("page_count", "pc"),
    ("pageCount", "pc"),
    ("page_x", "px"),
    ("pageX", "px"),
    ("page_y", "py"),
    ("pageY", "py"),
    ("tags", "tags"),
    ("width", "w"),
    ("duration", "du"),
    ("initial_duration", "idu"),
    ("initialDuration", "idu"),
    ("illustration_score", "ils"),
    ("illustrationScore", "ils"),
    ("context", "ctx"),
];

/// The SDKs' `normalize_expression`: operators followed by a space or `_` become their names
/// (`>=` → `gte`), predefined variable names their short forms (`width` → `w`) unless preceded
/// by `$` or `:`, `$variables` stay, and runs of spaces/underscores collapse to one `_`.
/// `!quoted strings!` are kept as they are.
pub fn normalize_expression_into(expr: &str, out: &mut String) {
    let b = expr.as_bytes();
    if b.len() >= 3 && b[0] == b'!' && b[b.len() - 1] == b'!' {
        out.push_str(expr);
        return;
    }
    let mut i = 0;
    let mut copied = 0;
    // Set when the last byte written was the `_` of a collapsed run of spaces/underscores.
    let mut in_run = false;
    let flush = |out: &mut String, from: usize, to: usize| out.push_str(sub(expr, from, to));
    while i < b.len() {
        let c = b[i];
        let replacement: Option<(&str, usize)> = match c {
            b' ' | b'_' => {
                flush(out, copied, i);
                if !in_run {
                    out.push('_');
                }
                in_run = true;
                i += 1;
                copied = i;
                continue;
            }
            b'|' | b'>' | b'<' | b'&' | b'!' | b'=' | b'/' | b'-' | b'+' | b'*' | b'^' => OPERATORS
                .iter()
                .find(|(op, _)| {
                    b[i..].starts_with(op.as_bytes())
                        && matches!(b.get(i + op.len()), Some(b' ') | Some(b'_'))
                })
                .map(|(op, name)| (*name, op.len())),
            b'$' => {
                let mut j = i + 1;
                while j < b.len() && b[j] == b'_' {
                    j += 1;
                }
                let start = j;
                while j < b.len() && b[j] != b'_' && b[j] != b' ' {
                    j += 1;
                }
                if j > start {
                    flush(out, copied, i);
                    out.push_str(sub(expr, i, j));
                    in_run = false;
                    i = j;
                    copied = j;
                    continue;
                }
                None
            }
            b'a' | b'c' | b'd' | b'f' | b'h' | b'i' | b'p' | b't' | b'w'
                if !(i > 0 && matches!(b[i - 1], b'$' | b':')) =>
            {
                PREDEFINED_VARS
                    .iter()
                    .find(|(var, _)| var.as_bytes()[0] == c && b[i..].starts_with(var.as_bytes()))
                    .map(|(var, short)| (*short, var.len()))
            }
            _ => None,
        };
        match replacement {
            Some((text, len)) => {
                flush(out, copied, i);
                out.push_str(text);
                in_run = false;
                i += len;
                copied = i;
            }
            None => {
                in_run = false;
                i += 1;
            }
        }
    }
    flush(out, copied, b.len());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        let mut out = String::new();
        normalize_expression_into(s, &mut out);
        out
    }

    #[test]
    fn expressions_normalise_like_the_sdks() {
        assert_eq!(norm("width * 2"), "w_mul_2");
        assert_eq!(
            norm("initial_width >= 100 && $foo_bar"),
            "iw_gte_100_and_$foo_bar"
        );
        assert_eq!(norm("$width"), "$width");
        assert_eq!(
            norm("auto:breakpoints_100_1900_20_15"),
            "auto:breakpoints_100_1900_20_15"
        );
        assert_eq!(norm("!a  b!"), "!a  b!");
        assert_eq!(norm("-24"), "-24");
        assert_eq!(norm("face_count > 2"), "fc_gt_2");
        assert_eq!(norm("_x  __ y_"), "_x_y_");
        assert_eq!(norm("$ab_cd"), "$ab_cd");
        assert_eq!(norm("sepia"), "sepia");
        assert_eq!(norm("a:width"), "a:width");
    }

    #[test]
    fn param_bits_match_the_param_table() {
        for (i, (key, name, _)) in PARAMS.into_iter().enumerate() {
            if !name.is_empty() {
                assert_eq!(param_bits(name), 1 << i, "{key} <- {name}");
            }
        }
        assert_eq!(param_bits(""), 0);
        assert_eq!(param_bits("transformation"), 0);
        assert_eq!(param_bits("no_such_option"), 0);
        let at = |key: &str| PARAMS.iter().position(|(k, _, _)| *k == key).unwrap();
        for (option, key) in [
            ("angle", "a"),
            ("aspect_ratio", "ar"),
            ("background", "b"),
            ("border", "bo"),
            ("color", "co"),
            ("dpr", "dpr"),
            ("duration", "du"),
            ("effect", "e"),
            ("end_offset", "eo"),
            ("fetch_format", "f"),
            ("flags", "fl"),
            ("custom_function", "fn"),
            ("custom_pre_function", "fn"),
            ("fps", "fps"),
            ("height", "h"),
            ("keyframe_interval", "ki"),
            ("overlay", "l"),
            ("radius", "r"),
            ("start_offset", "so"),
            ("underlay", "u"),
            ("video_codec", "vc"),
            ("width", "w"),
        ] {
            assert_eq!(param_bits(option), 1 << at(key), "{option}");
        }
        assert_eq!(param_bits("size"), (1 << at("h")) | (1 << at("w")));
        assert_eq!(param_bits("offset"), (1 << at("so")) | (1 << at("eo")));
        assert_eq!(BIT_NAMED, 1 << at("t"));
        assert_eq!(BIT_DPR, 1 << at("dpr"));
        assert_eq!(BIT_FETCH_FORMAT, 1 << at("f"));
    }

    #[test]
    fn layer_text_double_escapes_separators() {
        let mut s = String::new();
        encode_layer_text("a,b/c $(var) d%", &mut s);
        assert_eq!(s, "a%252Cb%252Fc%20$(var)%20d%25");
    }
}
