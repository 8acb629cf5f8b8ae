//! Token usage for system admins: `GET /admin/usage?from=&to=` (sums per day, agent and model,
//! the top users and teams) and `GET /admin/usage/export.csv?from=&to=` (every row). Dates are
//! UTC days, `YYYY-MM-DD`; without them, the last 30 days. Usage tracking needs a license
//! that includes it (403 otherwise) and the server's PostgreSQL (503 while it is unreachable).

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::{HttpError, HttpResult};
use crate::usage::book::{BookError, today};
use crate::usage::report::{self, Names, Range, Report};
use plugin_runtime::host::MattermostApi;

#[derive(Debug, Deserialize)]
pub struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageAnswer {
    /// Whether usage is being recorded now (licensed, database reachable).
    recording: bool,
    #[serde(flatten)]
    report: Report,
}

fn checked(s: &super::State, q: &RangeQuery) -> Result<Range, HttpError> {
    if !s.answers.snapshot().entitlements.usage_tracking {
        return Err(HttpError::new(
            StatusCode::FORBIDDEN,
            "usage tracking needs an Entry, Enterprise or Enterprise Advanced license",
        ));
    }
    let today = today()
        .parse()
        .map_err(|_| HttpError::new(StatusCode::INTERNAL_SERVER_ERROR, "clock"))?;
    Range::parse(q.from.as_deref(), q.to.as_deref(), today).map_err(|e| HttpError::bad_request(e.to_string()))
}

fn unavailable(e: BookError) -> HttpError {
    // The database error stays in the log; the admin is told what to check.
    tracing::warn!(error = %e, "usage could not be read");
    HttpError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "token usage could not be read from the server's database; see the server log",
    )
}

fn names<'a>(s: &super::State, api: &'a dyn MattermostApi) -> Names<'a> {
    let snap = s.answers.snapshot();
    let agents = snap
        .effective
        .config
        .bots
        .iter()
        .filter_map(|b| {
            let id = snap.bot_ids.get(&b.name)?;
            let name = if b.display_name.is_empty() {
                &b.name
            } else {
                &b.display_name
            };
            Some((id.clone(), name.clone()))
        })
        .collect();
    Names { api, agents }
}

/// `GET /admin/usage`.
pub async fn usage(
    State(s): State<super::State>,
    Query(q): Query<RangeQuery>,
) -> HttpResult<axum::Json<UsageAnswer>> {
    let range = checked(&s, &q)?;
    // What is still in memory counts too.
    let _ = s.answers.book.flush().await;
    let report = report::report(&s.answers.book, &names(&s, s.answers.api().as_ref()), range)
        .await
        .map_err(unavailable)?;
    Ok(axum::Json(UsageAnswer {
        recording: s.answers.book.is_recording(),
        report,
    }))
}

/// `GET /admin/usage/export.csv`.
pub async fn export(State(s): State<super::State>, Query(q): Query<RangeQuery>) -> HttpResult<Response> {
    let range = checked(&s, &q)?;
    let _ = s.answers.book.flush().await;
    let body = report::csv(&s.answers.book, &names(&s, s.answers.api().as_ref()), range)
        .await
        .map_err(unavailable)?;
    let file = format!(
        "attachment; filename=\"ai-usage-{}-{}.csv\"",
        range.from, range.to
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, file),
        ],
        body,
    )
        .into_response())
}
