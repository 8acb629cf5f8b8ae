//! Conversions between the gRPC messages and the host model. Field names mostly agree; the
//! differences (enums for channel and team types, `Struct` props, 32-bit ints) are spelled out.

use std::collections::BTreeMap;

use prost_types::value::Kind;
use serde_json::{Map, Number, Value};

use super::pb::v1 as pb;
use crate::host::AppError;
use crate::host::model::*;

// ---- google.protobuf.Struct <-> JSON --------------------------------------------------------

pub fn json_to_pb_value(v: &Value) -> prost_types::Value {
    let kind = match v {
        Value::Null => Kind::NullValue(0),
        Value::Bool(b) => Kind::BoolValue(*b),
        Value::Number(n) => Kind::NumberValue(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => Kind::StringValue(s.clone()),
        Value::Array(a) => Kind::ListValue(prost_types::ListValue {
            values: a.iter().map(json_to_pb_value).collect(),
        }),
        Value::Object(o) => Kind::StructValue(map_to_struct(o)),
    };
    prost_types::Value { kind: Some(kind) }
}

pub fn pb_value_to_json(v: &prost_types::Value) -> Value {
    match &v.kind {
        None | Some(Kind::NullValue(_)) => Value::Null,
        Some(Kind::BoolValue(b)) => Value::Bool(*b),
        // Struct numbers are doubles; integral ones come back as integers, as JSON sent them.
        Some(Kind::NumberValue(f)) => {
            if f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 {
                Value::Number(Number::from(*f as i64))
            } else {
                Number::from_f64(*f).map(Value::Number).unwrap_or(Value::Null)
            }
        }
        Some(Kind::StringValue(s)) => Value::String(s.clone()),
        Some(Kind::ListValue(l)) => Value::Array(l.values.iter().map(pb_value_to_json).collect()),
        Some(Kind::StructValue(s)) => Value::Object(struct_to_map(s)),
    }
}

pub fn map_to_struct(m: &Map<String, Value>) -> prost_types::Struct {
    prost_types::Struct {
        fields: m
            .iter()
            .map(|(k, v)| (k.clone(), json_to_pb_value(v)))
            .collect::<BTreeMap<_, _>>(),
    }
}

pub fn struct_to_map(s: &prost_types::Struct) -> Map<String, Value> {
    s.fields
        .iter()
        .map(|(k, v)| (k.clone(), pb_value_to_json(v)))
        .collect()
}

fn props_in(p: Option<prost_types::Struct>) -> Props {
    p.as_ref().map(struct_to_map).unwrap_or_default()
}

fn props_out(p: &Props) -> Option<prost_types::Struct> {
    (!p.is_empty()).then(|| map_to_struct(p))
}

// ---- errors ---------------------------------------------------------------------------------

impl From<pb::AppError> for AppError {
    fn from(e: pb::AppError) -> Self {
        AppError {
            id: e.id,
            message: e.message,
            detailed_error: e.detailed_error,
            request_id: e.request_id,
            status_code: i64::from(e.status_code),
            where_: e.r#where,
        }
    }
}

impl From<&AppError> for pb::AppError {
    fn from(e: &AppError) -> Self {
        pb::AppError {
            id: e.id.clone(),
            message: e.message.clone(),
            detailed_error: e.detailed_error.clone(),
            request_id: e.request_id.clone(),
            status_code: i32::try_from(e.status_code).unwrap_or(500),
            r#where: e.where_.clone(),
            params: None,
        }
    }
}

fn i32_of(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX })
}

// ---- model ------------------------------------------------------------------------------------

impl From<pb::Post> for Post {
    fn from(p: pb::Post) -> Self {
        Post {
            id: p.id,
            create_at: p.create_at,
            update_at: p.update_at,
            edit_at: p.edit_at,
            delete_at: p.delete_at,
            is_pinned: p.is_pinned,
            user_id: p.user_id,
            channel_id: p.channel_id,
            root_id: p.root_id,
            original_id: p.original_id,
            message: p.message,
            post_type: p.r#type,
            props: props_in(p.props),
            hashtags: p.hashtags,
            file_ids: p.file_ids,
            pending_post_id: p.pending_post_id,
            has_reactions: p.has_reactions,
            remote_id: p.remote_id,
            reply_count: p.reply_count,
            last_reply_at: p.last_reply_at,
        }
    }
}

impl From<&Post> for pb::Post {
    fn from(p: &Post) -> Self {
        pb::Post {
            id: p.id.clone(),
            create_at: p.create_at,
            update_at: p.update_at,
            edit_at: p.edit_at,
            delete_at: p.delete_at,
            is_pinned: p.is_pinned,
            user_id: p.user_id.clone(),
            channel_id: p.channel_id.clone(),
            root_id: p.root_id.clone(),
            original_id: p.original_id.clone(),
            message: p.message.clone(),
            r#type: p.post_type.clone(),
            props: props_out(&p.props),
            hashtags: p.hashtags.clone(),
            file_ids: p.file_ids.clone(),
            pending_post_id: p.pending_post_id.clone(),
            has_reactions: p.has_reactions,
            remote_id: p.remote_id.clone(),
            reply_count: p.reply_count,
            last_reply_at: p.last_reply_at,
            ..Default::default()
        }
    }
}

impl From<pb::PostList> for PostList {
    fn from(l: pb::PostList) -> Self {
        PostList {
            order: l.order,
            posts: l.posts.into_iter().map(|(k, p)| (k, p.into())).collect(),
            next_post_id: l.next_post_id,
            prev_post_id: l.prev_post_id,
            has_next: l.has_next,
        }
    }
}

impl From<&PostList> for pb::PostList {
    fn from(l: &PostList) -> Self {
        pb::PostList {
            order: l.order.clone(),
            posts: l.posts.iter().map(|(k, p)| (k.clone(), p.into())).collect(),
            next_post_id: l.next_post_id.clone(),
            prev_post_id: l.prev_post_id.clone(),
            first_inaccessible_post_time: false,
            has_next: l.has_next,
        }
    }
}

impl From<pb::User> for User {
    fn from(u: pb::User) -> Self {
        User {
            id: u.id,
            create_at: u.create_at,
            update_at: u.update_at,
            delete_at: u.delete_at,
            username: u.username,
            auth_service: u.auth_service,
            email: u.email,
            email_verified: u.email_verified,
            nickname: u.nickname,
            first_name: u.first_name,
            last_name: u.last_name,
            position: u.position,
            roles: u.roles,
            props: u.props.into_iter().collect(),
            notify_props: u.notify_props.into_iter().collect(),
            last_picture_update: u.last_picture_update,
            locale: u.locale,
            timezone: u.timezone.into_iter().collect(),
            remote_id: u.remote_id,
            is_bot: u.is_bot,
            bot_description: u.bot_description,
        }
    }
}

impl From<&User> for pb::User {
    fn from(u: &User) -> Self {
        pb::User {
            id: u.id.clone(),
            create_at: u.create_at,
            update_at: u.update_at,
            delete_at: u.delete_at,
            username: u.username.clone(),
            auth_service: u.auth_service.clone(),
            email: u.email.clone(),
            email_verified: u.email_verified,
            nickname: u.nickname.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            position: u.position.clone(),
            roles: u.roles.clone(),
            props: u.props.clone().into_iter().collect(),
            notify_props: u.notify_props.clone().into_iter().collect(),
            last_picture_update: u.last_picture_update,
            locale: u.locale.clone(),
            timezone: u.timezone.clone().into_iter().collect(),
            remote_id: u.remote_id.clone(),
            is_bot: u.is_bot,
            bot_description: u.bot_description.clone(),
            ..Default::default()
        }
    }
}

impl From<pb::Status> for Status {
    fn from(s: pb::Status) -> Self {
        Status {
            user_id: s.user_id,
            status: s.status,
            manual: s.manual,
            last_activity_at: s.last_activity_at,
            dnd_end_time: s.dnd_end_time,
        }
    }
}

impl From<&Status> for pb::Status {
    fn from(s: &Status) -> Self {
        pb::Status {
            user_id: s.user_id.clone(),
            status: s.status.clone(),
            manual: s.manual,
            last_activity_at: s.last_activity_at,
            dnd_end_time: s.dnd_end_time,
        }
    }
}

pub fn channel_type_to_str(t: i32) -> &'static str {
    match pb::ChannelType::try_from(t) {
        Ok(pb::ChannelType::Open) => channel_type::OPEN,
        Ok(pb::ChannelType::Private) => channel_type::PRIVATE,
        Ok(pb::ChannelType::Direct) => channel_type::DIRECT,
        Ok(pb::ChannelType::Group) => channel_type::GROUP,
        _ => "",
    }
}

pub fn channel_type_from_str(t: &str) -> i32 {
    (match t {
        channel_type::OPEN => pb::ChannelType::Open,
        channel_type::PRIVATE => pb::ChannelType::Private,
        channel_type::DIRECT => pb::ChannelType::Direct,
        channel_type::GROUP => pb::ChannelType::Group,
        _ => pb::ChannelType::Unspecified,
    }) as i32
}

impl From<pb::Channel> for Channel {
    fn from(c: pb::Channel) -> Self {
        Channel {
            id: c.id,
            create_at: c.create_at,
            update_at: c.update_at,
            delete_at: c.delete_at,
            team_id: c.team_id,
            channel_type: channel_type_to_str(c.r#type).to_owned(),
            display_name: c.display_name,
            name: c.name,
            header: c.header,
            purpose: c.purpose,
            last_post_at: c.last_post_at,
            total_msg_count: c.total_msg_count,
            total_msg_count_root: c.total_msg_count_root,
            extra_update_at: c.extra_update_at,
            last_root_post_at: c.last_root_post_at,
            creator_id: c.creator_id,
            props: props_in(c.props),
            shared: c.shared,
        }
    }
}

impl From<&Channel> for pb::Channel {
    fn from(c: &Channel) -> Self {
        pb::Channel {
            id: c.id.clone(),
            create_at: c.create_at,
            update_at: c.update_at,
            delete_at: c.delete_at,
            team_id: c.team_id.clone(),
            r#type: channel_type_from_str(&c.channel_type),
            display_name: c.display_name.clone(),
            name: c.name.clone(),
            header: c.header.clone(),
            purpose: c.purpose.clone(),
            last_post_at: c.last_post_at,
            total_msg_count: c.total_msg_count,
            total_msg_count_root: c.total_msg_count_root,
            extra_update_at: c.extra_update_at,
            last_root_post_at: c.last_root_post_at,
            creator_id: c.creator_id.clone(),
            props: props_out(&c.props),
            shared: c.shared,
            ..Default::default()
        }
    }
}

impl From<pb::ChannelMember> for ChannelMember {
    fn from(m: pb::ChannelMember) -> Self {
        ChannelMember {
            channel_id: m.channel_id,
            user_id: m.user_id,
            roles: m.roles,
            last_viewed_at: m.last_viewed_at,
            msg_count: m.msg_count,
            mention_count: m.mention_count,
            mention_count_root: m.mention_count_root,
            urgent_mention_count: m.urgent_mention_count,
            msg_count_root: m.msg_count_root,
            notify_props: m.notify_props.into_iter().collect(),
            last_update_at: m.last_update_at,
            scheme_guest: m.scheme_guest,
            scheme_user: m.scheme_user,
            scheme_admin: m.scheme_admin,
            explicit_roles: String::new(),
        }
    }
}

impl From<&ChannelMember> for pb::ChannelMember {
    fn from(m: &ChannelMember) -> Self {
        pb::ChannelMember {
            channel_id: m.channel_id.clone(),
            user_id: m.user_id.clone(),
            roles: m.roles.clone(),
            last_viewed_at: m.last_viewed_at,
            msg_count: m.msg_count,
            mention_count: m.mention_count,
            mention_count_root: m.mention_count_root,
            msg_count_root: m.msg_count_root,
            notify_props: m.notify_props.clone().into_iter().collect(),
            last_update_at: m.last_update_at,
            scheme_guest: m.scheme_guest,
            scheme_user: m.scheme_user,
            scheme_admin: m.scheme_admin,
            urgent_mention_count: m.urgent_mention_count,
        }
    }
}

impl From<pb::Team> for Team {
    fn from(t: pb::Team) -> Self {
        Team {
            id: t.id,
            create_at: t.create_at,
            update_at: t.update_at,
            delete_at: t.delete_at,
            display_name: t.display_name,
            name: t.name,
            description: t.description,
            email: t.email,
            team_type: match pb::TeamType::try_from(t.r#type) {
                Ok(pb::TeamType::Open) => "O".into(),
                Ok(pb::TeamType::Invite) => "I".into(),
                _ => String::new(),
            },
            company_name: t.company_name,
            allowed_domains: t.allowed_domains,
            invite_id: t.invite_id,
            allow_open_invite: t.allow_open_invite,
            last_team_icon_update: t.last_team_icon_update,
        }
    }
}

impl From<&Team> for pb::Team {
    fn from(t: &Team) -> Self {
        pb::Team {
            id: t.id.clone(),
            create_at: t.create_at,
            update_at: t.update_at,
            delete_at: t.delete_at,
            display_name: t.display_name.clone(),
            name: t.name.clone(),
            description: t.description.clone(),
            email: t.email.clone(),
            r#type: (match t.team_type.as_str() {
                "O" => pb::TeamType::Open,
                "I" => pb::TeamType::Invite,
                _ => pb::TeamType::Unspecified,
            }) as i32,
            company_name: t.company_name.clone(),
            allowed_domains: t.allowed_domains.clone(),
            invite_id: t.invite_id.clone(),
            allow_open_invite: t.allow_open_invite,
            last_team_icon_update: t.last_team_icon_update,
            ..Default::default()
        }
    }
}

impl From<pb::TeamMember> for TeamMember {
    fn from(m: pb::TeamMember) -> Self {
        TeamMember {
            team_id: m.team_id,
            user_id: m.user_id,
            roles: m.roles,
            delete_at: m.delete_at,
            scheme_guest: m.scheme_guest,
            scheme_user: m.scheme_user,
            scheme_admin: m.scheme_admin,
            explicit_roles: String::new(),
        }
    }
}

impl From<&TeamMember> for pb::TeamMember {
    fn from(m: &TeamMember) -> Self {
        pb::TeamMember {
            team_id: m.team_id.clone(),
            user_id: m.user_id.clone(),
            roles: m.roles.clone(),
            delete_at: m.delete_at,
            scheme_guest: m.scheme_guest,
            scheme_user: m.scheme_user,
            scheme_admin: m.scheme_admin,
            create_at: 0,
        }
    }
}

impl From<pb::Bot> for Bot {
    fn from(b: pb::Bot) -> Self {
        Bot {
            user_id: b.user_id,
            username: b.username,
            display_name: b.display_name,
            description: b.description,
            owner_id: b.owner_id,
            last_icon_update: b.last_icon_update,
            create_at: b.create_at,
            update_at: b.update_at,
            delete_at: b.delete_at,
        }
    }
}

impl From<&Bot> for pb::Bot {
    fn from(b: &Bot) -> Self {
        pb::Bot {
            user_id: b.user_id.clone(),
            username: b.username.clone(),
            display_name: b.display_name.clone(),
            description: b.description.clone(),
            owner_id: b.owner_id.clone(),
            create_at: b.create_at,
            update_at: b.update_at,
            delete_at: b.delete_at,
            last_icon_update: b.last_icon_update,
        }
    }
}

impl From<&BotPatch> for pb::BotPatch {
    fn from(p: &BotPatch) -> Self {
        pb::BotPatch {
            username: p.username.clone(),
            display_name: p.display_name.clone(),
            description: p.description.clone(),
        }
    }
}

impl From<pb::BotPatch> for BotPatch {
    fn from(p: pb::BotPatch) -> Self {
        BotPatch {
            username: p.username,
            display_name: p.display_name,
            description: p.description,
        }
    }
}

impl From<&BotGetOptions> for pb::BotGetOptions {
    fn from(o: &BotGetOptions) -> Self {
        pb::BotGetOptions {
            owner_id: o.owner_id.clone(),
            include_deleted: o.include_deleted,
            only_orphaned: o.only_orphaned,
            page: i32_of(o.page),
            per_page: i32_of(o.per_page),
        }
    }
}

impl From<pb::BotGetOptions> for BotGetOptions {
    fn from(o: pb::BotGetOptions) -> Self {
        BotGetOptions {
            owner_id: o.owner_id,
            include_deleted: o.include_deleted,
            only_orphaned: o.only_orphaned,
            page: i64::from(o.page),
            per_page: i64::from(o.per_page),
        }
    }
}

impl From<pb::FileInfo> for FileInfo {
    fn from(f: pb::FileInfo) -> Self {
        FileInfo {
            id: f.id,
            creator_id: f.creator_id,
            post_id: f.post_id,
            channel_id: f.channel_id,
            create_at: f.create_at,
            update_at: f.update_at,
            delete_at: f.delete_at,
            name: f.name,
            extension: f.extension,
            size: f.size,
            mime_type: f.mime_type,
            width: i64::from(f.width),
            height: i64::from(f.height),
            has_preview_image: f.has_preview_image,
            // The host's FileInfo message has no extracted content.
            content: String::new(),
        }
    }
}

impl From<&FileInfo> for pb::FileInfo {
    fn from(f: &FileInfo) -> Self {
        pb::FileInfo {
            id: f.id.clone(),
            creator_id: f.creator_id.clone(),
            post_id: f.post_id.clone(),
            channel_id: f.channel_id.clone(),
            create_at: f.create_at,
            update_at: f.update_at,
            delete_at: f.delete_at,
            name: f.name.clone(),
            extension: f.extension.clone(),
            size: f.size,
            mime_type: f.mime_type.clone(),
            width: i32_of(f.width),
            height: i32_of(f.height),
            has_preview_image: f.has_preview_image,
            ..Default::default()
        }
    }
}

impl From<pb::Reaction> for Reaction {
    fn from(r: pb::Reaction) -> Self {
        Reaction {
            user_id: r.user_id,
            post_id: r.post_id,
            emoji_name: r.emoji_name,
            create_at: r.create_at,
            update_at: r.update_at,
            delete_at: r.delete_at,
            channel_id: r.channel_id.unwrap_or_default(),
        }
    }
}

impl From<&Reaction> for pb::Reaction {
    fn from(r: &Reaction) -> Self {
        pb::Reaction {
            user_id: r.user_id.clone(),
            post_id: r.post_id.clone(),
            emoji_name: r.emoji_name.clone(),
            create_at: r.create_at,
            update_at: r.update_at,
            delete_at: r.delete_at,
            remote_id: None,
            channel_id: (!r.channel_id.is_empty()).then(|| r.channel_id.clone()),
        }
    }
}

impl From<&WebsocketBroadcast> for pb::WebsocketBroadcast {
    fn from(b: &WebsocketBroadcast) -> Self {
        let mut omit: Vec<String> = b
            .omit_users
            .iter()
            .filter(|(_, v)| **v)
            .map(|(k, _)| k.clone())
            .collect();
        omit.sort();
        pb::WebsocketBroadcast {
            omit_users: omit,
            user_id: b.user_id.clone(),
            channel_id: b.channel_id.clone(),
            team_id: b.team_id.clone(),
            connection_id: b.connection_id.clone(),
            // This API only has a flag: "omit the connection named in connection_id".
            omit_connection_id: !b.omit_connection_id.is_empty(),
            ..Default::default()
        }
    }
}

impl From<pb::WebsocketBroadcast> for WebsocketBroadcast {
    fn from(b: pb::WebsocketBroadcast) -> Self {
        WebsocketBroadcast {
            omit_users: b.omit_users.into_iter().map(|u| (u, true)).collect(),
            user_id: b.user_id,
            channel_id: b.channel_id,
            team_id: b.team_id,
            omit_connection_id: if b.omit_connection_id {
                b.connection_id.clone()
            } else {
                String::new()
            },
            connection_id: b.connection_id,
        }
    }
}

impl From<&KvSetOptions> for pb::PluginKvSetOptions {
    fn from(o: &KvSetOptions) -> Self {
        pb::PluginKvSetOptions {
            atomic: o.atomic,
            old_value: o.old_value.clone().unwrap_or_default(),
            expire_in_seconds: o.expire_in_seconds,
        }
    }
}

impl From<pb::PluginKvSetOptions> for KvSetOptions {
    fn from(o: pb::PluginKvSetOptions) -> Self {
        KvSetOptions {
            atomic: o.atomic,
            old_value: (!o.old_value.is_empty()).then_some(o.old_value),
            expire_in_seconds: o.expire_in_seconds,
        }
    }
}

impl From<pb::Session> for Session {
    fn from(s: pb::Session) -> Self {
        Session {
            id: s.id,
            token: s.token,
            create_at: s.create_at,
            expires_at: s.expires_at,
            last_activity_at: s.last_activity_at,
            user_id: s.user_id,
            roles: s.roles,
            is_oauth: s.is_oauth,
            props: s.props.into_iter().collect(),
            team_members: s.team_members.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<&Session> for pb::Session {
    fn from(s: &Session) -> Self {
        pb::Session {
            id: s.id.clone(),
            token: s.token.clone(),
            create_at: s.create_at,
            expires_at: s.expires_at,
            last_activity_at: s.last_activity_at,
            user_id: s.user_id.clone(),
            roles: s.roles.clone(),
            is_oauth: s.is_oauth,
            props: s.props.clone().into_iter().collect(),
            team_members: s.team_members.iter().map(Into::into).collect(),
            ..Default::default()
        }
    }
}

impl From<pb::UserAccessToken> for UserAccessToken {
    fn from(t: pb::UserAccessToken) -> Self {
        UserAccessToken {
            id: t.id,
            token: t.token,
            user_id: t.user_id,
            description: t.description,
            is_active: t.is_active,
        }
    }
}

impl From<&UserAccessToken> for pb::UserAccessToken {
    fn from(t: &UserAccessToken) -> Self {
        pb::UserAccessToken {
            id: t.id.clone(),
            token: t.token.clone(),
            user_id: t.user_id.clone(),
            description: t.description.clone(),
            is_active: t.is_active,
        }
    }
}

impl From<pb::PluginStatus> for PluginStatus {
    fn from(s: pb::PluginStatus) -> Self {
        PluginStatus {
            plugin_id: s.plugin_id,
            plugin_path: s.plugin_path,
            state: i64::from(s.state),
            name: s.name,
            description: s.description,
            version: s.version,
        }
    }
}

impl From<&PluginStatus> for pb::PluginStatus {
    fn from(s: &PluginStatus) -> Self {
        pb::PluginStatus {
            plugin_id: s.plugin_id.clone(),
            plugin_path: s.plugin_path.clone(),
            state: i32_of(s.state),
            name: s.name.clone(),
            description: s.description.clone(),
            version: s.version.clone(),
        }
    }
}

impl From<&Command> for pb::Command {
    fn from(c: &Command) -> Self {
        pb::Command {
            id: c.id.clone(),
            team_id: c.team_id.clone(),
            trigger: c.trigger.clone(),
            method: c.method.clone(),
            username: c.username.clone(),
            icon_url: c.icon_url.clone(),
            auto_complete: c.auto_complete,
            auto_complete_desc: c.auto_complete_desc.clone(),
            auto_complete_hint: c.auto_complete_hint.clone(),
            display_name: c.display_name.clone(),
            description: c.description.clone(),
            url: c.url.clone(),
            ..Default::default()
        }
    }
}

impl From<pb::Command> for Command {
    fn from(c: pb::Command) -> Self {
        Command {
            id: c.id,
            team_id: c.team_id,
            trigger: c.trigger,
            method: c.method,
            username: c.username,
            icon_url: c.icon_url,
            auto_complete: c.auto_complete,
            auto_complete_desc: c.auto_complete_desc,
            auto_complete_hint: c.auto_complete_hint,
            display_name: c.display_name,
            description: c.description,
            url: c.url,
        }
    }
}

impl From<pb::CommandArgs> for CommandArgs {
    fn from(a: pb::CommandArgs) -> Self {
        CommandArgs {
            user_id: a.user_id,
            channel_id: a.channel_id,
            team_id: a.team_id,
            root_id: a.root_id,
            parent_id: a.parent_id,
            trigger_id: a.trigger_id,
            command: a.command,
            site_url: a.site_url,
        }
    }
}

impl From<&CommandArgs> for pb::CommandArgs {
    fn from(a: &CommandArgs) -> Self {
        pb::CommandArgs {
            user_id: a.user_id.clone(),
            channel_id: a.channel_id.clone(),
            team_id: a.team_id.clone(),
            root_id: a.root_id.clone(),
            parent_id: a.parent_id.clone(),
            trigger_id: a.trigger_id.clone(),
            command: a.command.clone(),
            site_url: a.site_url.clone(),
            ..Default::default()
        }
    }
}

impl From<&CommandResponse> for pb::CommandResponse {
    fn from(r: &CommandResponse) -> Self {
        pb::CommandResponse {
            response_type: r.response_type.clone(),
            text: r.text.clone(),
            username: r.username.clone(),
            channel_id: r.channel_id.clone(),
            icon_url: r.icon_url.clone(),
            r#type: r.response_kind.clone(),
            props: props_out(&r.props),
            goto_location: r.goto_location.clone(),
            skip_slack_parsing: r.skip_slack_parsing,
            ..Default::default()
        }
    }
}

impl From<pb::CommandResponse> for CommandResponse {
    fn from(r: pb::CommandResponse) -> Self {
        CommandResponse {
            response_type: r.response_type,
            text: r.text,
            username: r.username,
            channel_id: r.channel_id,
            icon_url: r.icon_url,
            response_kind: r.r#type,
            props: props_in(r.props),
            goto_location: r.goto_location,
            skip_slack_parsing: r.skip_slack_parsing,
        }
    }
}

impl From<pb::PluginContext> for HookContext {
    fn from(c: pb::PluginContext) -> Self {
        HookContext {
            session_id: c.session_id,
            request_id: c.request_id,
            ip_address: c.ip_address,
            accept_language: c.accept_language,
            user_agent: c.user_agent,
        }
    }
}

impl From<&HookContext> for pb::PluginContext {
    fn from(c: &HookContext) -> Self {
        pb::PluginContext {
            session_id: c.session_id.clone(),
            request_id: c.request_id.clone(),
            ip_address: c.ip_address.clone(),
            accept_language: c.accept_language.clone(),
            user_agent: c.user_agent.clone(),
        }
    }
}

/// Zero stands for "not given" on this wire, as nil does for Go's pointers.
fn given<T: Default + PartialEq>(v: T) -> Option<T> {
    (v != T::default()).then_some(v)
}

impl From<&SearchParameter> for pb::SearchParameter {
    fn from(p: &SearchParameter) -> Self {
        pb::SearchParameter {
            terms: p.terms.clone().unwrap_or_default(),
            is_or_search: p.is_or_search.unwrap_or(false),
            time_zone_offset: p.time_zone_offset.unwrap_or(0),
            page: p.page.map(i32_of).unwrap_or(0),
            per_page: p.per_page.map(i32_of).unwrap_or(0),
            include_deleted_channels: p.include_deleted_channels.unwrap_or(false),
        }
    }
}

impl From<pb::SearchParameter> for SearchParameter {
    fn from(p: pb::SearchParameter) -> Self {
        SearchParameter {
            terms: given(p.terms),
            is_or_search: given(p.is_or_search),
            time_zone_offset: given(p.time_zone_offset),
            page: given(i64::from(p.page)),
            per_page: given(i64::from(p.per_page)),
            include_deleted_channels: given(p.include_deleted_channels),
        }
    }
}

impl From<pb::PostSearchResults> for PostSearchResults {
    fn from(r: pb::PostSearchResults) -> Self {
        PostSearchResults {
            order: r.order,
            posts: r.posts.into_iter().map(|(k, p)| (k, p.into())).collect(),
            matches: r.matches.into_iter().map(|(k, l)| (k, l.values)).collect(),
        }
    }
}

impl From<&PostSearchResults> for pb::PostSearchResults {
    fn from(r: &PostSearchResults) -> Self {
        pb::PostSearchResults {
            order: r.order.clone(),
            posts: r.posts.iter().map(|(k, p)| (k.clone(), p.into())).collect(),
            matches: r
                .matches
                .iter()
                .map(|(k, v)| (k.clone(), pb::StringList { values: v.clone() }))
                .collect(),
        }
    }
}

/// `SearchUsers` carries `model.UserSearch` flattened into its request.
impl From<&UserSearch> for pb::SearchUsersRequest {
    fn from(u: &UserSearch) -> Self {
        pb::SearchUsersRequest {
            term: u.term.clone(),
            team_id: u.team_id.clone(),
            not_in_team_id: u.not_in_team_id.clone(),
            in_channel_id: u.in_channel_id.clone(),
            not_in_channel_id: u.not_in_channel_id.clone(),
            in_group_id: u.in_group_id.clone(),
            group_constrained: u.group_constrained,
            allow_inactive: u.allow_inactive,
            without_team: u.without_team,
            limit: i32_of(u.limit),
            role: u.role.clone(),
            roles: u.roles.clone(),
            channel_roles: u.channel_roles.clone(),
            team_roles: u.team_roles.clone(),
            not_in_group_id: u.not_in_group_id.clone(),
        }
    }
}

impl From<pb::SearchUsersRequest> for UserSearch {
    fn from(u: pb::SearchUsersRequest) -> Self {
        UserSearch {
            term: u.term,
            team_id: u.team_id,
            not_in_team_id: u.not_in_team_id,
            in_channel_id: u.in_channel_id,
            not_in_channel_id: u.not_in_channel_id,
            in_group_id: u.in_group_id,
            group_constrained: u.group_constrained,
            allow_inactive: u.allow_inactive,
            without_team: u.without_team,
            limit: i64::from(u.limit),
            role: u.role,
            roles: u.roles,
            channel_roles: u.channel_roles,
            team_roles: u.team_roles,
            not_in_group_id: u.not_in_group_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn struct_round_trip_keeps_integers_integral() {
        let v = json!({"n": 3, "f": 2.5, "s": "x", "l": [true, null, {"k": -7}]});
        let Value::Object(m) = &v else { unreachable!() };
        assert_eq!(Value::Object(struct_to_map(&map_to_struct(m))), v);
    }

    #[test]
    fn search_parameters_treat_zero_as_absent() {
        let p = SearchParameter {
            terms: Some("budget".into()),
            per_page: Some(20),
            ..Default::default()
        };
        assert_eq!(SearchParameter::from(pb::SearchParameter::from(&p)), p);
        let zero = SearchParameter {
            page: Some(0),
            is_or_search: Some(false),
            ..Default::default()
        };
        assert_eq!(
            SearchParameter::from(pb::SearchParameter::from(&zero)),
            SearchParameter::default()
        );
    }

    #[test]
    fn channel_types_map_both_ways() {
        for t in ["O", "P", "D", "G"] {
            assert_eq!(channel_type_to_str(channel_type_from_str(t)), t);
        }
    }
}
