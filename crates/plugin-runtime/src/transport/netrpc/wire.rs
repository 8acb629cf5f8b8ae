//! The gob shapes Mattermost's net/rpc glue exchanges: `Z_<Name>Args` / `Z_<Name>Returns`
//! structs (fields `A`, `B`, … in Go parameter order) and mirrors of the `model` structs with
//! their exact Go field names. Gob matches fields by name, so each mirror lists only the fields
//! we use; the others are skipped on decode and left zero on encode.

use std::collections::HashMap;

use gobwire::{BinaryBytes, Dynamic, Gob, Interface};
use serde_json::{Map, Value};

use super::gobjson::{gob_to_json, interface_to_json, json_to_interface};
use crate::host::error::AppError;
use crate::host::model::*;

/// Registered gob names Mattermost uses for the errors it sends as `error` interfaces.
pub const APP_ERROR_NAME: &str = "*model.AppError";
pub const ERROR_STRING_NAME: &str = "*plugin.ErrorString";

// ---- generic argument and return holders ----------------------------------------------------

/// `struct{}`.
#[derive(Gob, Debug, Default, Clone)]
pub struct Empty {}

#[derive(Gob, Debug, Default, Clone)]
pub struct A1<A> {
    #[gob(name = "A")]
    pub a: A,
}

#[derive(Gob, Debug, Default, Clone)]
pub struct A2<A, B> {
    #[gob(name = "A")]
    pub a: A,
    #[gob(name = "B")]
    pub b: B,
}

#[derive(Gob, Debug, Default, Clone)]
pub struct A3<A, B, C> {
    #[gob(name = "A")]
    pub a: A,
    #[gob(name = "B")]
    pub b: B,
    #[gob(name = "C")]
    pub c: C,
}

// ---- conversions between model types and their gob mirrors ----------------------------------

/// A model value and its gob representation.
pub trait Wire: Sized {
    type Repr: gobwire::Encode + gobwire::Decode + Default + Send + Sync + 'static;
    fn to_wire(&self) -> Self::Repr;
    fn from_wire(repr: Self::Repr) -> Self;
}

macro_rules! identity_wire {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            type Repr = $t;
            fn to_wire(&self) -> $t { self.clone() }
            fn from_wire(r: $t) -> $t { r }
        }
    )*};
}
identity_wire!(
    String,
    i64,
    bool,
    StringMap,
    HashMap<String, bool>,
    HashMap<String, Vec<String>>,
    Option<String>,
    Option<bool>,
    Option<i64>
);

/// Slices of model structs (`[]*T` and `[]T` look the same to gob).
impl<T: Wire + Clone> Wire for Vec<T>
where
    T::Repr: gobwire::GobType,
{
    type Repr = Vec<T::Repr>;
    fn to_wire(&self) -> Self::Repr {
        self.iter().map(Wire::to_wire).collect()
    }
    fn from_wire(r: Self::Repr) -> Self {
        r.into_iter().map(T::from_wire).collect()
    }
}

/// `model.StringInterface`.
impl Wire for Props {
    type Repr = HashMap<String, Option<Interface>>;
    fn to_wire(&self) -> Self::Repr {
        self.iter()
            .map(|(k, v)| (k.clone(), json_to_interface(v)))
            .collect()
    }
    fn from_wire(r: Self::Repr) -> Self {
        r.iter().map(|(k, v)| (k.clone(), interface_to_json(v))).collect()
    }
}

/// Declares a gob mirror of a model struct: `field: Type = "GoName"` for every mirrored field.
macro_rules! mirror {
    ($(#[$meta:meta])* $wire:ident <=> $model:ty { $($field:ident : $fty:ty = $go:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Gob, Debug, Default, Clone)]
        pub struct $wire {
            $( #[gob(name = $go)] pub $field: <$fty as Wire>::Repr, )*
        }
        impl Wire for $model {
            type Repr = $wire;
            fn to_wire(&self) -> $wire {
                $wire { $( $field: Wire::to_wire(&self.$field), )* }
            }
            #[allow(clippy::needless_update)]
            fn from_wire(w: $wire) -> Self {
                Self { $( $field: <$fty as Wire>::from_wire(w.$field), )* ..Default::default() }
            }
        }
    };
}

mirror!(GobPost <=> Post {
    id: String = "Id",
    create_at: i64 = "CreateAt",
    update_at: i64 = "UpdateAt",
    edit_at: i64 = "EditAt",
    delete_at: i64 = "DeleteAt",
    is_pinned: bool = "IsPinned",
    user_id: String = "UserId",
    channel_id: String = "ChannelId",
    root_id: String = "RootId",
    original_id: String = "OriginalId",
    message: String = "Message",
    post_type: String = "Type",
    props: Props = "Props",
    hashtags: String = "Hashtags",
    file_ids: Vec<String> = "FileIds",
    pending_post_id: String = "PendingPostId",
    has_reactions: bool = "HasReactions",
    remote_id: Option<String> = "RemoteId",
    reply_count: i64 = "ReplyCount",
    last_reply_at: i64 = "LastReplyAt",
});

mirror!(GobPushNotification <=> PushNotification {
    post_id: String = "PostId",
    team_id: String = "TeamId",
    channel_id: String = "ChannelId",
    root_id: String = "RootId",
    sender_id: String = "SenderId",
    push_type: String = "Type",
});

mirror!(GobEmailNotification <=> EmailNotification {
    post_id: String = "PostId",
    channel_id: String = "ChannelId",
    team_id: String = "TeamId",
    sender_id: String = "SenderId",
    recipient_id: String = "RecipientId",
    root_id: String = "RootId",
});

/// model.EmailNotificationContent; the plugin only ever returns nil, so no model type.
#[derive(Debug, Clone, Default, Gob)]
pub struct GobEmailNotificationContent {
    #[gob(name = "Subject")]
    pub subject: String,
}

mirror!(GobUser <=> User {
    id: String = "Id",
    create_at: i64 = "CreateAt",
    update_at: i64 = "UpdateAt",
    delete_at: i64 = "DeleteAt",
    username: String = "Username",
    auth_service: String = "AuthService",
    email: String = "Email",
    email_verified: bool = "EmailVerified",
    nickname: String = "Nickname",
    first_name: String = "FirstName",
    last_name: String = "LastName",
    position: String = "Position",
    roles: String = "Roles",
    props: StringMap = "Props",
    notify_props: StringMap = "NotifyProps",
    last_picture_update: i64 = "LastPictureUpdate",
    locale: String = "Locale",
    timezone: StringMap = "Timezone",
    remote_id: Option<String> = "RemoteId",
    is_bot: bool = "IsBot",
    bot_description: String = "BotDescription",
});

mirror!(GobStatus <=> Status {
    user_id: String = "UserId",
    status: String = "Status",
    manual: bool = "Manual",
    last_activity_at: i64 = "LastActivityAt",
    dnd_end_time: i64 = "DNDEndTime",
});

mirror!(GobTeam <=> Team {
    id: String = "Id",
    create_at: i64 = "CreateAt",
    update_at: i64 = "UpdateAt",
    delete_at: i64 = "DeleteAt",
    display_name: String = "DisplayName",
    name: String = "Name",
    description: String = "Description",
    email: String = "Email",
    team_type: String = "Type",
    company_name: String = "CompanyName",
    allowed_domains: String = "AllowedDomains",
    invite_id: String = "InviteId",
    allow_open_invite: bool = "AllowOpenInvite",
    last_team_icon_update: i64 = "LastTeamIconUpdate",
});

mirror!(GobTeamMember <=> TeamMember {
    team_id: String = "TeamId",
    user_id: String = "UserId",
    roles: String = "Roles",
    delete_at: i64 = "DeleteAt",
    scheme_guest: bool = "SchemeGuest",
    scheme_user: bool = "SchemeUser",
    scheme_admin: bool = "SchemeAdmin",
    explicit_roles: String = "ExplicitRoles",
});

mirror!(GobChannel <=> Channel {
    id: String = "Id",
    create_at: i64 = "CreateAt",
    update_at: i64 = "UpdateAt",
    delete_at: i64 = "DeleteAt",
    team_id: String = "TeamId",
    channel_type: String = "Type",
    display_name: String = "DisplayName",
    name: String = "Name",
    header: String = "Header",
    purpose: String = "Purpose",
    last_post_at: i64 = "LastPostAt",
    total_msg_count: i64 = "TotalMsgCount",
    total_msg_count_root: i64 = "TotalMsgCountRoot",
    extra_update_at: i64 = "ExtraUpdateAt",
    last_root_post_at: i64 = "LastRootPostAt",
    creator_id: String = "CreatorId",
    props: Props = "Props",
    shared: Option<bool> = "Shared",
});

mirror!(GobChannelMember <=> ChannelMember {
    channel_id: String = "ChannelId",
    user_id: String = "UserId",
    roles: String = "Roles",
    last_viewed_at: i64 = "LastViewedAt",
    msg_count: i64 = "MsgCount",
    mention_count: i64 = "MentionCount",
    mention_count_root: i64 = "MentionCountRoot",
    urgent_mention_count: i64 = "UrgentMentionCount",
    msg_count_root: i64 = "MsgCountRoot",
    notify_props: StringMap = "NotifyProps",
    last_update_at: i64 = "LastUpdateAt",
    scheme_guest: bool = "SchemeGuest",
    scheme_user: bool = "SchemeUser",
    scheme_admin: bool = "SchemeAdmin",
    explicit_roles: String = "ExplicitRoles",
});

mirror!(GobBot <=> Bot {
    user_id: String = "UserId",
    username: String = "Username",
    display_name: String = "DisplayName",
    description: String = "Description",
    owner_id: String = "OwnerId",
    last_icon_update: i64 = "LastIconUpdate",
    create_at: i64 = "CreateAt",
    update_at: i64 = "UpdateAt",
    delete_at: i64 = "DeleteAt",
});

mirror!(GobBotPatch <=> BotPatch {
    username: Option<String> = "Username",
    display_name: Option<String> = "DisplayName",
    description: Option<String> = "Description",
});

mirror!(GobBotGetOptions <=> BotGetOptions {
    owner_id: String = "OwnerId",
    include_deleted: bool = "IncludeDeleted",
    only_orphaned: bool = "OnlyOrphaned",
    page: i64 = "Page",
    per_page: i64 = "PerPage",
});

mirror!(GobFileInfo <=> FileInfo {
    id: String = "Id",
    creator_id: String = "CreatorId",
    post_id: String = "PostId",
    channel_id: String = "ChannelId",
    create_at: i64 = "CreateAt",
    update_at: i64 = "UpdateAt",
    delete_at: i64 = "DeleteAt",
    name: String = "Name",
    extension: String = "Extension",
    size: i64 = "Size",
    mime_type: String = "MimeType",
    width: i64 = "Width",
    height: i64 = "Height",
    has_preview_image: bool = "HasPreviewImage",
    content: String = "Content",
});

mirror!(GobReaction <=> Reaction {
    user_id: String = "UserId",
    post_id: String = "PostId",
    emoji_name: String = "EmojiName",
    create_at: i64 = "CreateAt",
    update_at: i64 = "UpdateAt",
    delete_at: i64 = "DeleteAt",
    channel_id: String = "ChannelId",
});

mirror!(GobWebsocketBroadcast <=> WebsocketBroadcast {
    omit_users: HashMap<String, bool> = "OmitUsers",
    user_id: String = "UserId",
    channel_id: String = "ChannelId",
    team_id: String = "TeamId",
    connection_id: String = "ConnectionId",
    omit_connection_id: String = "OmitConnectionId",
});

mirror!(GobSession <=> Session {
    id: String = "Id",
    token: String = "Token",
    create_at: i64 = "CreateAt",
    expires_at: i64 = "ExpiresAt",
    last_activity_at: i64 = "LastActivityAt",
    user_id: String = "UserId",
    roles: String = "Roles",
    is_oauth: bool = "IsOAuth",
    props: StringMap = "Props",
    team_members: Vec<TeamMember> = "TeamMembers",
});

mirror!(GobUserAccessToken <=> UserAccessToken {
    id: String = "Id",
    token: String = "Token",
    user_id: String = "UserId",
    description: String = "Description",
    is_active: bool = "IsActive",
});

mirror!(GobPluginStatus <=> PluginStatus {
    plugin_id: String = "PluginId",
    plugin_path: String = "PluginPath",
    state: i64 = "State",
    name: String = "Name",
    description: String = "Description",
    version: String = "Version",
});

mirror!(GobCommandArgs <=> CommandArgs {
    user_id: String = "UserId",
    channel_id: String = "ChannelId",
    team_id: String = "TeamId",
    root_id: String = "RootId",
    parent_id: String = "ParentId",
    trigger_id: String = "TriggerId",
    command: String = "Command",
    site_url: String = "SiteURL",
});

mirror!(GobCommandResponse <=> CommandResponse {
    response_type: String = "ResponseType",
    text: String = "Text",
    username: String = "Username",
    channel_id: String = "ChannelId",
    icon_url: String = "IconURL",
    response_kind: String = "Type",
    props: Props = "Props",
    goto_location: String = "GotoLocation",
    skip_slack_parsing: bool = "SkipSlackParsing",
});

mirror!(GobCommand <=> Command {
    id: String = "Id",
    team_id: String = "TeamId",
    trigger: String = "Trigger",
    method: String = "Method",
    username: String = "Username",
    icon_url: String = "IconURL",
    auto_complete: bool = "AutoComplete",
    auto_complete_desc: String = "AutoCompleteDesc",
    auto_complete_hint: String = "AutoCompleteHint",
    display_name: String = "DisplayName",
    description: String = "Description",
    url: String = "URL",
});

mirror!(GobHookContext <=> HookContext {
    session_id: String = "SessionId",
    request_id: String = "RequestId",
    ip_address: String = "IPAddress",
    accept_language: String = "AcceptLanguage",
    user_agent: String = "UserAgent",
});

/// `model.PluginClusterEvent` (passed by value in `Z_OnPluginClusterEventArgs.B` and
/// `Z_PublishPluginClusterEventArgs.A`).
#[derive(Gob, Debug, Default, Clone)]
pub struct GobPluginClusterEvent {
    #[gob(name = "Id")]
    pub id: String,
    #[gob(name = "Data")]
    pub data: Vec<u8>,
}

impl Wire for PluginClusterEvent {
    type Repr = GobPluginClusterEvent;
    fn to_wire(&self) -> GobPluginClusterEvent {
        GobPluginClusterEvent {
            id: self.id.clone(),
            data: self.data.clone(),
        }
    }
    fn from_wire(w: GobPluginClusterEvent) -> Self {
        PluginClusterEvent {
            id: w.id,
            data: w.data,
        }
    }
}

/// `model.PluginClusterEventSendOptions` (`Z_PublishPluginClusterEventArgs.B`). Newer servers
/// also have `Synchronous bool`; gob skips it when absent.
#[derive(Gob, Debug, Default, Clone)]
pub struct GobPluginClusterEventSendOptions {
    #[gob(name = "SendType")]
    pub send_type: String,
    #[gob(name = "TargetId")]
    pub target_id: String,
}

impl Wire for PluginClusterEventSendOptions {
    type Repr = GobPluginClusterEventSendOptions;
    fn to_wire(&self) -> GobPluginClusterEventSendOptions {
        GobPluginClusterEventSendOptions {
            send_type: self.send_type.clone(),
            target_id: self.target_id.clone(),
        }
    }
    fn from_wire(w: GobPluginClusterEventSendOptions) -> Self {
        PluginClusterEventSendOptions {
            send_type: w.send_type,
            target_id: w.target_id,
        }
    }
}

/// `model.FileData` (`Z_GenerateSupportDataReturns.A` is `[]*model.FileData`).
#[derive(Gob, Debug, Default, Clone)]
pub struct GobFileData {
    #[gob(name = "Filename")]
    pub filename: String,
    #[gob(name = "Body")]
    pub body: Vec<u8>,
}

impl Wire for FileData {
    type Repr = GobFileData;
    fn to_wire(&self) -> GobFileData {
        GobFileData {
            filename: self.filename.clone(),
            body: self.body.clone(),
        }
    }
    fn from_wire(w: GobFileData) -> Self {
        FileData {
            filename: w.filename,
            body: w.body,
        }
    }
}

mirror!(GobAppError <=> AppError {
    id: String = "Id",
    message: String = "Message",
    detailed_error: String = "DetailedError",
    request_id: String = "RequestId",
    status_code: i64 = "StatusCode",
    where_: String = "Where",
});

/// `model.PluginKVSetOptions`. `OldValue` is a plain `[]byte`, so "absent" and "empty" are the
/// same on the wire, as they are for the server.
#[derive(Gob, Debug, Default, Clone)]
pub struct GobKvSetOptions {
    #[gob(name = "Atomic")]
    pub atomic: bool,
    #[gob(name = "OldValue")]
    pub old_value: Vec<u8>,
    #[gob(name = "ExpireInSeconds")]
    pub expire_in_seconds: i64,
}

impl Wire for KvSetOptions {
    type Repr = GobKvSetOptions;
    fn to_wire(&self) -> GobKvSetOptions {
        GobKvSetOptions {
            atomic: self.atomic,
            old_value: self.old_value.clone().unwrap_or_default(),
            expire_in_seconds: self.expire_in_seconds,
        }
    }
    fn from_wire(w: GobKvSetOptions) -> Self {
        KvSetOptions {
            atomic: w.atomic,
            old_value: (!w.old_value.is_empty()).then_some(w.old_value),
            expire_in_seconds: w.expire_in_seconds,
        }
    }
}

/// `*model.Permission`; only the id matters to the server's permission checks.
#[derive(Gob, Debug, Default, Clone)]
pub struct GobPermission {
    #[gob(name = "Id")]
    pub id: String,
    #[gob(name = "Name")]
    pub name: String,
    #[gob(name = "Description")]
    pub description: String,
    #[gob(name = "Scope")]
    pub scope: String,
}

/// `model.PostList`: `Posts` is `map[string]*Post`.
#[derive(Gob, Debug, Default, Clone)]
pub struct GobPostList {
    #[gob(name = "Order")]
    pub order: Vec<String>,
    #[gob(name = "Posts")]
    pub posts: HashMap<String, Option<GobPost>>,
    #[gob(name = "NextPostId")]
    pub next_post_id: String,
    #[gob(name = "PrevPostId")]
    pub prev_post_id: String,
    #[gob(name = "HasNext")]
    pub has_next: bool,
}

impl Wire for PostList {
    type Repr = GobPostList;
    fn to_wire(&self) -> GobPostList {
        GobPostList {
            order: self.order.clone(),
            posts: self
                .posts
                .iter()
                .map(|(k, p)| (k.clone(), Some(p.to_wire())))
                .collect(),
            next_post_id: self.next_post_id.clone(),
            prev_post_id: self.prev_post_id.clone(),
            has_next: self.has_next,
        }
    }
    fn from_wire(w: GobPostList) -> Self {
        PostList {
            order: w.order,
            posts: w
                .posts
                .into_iter()
                .filter_map(|(k, p)| p.map(|p| (k, Post::from_wire(p))))
                .collect(),
            next_post_id: w.next_post_id,
            prev_post_id: w.prev_post_id,
            has_next: w.has_next,
        }
    }
}

mirror!(
    /// `model.SearchParameter`: every field is a pointer, so an absent value is nil on the server.
    GobSearchParameter <=> SearchParameter {
    terms: Option<String> = "Terms",
    is_or_search: Option<bool> = "IsOrSearch",
    time_zone_offset: Option<i64> = "TimeZoneOffset",
    page: Option<i64> = "Page",
    per_page: Option<i64> = "PerPage",
    include_deleted_channels: Option<bool> = "IncludeDeletedChannels",
});

/// `model.PostSearchResults`: the embedded `*PostList` is a field named `PostList` to gob.
#[derive(Gob, Debug, Default, Clone)]
pub struct GobPostSearchResults {
    #[gob(name = "PostList")]
    pub post_list: Option<GobPostList>,
    #[gob(name = "Matches")]
    pub matches: HashMap<String, Vec<String>>,
}

impl Wire for PostSearchResults {
    type Repr = GobPostSearchResults;
    fn to_wire(&self) -> GobPostSearchResults {
        let list = PostList {
            order: self.order.clone(),
            posts: self.posts.clone(),
            ..Default::default()
        };
        GobPostSearchResults {
            post_list: Some(list.to_wire()),
            matches: self.matches.clone(),
        }
    }
    fn from_wire(w: GobPostSearchResults) -> Self {
        let list = w.post_list.map(PostList::from_wire).unwrap_or_default();
        PostSearchResults {
            order: list.order,
            posts: list.posts,
            matches: w.matches,
        }
    }
}

mirror!(GobUserSearch <=> UserSearch {
    term: String = "Term",
    team_id: String = "TeamId",
    not_in_team_id: String = "NotInTeamId",
    in_channel_id: String = "InChannelId",
    not_in_channel_id: String = "NotInChannelId",
    in_group_id: String = "InGroupId",
    group_constrained: bool = "GroupConstrained",
    allow_inactive: bool = "AllowInactive",
    without_team: bool = "WithoutTeam",
    limit: i64 = "Limit",
    role: String = "Role",
    roles: Vec<String> = "Roles",
    channel_roles: Vec<String> = "ChannelRoles",
    team_roles: Vec<String> = "TeamRoles",
    not_in_group_id: String = "NotInGroupId",
});

/// `model.Features`: every flag is a `*bool`. The JSON names are the ones the license file and
/// the REST API use.
macro_rules! features {
    ($($field:ident = $go:literal / $json:literal),* $(,)?) => {
        #[derive(Gob, Debug, Default, Clone)]
        pub struct GobFeatures {
            #[gob(name = "Users")]
            pub users: Option<i64>,
            $( #[gob(name = $go)] pub $field: Option<bool>, )*
        }
        impl Wire for LicenseFeatures {
            type Repr = GobFeatures;
            fn to_wire(&self) -> GobFeatures {
                GobFeatures { users: self.users, $( $field: self.flags.get($json).copied(), )* }
            }
            fn from_wire(w: GobFeatures) -> Self {
                let mut flags = HashMap::new();
                $( if let Some(v) = w.$field { flags.insert($json.to_owned(), v); } )*
                LicenseFeatures { users: w.users, flags }
            }
        }
    };
}
features!(
    ldap = "LDAP" / "ldap",
    ldap_groups = "LDAPGroups" / "ldap_groups",
    google_oauth = "GoogleOAuth" / "google_oauth",
    office365_oauth = "Office365OAuth" / "office365_oauth",
    openid = "OpenId" / "openid",
    mhpns = "MHPNS" / "mhpns",
    announcement = "Announcement" / "announcement",
    theme_management = "ThemeManagement" / "theme_management",
    email_notification_contents = "EmailNotificationContents" / "email_notification_contents",
    custom_terms_of_service = "CustomTermsOfService" / "custom_terms_of_service",
    guest_accounts_permissions = "GuestAccountsPermissions" / "guest_accounts_permissions",
    id_loaded_push_notifications = "IDLoadedPushNotifications" / "id_loaded",
    lock_teammate_name_display = "LockTeammateNameDisplay" / "lock_teammate_name_display",
    remote_cluster_service = "RemoteClusterService" / "remote_cluster_service",
    outgoing_oauth_connections = "OutgoingOAuthConnections" / "outgoing_oauth_connections",
    mfa = "MFA" / "mfa",
    saml = "SAML" / "saml",
    cluster = "Cluster" / "cluster",
    metrics = "Metrics" / "metrics",
    compliance = "Compliance" / "compliance",
    elasticsearch = "Elasticsearch" / "elastic_search",
    data_retention = "DataRetention" / "data_retention",
    message_export = "MessageExport" / "message_export",
    custom_permissions_schemes = "CustomPermissionsSchemes" / "custom_permissions_schemes",
    guest_accounts = "GuestAccounts" / "guest_accounts",
    shared_channels = "SharedChannels" / "shared_channels",
    enterprise_plugins = "EnterprisePlugins" / "enterprise_plugins",
    advanced_logging = "AdvancedLogging" / "advanced_logging",
    cloud = "Cloud" / "cloud",
    future_features = "FutureFeatures" / "future_features",
);

mirror!(GobCustomer <=> Customer {
    id: String = "Id",
    name: String = "Name",
    email: String = "Email",
    company: String = "Company",
});

#[derive(Gob, Debug, Default, Clone)]
pub struct GobLicense {
    #[gob(name = "Id")]
    pub id: String,
    #[gob(name = "IssuedAt")]
    pub issued_at: i64,
    #[gob(name = "StartsAt")]
    pub starts_at: i64,
    #[gob(name = "ExpiresAt")]
    pub expires_at: i64,
    #[gob(name = "Customer")]
    pub customer: Option<GobCustomer>,
    #[gob(name = "Features")]
    pub features: Option<GobFeatures>,
    #[gob(name = "SkuName")]
    pub sku_name: String,
    #[gob(name = "SkuShortName")]
    pub sku_short_name: String,
    #[gob(name = "IsTrial")]
    pub is_trial: bool,
    #[gob(name = "IsGovSku")]
    pub is_gov_sku: bool,
}

impl Wire for License {
    type Repr = GobLicense;
    fn to_wire(&self) -> GobLicense {
        GobLicense {
            id: self.id.clone(),
            issued_at: self.issued_at,
            starts_at: self.starts_at,
            expires_at: self.expires_at,
            customer: self.customer.as_ref().map(Wire::to_wire),
            features: Some(self.features.to_wire()),
            sku_name: self.sku_name.clone(),
            sku_short_name: self.sku_short_name.clone(),
            is_trial: self.is_trial,
            is_gov_sku: self.is_gov_sku,
        }
    }
    fn from_wire(w: GobLicense) -> Self {
        License {
            id: w.id,
            issued_at: w.issued_at,
            starts_at: w.starts_at,
            expires_at: w.expires_at,
            sku_name: w.sku_name,
            sku_short_name: w.sku_short_name,
            is_trial: w.is_trial,
            is_gov_sku: w.is_gov_sku,
            customer: w.customer.map(Customer::from_wire),
            features: w.features.map(LicenseFeatures::from_wire).unwrap_or_default(),
        }
    }
}

/// `*model.Config` decoded without a mirror: every field the server sends, as JSON keyed by Go
/// field name (which is also the config file's JSON key).
pub fn config_from_dynamic(d: &Dynamic) -> ServerConfig {
    ServerConfig(gob_to_json(&d.ty, &d.value))
}

/// `*plugin.ErrorString`: how the glue sends a Go error that is not an AppError.
#[derive(Gob, Debug, Default, Clone)]
pub struct GobErrorString {
    #[gob(name = "Code")]
    pub code: i64,
    #[gob(name = "Err")]
    pub err: String,
}

/// A Go `error` value as Mattermost encodes it into an interface field.
pub fn error_to_interface(e: &crate::host::HookError) -> Option<Interface> {
    let made = match e {
        crate::host::HookError::App(app) => Interface::new(APP_ERROR_NAME, &app.as_ref().to_wire()),
        crate::host::HookError::Plain(msg) => Interface::new(
            ERROR_STRING_NAME,
            &GobErrorString {
                code: 0,
                err: msg.clone(),
            },
        ),
    };
    match made {
        Ok(i) => Some(i),
        // Encoding a two-field struct cannot fail in practice; never drop the error silently.
        Err(_) => Some(Interface::string(e.to_string())),
    }
}

/// Reads a Go `error` interface back: an AppError keeps its id and status, anything else its text.
pub fn interface_to_error(i: &Option<Interface>) -> Option<crate::host::ApiError> {
    use crate::host::ApiError;
    let i = i.as_ref()?;
    Some(match i.name.as_str() {
        APP_ERROR_NAME => match i.downcast::<GobAppError>() {
            Ok(a) => ApiError::App(Box::new(AppError::from_wire(a))),
            Err(e) => ApiError::Transport(format!("undecodable AppError: {e}")),
        },
        ERROR_STRING_NAME => match i.downcast::<GobErrorString>() {
            Ok(s) => ApiError::Plain(s.err),
            Err(e) => ApiError::Transport(format!("undecodable ErrorString: {e}")),
        },
        _ => ApiError::Plain(match gob_to_json(&i.ty, &i.value) {
            Value::String(s) => s,
            other => other.to_string(),
        }),
    })
}

/// The request Mattermost forwards to `ServeHTTP` (the exported fields of `*http.Request` it
/// fills). `URL` is a `*url.URL`, which gob carries as its `MarshalBinary` bytes.
#[derive(Gob, Debug, Default, Clone)]
pub struct GobHttpRequest {
    #[gob(name = "Method")]
    pub method: String,
    #[gob(name = "URL")]
    pub url: Option<BinaryBytes>,
    #[gob(name = "Proto")]
    pub proto: String,
    #[gob(name = "ProtoMajor")]
    pub proto_major: i64,
    #[gob(name = "ProtoMinor")]
    pub proto_minor: i64,
    #[gob(name = "Header")]
    pub header: HashMap<String, Vec<String>>,
    #[gob(name = "Host")]
    pub host: String,
    #[gob(name = "RemoteAddr")]
    pub remote_addr: String,
    #[gob(name = "RequestURI")]
    pub request_uri: String,
}

/// `Z_ServeHTTPArgs` (and `Z_ServeMetricsArgs`, which has the same shape).
#[derive(Gob, Debug, Default, Clone)]
pub struct ServeHttpArgs {
    #[gob(name = "ResponseWriterStream")]
    pub response_writer_stream: u32,
    #[gob(name = "Request")]
    pub request: Option<GobHttpRequest>,
    #[gob(name = "Context")]
    pub context: Option<GobHookContext>,
    #[gob(name = "RequestBodyStream")]
    pub request_body_stream: u32,
}

/// `Z_OnActivateArgs`.
#[derive(Gob, Debug, Default, Clone)]
pub struct OnActivateArgs {
    #[gob(name = "APIMuxId")]
    pub api_mux_id: u32,
    #[gob(name = "DriverMuxId")]
    pub driver_mux_id: u32,
}

/// `Z_PluginHTTPArgs` / `Z_PluginHTTPReturns`: the legacy buffered inter-plugin call.
#[derive(Gob, Debug, Default, Clone)]
pub struct PluginHttpArgs {
    #[gob(name = "Request")]
    pub request: Option<GobHttpRequest>,
    #[gob(name = "RequestBody")]
    pub request_body: Vec<u8>,
}

/// The exported fields of `*http.Response` that matter to a caller.
#[derive(Gob, Debug, Default, Clone)]
pub struct GobHttpResponse {
    #[gob(name = "Status")]
    pub status: String,
    #[gob(name = "StatusCode")]
    pub status_code: i64,
    #[gob(name = "Header")]
    pub header: HashMap<String, Vec<String>>,
}

#[derive(Gob, Debug, Default, Clone)]
pub struct PluginHttpReturns {
    #[gob(name = "Response")]
    pub response: Option<GobHttpResponse>,
    #[gob(name = "ResponseBody")]
    pub response_body: Vec<u8>,
}

/// Helpers shared by the client and the simulator for `map[string]interface{}` arguments.
pub fn map_to_wire(m: &Map<String, Value>) -> HashMap<String, Option<Interface>> {
    m.to_wire()
}

pub fn map_from_wire(m: HashMap<String, Option<Interface>>) -> Map<String, Value> {
    Props::from_wire(m)
}
