// Package model holds our own declarations of the Mattermost model types the
// conformance host sends and receives. Go field names are Mattermost's (gob matches struct fields by
// name) and json tags are Mattermost's (fixtures are written in Mattermost's
// JSON form). Each type declares a subset of the real fields: gob ignores the
// fields a receiver does not declare, and fixtures only use declared fields.
// Types without json tags in Mattermost (Config and its sections,
// PluginKVSetOptions, BotGetOptions, plugin.Context, ErrorString) have none here
// either, so their JSON keys are the Go field names.
//
// The package is named model, like Mattermost's, because gob puts Go type
// names on the wire (e.g. "[]*model.User", "StringMap"); matching them keeps
// the bytes the host sends identical in form to a real server's.
package model

// StringMap mirrors model.StringMap.
type StringMap map[string]string

// StringInterface mirrors model.StringInterface.
type StringInterface map[string]interface{}

// StringArray mirrors model.StringArray.
type StringArray []string

// Context mirrors plugin.Context (struct names are sent unqualified).
type Context struct {
	SessionId      string
	ConnectionId   string
	RequestId      string
	IPAddress      string
	AcceptLanguage string
	UserAgent      string
}

// AppError mirrors model.AppError. Unexported params/wrapped are never sent by gob.
type AppError struct {
	Id              string `json:"id"`
	Message         string `json:"message"`
	DetailedError   string `json:"detailed_error"`
	RequestId       string `json:"request_id,omitempty"`
	StatusCode      int    `json:"status_code,omitempty"`
	Where           string `json:"-"`
	IsOAuth         bool   `json:"is_oauth,omitempty"`
	SkipTranslation bool   `json:"-"`
}

func (e *AppError) Error() string {
	s := e.Where + ": " + e.Message
	if e.DetailedError != "" {
		s += ", " + e.DetailedError
	}
	return s
}

// ErrorString mirrors plugin.ErrorString (non-AppError errors across RPC;
// registered under the gob name "*plugin.ErrorString").
type ErrorString struct {
	Code int
	Err  string
}

func (e ErrorString) Error() string { return e.Err }

type User struct {
	Id                  string    `json:"id"`
	CreateAt            int64     `json:"create_at,omitempty"`
	UpdateAt            int64     `json:"update_at,omitempty"`
	DeleteAt            int64     `json:"delete_at"`
	Username            string    `json:"username"`
	Password            string    `json:"password,omitempty"`
	AuthData            *string   `json:"auth_data,omitempty"`
	AuthService         string    `json:"auth_service"`
	Email               string    `json:"email"`
	EmailVerified       bool      `json:"email_verified,omitempty"`
	Nickname            string    `json:"nickname"`
	FirstName           string    `json:"first_name"`
	LastName            string    `json:"last_name"`
	Position            string    `json:"position"`
	Roles               string    `json:"roles"`
	AllowMarketing      bool      `json:"allow_marketing,omitempty"`
	Props               StringMap `json:"props,omitempty"`
	NotifyProps         StringMap `json:"notify_props,omitempty"`
	LastPasswordUpdate  int64     `json:"last_password_update,omitempty"`
	LastPictureUpdate   int64     `json:"last_picture_update,omitempty"`
	FailedAttempts      int       `json:"failed_attempts,omitempty"`
	Locale              string    `json:"locale"`
	Timezone            StringMap `json:"timezone"`
	MfaActive           bool      `json:"mfa_active,omitempty"`
	RemoteId            *string   `json:"remote_id,omitempty"`
	LastActivityAt      int64     `json:"last_activity_at,omitempty"`
	IsBot               bool      `json:"is_bot,omitempty"`
	BotDescription      string    `json:"bot_description,omitempty"`
	BotLastIconUpdate   int64     `json:"bot_last_icon_update,omitempty"`
	TermsOfServiceId    string    `json:"terms_of_service_id,omitempty"`
	DisableWelcomeEmail bool      `json:"disable_welcome_email"`
	LastLogin           int64     `json:"last_login,omitempty"`
}

// UserSearch mirrors model.UserSearch.
type UserSearch struct {
	Term             string   `json:"term"`
	TeamId           string   `json:"team_id"`
	NotInTeamId      string   `json:"not_in_team_id"`
	InChannelId      string   `json:"in_channel_id"`
	NotInChannelId   string   `json:"not_in_channel_id"`
	InGroupId        string   `json:"in_group_id"`
	GroupConstrained bool     `json:"group_constrained"`
	AllowInactive    bool     `json:"allow_inactive"`
	WithoutTeam      bool     `json:"without_team"`
	Limit            int      `json:"limit"`
	Role             string   `json:"role"`
	Roles            []string `json:"roles"`
	ChannelRoles     []string `json:"channel_roles"`
	TeamRoles        []string `json:"team_roles"`
	NotInGroupId     string   `json:"not_in_group_id"`
}

type Status struct {
	UserId         string `json:"user_id"`
	Status         string `json:"status"`
	Manual         bool   `json:"manual"`
	LastActivityAt int64  `json:"last_activity_at"`
	ActiveChannel  string `json:"active_channel,omitempty"`
	DNDEndTime     int64  `json:"dnd_end_time"`
}

type Team struct {
	Id                 string  `json:"id"`
	CreateAt           int64   `json:"create_at"`
	UpdateAt           int64   `json:"update_at"`
	DeleteAt           int64   `json:"delete_at"`
	DisplayName        string  `json:"display_name"`
	Name               string  `json:"name"`
	Description        string  `json:"description"`
	Email              string  `json:"email"`
	Type               string  `json:"type"`
	CompanyName        string  `json:"company_name"`
	AllowedDomains     string  `json:"allowed_domains"`
	InviteId           string  `json:"invite_id"`
	AllowOpenInvite    bool    `json:"allow_open_invite"`
	LastTeamIconUpdate int64   `json:"last_team_icon_update,omitempty"`
	SchemeId           *string `json:"scheme_id"`
	GroupConstrained   *bool   `json:"group_constrained"`
}

type TeamMember struct {
	TeamId        string `json:"team_id"`
	UserId        string `json:"user_id"`
	Roles         string `json:"roles"`
	DeleteAt      int64  `json:"delete_at"`
	SchemeGuest   bool   `json:"scheme_guest"`
	SchemeUser    bool   `json:"scheme_user"`
	SchemeAdmin   bool   `json:"scheme_admin"`
	ExplicitRoles string `json:"explicit_roles"`
}

type Channel struct {
	Id                string                 `json:"id"`
	CreateAt          int64                  `json:"create_at"`
	UpdateAt          int64                  `json:"update_at"`
	DeleteAt          int64                  `json:"delete_at"`
	TeamId            string                 `json:"team_id"`
	Type              string                 `json:"type"`
	DisplayName       string                 `json:"display_name"`
	Name              string                 `json:"name"`
	Header            string                 `json:"header"`
	Purpose           string                 `json:"purpose"`
	LastPostAt        int64                  `json:"last_post_at"`
	TotalMsgCount     int64                  `json:"total_msg_count"`
	ExtraUpdateAt     int64                  `json:"extra_update_at"`
	CreatorId         string                 `json:"creator_id"`
	SchemeId          *string                `json:"scheme_id"`
	Props             map[string]interface{} `json:"props"`
	GroupConstrained  *bool                  `json:"group_constrained"`
	Shared            *bool                  `json:"shared"`
	TotalMsgCountRoot int64                  `json:"total_msg_count_root"`
	PolicyID          *string                `json:"policy_id"`
	LastRootPostAt    int64                  `json:"last_root_post_at"`
}

type ChannelMember struct {
	ChannelId          string    `json:"channel_id"`
	UserId             string    `json:"user_id"`
	Roles              string    `json:"roles"`
	LastViewedAt       int64     `json:"last_viewed_at"`
	MsgCount           int64     `json:"msg_count"`
	MentionCount       int64     `json:"mention_count"`
	MentionCountRoot   int64     `json:"mention_count_root"`
	UrgentMentionCount int64     `json:"urgent_mention_count"`
	MsgCountRoot       int64     `json:"msg_count_root"`
	NotifyProps        StringMap `json:"notify_props"`
	LastUpdateAt       int64     `json:"last_update_at"`
	SchemeGuest        bool      `json:"scheme_guest"`
	SchemeUser         bool      `json:"scheme_user"`
	SchemeAdmin        bool      `json:"scheme_admin"`
	ExplicitRoles      string    `json:"explicit_roles"`
}

// ChannelMembers mirrors model.ChannelMembers (a slice of values, not pointers).
type ChannelMembers []ChannelMember

type Post struct {
	Id            string          `json:"id"`
	CreateAt      int64           `json:"create_at"`
	UpdateAt      int64           `json:"update_at"`
	EditAt        int64           `json:"edit_at"`
	DeleteAt      int64           `json:"delete_at"`
	IsPinned      bool            `json:"is_pinned"`
	UserId        string          `json:"user_id"`
	ChannelId     string          `json:"channel_id"`
	RootId        string          `json:"root_id"`
	OriginalId    string          `json:"original_id"`
	Message       string          `json:"message"`
	MessageSource string          `json:"message_source,omitempty"`
	Type          string          `json:"type"`
	Props         StringInterface `json:"props"`
	Hashtags      string          `json:"hashtags"`
	FileIds       StringArray     `json:"file_ids"`
	PendingPostId string          `json:"pending_post_id"`
	HasReactions  bool            `json:"has_reactions,omitempty"`
	RemoteId      *string         `json:"remote_id,omitempty"`
	ReplyCount    int64           `json:"reply_count"`
	LastReplyAt   int64           `json:"last_reply_at"`
	IsFollowing   *bool           `json:"is_following,omitempty"`
}

type PostList struct {
	Order      []string         `json:"order"`
	Posts      map[string]*Post `json:"posts"`
	NextPostId string           `json:"next_post_id"`
	PrevPostId string           `json:"prev_post_id"`
	HasNext    *bool            `json:"has_next"`
}

// SearchParameter mirrors model.SearchParameter: every field is a pointer.
type SearchParameter struct {
	Terms                  *string `json:"terms"`
	IsOrSearch             *bool   `json:"is_or_search"`
	TimeZoneOffset         *int    `json:"time_zone_offset"`
	Page                   *int    `json:"page"`
	PerPage                *int    `json:"per_page"`
	IncludeDeletedChannels *bool   `json:"include_deleted_channels"`
}

// PostSearchMatches mirrors model.PostSearchMatches.
type PostSearchMatches map[string][]string

// PostSearchResults mirrors model.PostSearchResults: the embedded *PostList is
// flattened in JSON and travels as a field named PostList in gob.
type PostSearchResults struct {
	*PostList
	Matches PostSearchMatches `json:"matches"`
}

type Reaction struct {
	UserId    string  `json:"user_id"`
	PostId    string  `json:"post_id"`
	EmojiName string  `json:"emoji_name"`
	CreateAt  int64   `json:"create_at"`
	UpdateAt  int64   `json:"update_at"`
	DeleteAt  int64   `json:"delete_at"`
	RemoteId  *string `json:"remote_id"`
	ChannelId string  `json:"channel_id"`
}

type WebsocketBroadcast struct {
	OmitUsers             map[string]bool `json:"omit_users"`
	UserId                string          `json:"user_id"`
	ChannelId             string          `json:"channel_id"`
	TeamId                string          `json:"team_id"`
	ConnectionId          string          `json:"connection_id"`
	OmitConnectionId      string          `json:"omit_connection_id"`
	ContainsSanitizedData bool            `json:"contains_sanitized_data,omitempty"`
	ContainsSensitiveData bool            `json:"contains_sensitive_data,omitempty"`
}

// PluginKVSetOptions has no json tags in Mattermost.
// PluginClusterEvent and PluginClusterEventSendOptions have no json tags upstream.
type PluginClusterEvent struct {
	Id   string
	Data []byte
}

type PluginClusterEventSendOptions struct {
	SendType string
	TargetId string
}

// FileData is a file of a Support Packet (GenerateSupportData); no json tags upstream.
type FileData struct {
	Filename string
	Body     []byte
}

type PluginKVSetOptions struct {
	Atomic          bool
	OldValue        []byte
	ExpireInSeconds int64
}

type Bot struct {
	UserId         string `json:"user_id"`
	Username       string `json:"username"`
	DisplayName    string `json:"display_name,omitempty"`
	Description    string `json:"description,omitempty"`
	OwnerId        string `json:"owner_id"`
	LastIconUpdate int64  `json:"last_icon_update,omitempty"`
	CreateAt       int64  `json:"create_at"`
	UpdateAt       int64  `json:"update_at"`
	DeleteAt       int64  `json:"delete_at"`
}

type BotPatch struct {
	Username    *string `json:"username"`
	DisplayName *string `json:"display_name"`
	Description *string `json:"description"`
}

// BotGetOptions has no json tags in Mattermost.
type BotGetOptions struct {
	OwnerId        string
	IncludeDeleted bool
	OnlyOrphaned   bool
	Page           int
	PerPage        int
}

type Permission struct {
	Id          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Scope       string `json:"scope"`
}

type FileInfo struct {
	Id              string  `json:"id"`
	CreatorId       string  `json:"user_id"`
	PostId          string  `json:"post_id"`
	ChannelId       string  `json:"channel_id"`
	CreateAt        int64   `json:"create_at"`
	UpdateAt        int64   `json:"update_at"`
	DeleteAt        int64   `json:"delete_at"`
	Path            string  `json:"-"`
	ThumbnailPath   string  `json:"-"`
	PreviewPath     string  `json:"-"`
	Name            string  `json:"name"`
	Extension       string  `json:"extension"`
	Size            int64   `json:"size"`
	MimeType        string  `json:"mime_type"`
	Width           int     `json:"width,omitempty"`
	Height          int     `json:"height,omitempty"`
	HasPreviewImage bool    `json:"has_preview_image,omitempty"`
	MiniPreview     *[]byte `json:"mini_preview"`
	RemoteId        *string `json:"remote_id"`
	Archived        bool    `json:"archived"`
}

type Session struct {
	Id             string        `json:"id"`
	Token          string        `json:"token"`
	CreateAt       int64         `json:"create_at"`
	ExpiresAt      int64         `json:"expires_at"`
	LastActivityAt int64         `json:"last_activity_at"`
	UserId         string        `json:"user_id"`
	DeviceId       string        `json:"device_id"`
	Roles          string        `json:"roles"`
	IsOAuth        bool          `json:"is_oauth"`
	ExpiredNotify  bool          `json:"expired_notify"`
	Props          StringMap     `json:"props"`
	TeamMembers    []*TeamMember `json:"team_members"`
	Local          bool          `json:"local"`
}

type UserAccessToken struct {
	Id          string `json:"id"`
	Token       string `json:"token,omitempty"`
	UserId      string `json:"user_id"`
	Description string `json:"description"`
	IsActive    bool   `json:"is_active"`
}

type PluginStatus struct {
	PluginId    string `json:"plugin_id"`
	ClusterId   string `json:"cluster_id"`
	PluginPath  string `json:"plugin_path"`
	State       int    `json:"state"`
	Error       string `json:"error"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Version     string `json:"version"`
}

type CommandArgs struct {
	UserId    string `json:"user_id"`
	ChannelId string `json:"channel_id"`
	TeamId    string `json:"team_id"`
	RootId    string `json:"root_id"`
	ParentId  string `json:"parent_id"`
	TriggerId string `json:"trigger_id,omitempty"`
	Command   string `json:"command"`
}

type CommandResponse struct {
	ResponseType     string          `json:"response_type"`
	Text             string          `json:"text"`
	Username         string          `json:"username"`
	ChannelId        string          `json:"channel_id"`
	IconURL          string          `json:"icon_url"`
	Type             string          `json:"type"`
	Props            StringInterface `json:"props"`
	GotoLocation     string          `json:"goto_location"`
	TriggerId        string          `json:"trigger_id"`
	SkipSlackParsing bool            `json:"skip_slack_parsing"`
}

// Command mirrors model.Command (AutocompleteData, whose argument values are
// interfaces, is left out; gob skips the field when a plugin sends it).
type Command struct {
	Id                   string `json:"id"`
	Token                string `json:"token"`
	CreateAt             int64  `json:"create_at"`
	UpdateAt             int64  `json:"update_at"`
	DeleteAt             int64  `json:"delete_at"`
	CreatorId            string `json:"creator_id"`
	TeamId               string `json:"team_id"`
	Trigger              string `json:"trigger"`
	Method               string `json:"method"`
	Username             string `json:"username"`
	IconURL              string `json:"icon_url"`
	AutoComplete         bool   `json:"auto_complete"`
	AutoCompleteDesc     string `json:"auto_complete_desc"`
	AutoCompleteHint     string `json:"auto_complete_hint"`
	DisplayName          string `json:"display_name"`
	Description          string `json:"description"`
	URL                  string `json:"url"`
	PluginId             string `json:"plugin_id"`
	AutocompleteIconData string `json:"autocomplete_icon_data,omitempty"`
}

type Customer struct {
	Id      string `json:"id"`
	Name    string `json:"name"`
	Email   string `json:"email"`
	Company string `json:"company"`
}

type Features struct {
	Users          *int  `json:"users"`
	LDAP           *bool `json:"ldap"`
	LDAPGroups     *bool `json:"ldap_groups"`
	MFA            *bool `json:"mfa"`
	Compliance     *bool `json:"compliance"`
	Cluster        *bool `json:"cluster"`
	Metrics        *bool `json:"metrics"`
	FutureFeatures *bool `json:"future_features"`
}

type License struct {
	Id           string    `json:"id"`
	IssuedAt     int64     `json:"issued_at"`
	StartsAt     int64     `json:"starts_at"`
	ExpiresAt    int64     `json:"expires_at"`
	Customer     *Customer `json:"customer"`
	Features     *Features `json:"features"`
	SkuName      string    `json:"sku_name"`
	SkuShortName string    `json:"sku_short_name"`
	IsTrial      bool      `json:"is_trial"`
	IsGovSku     bool      `json:"is_gov_sku"`
}

// ---- model.Config subset (no json tags in Mattermost) ----

type Config struct {
	ServiceSettings ServiceSettings
	SqlSettings     SqlSettings
	LogSettings     LogSettings
	FileSettings    FileSettings
	PluginSettings  PluginSettings
}

type ServiceSettings struct {
	SiteURL         *string
	ListenAddress   *string
	EnableDeveloper *bool
}

type SqlSettings struct {
	DriverName         *string
	DataSource         *string
	DataSourceReplicas []string
}

type LogSettings struct {
	EnableConsole *bool
	ConsoleLevel  *string
	ConsoleJson   *bool
	EnableFile    *bool
	FileLevel     *string
}

type FileSettings struct {
	DriverName  *string
	MaxFileSize *int64
}

type PluginState struct {
	Enable bool
}

type PluginSettings struct {
	Enable          *bool
	EnableUploads   *bool
	Directory       *string
	ClientDirectory *string
	Plugins         map[string]map[string]interface{}
	PluginStates    map[string]*PluginState
}

// NewString returns a pointer to s.
func NewString(s string) *string { return &s }

// NewBool returns a pointer to b.
func NewBool(b bool) *bool { return &b }

// PushNotification: the full field set of Mattermost's model, so gob carries every field the
// server sends and the plugin must skip the ones it does not read.
type PushSubType string
type ChannelType string

type PushNotification struct {
	AckId            string      `json:"ack_id"`
	Platform         string      `json:"platform"`
	ServerId         string      `json:"server_id"`
	DeviceId         string      `json:"device_id"`
	PostId           string      `json:"post_id"`
	Category         string      `json:"category,omitempty"`
	Sound            string      `json:"sound,omitempty"`
	Message          string      `json:"message,omitempty"`
	Badge            int         `json:"badge,omitempty"`
	ContentAvailable int         `json:"cont_ava,omitempty"`
	TeamId           string      `json:"team_id,omitempty"`
	ChannelId        string      `json:"channel_id,omitempty"`
	RootId           string      `json:"root_id,omitempty"`
	ChannelName      string      `json:"channel_name,omitempty"`
	Type             string      `json:"type,omitempty"`
	SubType          PushSubType `json:"sub_type,omitempty"`
	SenderId         string      `json:"sender_id,omitempty"`
	SenderName       string      `json:"sender_name,omitempty"`
	OverrideUsername string      `json:"override_username,omitempty"`
	OverrideIconURL  string      `json:"override_icon_url,omitempty"`
	FromWebhook      string      `json:"from_webhook,omitempty"`
	Version          string      `json:"version,omitempty"`
	IsCRTEnabled     bool        `json:"is_crt_enabled"`
	IsIdLoaded       bool        `json:"is_id_loaded"`
	PostType         string      `json:"-"`
	ChannelType      ChannelType `json:"-"`
	Signature        string      `json:"signature"`
}

// EmailNotificationContent and EmailNotification: Mattermost's shapes, the content embedded as
// in the server, so gob carries it as a nested struct the plugin must skip.
type EmailNotificationContent struct {
	Subject     string `json:"subject,omitempty"`
	Title       string `json:"title,omitempty"`
	SubTitle    string `json:"subtitle,omitempty"`
	MessageHTML string `json:"message_html,omitempty"`
	MessageText string `json:"message_text,omitempty"`
	ButtonText  string `json:"button_text,omitempty"`
	ButtonURL   string `json:"button_url,omitempty"`
	FooterText  string `json:"footer_text,omitempty"`
}

type EmailNotification struct {
	PostId            string `json:"post_id"`
	ChannelId         string `json:"channel_id"`
	TeamId            string `json:"team_id"`
	SenderId          string `json:"sender_id"`
	SenderDisplayName string `json:"sender_display_name,omitempty"`
	RecipientId       string `json:"recipient_id"`
	RootId            string `json:"root_id,omitempty"`
	ChannelType       string `json:"channel_type"`
	ChannelName       string `json:"channel_name"`
	TeamName          string `json:"team_name"`
	SenderUsername    string `json:"sender_username"`
	IsDirectMessage   bool   `json:"is_direct_message"`
	IsGroupMessage    bool   `json:"is_group_message"`
	IsThreadReply     bool   `json:"is_thread_reply"`
	IsCRTEnabled      bool   `json:"is_crt_enabled"`
	UseMilitaryTime   bool   `json:"use_military_time"`

	EmailNotificationContent
}
