//! A plugin that exercises the net/rpc API client against a real Go host.
//!
//! At OnActivate it reads the fixtures named by `MMAI_FIXTURES` (the same file the Go
//! conformance host answers from), calls each method through `MattermostApi` with the fixture's
//! arguments, and compares what came back with the fixture's returns: every value the fixture
//! states must be present and equal (zero values may be absent, as gob omits them). Any
//! mismatch fails activation with the full list, so the host can print it.

mod compare;

use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use plugin_runtime::host::model::*;
use plugin_runtime::host::*;
use serde_json::{Value, json};

struct Probe {
    api: OnceLock<Arc<dyn MattermostApi>>,
}

fn arg<T: serde::de::DeserializeOwned + Default>(args: &[Value], i: usize) -> T {
    args.get(i)
        .cloned()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

fn s(args: &[Value], i: usize) -> String {
    arg::<String>(args, i)
}

fn bytes(args: &[Value], i: usize) -> Vec<u8> {
    B64.decode(s(args, i)).unwrap_or_default()
}

fn err_json(e: &ApiError) -> Value {
    match e {
        ApiError::App(a) => json!(a.as_ref()),
        ApiError::Plain(m) => json!({"Code": 0, "Err": m}),
        other => json!({"transport_error": other.to_string()}),
    }
}

/// `(*T, *AppError)` as the fixture writes it.
fn pair<T: serde::Serialize>(r: ApiResult<T>) -> Value {
    match r {
        Ok(v) => json!([v, null]),
        Err(e) => json!([null, err_json(&e)]),
    }
}

/// A lone `*AppError` (or `error`) result.
fn only_err(r: ApiResult<()>) -> Value {
    match r {
        Ok(()) => json!([null]),
        Err(e) => json!([err_json(&e)]),
    }
}

fn b64_pair(r: ApiResult<Option<Vec<u8>>>) -> Value {
    match r {
        Ok(Some(b)) => json!([B64.encode(b), null]),
        Ok(None) => json!([null, null]),
        Err(e) => json!([null, err_json(&e)]),
    }
}

async fn call(api: &dyn MattermostApi, method: &str, a: &[Value]) -> Value {
    match method {
        "GetServerVersion" => json!([api.get_server_version().await.unwrap_or_default()]),
        "GetConfig" => json!([api.get_config().await.map(|c| c.0).unwrap_or(Value::Null)]),
        "GetUnsanitizedConfig" => json!([api
            .get_unsanitized_config()
            .await
            .map(|c| c.0)
            .unwrap_or(Value::Null)]),
        "GetLicense" => json!([api.get_license().await.ok().flatten()]),
        "GetPluginStatus" => pair(api.get_plugin_status(&s(a, 0)).await),
        "GetPluginConfig" => json!([api.get_plugin_config().await.ok()]),
        "SavePluginConfig" => only_err(api.save_plugin_config(arg(a, 0)).await),
        "GetUser" => pair(api.get_user(&s(a, 0)).await),
        "GetUserByUsername" => pair(api.get_user_by_username(&s(a, 0)).await),
        "GetUsersByIds" => pair(api.get_users_by_ids(&arg::<Vec<String>>(a, 0)).await),
        "GetUserStatus" => pair(api.get_user_status(&s(a, 0)).await),
        "GetProfileImage" => b64_pair(api.get_profile_image(&s(a, 0)).await.map(Some)),
        "SetProfileImage" => only_err(api.set_profile_image(&s(a, 0), &bytes(a, 1)).await),
        "GetTeam" => pair(api.get_team(&s(a, 0)).await),
        "GetTeamMember" => pair(api.get_team_member(&s(a, 0), &s(a, 1)).await),
        "GetTeamsForUser" => pair(api.get_teams_for_user(&s(a, 0)).await),
        "GetChannel" => pair(api.get_channel(&s(a, 0)).await),
        "GetChannelByName" => pair(api.get_channel_by_name(&s(a, 0), &s(a, 1), arg(a, 2)).await),
        "GetDirectChannel" => pair(api.get_direct_channel(&s(a, 0), &s(a, 1)).await),
        "GetChannelMember" => pair(api.get_channel_member(&s(a, 0), &s(a, 1)).await),
        "GetChannelMembers" => pair(api.get_channel_members(&s(a, 0), arg(a, 1), arg(a, 2)).await),
        "CreateChannel" => pair(api.create_channel(&arg(a, 0)).await),
        "GetGroupChannel" => pair(api.get_group_channel(&arg::<Vec<String>>(a, 0)).await),
        "AddUserToChannel" => pair(api.add_user_to_channel(&s(a, 0), &s(a, 1), &s(a, 2)).await),
        "GetChannelsForTeamForUser" => pair(
            api.get_channels_for_team_for_user(&s(a, 0), &s(a, 1), arg(a, 2))
                .await,
        ),
        "SearchPostsInTeamForUser" => pair(
            api.search_posts_in_team_for_user(&s(a, 0), &s(a, 1), &arg(a, 2))
                .await,
        ),
        "SearchUsers" => pair(api.search_users(&arg(a, 0)).await),
        "GetTeamByName" => pair(api.get_team_by_name(&s(a, 0)).await),
        "GetTeamMembers" => pair(api.get_team_members(&s(a, 0), arg(a, 1), arg(a, 2)).await),
        "CreatePost" => pair(api.create_post(&arg(a, 0)).await),
        "UpdatePost" => pair(api.update_post(&arg(a, 0)).await),
        "GetPost" => pair(api.get_post(&s(a, 0)).await),
        "DeletePost" => only_err(api.delete_post(&s(a, 0)).await),
        "GetPostThread" => pair(api.get_post_thread(&s(a, 0)).await),
        "GetPostsSince" => pair(api.get_posts_since(&s(a, 0), arg(a, 1)).await),
        "GetPostsForChannel" => pair(api.get_posts_for_channel(&s(a, 0), arg(a, 1), arg(a, 2)).await),
        "SendEphemeralPost" => json!([api.send_ephemeral_post(&s(a, 0), &arg(a, 1)).await.ok()]),
        "UpdateEphemeralPost" => json!([api.update_ephemeral_post(&s(a, 0), &arg(a, 1)).await.ok()]),
        "DeleteEphemeralPost" => {
            let _ = api.delete_ephemeral_post(&s(a, 0), &s(a, 1)).await;
            json!([])
        }
        "AddReaction" => pair(api.add_reaction(&arg(a, 0)).await),
        "PublishWebSocketEvent" => {
            let _ = api.publish_websocket_event(&s(a, 0), arg(a, 1), &arg(a, 2)).await;
            json!([])
        }
        "PublishPluginClusterEvent" => {
            only_err(api.publish_plugin_cluster_event(&arg(a, 0), &arg(a, 1)).await)
        }
        "KVSet" => only_err(api.kv_set(&s(a, 0), &bytes(a, 1)).await),
        "KVSetWithExpiry" => only_err(api.kv_set_with_expiry(&s(a, 0), &bytes(a, 1), arg(a, 2)).await),
        "KVSetWithOptions" => {
            let value = bytes(a, 1);
            match api.kv_set_with_options(&s(a, 0), Some(&value), &arg(a, 2)).await {
                Ok(b) => json!([b, null]),
                Err(e) => json!([false, err_json(&e)]),
            }
        }
        "KVGet" => b64_pair(api.kv_get(&s(a, 0)).await),
        "KVDelete" => only_err(api.kv_delete(&s(a, 0)).await),
        "KVList" => pair(api.kv_list(arg(a, 0), arg(a, 1)).await),
        "EnsureBotUser" => match api.ensure_bot_user(&arg(a, 0)).await {
            Ok(id) => json!([id, null]),
            Err(e) => json!(["", err_json(&e)]),
        },
        "CreateBot" => pair(api.create_bot(&arg(a, 0)).await),
        "PatchBot" => pair(api.patch_bot(&s(a, 0), &arg(a, 1)).await),
        "GetBot" => pair(api.get_bot(&s(a, 0), arg(a, 1)).await),
        "GetBots" => pair(api.get_bots(&arg(a, 0)).await),
        "UpdateBotActive" => pair(api.update_bot_active(&s(a, 0), arg(a, 1)).await),
        "HasPermissionTo" => json!([api
            .has_permission_to(&s(a, 0), &perm(a, 1))
            .await
            .unwrap_or(false)]),
        "HasPermissionToTeam" => json!([api
            .has_permission_to_team(&s(a, 0), &s(a, 1), &perm(a, 2))
            .await
            .unwrap_or(false)]),
        "HasPermissionToChannel" => {
            json!([api
                .has_permission_to_channel(&s(a, 0), &s(a, 1), &perm(a, 2))
                .await
                .unwrap_or(false)])
        }
        "GetFileInfo" => pair(api.get_file_info(&s(a, 0)).await),
        "GetFile" => b64_pair(api.get_file(&s(a, 0)).await.map(Some)),
        "UploadFile" => pair(api.upload_file(&bytes(a, 0), &s(a, 1), &s(a, 2)).await),
        "GetSession" => pair(api.get_session(&s(a, 0)).await),
        "CreateUserAccessToken" => pair(api.create_user_access_token(&arg(a, 0)).await),
        "RevokeUserAccessToken" => only_err(api.revoke_user_access_token(&s(a, 0)).await),
        "GetTelemetryId" => json!([api.get_telemetry_id().await.unwrap_or_default()]),
        "RegisterCommand" => only_err(api.register_command(&arg(a, 0)).await),
        "PluginHTTP" => {
            let r = &a.first().cloned().unwrap_or(Value::Null);
            let request = PluginHttpRequest {
                method: r["method"].as_str().unwrap_or("GET").to_owned(),
                url: r["url"].as_str().unwrap_or_default().to_owned(),
                headers: serde_json::from_value(r["header"].clone()).unwrap_or_default(),
                body: r["body"]
                    .as_str()
                    .and_then(|b| B64.decode(b).ok())
                    .unwrap_or_default(),
            };
            match api.plugin_http(request).await {
                Ok(resp) => {
                    json!([{"status_code": resp.status, "header": resp.headers, "body": B64.encode(resp.body)}])
                }
                Err(e) => json!([{"error": err_json(&e)}]),
            }
        }
        "LoadPluginConfiguration" => json!([api.load_plugin_configuration().await.unwrap_or(Value::Null)]),
        other => json!({"probe_error": format!("the probe does not know {other}")}),
    }
}

fn perm(a: &[Value], i: usize) -> String {
    a.get(i)
        .and_then(|p| p.get("id"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

#[async_trait]
impl Hooks for Probe {
    fn attach_api(&self, api: Arc<dyn MattermostApi>, _t: TransportKind) {
        let _ = self.api.set(api);
    }

    async fn on_activate(&self) -> Result<(), HookError> {
        let api = self
            .api
            .get()
            .cloned()
            .ok_or_else(|| HookError::Plain("no API".into()))?;
        let path = std::env::var("MMAI_FIXTURES")
            .map_err(|_| HookError::Plain("MMAI_FIXTURES is not set".into()))?;
        let text = std::fs::read_to_string(&path).map_err(|e| HookError::Plain(format!("{path}: {e}")))?;
        let fixtures: Vec<Value> =
            serde_json::from_str(&text).map_err(|e| HookError::Plain(format!("{path}: {e}")))?;
        let mut failures = Vec::new();
        for (i, f) in fixtures.iter().enumerate() {
            let method = f["method"].as_str().unwrap_or_default();
            let args = f["args"].as_array().cloned().unwrap_or_default();
            let actual = call(api.as_ref(), method, &args).await;
            if let Err(path) = compare::subset(&f["returns"], &actual, "returns") {
                failures.push(format!("#{i} {method}: {path}; got {actual}"));
            }
        }
        if failures.is_empty() {
            tracing::info!(count = fixtures.len(), "every fixture matched");
            Ok(())
        } else {
            Err(HookError::Plain(format!(
                "{} of {} fixtures differ:\n{}",
                failures.len(),
                fixtures.len(),
                failures.join("\n")
            )))
        }
    }

    async fn on_deactivate(&self) -> Result<(), HookError> {
        Ok(())
    }
    async fn on_configuration_change(&self) -> Result<(), HookError> {
        Ok(())
    }
    async fn message_has_been_posted(&self, _: HookContext, _: Post) {}
    async fn message_has_been_updated(&self, _: HookContext, _: Post, _: Post) {}
    async fn message_has_been_deleted(&self, _: HookContext, _: Post) {}
    async fn serve_http(&self, _: HookContext, _: HttpRequest) -> HttpResponse {
        HttpResponse::new(HttpBody::from("api-probe"))
    }
    async fn serve_metrics(&self, _: HookContext, _: HttpRequest) -> HttpResponse {
        HttpResponse::new(HttpBody::empty())
    }
    async fn execute_command(&self, _: HookContext, _: CommandArgs) -> Result<CommandResponse, AppError> {
        Ok(CommandResponse::default())
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    plugin_runtime::logging::init();
    let probe = Arc::new(Probe { api: OnceLock::new() });
    match plugin_runtime::transport::netrpc::serve(probe).await {
        Ok(_) => {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            std::process::ExitCode::SUCCESS
        }
        Err(_) => std::process::ExitCode::FAILURE,
    }
}
