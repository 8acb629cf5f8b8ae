//! The System Console's helpers, for system admins: the configuration check and model listing.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{HttpError, HttpResult, JsonBody};
use crate::config::ServiceConfig;
use crate::llm::ErrorClass;
use crate::llm::models::{ModelInfo, list_models, supports_listing};

/// Every problem of the saved configuration, for the System Console: what cannot be decoded,
/// what is invalid (with its field path), what the license leaves out, and bots that failed.
pub async fn config_check(State(s): State<super::State>) -> axum::Json<Value> {
    let snap = s.answers.snapshot();
    let configured = snap.effective.bots.len();
    let active: Vec<&str> = snap.agents().map(|a| a.name.as_str()).collect();
    let inactive_by_license: Vec<&str> = snap
        .effective
        .bots()
        .skip(active.len())
        .map(|a| a.name.as_str())
        .collect();
    axum::Json(json!({
        "loadError": snap.load_error,
        "problems": snap.effective.problems,
        "agents": {"configured": configured, "active": active, "inactiveWithoutLicense": inactive_by_license},
        "license": snap.entitlements,
        "search": s.search.status().await,
        // What came over from upstream 2.x's tables, if an import was ever considered.
        "upstreamImport": crate::config::upstream::record(s.answers.api().as_ref()).await,
    }))
}

/// The console sends `orgID`; the config spells it `orgId`. Both are accepted.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FetchModels {
    #[serde(default)]
    service_type: String,
    #[serde(default)]
    api_key: String,
    #[serde(default, rename = "apiURL", alias = "apiUrl")]
    api_url: String,
    #[serde(default, rename = "orgID", alias = "orgId")]
    org_id: String,
    /// The service's custom headers: a gateway may need them to list models too.
    #[serde(default)]
    custom_headers: Vec<crate::config::CustomHeader>,
}

/// `POST /admin/models/fetch`: the models the given credentials can use, `[{id, displayName}]`.
pub async fn fetch_models(
    State(s): State<super::State>,
    JsonBody(req): JsonBody<FetchModels>,
) -> HttpResult<axum::Json<Vec<ModelInfo>>> {
    if !supports_listing(&req.service_type) {
        return Err(HttpError::bad_request(format!(
            "listing models is not supported for {:?}",
            req.service_type
        )));
    }
    if req.api_key.trim().is_empty() && req.service_type != crate::config::service_type::OPENAI_COMPATIBLE {
        return Err(HttpError::bad_request("an API key is required"));
    }
    let service = ServiceConfig {
        service_type: req.service_type,
        api_key: req.api_key,
        api_url: req.api_url,
        org_id: req.org_id,
        custom_headers: req.custom_headers,
        ..Default::default()
    };
    list_models(&s.answers.outbound, &service)
        .await
        .map(axum::Json)
        .map_err(|e| {
            tracing::warn!(class = ?e.class, "fetching models failed: {}", e.detail);
            let status = match e.class {
                ErrorClass::BadRequest => StatusCode::BAD_REQUEST,
                _ => StatusCode::BAD_GATEWAY,
            };
            // Admins see the provider's answer; it never holds the key (keys are not echoed).
            HttpError::with_body(status, json!({"error": e.user_message(), "detail": e.detail}))
        })
}
