//! Admin-only helpers for the System Console.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::{ApiFailure, UserId, require_admin};
use crate::config::ServiceConfig;
use crate::llm::models::{list_models, supports_listing};
use crate::plugin::Core;

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
}

/// `POST /admin/models/fetch`: the models the given credentials can use, `[{id, displayName}]`.
pub async fn fetch_models(
    State(core): State<Arc<Core>>,
    UserId(user): UserId,
    body: Result<axum::Json<FetchModels>, axum::extract::rejection::JsonRejection>,
) -> Response {
    if let Err(denied) = require_admin(&core, &user).await {
        return denied.into_response();
    }
    let Ok(axum::Json(req)) = body else {
        return ApiFailure(
            StatusCode::BAD_REQUEST,
            "expected JSON {serviceType, apiKey, apiURL, orgID}".into(),
        )
        .into_response();
    };
    if !supports_listing(&req.service_type) {
        return ApiFailure(
            StatusCode::BAD_REQUEST,
            format!("listing models is not supported for {:?}", req.service_type),
        )
        .into_response();
    }
    if req.api_key.trim().is_empty() && req.service_type != crate::config::service_type::OPENAI_COMPATIBLE {
        return ApiFailure(StatusCode::BAD_REQUEST, "an API key is required".into()).into_response();
    }
    let service = ServiceConfig {
        service_type: req.service_type,
        api_key: req.api_key,
        api_url: req.api_url,
        org_id: req.org_id,
        ..Default::default()
    };
    match list_models(&core.outbound, &service).await {
        Ok(models) => axum::Json(models).into_response(),
        Err(e) => {
            tracing::warn!(class = ?e.class, "fetching models failed: {}", e.detail);
            let status = match e.class {
                crate::llm::ErrorClass::BadRequest => StatusCode::BAD_REQUEST,
                _ => StatusCode::BAD_GATEWAY,
            };
            // Admins see the provider's answer; it never holds the key (keys are not echoed).
            (
                status,
                axum::Json(json!({"error": e.user_message(), "detail": e.detail})),
            )
                .into_response()
        }
    }
}
