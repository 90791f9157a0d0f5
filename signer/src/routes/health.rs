//! `GET /v1/health`: liveness and version.

use super::prelude::*;

pub(crate) async fn health(State(s): State<Signer>) -> Json<Value> {
    Json(json!({
        "status": "ok",
        "service": "cld-signer",
        "version": VERSION,
        "plugin_version": cloudinary_connector::core::VERSION,
        "mode": if s.is_dev() { "development" } else { "production" },
    }))
}
