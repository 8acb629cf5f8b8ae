package main

// The server side of the gRPC PluginAPI (service mattermost.pluginapi.v1.PluginAPI), the
// way the multi-language supervisor runs it: a plain, insecure grpc.Server on a loopback
// port started before the plugin. Only the "ambient" calls a freshly installed server
// would answer are implemented; every other method (and any unknown service or method)
// is answered codes.Unimplemented and recorded as unexpected.

import (
	"context"
	"fmt"
	"net"
	"path"
	"sort"
	"strings"
	"sync"

	structpb "github.com/golang/protobuf/ptypes/struct"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "pluginapiv1"
)

const (
	serverVersion = "10.11.0"
	apiService    = "/mattermost.pluginapi.v1.PluginAPI/"
	pluginConfig  = `{"config":null}`
	serverConfig  = `{"ServiceSettings":{"SiteURL":"http://localhost:8065"}}`
)

// ambient are the PluginAPI methods a plugin may call in this run.
var ambient = map[string]bool{
	"LoadPluginConfiguration": true, "GetServerVersion": true, "GetConfig": true, "GetLicense": true,
	"LogDebug": true, "LogInfo": true, "LogWarn": true, "LogError": true,
	// agent bot sync: the cluster lock (atomic KV set, delete) and the plugin's bot list
	"KVSetWithOptions": true, "KVDelete": true, "GetBots": true,
	// finishing answers a previous run left mid-stream, and a reindex job a restart interrupted
	"KVList": true, "KVGet": true,
	// ServeHTTP routes for system admins only (/echo): only adminUserID is a system admin
	"HasPermissionTo": true,
	// the database settings, to look for upstream 2.x's tables on a first activation
	"GetUnsanitizedConfig": true,
	// the caller's language, for what the plugin tells them
	"GetUser": true,
}

// adminUserID is the one user this server treats as a system admin.
const adminUserID = "admin1"

type apiCall struct {
	FullMethod string
	Method     string
	Code       codes.Code
	Phase      string
	Detail     string // Log* message and fields
}

func (c apiCall) expected() bool {
	return strings.HasPrefix(c.FullMethod, apiService) && ambient[c.Method] && c.Code == codes.OK
}

type apiServer struct {
	pb.UnimplementedPluginAPIServer

	mu    sync.Mutex
	phase string
	calls []apiCall

	grpc *grpc.Server
	addr string
}

func startAPIServer() (*apiServer, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a := &apiServer{phase: "startup", addr: lis.Addr().String()}
	a.grpc = grpc.NewServer(
		grpc.UnaryInterceptor(a.intercept),
		grpc.UnknownServiceHandler(a.unknown),
	)
	pb.RegisterPluginAPIServer(a.grpc, a)
	go a.grpc.Serve(lis)
	return a, nil
}

func (a *apiServer) setPhase(p string) {
	a.mu.Lock()
	a.phase = p
	a.mu.Unlock()
}

func (a *apiServer) record(full string, code codes.Code, detail string) {
	a.mu.Lock()
	a.calls = append(a.calls, apiCall{FullMethod: full, Method: path.Base(full), Code: code, Phase: a.phase, Detail: detail})
	a.mu.Unlock()
}

func (a *apiServer) intercept(ctx context.Context, req interface{}, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (interface{}, error) {
	resp, err := handler(ctx, req)
	a.record(info.FullMethod, status.Code(err), describeLog(req))
	return resp, err
}

func (a *apiServer) unknown(srv interface{}, stream grpc.ServerStream) error {
	m, _ := grpc.MethodFromServerStream(stream)
	a.record(m, codes.Unimplemented, "")
	return status.Errorf(codes.Unimplemented, "unknown method %s", m)
}

// callsIn returns the calls recorded during a phase.
func (a *apiServer) callsIn(phase string) []apiCall {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []apiCall
	for _, c := range a.calls {
		if c.Phase == phase {
			out = append(out, c)
		}
	}
	return out
}

// unexpectedIn lists the calls of a phase that are not ambient (method x count).
func (a *apiServer) unexpectedIn(phase string) []string {
	counts := map[string]int{}
	for _, c := range a.callsIn(phase) {
		if c.expected() {
			continue
		}
		counts[fmt.Sprintf("%s (%s)", c.FullMethod, c.Code)]++
	}
	var out []string
	for k, n := range counts {
		if n > 1 {
			k = fmt.Sprintf("%s x%d", k, n)
		}
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ---- ambient handlers ----

func (a *apiServer) LoadPluginConfiguration(context.Context, *pb.LoadPluginConfigurationRequest) (*pb.LoadPluginConfigurationResponse, error) {
	return &pb.LoadPluginConfigurationResponse{ConfigJson: []byte(pluginConfig)}, nil
}

func (a *apiServer) GetServerVersion(context.Context, *pb.GetServerVersionRequest) (*pb.GetServerVersionResponse, error) {
	return &pb.GetServerVersionResponse{Version: serverVersion}, nil
}

func (a *apiServer) GetConfig(context.Context, *pb.GetConfigRequest) (*pb.GetConfigResponse, error) {
	return &pb.GetConfigResponse{ConfigJson: []byte(serverConfig)}, nil
}

func (a *apiServer) GetUnsanitizedConfig(context.Context, *pb.GetUnsanitizedConfigRequest) (*pb.GetUnsanitizedConfigResponse, error) {
	return &pb.GetUnsanitizedConfigResponse{ConfigJson: []byte(serverConfig)}, nil
}

// KVSetWithOptions: the cluster lock is free.
func (a *apiServer) KVSetWithOptions(context.Context, *pb.KVSetWithOptionsRequest) (*pb.KVSetWithOptionsResponse, error) {
	return &pb.KVSetWithOptionsResponse{Success: true}, nil
}

func (a *apiServer) KVDelete(context.Context, *pb.KVDeleteRequest) (*pb.KVDeleteResponse, error) {
	return &pb.KVDeleteResponse{}, nil
}

// KVGet: a fresh server has no keys (nil value, no error).
func (a *apiServer) KVGet(context.Context, *pb.KVGetRequest) (*pb.KVGetResponse, error) {
	return &pb.KVGetResponse{}, nil
}

// KVList: a fresh server has no keys.
func (a *apiServer) KVList(context.Context, *pb.KVListRequest) (*pb.KVListResponse, error) {
	return &pb.KVListResponse{}, nil
}

// HasPermissionTo: adminUserID holds every permission, nobody else any.
func (a *apiServer) HasPermissionTo(_ context.Context, r *pb.HasPermissionToRequest) (*pb.HasPermissionToResponse, error) {
	return &pb.HasPermissionToResponse{HasPermission: r.GetUserId() == adminUserID}, nil
}

// GetUser: any id is a plain user who speaks English (the plugin reads the caller's
// language for what it tells them, e.g. an unknown command's reply).
func (a *apiServer) GetUser(_ context.Context, r *pb.GetUserRequest) (*pb.GetUserResponse, error) {
	return &pb.GetUserResponse{User: &pb.User{Id: r.GetUserId(), Username: "someone", Roles: "system_user", Locale: "en"}}, nil
}

// GetBots: a fresh server has no bots of ours.
func (a *apiServer) GetBots(context.Context, *pb.GetBotsRequest) (*pb.GetBotsResponse, error) {
	return &pb.GetBotsResponse{}, nil
}

// GetLicense: no license, so empty license_json.
func (a *apiServer) GetLicense(context.Context, *pb.GetLicenseRequest) (*pb.GetLicenseResponse, error) {
	return &pb.GetLicenseResponse{}, nil
}

func (a *apiServer) LogDebug(context.Context, *pb.LogDebugRequest) (*pb.LogDebugResponse, error) {
	return &pb.LogDebugResponse{}, nil
}

func (a *apiServer) LogInfo(context.Context, *pb.LogInfoRequest) (*pb.LogInfoResponse, error) {
	return &pb.LogInfoResponse{}, nil
}

func (a *apiServer) LogWarn(context.Context, *pb.LogWarnRequest) (*pb.LogWarnResponse, error) {
	return &pb.LogWarnResponse{}, nil
}

func (a *apiServer) LogError(context.Context, *pb.LogErrorRequest) (*pb.LogErrorResponse, error) {
	return &pb.LogErrorResponse{}, nil
}

// describeLog renders a Log* request as `msg {key=value ...}`; "" for anything else.
func describeLog(req interface{}) string {
	var msg string
	var kvs []*pb.KeyValuePair
	switch r := req.(type) {
	case *pb.LogDebugRequest:
		msg, kvs = r.GetMsg(), r.GetKeyValuePairs()
	case *pb.LogInfoRequest:
		msg, kvs = r.GetMsg(), r.GetKeyValuePairs()
	case *pb.LogWarnRequest:
		msg, kvs = r.GetMsg(), r.GetKeyValuePairs()
	case *pb.LogErrorRequest:
		msg, kvs = r.GetMsg(), r.GetKeyValuePairs()
	default:
		return ""
	}
	var parts []string
	for _, kv := range kvs {
		parts = append(parts, fmt.Sprintf("%s=%s", kv.GetKey(), valueString(kv.GetValue())))
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%q", msg)
	}
	return fmt.Sprintf("%q {%s}", msg, strings.Join(parts, " "))
}

func valueString(v *structpb.Value) string {
	if v == nil {
		return "<nil>"
	}
	switch k := v.GetKind().(type) {
	case *structpb.Value_NullValue:
		return "null"
	case *structpb.Value_NumberValue:
		return fmt.Sprint(k.NumberValue)
	case *structpb.Value_StringValue:
		return fmt.Sprintf("%q", k.StringValue)
	case *structpb.Value_BoolValue:
		return fmt.Sprint(k.BoolValue)
	case *structpb.Value_StructValue:
		var parts []string
		for key, f := range k.StructValue.GetFields() {
			parts = append(parts, key+":"+valueString(f))
		}
		sort.Strings(parts)
		return "{" + strings.Join(parts, ",") + "}"
	case *structpb.Value_ListValue:
		var parts []string
		for _, e := range k.ListValue.GetValues() {
			parts = append(parts, valueString(e))
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return "?"
}
