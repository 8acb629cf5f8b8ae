//! The simulated server as a browser sees it, for the webapp's end-to-end test and `make demo`:
//! a page and static files, the handful of `/api/v4` routes the webapp and the demo page call
//! (users, channels, posts), the websocket events as server-sent events (a test page has no
//! Mattermost websocket), and the plugin's routes exactly as [`crate::http_front`] serves them.
//!
//! The `/api/v4` routes hold the page to Mattermost's strict CSRF rule: a write made with the
//! session cookie must echo the `MMCSRF` cookie in `X-CSRF-Token`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::routing::{get, post, put};
use bytes::Bytes;
use plugin_runtime::host::model::{Channel, ChannelMember, Post, Reaction, Team, User, channel_type};
use serde_json::{Value, json};

use crate::{Data, SimState, Simulator, now_millis};

/// What the page is made of: `/` serves `index`, `/static/<name>` the named files.
pub struct Page {
    pub index: PathBuf,
    pub files: HashMap<String, PathBuf>,
    /// The session the page runs as (set as the `MMAUTHTOKEN` cookie with the page).
    pub token: String,
}

#[derive(Clone)]
struct Web {
    sim: Arc<SimState>,
    page: Arc<Page>,
    /// The session's CSRF token, given to the page as the `MMCSRF` cookie.
    csrf: Arc<str>,
}

type Failure = (StatusCode, Json<Value>);

fn failure(status: StatusCode, message: impl std::fmt::Display) -> Failure {
    (
        status,
        Json(json!({"message": message.to_string(), "status_code": status.as_u16()})),
    )
}

fn as_json(v: impl serde::Serialize) -> Result<Json<Value>, Failure> {
    serde_json::to_value(v)
        .map(Json)
        .map_err(|e| failure(StatusCode::INTERNAL_SERVER_ERROR, e))
}

/// Serves the page and the API on 127.0.0.1; returns the address.
pub async fn listen(
    sim: &Simulator,
    page: Page,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    serve(listener, sim, page, Router::new()).await
}

/// Serves the page and the API on `listener`, with `extra` routes of the caller's beside them
/// (the demo's status); returns the address.
pub async fn serve(
    listener: tokio::net::TcpListener,
    sim: &Simulator,
    page: Page,
    extra: Router,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let addr = listener.local_addr()?;
    let web = Web {
        sim: sim.state.clone(),
        page: Arc::new(page),
        csrf: crate::store::new_id().into(),
    };
    let plugin = crate::http_front::router(sim.state.clone(), sim.conn.clone(), false);
    let app = Router::new()
        .route("/", get(index))
        .route("/static/{*name}", get(file))
        .route("/api/v4/users/me", get(me))
        .route("/api/v4/users/me/teams", get(my_teams))
        .route("/api/v4/users/me/channels", get(my_channels))
        .route("/api/v4/users/me/channel_members", get(my_channel_members))
        .route("/api/v4/users/ids", post(users_by_ids))
        .route("/api/v4/users/{id}", get(user))
        .route("/api/v4/users/{id}/image", get(profile_image))
        .route("/api/v4/channels/direct", post(direct))
        .route("/api/v4/channels/{id}/posts", get(channel_posts))
        .route("/api/v4/posts", post(create_post))
        .route("/api/v4/posts/{id}", get(get_post))
        .route("/api/v4/posts/{id}/thread", get(thread))
        .route("/api/v4/posts/{id}/reactions", get(reactions))
        .route("/harness/plugin_config", put(save_config).get(saved_config))
        .route("/harness/bot_post", post(bot_post))
        .route("/harness/events", get(events))
        .with_state(web)
        .merge(extra)
        .fallback_service(plugin);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((addr, task))
}

async fn index(State(web): State<Web>) -> Response {
    match tokio::fs::read(&web.page.index).await {
        Ok(html) => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            AppendHeaders([
                (
                    header::SET_COOKIE,
                    format!("MMAUTHTOKEN={}; Path=/; HttpOnly", web.page.token),
                ),
                // Readable by the page, as Mattermost's is, so it can be echoed in a header.
                (header::SET_COOKIE, format!("MMCSRF={}; Path=/", web.csrf)),
            ]),
            html,
        )
            .into_response(),
        Err(e) => failure(StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
    }
}

async fn file(State(web): State<Web>, Path(name): Path<String>) -> Response {
    let Some(path) = web.page.files.get(&name) else {
        return failure(StatusCode::NOT_FOUND, format!("no file {name}")).into_response();
    };
    let kind = match name.rsplit('.').next() {
        Some("css") => "text/css",
        Some("woff2") => "font/woff2",
        _ => "text/javascript",
    };
    match tokio::fs::read(path).await {
        Ok(body) => ([(header::CONTENT_TYPE, kind)], body).into_response(),
        Err(e) => failure(StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
    }
}

/// A user's profile picture, as Mattermost serves it: the one set (by the plugin for its bots),
/// else a generated picture with the user's initial, as Mattermost draws one.
async fn profile_image(
    State(web): State<Web>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    caller(&web, &headers, false)?;
    let d = web.sim.data();
    let user = d
        .users
        .get(&id)
        .ok_or_else(|| failure(StatusCode::NOT_FOUND, "no such user"))?;
    if let Some(image) = d.profile_images.get(&id) {
        let kind = if image.starts_with(b"\x89PNG") {
            "image/png"
        } else if image.starts_with(b"<") {
            "image/svg+xml"
        } else {
            "application/octet-stream"
        };
        return Ok(([(header::CONTENT_TYPE, kind)], image.clone()).into_response());
    }
    let initial: String = user
        .username
        .chars()
        .find(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase().to_string())
        .unwrap_or_default();
    let svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128"><rect width="128" height="128" fill="#4f8a7c"/><text x="64" y="84" font-family="sans-serif" font-size="64" text-anchor="middle" fill="#ffffff">{initial}</text></svg>"##
    );
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

/// The user behind the request's cookie; writes must carry the session's CSRF token
/// (Mattermost with `ExperimentalStrictCSRFEnforcement`: `X-Requested-With` alone is not enough).
fn caller(web: &Web, headers: &HeaderMap, write: bool) -> Result<String, Failure> {
    let token = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("MMAUTHTOKEN=").map(str::to_owned));
    let csrf = !write
        || headers
            .get("X-CSRF-Token")
            .is_some_and(|v| v.as_bytes() == web.csrf.as_bytes());
    match token.and_then(|t| web.sim.session_for_token(&t)) {
        Some(s) if csrf => Ok(s.user_id),
        _ => Err(failure(StatusCode::UNAUTHORIZED, "not logged in")),
    }
}

async fn me(State(web): State<Web>, headers: HeaderMap) -> Result<Json<Value>, Failure> {
    let id = caller(&web, &headers, false)?;
    user(State(web), headers, Path(id)).await
}

async fn user(
    State(web): State<Web>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, Failure> {
    caller(&web, &headers, false)?;
    let d = web.sim.data();
    let u = d
        .users
        .get(&id)
        .ok_or_else(|| failure(StatusCode::NOT_FOUND, "no such user"))?;
    Ok(Json(user_json(u)))
}

/// A user as the REST API shows one to another user (no e-mail, no settings).
fn user_json(u: &User) -> Value {
    json!({"id": u.id, "username": u.username, "roles": u.roles, "is_bot": u.is_bot,
           "first_name": u.first_name, "last_name": u.last_name, "nickname": u.nickname,
           "position": u.position, "last_picture_update": u.last_picture_update})
}

/// `POST /api/v4/users/ids`: the users of these ids that exist.
async fn users_by_ids(
    State(web): State<Web>,
    headers: HeaderMap,
    Json(ids): Json<Vec<String>>,
) -> Result<Json<Value>, Failure> {
    caller(&web, &headers, true)?;
    let d = web.sim.data();
    let users: Vec<Value> = ids
        .iter()
        .filter_map(|id| d.users.get(id))
        .map(user_json)
        .collect();
    Ok(Json(Value::Array(users)))
}

/// The teams the caller belongs to.
async fn my_teams(State(web): State<Web>, headers: HeaderMap) -> Result<Json<Value>, Failure> {
    let me = caller(&web, &headers, false)?;
    let d = web.sim.data();
    let teams: Vec<&Team> = d
        .teams
        .values()
        .filter(|t| d.team_members.contains_key(&(t.id.clone(), me.clone())))
        .collect();
    as_json(teams)
}

/// The channels the caller is a member of, direct messages included, in every team.
async fn my_channels(State(web): State<Web>, headers: HeaderMap) -> Result<Json<Value>, Failure> {
    let me = caller(&web, &headers, false)?;
    let d = web.sim.data();
    let mut channels: Vec<&Channel> = d
        .channels
        .values()
        .filter(|c| c.delete_at == 0 && d.channel_members.contains_key(&(c.id.clone(), me.clone())))
        .collect();
    channels.sort_by(|a, b| a.display_name.cmp(&b.display_name).then(a.id.cmp(&b.id)));
    as_json(channels)
}

/// The caller's memberships, with when they last viewed each channel.
async fn my_channel_members(State(web): State<Web>, headers: HeaderMap) -> Result<Json<Value>, Failure> {
    let me = caller(&web, &headers, false)?;
    let d = web.sim.data();
    let members: Vec<&ChannelMember> = d.channel_members.values().filter(|m| m.user_id == me).collect();
    as_json(members)
}

/// Whether the caller may read the channel (they are a member).
fn reads(d: &Data, me: &str, channel_id: &str) -> Result<(), Failure> {
    if d.channel_members
        .contains_key(&(channel_id.to_owned(), me.to_owned()))
    {
        Ok(())
    } else {
        Err(failure(StatusCode::FORBIDDEN, "no access to the channel"))
    }
}

/// `{order, posts}` of a channel, newest first, as the REST API answers.
async fn channel_posts(
    State(web): State<Web>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, Failure> {
    let me = caller(&web, &headers, false)?;
    let d = web.sim.data();
    reads(&d, &me, &id)?;
    let mut posts: Vec<&Post> = d
        .posts
        .values()
        .filter(|p| p.channel_id == id && p.delete_at == 0)
        .collect();
    posts.sort_by_key(|p| std::cmp::Reverse(p.create_at));
    as_json(crate::store::post_list(posts))
}

async fn get_post(
    State(web): State<Web>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, Failure> {
    let me = caller(&web, &headers, false)?;
    let d = web.sim.data();
    let post = d
        .posts
        .get(&id)
        .filter(|p| p.delete_at == 0)
        .ok_or_else(|| failure(StatusCode::NOT_FOUND, "no such post"))?;
    reads(&d, &me, &post.channel_id)?;
    as_json(post)
}

async fn direct(
    State(web): State<Web>,
    headers: HeaderMap,
    Json(ids): Json<Vec<String>>,
) -> Result<Json<Value>, Failure> {
    let me = caller(&web, &headers, true)?;
    let [a, b] = ids.as_slice() else {
        return Err(failure(StatusCode::BAD_REQUEST, "two user ids expected"));
    };
    if *a != me && *b != me {
        return Err(failure(
            StatusCode::FORBIDDEN,
            "a direct channel must include the caller",
        ));
    }
    let channel = web
        .sim
        .data()
        .direct_channel(a, b)
        .map_err(|e| failure(StatusCode::BAD_REQUEST, e.message))?;
    as_json(channel)
}

async fn create_post(
    State(web): State<Web>,
    headers: HeaderMap,
    Json(mut post): Json<Post>,
) -> Result<Json<Value>, Failure> {
    let me = caller(&web, &headers, true)?;
    let member = web
        .sim
        .data()
        .channel_members
        .contains_key(&(post.channel_id.clone(), me.clone()));
    if !member {
        return Err(failure(StatusCode::FORBIDDEN, "not a member of the channel"));
    }
    post.user_id = me;
    // As the server: a user may create posts of plugin types (`custom_*`), with any props.
    if !post.post_type.starts_with("custom_") {
        post.post_type.clear();
    }
    let post = web
        .sim
        .data()
        .insert_post(post)
        .map_err(|e| failure(StatusCode::BAD_REQUEST, e.message))?;
    web.sim.fire_posted(post.clone());
    as_json(post)
}

/// The reactions to a post.
async fn reactions(
    State(web): State<Web>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, Failure> {
    let me = caller(&web, &headers, false)?;
    let d = web.sim.data();
    let post = d
        .posts
        .get(&id)
        .ok_or_else(|| failure(StatusCode::NOT_FOUND, "no such post"))?;
    reads(&d, &me, &post.channel_id)?;
    let list: Vec<&Reaction> = d
        .reactions
        .iter()
        .filter(|r| r.post_id == id && r.delete_at == 0)
        .collect();
    as_json(list)
}

/// `{order, posts}` for the thread of `id`, as the REST API answers.
async fn thread(
    State(web): State<Web>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, Failure> {
    let me = caller(&web, &headers, false)?;
    let d = web.sim.data();
    let post = d
        .posts
        .get(&id)
        .ok_or_else(|| failure(StatusCode::NOT_FOUND, "no such post"))?;
    if !d.channel_members.contains_key(&(post.channel_id.clone(), me)) {
        return Err(failure(StatusCode::FORBIDDEN, "no access to the channel"));
    }
    as_json(d.thread(&id))
}

/// A post by one of the bots, as a plugin writes them (type `custom_llmbot`, its own props), in
/// reply to `root_id`; for the test to show the renderer what a trusted answer may carry.
/// System admins only.
async fn bot_post(
    State(web): State<Web>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Json<Value>, Failure> {
    let me = caller(&web, &headers, true)?;
    let mut d = web.sim.data();
    let admin = d
        .users
        .get(&me)
        .is_some_and(|u| u.roles.split(' ').any(|r| r == "system_admin"));
    if !admin {
        return Err(failure(StatusCode::FORBIDDEN, "only system admins"));
    }
    let name = body["bot"].as_str().unwrap_or_default();
    let bot = d
        .users
        .values()
        .find(|u| u.is_bot && u.username == name)
        .map(|u| u.id.clone())
        .ok_or_else(|| failure(StatusCode::NOT_FOUND, "no such bot"))?;
    let root = d
        .posts
        .get(body["root_id"].as_str().unwrap_or_default())
        .cloned()
        .ok_or_else(|| failure(StatusCode::NOT_FOUND, "no such post"))?;
    let props = match &body["props"] {
        Value::Object(m) => m.clone(),
        _ => Default::default(),
    };
    let post = d
        .insert_post(Post {
            user_id: bot,
            channel_id: root.channel_id.clone(),
            root_id: if root.root_id.is_empty() {
                root.id
            } else {
                root.root_id
            },
            message: body["message"].as_str().unwrap_or_default().to_owned(),
            post_type: "custom_llmbot".into(),
            props,
            ..Default::default()
        })
        .map_err(|e| failure(StatusCode::BAD_REQUEST, e.message))?;
    as_json(post)
}

/// The plugin settings as saved, for the System Console to start from. System admins only.
async fn saved_config(State(web): State<Web>, headers: HeaderMap) -> Result<Json<Value>, Failure> {
    let me = caller(&web, &headers, false)?;
    let d = web.sim.data();
    let admin = d.users.get(&me).is_some_and(|u| u.is_system_admin());
    if !admin {
        return Err(failure(
            StatusCode::FORBIDDEN,
            "only system admins read plugin settings",
        ));
    }
    Ok(Json(Value::Object(d.plugin_config.clone())))
}

/// What System Console's Save does for plugin settings: store them and deliver
/// OnConfigurationChange, answering once the plugin has taken them.
async fn save_config(
    State(web): State<Web>,
    headers: HeaderMap,
    Json(settings): Json<Value>,
) -> Result<StatusCode, Failure> {
    let me = caller(&web, &headers, true)?;
    let admin = web
        .sim
        .data()
        .users
        .get(&me)
        .is_some_and(|u| u.roles.split(' ').any(|r| r == "system_admin"));
    if !admin {
        return Err(failure(
            StatusCode::FORBIDDEN,
            "only system admins save plugin settings",
        ));
    }
    let Value::Object(map) = settings else {
        return Err(failure(
            StatusCode::BAD_REQUEST,
            "plugin settings are a JSON object",
        ));
    };
    web.sim.data().plugin_config = map.into_iter().map(|(k, v)| (k.to_lowercase(), v)).collect();
    web.sim
        .deliver_config_change()
        .await
        .map_err(|e| failure(StatusCode::INTERNAL_SERVER_ERROR, e))?;
    Ok(StatusCode::OK)
}

/// The websocket events the caller would receive, as `text/event-stream`: the plugin's own
/// events and the server's `posted` / `post_edited` for posts in the caller's channels.
async fn events(State(web): State<Web>, headers: HeaderMap) -> Result<Response, Failure> {
    let me = caller(&web, &headers, false)?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(64);
    let sim = web.sim.clone();
    tokio::spawn(async move {
        let mut next_event = sim.data().ws_events.len();
        let mut next_reaction = sim.data().reactions.len();
        let mut known: HashMap<String, i64> = sim
            .data()
            .posts
            .values()
            .map(|p| (p.id.clone(), p.update_at))
            .collect();
        loop {
            let batch = collect(&sim, &me, (&mut next_event, &mut next_reaction), &mut known);
            for message in batch {
                if tx
                    .send(Ok(Bytes::from(format!("data: {message}\n\n"))))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(20)) => {}
                _ = tx.closed() => return,
            }
        }
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx)),
    )
        .into_response())
}

/// The events for `me` since the last call: `next` is where the plugin's events and the
/// reactions were read up to.
fn collect(
    sim: &SimState,
    me: &str,
    next: (&mut usize, &mut usize),
    known: &mut HashMap<String, i64>,
) -> Vec<Value> {
    let (next_event, next_reaction) = next;
    let d = sim.data();
    let mut out = Vec::new();
    // Reactions (the plugin's "react for me"), as the server's `reaction_added`.
    for r in d.reactions.iter().skip(*next_reaction) {
        if d.channel_members
            .contains_key(&(r.channel_id.clone(), me.to_owned()))
        {
            let text = serde_json::to_string(r).unwrap_or_default();
            out.push(json!({"event": "reaction_added", "data": {"reaction": text},
                            "broadcast": {"channel_id": r.channel_id, "user_id": ""}}));
        }
    }
    *next_reaction = d.reactions.len();
    for e in d.ws_events.iter().skip(*next_event) {
        let b = &e.broadcast;
        let to_me = (b.user_id.is_empty() || b.user_id == me)
            && (b.channel_id.is_empty()
                || d.channel_members
                    .contains_key(&(b.channel_id.clone(), me.to_owned())));
        if to_me {
            out.push(json!({"event": e.event, "data": e.payload, "broadcast": {"channel_id": b.channel_id, "user_id": b.user_id}}));
        }
    }
    *next_event = d.ws_events.len();
    let mut changed: Vec<&Post> = d
        .posts
        .values()
        .filter(|p| known.get(&p.id) != Some(&p.update_at))
        .collect();
    changed.sort_by_key(|p| p.update_at);
    for p in changed {
        let event = if known.contains_key(&p.id) {
            "post_edited"
        } else {
            "posted"
        };
        known.insert(p.id.clone(), p.update_at);
        if !d
            .channel_members
            .contains_key(&(p.channel_id.clone(), me.to_owned()))
        {
            continue;
        }
        let direct = d
            .channels
            .get(&p.channel_id)
            .is_some_and(|c| c.channel_type == channel_type::DIRECT);
        let text = serde_json::to_string(p).unwrap_or_default();
        out.push(json!({
            "event": event,
            "data": {"post": text, "channel_type": if direct { "D" } else { "O" }},
            "broadcast": {"channel_id": p.channel_id, "user_id": ""},
            "at": now_millis(),
        }));
    }
    out
}
