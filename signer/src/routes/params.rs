//! Parameters of the signing requests: names, counts, values, timestamps.

use super::prelude::*;

pub(crate) fn valid_param_name(k: &str) -> bool {
    !k.is_empty() && k.len() <= 64 && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

pub(crate) fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// [`to_param`] for a value the caller no longer needs: strings are moved, not copied.
pub(crate) fn into_param(field: &str, k: &str, v: Value) -> Result<Option<ParamValue>, ApiError> {
    match v {
        Value::String(s) => Ok(Some(ParamValue::Text(s))),
        other => to_param(field, k, &other),
    }
}

pub(crate) fn to_param(field: &str, k: &str, v: &Value) -> Result<Option<ParamValue>, ApiError> {
    let nested = || {
        ApiError::invalid(format!(
            "{field}.{k}: nested objects and arrays cannot be signed; send the value serialised as Cloudinary expects \
             (e.g. context as key=value|key2=value2)"
        ))
    };
    Ok(match v {
        Value::Null => None,
        Value::Array(items) => Some(ParamValue::List(
            items
                .iter()
                .map(|i| scalar_text(i).ok_or_else(nested))
                .collect::<Result<_, _>>()?,
        )),
        Value::Object(_) => return Err(nested()),
        scalar => Some(ParamValue::Text(scalar_text(scalar).expect("scalar"))),
    })
}

/// Refuses more than `server.max_params` parameters in `field`.
pub(crate) fn check_param_count(
    s: &Signer,
    field: &str,
    n: usize,
    verb: &str,
) -> Result<(), ApiError> {
    let max = s.0.cfg.server.max_params;
    if n <= max {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_many_params",
        format!("{field} has {n} parameters; at most {max} are {verb} in one request"),
    )
    .with_rule("server.max_params"))
}

/// Refuses a parameter name that is not ASCII letters, digits and `_`.
pub(crate) fn check_param_name(field: &str, name: &str) -> Result<(), ApiError> {
    if valid_param_name(name) {
        return Ok(());
    }
    Err(ApiError::invalid(format!(
        "{field}: {:?} is not a parameter name (ASCII letters, digits and `_`)",
        truncate(name, 64)
    )))
}

pub(crate) fn check_timestamp(s: &Signer, ts: u64) -> Result<(), ApiError> {
    let now = s.now();
    let srv = &s.0.cfg.server;
    if ts.saturating_add(srv.timestamp_max_age_secs) < now {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "stale_timestamp",
            format!(
                "timestamp {ts} is {} seconds old; this signer signs timestamps at most {} seconds old \
                 (Cloudinary honours a signature for one hour from its timestamp): omit it and the signer sets it",
                now - ts,
                srv.timestamp_max_age_secs
            ),
        )
        .with_rule("server.timestamp_max_age_secs"));
    }
    if ts > now.saturating_add(srv.timestamp_max_future_secs) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "future_timestamp",
            format!(
                "timestamp {ts} is {} seconds in the future (at most {} allowed); check the client's clock \
                 or omit it and the signer sets it",
                ts - now,
                srv.timestamp_max_future_secs
            ),
        )
        .with_rule("server.timestamp_max_future_secs"));
    }
    Ok(())
}

pub(crate) fn parse_timestamp(v: &Value) -> Result<u64, ApiError> {
    let bad =
        || ApiError::invalid("`timestamp` must be Unix seconds (an integer or a string of digits)");
    match v {
        // At most 12 digits, like the string form: no arithmetic on the timestamp can overflow.
        Value::Number(n) => n
            .as_u64()
            .filter(|t| *t < 1_000_000_000_000)
            .ok_or_else(bad),
        Value::String(s)
            if !s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit()) =>
        {
            s.parse().map_err(|_| bad())
        }
        _ => Err(bad()),
    }
}
