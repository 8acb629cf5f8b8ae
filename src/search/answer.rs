//! Answers from search results (retrieval-augmented): `POST /search` answers in the response,
//! `POST /search/run` asks in the caller's DM with the agent and streams the answer there.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;

use super::SearchService;
use super::store::Filter;
use super::{DEFAULT_RESULTS, RagResult, SearchError};
use crate::answer::delivery::{ActionError, Started, agent, dm_turn, result_post};
use crate::answer::prompts::SEARCH_ANSWER;
use crate::answer::props::{NO_REGEN, SEARCH_QUERY, SEARCH_RESULTS};
use crate::answer::{Turn, count, one_shot_request, stream_request};
use crate::i18n::Text;
use crate::llm;
use plugin_runtime::host::model::Post;

/// What the asker is told when no message they may read matches.
const NOTHING_FOUND: &str = "search.nothing_found";

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Query {
    pub query: String,
    pub team_id: String,
    pub channel_id: String,
    pub max_results: i64,
}

impl Query {
    fn filter(&self) -> Filter {
        let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        Filter {
            team_id: some(&self.team_id),
            channel_id: some(&self.channel_id),
        }
    }

    fn max(&self) -> usize {
        usize::try_from(self.max_results)
            .ok()
            .filter(|n| (1..=50).contains(n))
            .unwrap_or(DEFAULT_RESULTS)
    }
}

/// A search failure as the asker reads it. The embedding provider's message is English (it
/// comes from `LlmError::user_message`, also shown to admins); the rest is translated.
fn search_failure(e: SearchError) -> ActionError {
    match e {
        SearchError::Disabled => ActionError::BadRequest(Text::tr("search.disabled", &[])),
        SearchError::NotLicensed => ActionError::Forbidden(Text::tr("search.not_licensed", &[])),
        SearchError::Embedding(_) => ActionError::Failed(e.to_string().into()),
        SearchError::Config(_) | SearchError::Store(_) | SearchError::Unavailable(_) => {
            // The details (hosts, SQL) go to the admin's log only.
            tracing::error!(error = %e, "semantic search failed");
            ActionError::Failed(Text::tr("search.unavailable", &[]))
        }
    }
}

/// The agent's turn in the caller's DM and the results the caller may see.
async fn prepare(
    core: &Arc<SearchService>,
    user_id: &str,
    q: &Query,
    bot: Option<&str>,
) -> Result<(Arc<dyn plugin_runtime::host::MattermostApi>, Turn, Vec<RagResult>), ActionError> {
    if q.query.trim().is_empty() {
        return Err(ActionError::BadRequest(Text::tr("search.empty_query", &[])));
    }
    let search = core.engine.get(core).await.map_err(search_failure)?;
    let api = core.api();
    let snap = core.snapshot();
    let (bot, bot_id) = agent(&snap, bot)?;
    crate::agents::access::check_user(api.as_ref(), &bot, user_id)
        .await
        .map_err(ActionError::from)?;
    let turn = dm_turn(core, api.as_ref(), bot, bot_id, user_id).await?;
    let results = search
        .search(
            api.as_ref(),
            user_id,
            Some((&turn.bot, &turn.bot_user_id)),
            q.query.trim(),
            &q.filter(),
            q.max(),
        )
        .await
        .map_err(search_failure)?;
    Ok((api, turn, results))
}

fn request(
    core: &SearchService,
    turn: &Turn,
    query: &str,
    results: &[RagResult],
) -> Result<llm::Request, llm::LlmError> {
    let system = core
        .prompts
        .render(
            SEARCH_ANSWER,
            json!({
                "bot_name": turn.bot.display_name,
                "current_time": crate::answer::context::local_time(&turn.user),
                "custom_instructions": turn.bot.custom_instructions.trim(),
                "results": results,
            }),
        )
        .map_err(|e| llm::LlmError::new(llm::ErrorClass::BadRequest, e.to_string()))?;
    Ok(one_shot_request(turn, system, query.to_owned()))
}

/// `POST /search`: the answer and its results in the response.
pub async fn ask(
    core: &Arc<SearchService>,
    user_id: &str,
    q: &Query,
    bot: Option<&str>,
) -> Result<(String, Vec<RagResult>), ActionError> {
    let _slot = core
        .user_slots
        .try_take(user_id)
        .ok_or_else(|| ActionError::Busy(crate::answer::limits::busy()))?;
    let (_, turn, results) = prepare(core, user_id, q, bot).await?;
    let locale = turn.locale();
    if results.is_empty() {
        return Ok((locale.tr(NOTHING_FOUND, &[]), results));
    }
    let fail = |e: llm::LlmError| ActionError::Failed(e.user_message_in(&locale).into());
    let model = core.model(&turn).map_err(fail)?;
    let req = request(core, &turn, q.query.trim(), &results).map_err(fail)?;
    let (answer, _, usage, end) = crate::answer::collect(model.stream(&req).await.map_err(fail)?).await;
    count(core, &turn, usage, Some(&req), &answer, "search");
    end.map_err(fail)?;
    Ok((answer, results))
}

/// `POST /search/run`: the question is posted in the caller's DM with the agent as the caller,
/// and the answer streams into a reply carrying the results.
pub async fn run(
    core: &Arc<SearchService>,
    user_id: &str,
    q: &Query,
    bot: Option<&str>,
) -> Result<Started, ActionError> {
    if !core.user_slots.has_room(user_id) {
        return Err(ActionError::Busy(crate::answer::limits::busy()));
    }
    let (api, turn, results) = prepare(core, user_id, q, bot).await?;
    let mut question = Post {
        user_id: user_id.to_owned(),
        channel_id: turn.channel.id.clone(),
        message: q.query.trim().to_owned(),
        ..Default::default()
    };
    question.props.insert(SEARCH_QUERY.into(), json!("true"));
    let question = api
        .create_post(&question)
        .await
        .map_err(|e| ActionError::Failed(e.for_user("posting the question").into()))?;
    let listed = serde_json::to_string(&results).unwrap_or_else(|_| "[]".into());
    let mut reply = result_post(
        api.as_ref(),
        &turn,
        &question.id,
        &[(SEARCH_RESULTS, json!(listed)), (NO_REGEN, json!("true"))],
    )
    .await?;
    let started = Started::of(&question);
    if results.is_empty() {
        reply.message = turn.locale().tr(NOTHING_FOUND, &[]);
        if let Err(e) = api.update_post(&reply).await {
            tracing::warn!(error = %e, "could not save the search answer");
        }
        return Ok(started);
    }
    let core = core.clone();
    let query = q.query.trim().to_owned();
    tokio::spawn(async move {
        let built = async { Ok((core.model(&turn)?, request(&core, &turn, &query, &results)?)) };
        stream_request(&core, api, &turn, reply, built, "search").await;
    });
    Ok(started)
}
