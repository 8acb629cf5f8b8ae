// Command refplugin-grpc is a minimal Go plugin for Mattermost's gRPC (multi-language)
// plugin transport. It proves the gRPC conformance host: it does by hand what a
// non-Go plugin has to do (no go-plugin server code), i.e.
//
//   - refuse to run without the MATTERMOST_PLUGIN magic cookie;
//   - listen on a unix socket only its owner may use (see listen.go) and print
//     "1|1|unix|PATH|grpc|" as the first stdout line; with go-plugin AutoMTLS
//     (PLUGIN_CLIENT_CERT) serve TLS requiring the host's certificate and print
//     "1|1|unix|PATH|grpc|<server certificate DER, base64 without padding>";
//   - remove the socket when it exits;
//   - serve grpc.health.v1.Health ("plugin" = SERVING), plugin.GRPCController/Shutdown
//     (exit) and mattermost.pluginapi.v1.PluginHooks;
//   - call the PluginAPI at MATTERMOST_PLUGIN_API_TARGET.
//
// REFPLUGIN_GRPC_FAULT=<name> makes it misbehave on purpose, to show the host catches it:
// unexpected-api (calls KVGet while activating), no-health (no health service),
// no-shutdown (ignores GRPCController.Shutdown), bad-echo (corrupts one echoed byte),
// no-auth (answers /echo without Mattermost-User-Id), tcp (listens on tcp 127.0.0.1 as
// before, in PLUGIN_MIN_PORT..PLUGIN_MAX_PORT), no-mtls (ignores PLUGIN_CLIENT_CERT).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	structpb "github.com/golang/protobuf/ptypes/struct"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	"google.golang.org/grpc/health/grpc_health_v1"

	gopluginpb "gopluginpb"
	pb "pluginapiv1"
)

const (
	pluginID      = "mattermost-ai"
	pluginVersion = "0.0.0-refplugin-grpc"
	chunkSize     = 64 * 1024
)

var fault = os.Getenv("REFPLUGIN_GRPC_FAULT")

func logf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "[INFO] refplugin-grpc: "+format+"\n", args...)
}

func main() {
	if os.Getenv("MATTERMOST_PLUGIN") != "Securely message teams, anywhere." {
		fmt.Fprintln(os.Stderr, "This binary is a plugin. These are not meant to be executed directly.")
		os.Exit(1)
	}
	ok := false
	for _, v := range strings.Split(os.Getenv("PLUGIN_PROTOCOL_VERSIONS"), ",") {
		if strings.TrimSpace(v) == "1" {
			ok = true
		}
	}
	if !ok {
		fmt.Fprintf(os.Stderr, "refplugin-grpc: host supports protocol versions %q, we need 1\n", os.Getenv("PLUGIN_PROTOCOL_VERSIONS"))
		os.Exit(1)
	}
	signal.Ignore(os.Interrupt)

	var lis net.Listener
	network, address := "unix", ""
	var err error
	if fault == "tcp" {
		lis, err = listenTCP()
		if err == nil {
			network, address = "tcp", lis.Addr().String()
		}
	} else {
		lis, address, err = listenUnix()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "refplugin-grpc: listen: %v\n", err)
		os.Exit(1)
	}
	cleanup := func() {
		if network == "unix" {
			os.Remove(address)
		}
	}
	tlsConfig, certField, err := autoMTLS()
	if err != nil {
		cleanup()
		fmt.Fprintf(os.Stderr, "refplugin-grpc: AutoMTLS: %v\n", err)
		os.Exit(1)
	}

	api, err := dialAPI()
	if err != nil {
		cleanup()
		fmt.Fprintf(os.Stderr, "refplugin-grpc: %v\n", err)
		os.Exit(1)
	}

	var opts []grpc.ServerOption
	if tlsConfig != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(tlsConfig)))
	}
	srv := grpc.NewServer(opts...)
	if fault != "no-health" {
		hs := health.NewServer()
		hs.SetServingStatus("plugin", grpc_health_v1.HealthCheckResponse_SERVING)
		grpc_health_v1.RegisterHealthServer(srv, hs)
	}
	done := make(chan struct{})
	gopluginpb.RegisterGRPCControllerServer(srv, &controller{done: done})
	pb.RegisterPluginHooksServer(srv, &hooks{api: api})
	go srv.Serve(lis)

	fmt.Printf("1|1|%s|%s|grpc|%s\n", network, address, certField)
	os.Stdout.Sync()

	<-done
	// Let the Shutdown reply go out, then stop.
	go func() {
		time.Sleep(500 * time.Millisecond)
		cleanup()
		os.Exit(0)
	}()
	srv.GracefulStop()
	cleanup()
	logf("shut down")
	os.Exit(0)
}

// listenTCP (fault "tcp") picks a port in [PLUGIN_MIN_PORT, PLUGIN_MAX_PORT] like go-plugin's
// TCP servers on Windows.
func listenTCP() (net.Listener, error) {
	min, _ := strconv.Atoi(os.Getenv("PLUGIN_MIN_PORT"))
	max, _ := strconv.Atoi(os.Getenv("PLUGIN_MAX_PORT"))
	if min <= 0 || max < min {
		return net.Listen("tcp", "127.0.0.1:0")
	}
	var last error
	for p := min; p <= max; p++ {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err == nil {
			return l, nil
		}
		last = err
	}
	return nil, fmt.Errorf("no free port in %d..%d: %v", min, max, last)
}

func dialAPI() (pb.PluginAPIClient, error) {
	target := os.Getenv("MATTERMOST_PLUGIN_API_TARGET")
	if target == "" {
		return nil, fmt.Errorf("MATTERMOST_PLUGIN_API_TARGET is not set")
	}
	conn, err := grpc.Dial(target, grpc.WithInsecure())
	if err != nil {
		return nil, fmt.Errorf("dialing the PluginAPI at %s: %v", target, err)
	}
	return pb.NewPluginAPIClient(conn), nil
}

type controller struct {
	done chan struct{}
}

func (c *controller) Shutdown(context.Context, *gopluginpb.Empty) (*gopluginpb.Empty, error) {
	if fault == "no-shutdown" {
		return &gopluginpb.Empty{}, nil
	}
	select {
	case <-c.done:
	default:
		close(c.done)
	}
	return &gopluginpb.Empty{}, nil
}

type hooks struct {
	pb.UnimplementedPluginHooksServer
	api pb.PluginAPIClient
}

func (h *hooks) Implemented(context.Context, *pb.ImplementedRequest) (*pb.ImplementedResponse, error) {
	return &pb.ImplementedResponse{Hooks: []string{
		"OnActivate", "OnDeactivate", "OnConfigurationChange", "MessageHasBeenPosted",
		"MessageHasBeenUpdated", "MessageHasBeenDeleted", "ServeHTTP", "ExecuteCommand",
	}}, nil
}

func apiErr(what string, err error, e *pb.AppError) *pb.AppError {
	if err != nil {
		return &pb.AppError{Id: "refplugin.api", Message: fmt.Sprintf("%s: %v", what, err), StatusCode: 500, Where: "refplugin"}
	}
	return e
}

func (h *hooks) loadConfig(ctx context.Context) *pb.AppError {
	r, err := h.api.LoadPluginConfiguration(ctx, &pb.LoadPluginConfigurationRequest{})
	if e := apiErr("LoadPluginConfiguration", err, r.GetError()); e != nil {
		return e
	}
	var cfg map[string]interface{}
	if err := json.Unmarshal(r.GetConfigJson(), &cfg); err != nil {
		return &pb.AppError{Id: "refplugin.config", Message: err.Error(), StatusCode: 500}
	}
	return nil
}

func (h *hooks) OnActivate(ctx context.Context, _ *pb.OnActivateRequest) (*pb.OnActivateResponse, error) {
	if e := h.loadConfig(ctx); e != nil {
		return &pb.OnActivateResponse{Error: e}, nil
	}
	v, err := h.api.GetServerVersion(ctx, &pb.GetServerVersionRequest{})
	if e := apiErr("GetServerVersion", err, v.GetError()); e != nil {
		return &pb.OnActivateResponse{Error: e}, nil
	}
	c, err := h.api.GetConfig(ctx, &pb.GetConfigRequest{})
	if e := apiErr("GetConfig", err, c.GetError()); e != nil {
		return &pb.OnActivateResponse{Error: e}, nil
	}
	l, err := h.api.GetLicense(ctx, &pb.GetLicenseRequest{})
	if e := apiErr("GetLicense", err, l.GetError()); e != nil {
		return &pb.OnActivateResponse{Error: e}, nil
	}
	if fault == "unexpected-api" {
		h.api.KVGet(ctx, &pb.KVGetRequest{Key: "x"})
	}
	_, err = h.api.LogInfo(ctx, &pb.LogInfoRequest{
		Msg: "refplugin-grpc activated",
		KeyValuePairs: []*pb.KeyValuePair{
			{Key: "server_version", Value: &structpb.Value{Kind: &structpb.Value_StringValue{StringValue: v.GetVersion()}}},
			{Key: "licensed", Value: &structpb.Value{Kind: &structpb.Value_BoolValue{BoolValue: len(l.GetLicenseJson()) > 0}}},
		},
	})
	if err != nil {
		return &pb.OnActivateResponse{Error: apiErr("LogInfo", err, nil)}, nil
	}
	logf("activated against server %s", v.GetVersion())
	return &pb.OnActivateResponse{}, nil
}

func (h *hooks) OnDeactivate(context.Context, *pb.OnDeactivateRequest) (*pb.OnDeactivateResponse, error) {
	return &pb.OnDeactivateResponse{}, nil
}

func (h *hooks) OnConfigurationChange(ctx context.Context, _ *pb.OnConfigurationChangeRequest) (*pb.OnConfigurationChangeResponse, error) {
	return &pb.OnConfigurationChangeResponse{Error: h.loadConfig(ctx)}, nil
}

// countValues walks a Struct so that nested props are really looked at.
func countValues(v *structpb.Value) int {
	switch k := v.GetKind().(type) {
	case *structpb.Value_StructValue:
		n := 0
		for _, f := range k.StructValue.GetFields() {
			n += countValues(f)
		}
		return n
	case *structpb.Value_ListValue:
		n := 0
		for _, e := range k.ListValue.GetValues() {
			n += countValues(e)
		}
		return n
	}
	return 1
}

func propsCount(p *pb.Post) int {
	return countValues(&structpb.Value{Kind: &structpb.Value_StructValue{StructValue: p.GetProps()}})
}

func (h *hooks) MessageHasBeenPosted(_ context.Context, r *pb.MessageHasBeenPostedRequest) (*pb.MessageHasBeenPostedResponse, error) {
	logf("MessageHasBeenPosted %s (%d prop leaves)", r.GetPost().GetId(), propsCount(r.GetPost()))
	return &pb.MessageHasBeenPostedResponse{}, nil
}

func (h *hooks) MessageHasBeenUpdated(_ context.Context, r *pb.MessageHasBeenUpdatedRequest) (*pb.MessageHasBeenUpdatedResponse, error) {
	logf("MessageHasBeenUpdated %s", r.GetNewPost().GetId())
	return &pb.MessageHasBeenUpdatedResponse{}, nil
}

func (h *hooks) MessageHasBeenDeleted(_ context.Context, r *pb.MessageHasBeenDeletedRequest) (*pb.MessageHasBeenDeletedResponse, error) {
	logf("MessageHasBeenDeleted %s", r.GetPost().GetId())
	return &pb.MessageHasBeenDeletedResponse{}, nil
}

func (h *hooks) ExecuteCommand(_ context.Context, r *pb.ExecuteCommandRequest) (*pb.ExecuteCommandResponse, error) {
	return &pb.ExecuteCommandResponse{Response: &pb.CommandResponse{
		ResponseType: "ephemeral",
		Text:         fmt.Sprintf("Unknown command: %s", r.GetArgs().GetCommand()),
	}}, nil
}

func (h *hooks) OnPluginClusterEvent(_ context.Context, r *pb.OnPluginClusterEventRequest) (*pb.OnPluginClusterEventResponse, error) {
	logf("OnPluginClusterEvent %s (%d bytes)", r.GetEvent().GetId(), len(r.GetEvent().GetData()))
	return &pb.OnPluginClusterEventResponse{}, nil
}

func (h *hooks) GenerateSupportData(context.Context, *pb.GenerateSupportDataRequest) (*pb.GenerateSupportDataResponse, error) {
	return &pb.GenerateSupportDataResponse{}, nil
}

func (h *hooks) RunDataRetention(context.Context, *pb.RunDataRetentionRequest) (*pb.RunDataRetentionResponse, error) {
	return &pb.RunDataRetentionResponse{}, nil
}

// ---- ServeHTTP ----

func header(init *pb.ServeHTTPRequestInit, key string) string {
	for _, h := range init.GetHeaders() {
		if strings.EqualFold(h.GetKey(), key) && len(h.GetValues()) > 0 {
			return h.GetValues()[0]
		}
	}
	return ""
}

func respond(stream pb.PluginHooks_ServeHTTPServer, status int, contentType string, body []byte) error {
	init := &pb.ServeHTTPResponseInit{StatusCode: int32(status)}
	if contentType != "" {
		init.Headers = []*pb.HTTPHeader{{Key: "Content-Type", Values: []string{contentType}}}
	}
	return stream.Send(&pb.ServeHTTPResponse{Init: init, BodyChunk: body, BodyComplete: true})
}

func (h *hooks) ServeHTTP(stream pb.PluginHooks_ServeHTTPServer) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	init := first.GetInit()
	if init == nil {
		return respond(stream, 400, "text/plain", []byte("missing init\n"))
	}
	u, err := url.Parse(init.GetUrl())
	if err != nil {
		return respond(stream, 400, "text/plain", []byte("bad url\n"))
	}
	switch {
	case u.Path == "/version" && init.GetMethod() == "GET":
		b, _ := json.Marshal(map[string]string{"id": pluginID, "version": pluginVersion, "transport": "grpc"})
		return respond(stream, 200, "application/json", b)
	case u.Path == "/echo" && init.GetMethod() == "POST":
		if header(init, "Mattermost-User-Id") == "" && fault != "no-auth" {
			return respond(stream, 401, "text/plain", []byte("Not authorized\n"))
		}
		return echo(stream, first)
	default:
		return respond(stream, 404, "text/plain", []byte("404 page not found\n"))
	}
}

// echo streams the request body back as it arrives, in chunks of at most 64 KiB.
func echo(stream pb.PluginHooks_ServeHTTPServer, first *pb.ServeHTTPRequest) error {
	if err := stream.Send(&pb.ServeHTTPResponse{Init: &pb.ServeHTTPResponseInit{
		StatusCode: 200,
		Headers:    []*pb.HTTPHeader{{Key: "Content-Type", Values: []string{"application/octet-stream"}}},
	}}); err != nil {
		return err
	}
	send := func(b []byte) error {
		for len(b) > 0 {
			n := len(b)
			if n > chunkSize {
				n = chunkSize
			}
			if err := stream.Send(&pb.ServeHTTPResponse{BodyChunk: b[:n]}); err != nil {
				return err
			}
			b = b[n:]
		}
		return nil
	}
	msg := first
	corrupt := fault == "bad-echo"
	for {
		if b := msg.GetBodyChunk(); corrupt && len(b) > 0 {
			b[0] ^= 0xff
			corrupt = false
		}
		if err := send(msg.GetBodyChunk()); err != nil {
			return err
		}
		if msg.GetBodyComplete() {
			break
		}
		var err error
		msg, err = stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	return stream.Send(&pb.ServeHTTPResponse{BodyComplete: true})
}
