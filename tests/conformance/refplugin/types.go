package main

// Wire types for the reference plugin. Field names follow Mattermost's
// server/public/model and server/public/plugin packages, because gob matches
// struct fields by name; only the fields this plugin looks at are declared
// (gob ignores fields the receiver does not have).

import (
	"encoding/gob"
	"net/http"
	"net/url"
)

// Context mirrors plugin.Context.
type Context struct {
	SessionId      string
	ConnectionId   string
	RequestId      string
	IPAddress      string
	AcceptLanguage string
	UserAgent      string
}

// AppError mirrors model.AppError (exported fields only; gob never sends unexported ones).
type AppError struct {
	Id            string
	Message       string
	DetailedError string
	RequestId     string
	StatusCode    int
	Where         string
}

func (e *AppError) Error() string { return e.Where + ": " + e.Message + ", " + e.DetailedError }

// ErrorString mirrors plugin.ErrorString, the fallback for errors that are not AppErrors.
type ErrorString struct {
	Code int
	Err  string
}

func (e ErrorString) Error() string { return e.Err }

// Post mirrors the fields of model.Post this plugin reads.
type Post struct {
	Id        string
	CreateAt  int64
	UpdateAt  int64
	DeleteAt  int64
	UserId    string
	ChannelId string
	RootId    string
	Message   string
	Type      string
	Props     map[string]interface{}
	FileIds   []string
}

// CommandArgs mirrors model.CommandArgs (exported, non-func fields that matter here).
type CommandArgs struct {
	UserId    string
	ChannelId string
	TeamId    string
	RootId    string
	ParentId  string
	TriggerId string
	Command   string
}

// CommandResponse mirrors model.CommandResponse.
type CommandResponse struct {
	ResponseType     string
	Text             string
	Username         string
	ChannelId        string
	IconURL          string
	Type             string
	Props            map[string]interface{}
	GotoLocation     string
	TriggerId        string
	SkipSlackParsing bool
}

// HTTPRequestSubset mirrors plugin.HTTPRequestSubset (Body is never sent).
type HTTPRequestSubset struct {
	Method     string
	URL        *url.URL
	Proto      string
	ProtoMajor int
	ProtoMinor int
	Header     http.Header
	Host       string
	RemoteAddr string
	RequestURI string
}

// ---- hook argument/return shapes (Z_<Hook>Args / Z_<Hook>Returns) ----

type Z_OnActivateArgs struct {
	APIMuxId    uint32
	DriverMuxId uint32
}

type Z_ErrorReturns struct {
	A error
}

type Z_EmptyArgs struct{}

type Z_EmptyReturns struct{}

type Z_PostArgs struct {
	A *Context
	B *Post
}

type Z_TwoPostArgs struct {
	A *Context
	B *Post
	C *Post
}

type Z_ExecuteCommandArgs struct {
	A *Context
	B *CommandArgs
}

type Z_ExecuteCommandReturns struct {
	A *CommandResponse
	B *AppError
}

type PluginClusterEvent struct {
	Id   string
	Data []byte
}

type FileData struct {
	Filename string
	Body     []byte
}

type Z_OnPluginClusterEventArgs struct {
	A *Context
	B PluginClusterEvent
}

type Z_GenerateSupportDataArgs struct {
	A *Context
}

type Z_GenerateSupportDataReturns struct {
	A []*FileData
	B error
}

type Z_RunDataRetentionArgs struct {
	A int64
	B int64
}

type Z_RunDataRetentionReturns struct {
	A int64
	B error
}

type Z_ServeHTTPArgs struct {
	ResponseWriterStream uint32
	Request              *HTTPRequestSubset
	Context              *Context
	RequestBodyStream    uint32
}

// ---- API shapes used by the plugin ----

type Z_LoadPluginConfigurationArgsArgs struct{}

type Z_LoadPluginConfigurationArgsReturns struct {
	A []byte
}

type Z_GetServerVersionArgs struct{}

type Z_GetServerVersionReturns struct {
	A string
}

type Z_LogArgs struct {
	A string
	B []interface{}
}

func registerGobNames() {
	gob.Register([]interface{}{})
	gob.Register(map[string]interface{}{})
	gob.RegisterName("*model.AppError", &AppError{})
	gob.RegisterName("*plugin.ErrorString", &ErrorString{})
}

// PushNotification: the fields a plugin reads; gob skips the others the host sends.
type PushNotification struct {
	PostId    string
	ChannelId string
	RootId    string
	SenderId  string
	Type      string
}

type Z_NotificationWillBePushedArgs struct {
	A *PushNotification
	B string
}

type Z_NotificationWillBePushedReturns struct {
	A *PushNotification
	B string
}

type EmailNotification struct {
	PostId      string
	SenderId    string
	RecipientId string
	RootId      string
}

type EmailNotificationContent struct {
	Subject string
}

type Z_EmailNotificationWillBeSentArgs struct {
	A *EmailNotification
}

type Z_EmailNotificationWillBeSentReturns struct {
	A *EmailNotificationContent
	B string
}

// Permission mirrors model.Permission's fields (gob matches by field name).
type Permission struct {
	Id          string
	Name        string
	Description string
	Scope       string
}

type Z_HasPermissionToArgs struct {
	A string
	B *Permission
}

type Z_HasPermissionToReturns struct {
	A bool
}
