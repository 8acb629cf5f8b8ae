//! The simulated server's API behaviour, transport-neutral: `MattermostApi` implemented over
//! the in-memory store. The net/rpc and gRPC adapters only translate wire shapes to it, so both
//! transports see the same server.

use std::collections::HashMap;

use async_trait::async_trait;
use plugin_runtime::host::model::*;
use plugin_runtime::host::{
    ApiError, ApiResult, AppError, LogLevel, MattermostApi, PluginHttpRequest, PluginHttpResponse,
};
use serde_json::{Map, Value};

use crate::SimState;
use crate::store::{
    LogLine, WsEvent, app_error, bad_request, is_valid_channel_name, new_id, not_found, now_millis, post_list,
};

fn nf(what: &str, id: &str) -> ApiError {
    not_found(what, id).into()
}

fn page<T>(items: Vec<T>, page: i64, per_page: i64) -> Vec<T> {
    let per_page = if per_page <= 0 { 60 } else { per_page as usize };
    items
        .into_iter()
        .skip(page.max(0) as usize * per_page)
        .take(per_page)
        .collect()
}

/// The words of a text, lower-cased, as the search matches them.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '_' && c != '-')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether a search term matches one word: exactly, or by prefix when it ends with `*`.
fn term_matches(term: &str, word: &str) -> bool {
    match term.strip_suffix('*') {
        Some(prefix) => word.starts_with(prefix),
        None => word == term,
    }
}

/// Case-insensitive prefix match of a user search term on the fields Mattermost searches.
fn user_matches(u: &User, term: &str) -> bool {
    let term = term.trim().trim_start_matches('@').to_lowercase();
    term.is_empty()
        || [&u.username, &u.first_name, &u.last_name, &u.nickname, &u.email]
            .iter()
            .any(|f| f.to_lowercase().starts_with(&term))
        || format!("{} {}", u.first_name, u.last_name)
            .to_lowercase()
            .starts_with(&term)
}

#[async_trait]
impl MattermostApi for SimState {
    async fn get_server_version(&self) -> ApiResult<String> {
        Ok(self.data().server_version.clone())
    }

    async fn get_config(&self) -> ApiResult<ServerConfig> {
        let mut c = self.data().server_config.clone();
        // The sanitized form blanks secrets, as GetConfig does.
        if let Some(ds) = c.pointer_mut("/SqlSettings/DataSource") {
            *ds = Value::String("********************************".into());
        }
        Ok(ServerConfig(c))
    }

    async fn get_unsanitized_config(&self) -> ApiResult<ServerConfig> {
        Ok(ServerConfig(self.data().server_config.clone()))
    }

    async fn get_license(&self) -> ApiResult<Option<License>> {
        Ok(self.data().license.clone())
    }

    async fn get_telemetry_id(&self) -> ApiResult<String> {
        Ok(self.data().telemetry_id.clone())
    }

    async fn get_plugin_status(&self, plugin_id: &str) -> ApiResult<PluginStatus> {
        if self.data().other_plugins.contains_key(plugin_id) {
            return Ok(PluginStatus {
                plugin_id: plugin_id.to_owned(),
                state: 2,
                ..Default::default()
            });
        }
        if plugin_id != crate::manifest::plugin_id() {
            return Err(nf("plugin", plugin_id));
        }
        Ok(PluginStatus {
            plugin_id: plugin_id.to_owned(),
            state: 2,
            name: "Agents".into(),
            version: crate::manifest::plugin_version().into(),
            ..Default::default()
        })
    }

    async fn load_plugin_configuration(&self) -> ApiResult<Value> {
        // The server overlays saved values (keys lower-cased) on the manifest's defaults.
        let mut out = Map::new();
        out.insert("config".into(), Value::Null);
        for (k, v) in &self.data().plugin_config {
            out.insert(k.to_lowercase(), v.clone());
        }
        Ok(Value::Object(out))
    }

    async fn get_plugin_config(&self) -> ApiResult<Map<String, Value>> {
        Ok(self.data().plugin_config.clone())
    }

    async fn save_plugin_config(&self, config: Map<String, Value>) -> ApiResult<()> {
        self.data().plugin_config = config.into_iter().map(|(k, v)| (k.to_lowercase(), v)).collect();
        self.fire_config_change();
        Ok(())
    }

    async fn get_user(&self, user_id: &str) -> ApiResult<User> {
        self.data()
            .users
            .get(user_id)
            .cloned()
            .ok_or_else(|| nf("user", user_id))
    }

    async fn get_user_by_username(&self, username: &str) -> ApiResult<User> {
        let d = self.data();
        d.users
            .values()
            .find(|u| u.username == username)
            .cloned()
            .ok_or_else(|| nf("user", username))
    }

    async fn get_users_by_ids(&self, user_ids: &[String]) -> ApiResult<Vec<User>> {
        let d = self.data();
        Ok(user_ids
            .iter()
            .filter_map(|id| d.users.get(id).cloned())
            .collect())
    }

    async fn get_user_status(&self, user_id: &str) -> ApiResult<Status> {
        let d = self.data();
        if !d.users.contains_key(user_id) {
            return Err(nf("user", user_id));
        }
        Ok(d.statuses.get(user_id).cloned().unwrap_or(Status {
            user_id: user_id.to_owned(),
            status: "online".into(),
            ..Default::default()
        }))
    }

    async fn get_profile_image(&self, user_id: &str) -> ApiResult<Vec<u8>> {
        self.data()
            .profile_images
            .get(user_id)
            .cloned()
            .ok_or_else(|| nf("profile image", user_id))
    }

    async fn set_profile_image(&self, user_id: &str, data: &[u8]) -> ApiResult<()> {
        let mut d = self.data();
        if !d.users.contains_key(user_id) {
            return Err(nf("user", user_id));
        }
        d.profile_images.insert(user_id.to_owned(), data.to_vec());
        Ok(())
    }

    async fn search_users(&self, search: &UserSearch) -> ApiResult<Vec<User>> {
        let d = self.data();
        let in_team = |u: &str, t: &str| {
            d.team_members
                .get(&(t.to_owned(), u.to_owned()))
                .is_some_and(|m| m.delete_at == 0)
        };
        let in_channel = |u: &str, c: &str| d.channel_members.contains_key(&(c.to_owned(), u.to_owned()));
        let has_role = |u: &User, r: &str| u.roles.split_whitespace().any(|x| x == r);
        let mut users: Vec<User> = d
            .users
            .values()
            .filter(|u| search.allow_inactive || u.delete_at == 0)
            .filter(|u| user_matches(u, &search.term))
            .filter(|u| search.team_id.is_empty() || in_team(&u.id, &search.team_id))
            .filter(|u| search.not_in_team_id.is_empty() || !in_team(&u.id, &search.not_in_team_id))
            .filter(|u| search.in_channel_id.is_empty() || in_channel(&u.id, &search.in_channel_id))
            .filter(|u| search.not_in_channel_id.is_empty() || !in_channel(&u.id, &search.not_in_channel_id))
            .filter(|u| {
                !search.without_team
                    || !d
                        .team_members
                        .values()
                        .any(|m| m.user_id == u.id && m.delete_at == 0)
            })
            .filter(|u| search.role.is_empty() || has_role(u, &search.role))
            .filter(|u| search.roles.is_empty() || search.roles.iter().any(|r| has_role(u, r)))
            .cloned()
            .collect();
        users.sort_by(|x, y| x.username.cmp(&y.username));
        let limit = match search.limit {
            l if l <= 0 => 100,
            l => l.min(1000) as usize,
        };
        users.truncate(limit);
        Ok(users)
    }

    async fn get_team(&self, team_id: &str) -> ApiResult<Team> {
        self.data()
            .teams
            .get(team_id)
            .cloned()
            .ok_or_else(|| nf("team", team_id))
    }

    async fn get_team_member(&self, team_id: &str, user_id: &str) -> ApiResult<TeamMember> {
        let key = (team_id.to_owned(), user_id.to_owned());
        self.data()
            .team_members
            .get(&key)
            .cloned()
            .ok_or_else(|| nf("team member", user_id))
    }

    async fn get_teams_for_user(&self, user_id: &str) -> ApiResult<Vec<Team>> {
        let d = self.data();
        Ok(d.team_members
            .values()
            .filter(|m| m.user_id == user_id && m.delete_at == 0)
            .filter_map(|m| d.teams.get(&m.team_id).cloned())
            .collect())
    }

    async fn get_team_by_name(&self, name: &str) -> ApiResult<Team> {
        let d = self.data();
        d.teams.values().find(|t| t.name == name).cloned().ok_or_else(|| {
            app_error(
                "app.team.get_by_name.missing.app_error",
                format!("team {name:?} not found"),
                404,
            )
            .into()
        })
    }

    async fn get_team_members(&self, team_id: &str, p: i64, per_page: i64) -> ApiResult<Vec<TeamMember>> {
        let d = self.data();
        let mut members: Vec<TeamMember> = d
            .team_members
            .values()
            .filter(|m| m.team_id == team_id && m.delete_at == 0)
            .cloned()
            .collect();
        members.sort_by(|x, y| x.user_id.cmp(&y.user_id));
        Ok(page(members, p, per_page))
    }

    async fn get_channel(&self, channel_id: &str) -> ApiResult<Channel> {
        self.data()
            .channels
            .get(channel_id)
            .cloned()
            .ok_or_else(|| nf("channel", channel_id))
    }

    async fn get_channel_by_name(
        &self,
        team_id: &str,
        name: &str,
        include_deleted: bool,
    ) -> ApiResult<Channel> {
        let d = self.data();
        d.channels
            .values()
            .find(|c| c.team_id == team_id && c.name == name && (include_deleted || c.delete_at == 0))
            .cloned()
            .ok_or_else(|| nf("channel", name))
    }

    async fn get_direct_channel(&self, user_id_1: &str, user_id_2: &str) -> ApiResult<Channel> {
        self.data()
            .direct_channel(user_id_1, user_id_2)
            .map_err(Into::into)
    }

    async fn get_channel_member(&self, channel_id: &str, user_id: &str) -> ApiResult<ChannelMember> {
        let key = (channel_id.to_owned(), user_id.to_owned());
        self.data()
            .channel_members
            .get(&key)
            .cloned()
            .ok_or_else(|| nf("channel member", user_id))
    }

    async fn get_channel_members(
        &self,
        channel_id: &str,
        p: i64,
        per_page: i64,
    ) -> ApiResult<Vec<ChannelMember>> {
        let d = self.data();
        let mut members: Vec<ChannelMember> = d
            .channel_members
            .values()
            .filter(|m| m.channel_id == channel_id)
            .cloned()
            .collect();
        members.sort_by(|x, y| x.user_id.cmp(&y.user_id));
        Ok(page(members, p, per_page))
    }

    async fn create_channel(&self, channel: &Channel) -> ApiResult<Channel> {
        let mut d = self.data();
        if !channel.id.is_empty() {
            return Err(app_error(
                "store.sql_channel.save.existing.app_error",
                "Must call update for existing channel.",
                400,
            )
            .into());
        }
        if channel.channel_type != channel_type::OPEN && channel.channel_type != channel_type::PRIVATE {
            return Err(app_error("model.channel.is_valid.type.app_error", "Invalid type.", 400).into());
        }
        if !is_valid_channel_name(&channel.name) {
            return Err(app_error(
                "model.channel.is_valid.name.app_error",
                "Invalid channel name.",
                400,
            )
            .into());
        }
        if !d.teams.contains_key(&channel.team_id) {
            return Err(nf("team", &channel.team_id));
        }
        if d.channels
            .values()
            .any(|c| c.team_id == channel.team_id && c.name == channel.name)
        {
            return Err(app_error(
                "store.sql_channel.save_channel.exists.app_error",
                "A channel with that name already exists on the same team.",
                400,
            )
            .into());
        }
        let now = now_millis();
        let created = Channel {
            id: new_id(),
            create_at: now,
            update_at: now,
            delete_at: 0,
            last_post_at: 0,
            total_msg_count: 0,
            total_msg_count_root: 0,
            ..channel.clone()
        };
        // The plugin API creates without adding the creator (`addMember` false).
        d.channels.insert(created.id.clone(), created.clone());
        Ok(created)
    }

    async fn get_group_channel(&self, user_ids: &[String]) -> ApiResult<Channel> {
        self.data().group_channel(user_ids).map_err(Into::into)
    }

    async fn add_user_to_channel(
        &self,
        channel_id: &str,
        user_id: &str,
        _as_user_id: &str,
    ) -> ApiResult<ChannelMember> {
        let mut d = self.data();
        let channel = d
            .channels
            .get(channel_id)
            .cloned()
            .ok_or_else(|| nf("channel", channel_id))?;
        let user = d.users.get(user_id).cloned().ok_or_else(|| nf("user", user_id))?;
        let key = (channel_id.to_owned(), user_id.to_owned());
        if let Some(m) = d.channel_members.get(&key) {
            return Ok(m.clone());
        }
        if channel.channel_type != channel_type::OPEN && channel.channel_type != channel_type::PRIVATE {
            return Err(app_error(
                "api.channel.add_user_to_channel.type.app_error",
                "Can not add user to this channel type.",
                400,
            )
            .into());
        }
        if channel.delete_at != 0 {
            return Err(app_error(
                "api.channel.add_user_to_channel.deleted.app_error",
                "The channel has been archived or deleted.",
                400,
            )
            .into());
        }
        let team_member = d.team_members.get(&(channel.team_id.clone(), user_id.to_owned()));
        match team_member {
            None => {
                return Err(app_error(
                    "app.team.get_member.missing.app_error",
                    "No team member found for that user ID and team ID.",
                    404,
                )
                .into());
            }
            Some(m) if m.delete_at != 0 || user.delete_at != 0 => {
                return Err(app_error(
                    "api.channel.add_user.to.channel.failed.deleted.app_error",
                    "Failed to add user to channel because they have been removed from the team.",
                    400,
                )
                .into());
            }
            Some(_) => {}
        }
        let member = ChannelMember {
            channel_id: channel_id.to_owned(),
            user_id: user_id.to_owned(),
            roles: "channel_user".into(),
            scheme_user: true,
            last_update_at: now_millis(),
            ..Default::default()
        };
        d.channel_members.insert(key, member.clone());
        Ok(member)
    }

    async fn get_channels_for_team_for_user(
        &self,
        team_id: &str,
        user_id: &str,
        include_deleted: bool,
    ) -> ApiResult<Vec<Channel>> {
        let d = self.data();
        // As the store does: the team's channels and the user's direct and group channels
        // (which have no team), where the user is a member.
        let mut channels: Vec<Channel> = d
            .channels
            .values()
            .filter(|c| c.team_id == team_id || c.team_id.is_empty())
            .filter(|c| include_deleted || c.delete_at == 0)
            .filter(|c| {
                d.channel_members
                    .contains_key(&(c.id.clone(), user_id.to_owned()))
            })
            .cloned()
            .collect();
        if channels.is_empty() {
            return Err(app_error(
                "app.channel.get_channels.not_found.app_error",
                "No channels were found.",
                404,
            )
            .into());
        }
        channels.sort_by(|x, y| x.display_name.cmp(&y.display_name).then(x.id.cmp(&y.id)));
        Ok(channels)
    }

    async fn create_post(&self, post: &Post) -> ApiResult<Post> {
        let created = self.data().insert_post(post.clone())?;
        self.fire_posted(created.clone());
        Ok(created)
    }

    async fn update_post(&self, post: &Post) -> ApiResult<Post> {
        let mut d = self.data();
        let Some(existing) = d.posts.get_mut(&post.id) else {
            return Err(nf("post", &post.id));
        };
        // As the server does: a deleted post cannot be edited.
        if existing.delete_at != 0 {
            return Err(bad_request("Unable to find the existing post or comment to update.").into());
        }
        if post.message.chars().count() > 16383 {
            return Err(bad_request("message is longer than 16383 characters").into());
        }
        // The server keeps identity and placement, and takes the editable fields.
        existing.message = post.message.clone();
        existing.props = post.props.clone();
        existing.file_ids = post.file_ids.clone();
        existing.is_pinned = post.is_pinned;
        existing.post_type = post.post_type.clone();
        existing.update_at = now_millis();
        Ok(existing.clone())
    }

    async fn get_post(&self, post_id: &str) -> ApiResult<Post> {
        let d = self.data();
        d.posts
            .get(post_id)
            .filter(|p| p.delete_at == 0)
            .cloned()
            .ok_or_else(|| nf("post", post_id))
    }

    async fn delete_post(&self, post_id: &str) -> ApiResult<()> {
        let mut d = self.data();
        let p = d.posts.get_mut(post_id).ok_or_else(|| nf("post", post_id))?;
        p.delete_at = now_millis();
        Ok(())
    }

    async fn get_post_thread(&self, post_id: &str) -> ApiResult<PostList> {
        self.data().thread(post_id).ok_or_else(|| nf("post", post_id))
    }

    async fn get_posts_since(&self, channel_id: &str, since_millis: i64) -> ApiResult<PostList> {
        let d = self.data();
        let mut posts: Vec<&Post> = d
            .posts
            .values()
            .filter(|p| p.channel_id == channel_id && p.update_at > since_millis)
            .collect();
        posts.sort_by_key(|p| std::cmp::Reverse(p.create_at));
        Ok(post_list(posts))
    }

    async fn get_posts_for_channel(&self, channel_id: &str, p: i64, per_page: i64) -> ApiResult<PostList> {
        let d = self.data();
        let mut posts: Vec<&Post> = d
            .posts
            .values()
            .filter(|x| x.channel_id == channel_id && x.delete_at == 0)
            .collect();
        posts.sort_by_key(|x| std::cmp::Reverse(x.create_at));
        Ok(post_list(page(posts, p, per_page)))
    }

    async fn send_ephemeral_post(&self, user_id: &str, post: &Post) -> ApiResult<Post> {
        let mut post = post.clone();
        post.id = new_id();
        post.create_at = now_millis();
        post.post_type = "system_ephemeral".into();
        self.data().ephemeral.push((user_id.to_owned(), post.clone()));
        Ok(post)
    }

    async fn update_ephemeral_post(&self, user_id: &str, post: &Post) -> ApiResult<Post> {
        let mut d = self.data();
        if let Some(slot) = d
            .ephemeral
            .iter_mut()
            .find(|(u, p)| u == user_id && p.id == post.id)
        {
            slot.1 = post.clone();
        }
        Ok(post.clone())
    }

    async fn delete_ephemeral_post(&self, user_id: &str, post_id: &str) -> ApiResult<()> {
        self.data()
            .ephemeral
            .retain(|(u, p)| !(u == user_id && p.id == post_id));
        Ok(())
    }

    async fn add_reaction(&self, reaction: &Reaction) -> ApiResult<Reaction> {
        let mut r = reaction.clone();
        let mut d = self.data();
        let post = d
            .posts
            .get_mut(&r.post_id)
            .ok_or_else(|| nf("post", &reaction.post_id))?;
        post.has_reactions = true;
        r.channel_id = post.channel_id.clone();
        r.create_at = now_millis();
        d.reactions.push(r.clone());
        Ok(r)
    }

    async fn search_posts_in_team_for_user(
        &self,
        team_id: &str,
        user_id: &str,
        params: &SearchParameter,
    ) -> ApiResult<PostSearchResults> {
        let d = self.data();
        let terms: Vec<String> = params
            .terms
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .map(|t| {
                let star = t.ends_with('*');
                let w = words(t).concat();
                if star { format!("{w}*") } else { w }
            })
            .filter(|t| !t.is_empty() && t != "*")
            .collect();
        let mut results = PostSearchResults::default();
        if terms.is_empty() {
            return Ok(results);
        }
        let is_or = params.is_or_search.unwrap_or(false);
        let include_deleted = params.include_deleted_channels.unwrap_or(false);
        let readable = |channel_id: &str| {
            d.channels.get(channel_id).is_some_and(|c| {
                (c.team_id == team_id || c.team_id.is_empty())
                    && (include_deleted || c.delete_at == 0)
                    && d.channel_members
                        .contains_key(&(c.id.clone(), user_id.to_owned()))
            })
        };
        let mut hits: Vec<(&Post, Vec<String>)> = d
            .posts
            .values()
            .filter(|p| p.delete_at == 0 && !p.post_type.starts_with("system_") && readable(&p.channel_id))
            .filter_map(|p| {
                let ws = words(&p.message);
                let found: Vec<bool> = terms
                    .iter()
                    .map(|t| ws.iter().any(|w| term_matches(t, w)))
                    .collect();
                let hit = if is_or {
                    found.iter().any(|f| *f)
                } else {
                    found.iter().all(|f| *f)
                };
                let matched: Vec<String> = ws
                    .iter()
                    .filter(|w| terms.iter().any(|t| term_matches(t, w)))
                    .cloned()
                    .collect();
                hit.then_some((p, matched))
            })
            .collect();
        hits.sort_by_key(|(p, _)| std::cmp::Reverse(p.create_at));
        let per_page = params.per_page.filter(|n| *n > 0).unwrap_or(100);
        for (p, matched) in page(hits, params.page.unwrap_or(0), per_page) {
            results.order.push(p.id.clone());
            results.posts.insert(p.id.clone(), p.clone());
            results.matches.insert(p.id.clone(), matched);
        }
        Ok(results)
    }

    async fn publish_websocket_event(
        &self,
        event: &str,
        payload: Map<String, Value>,
        broadcast: &WebsocketBroadcast,
    ) -> ApiResult<()> {
        // The server namespaces plugin events: clients receive `custom_<plugin id>_<event>`.
        self.data().ws_events.push(WsEvent {
            event: format!("custom_{}_{event}", crate::manifest::plugin_id()),
            payload,
            broadcast: broadcast.clone(),
            at: std::time::Instant::now(),
        });
        Ok(())
    }

    async fn publish_plugin_cluster_event(
        &self,
        event: &PluginClusterEvent,
        options: &PluginClusterEventSendOptions,
    ) -> ApiResult<()> {
        self.publish_cluster_event(event, options)
    }

    async fn kv_set(&self, key: &str, value: &[u8]) -> ApiResult<()> {
        self.data().kv_put(key, value.to_vec(), 0);
        Ok(())
    }

    async fn kv_set_with_expiry(&self, key: &str, value: &[u8], expire_in_seconds: i64) -> ApiResult<()> {
        self.data().kv_put(key, value.to_vec(), expire_in_seconds);
        Ok(())
    }

    async fn kv_set_with_options(
        &self,
        key: &str,
        value: Option<&[u8]>,
        options: &KvSetOptions,
    ) -> ApiResult<bool> {
        let mut d = self.data();
        if options.atomic {
            let current = d.kv_live(key).map(|e| e.value.clone());
            if current != options.old_value {
                return Ok(false);
            }
        }
        // As the server does: no value means delete (compare-and-delete when atomic).
        match value {
            Some(v) => d.kv_put(key, v.to_vec(), options.expire_in_seconds),
            None => {
                d.kv.remove(key);
            }
        }
        Ok(true)
    }

    async fn kv_get(&self, key: &str) -> ApiResult<Option<Vec<u8>>> {
        Ok(self.data().kv_live(key).map(|e| e.value.clone()))
    }

    async fn kv_delete(&self, key: &str) -> ApiResult<()> {
        self.data().kv.remove(key);
        Ok(())
    }

    async fn kv_list(&self, p: i64, per_page: i64) -> ApiResult<Vec<String>> {
        let mut d = self.data();
        let keys: Vec<String> = d.kv.keys().cloned().collect();
        let mut live: Vec<String> = keys.into_iter().filter(|k| d.kv_live(k).is_some()).collect();
        live.sort();
        Ok(page(live, p, per_page))
    }

    async fn ensure_bot_user(&self, bot: &Bot) -> ApiResult<String> {
        Ok(self.insert_bot(bot.clone(), true)?.user_id)
    }

    async fn create_bot(&self, bot: &Bot) -> ApiResult<Bot> {
        self.insert_bot(bot.clone(), false).map_err(Into::into)
    }

    async fn patch_bot(&self, bot_user_id: &str, patch: &BotPatch) -> ApiResult<Bot> {
        let mut d = self.data();
        let bot = d
            .bots
            .get_mut(bot_user_id)
            .ok_or_else(|| nf("bot", bot_user_id))?;
        if let Some(v) = &patch.username {
            bot.username = v.clone();
        }
        if let Some(v) = &patch.display_name {
            bot.display_name = v.clone();
        }
        if let Some(v) = &patch.description {
            bot.description = v.clone();
        }
        bot.update_at = now_millis();
        let bot = bot.clone();
        if let Some(u) = d.users.get_mut(bot_user_id) {
            u.username = bot.username.clone();
            u.first_name = bot.display_name.clone();
            u.bot_description = bot.description.clone();
        }
        Ok(bot)
    }

    async fn get_bot(&self, bot_user_id: &str, include_deleted: bool) -> ApiResult<Bot> {
        let d = self.data();
        d.bots
            .get(bot_user_id)
            .filter(|b| include_deleted || b.delete_at == 0)
            .cloned()
            .ok_or_else(|| nf("bot", bot_user_id))
    }

    async fn get_bots(&self, o: &BotGetOptions) -> ApiResult<Vec<Bot>> {
        let d = self.data();
        let mut bots: Vec<Bot> = d
            .bots
            .values()
            .filter(|b| {
                (o.owner_id.is_empty() || b.owner_id == o.owner_id) && (o.include_deleted || b.delete_at == 0)
            })
            .cloned()
            .collect();
        bots.sort_by(|x, y| x.username.cmp(&y.username));
        Ok(page(bots, o.page, o.per_page))
    }

    async fn update_bot_active(&self, bot_user_id: &str, active: bool) -> ApiResult<Bot> {
        let mut d = self.data();
        let bot = d
            .bots
            .get_mut(bot_user_id)
            .ok_or_else(|| nf("bot", bot_user_id))?;
        bot.delete_at = if active { 0 } else { now_millis() };
        let bot = bot.clone();
        if let Some(u) = d.users.get_mut(bot_user_id) {
            u.delete_at = bot.delete_at;
        }
        Ok(bot)
    }

    async fn has_permission_to(&self, user_id: &str, permission: &str) -> ApiResult<bool> {
        Ok(self.data().has_permission(user_id, "", permission))
    }

    async fn has_permission_to_team(
        &self,
        user_id: &str,
        team_id: &str,
        permission: &str,
    ) -> ApiResult<bool> {
        let d = self.data();
        Ok(d.team_member_has(user_id, team_id, permission) || d.has_permission(user_id, team_id, permission))
    }

    async fn has_permission_to_channel(
        &self,
        user_id: &str,
        channel_id: &str,
        permission: &str,
    ) -> ApiResult<bool> {
        let d = self.data();
        // Channel members can read and post in their channel, as Mattermost's default roles allow.
        Ok(d.channel_member_has(user_id, channel_id, permission)
            || d.has_permission(user_id, channel_id, permission))
    }

    async fn get_file_info(&self, file_id: &str) -> ApiResult<FileInfo> {
        self.data()
            .files
            .get(file_id)
            .map(|f| f.0.clone())
            .ok_or_else(|| nf("file", file_id))
    }

    async fn get_file(&self, file_id: &str) -> ApiResult<Vec<u8>> {
        self.data()
            .files
            .get(file_id)
            .map(|f| f.1.clone())
            .ok_or_else(|| nf("file", file_id))
    }

    async fn upload_file(&self, data: &[u8], channel_id: &str, filename: &str) -> ApiResult<FileInfo> {
        self.add_file(channel_id, filename, data.to_vec())
            .map_err(Into::into)
    }

    async fn get_session(&self, session_id: &str) -> ApiResult<Session> {
        self.data()
            .sessions
            .get(session_id)
            .cloned()
            .ok_or_else(|| nf("session", session_id))
    }

    async fn create_user_access_token(&self, token: &UserAccessToken) -> ApiResult<UserAccessToken> {
        let mut t = token.clone();
        let mut d = self.data();
        if !d.users.contains_key(&t.user_id) {
            return Err(nf("user", &t.user_id));
        }
        t.id = new_id();
        t.token = new_id();
        t.is_active = true;
        d.tokens.insert(t.id.clone(), t.clone());
        Ok(t)
    }

    async fn revoke_user_access_token(&self, token_id: &str) -> ApiResult<()> {
        self.data()
            .tokens
            .remove(token_id)
            .map(|_| ())
            .ok_or_else(|| nf("token", token_id))
    }

    async fn register_command(&self, command: &Command) -> ApiResult<()> {
        if command.trigger.trim().is_empty() {
            return Err(ApiError::Plain("invalid command".into()));
        }
        // Registering a trigger again replaces the command, as on the server.
        let mut d = self.data();
        d.commands
            .retain(|c| !(c.trigger == command.trigger && c.team_id == command.team_id));
        d.commands.push(command.clone());
        Ok(())
    }

    async fn plugin_http(&self, request: PluginHttpRequest) -> ApiResult<PluginHttpResponse> {
        let d = self.data();
        let answer = request
            .url
            .strip_prefix('/')
            .and_then(|rest| rest.split_once('/'))
            .and_then(|(plugin, _)| d.other_plugins.get(plugin))
            .and_then(|routes| routes.get(&request.url));
        if let Some((status, body)) = answer {
            return Ok(PluginHttpResponse {
                status: *status,
                headers: HashMap::new(),
                body: body.clone(),
            });
        }
        // The server answers as it does for an unknown plugin or route.
        Ok(PluginHttpResponse {
            status: 404,
            headers: HashMap::new(),
            body: b"404 page not found\n".to_vec(),
        })
    }

    async fn log(&self, level: LogLevel, message: &str, fields: &[(&str, Value)]) -> ApiResult<()> {
        let level = match level {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        };
        let mut flat = Vec::with_capacity(fields.len() * 2);
        for (k, v) in fields {
            flat.push((*k).to_owned());
            flat.push(match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
        }
        self.data().logs.push(LogLine {
            level: level.into(),
            message: message.to_owned(),
            fields: flat,
        });
        Ok(())
    }
}

/// Errors the store raises are AppErrors; the adapters need them as `ApiError`.
impl SimState {
    pub fn app_error(e: ApiError) -> AppError {
        match e {
            ApiError::App(a) => *a,
            other => AppError {
                message: other.to_string(),
                status_code: 500,
                ..Default::default()
            },
        }
    }
}
