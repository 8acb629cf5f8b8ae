package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/ioutil"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	structpb "github.com/golang/protobuf/ptypes/struct"
	"google.golang.org/grpc/health/grpc_health_v1"

	pb "pluginapiv1"
)

// hookTimeout is the server's defaultGRPCTimeout for unary hook calls.
const hookTimeout = 30 * time.Second

// go-plugin's line: core version|app version|network|address|protocol|server certificate.
var (
	handshakeRE     = regexp.MustCompile(`^1\|1\|unix\|(/[^|]+)\|grpc\|$`)
	handshakeMTLSRE = regexp.MustCompile(`^1\|1\|unix\|(/[^|]+)\|grpc\|([A-Za-z0-9+/]+)$`)
)

var requiredHooks = []string{
	"OnActivate", "OnDeactivate", "OnConfigurationChange", "MessageHasBeenPosted",
	"MessageHasBeenUpdated", "MessageHasBeenDeleted", "ServeHTTP", "ExecuteCommand",
}

func newID() string {
	b := make([]byte, 13)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func hookCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), hookTimeout)
}

func appErr(e *pb.AppError) string {
	if e == nil {
		return "<nil>"
	}
	b, _ := json.Marshal(e)
	return string(b)
}

func runLifecycle(rep *reporter, pluginPath string, autoMTLS bool) {
	if autoMTLS {
		rep.setSection("grpc+mtls")
	} else {
		rep.setSection("grpc")
	}

	api, err := startAPIServer()
	if err != nil {
		rep.fail("start the PluginAPI gRPC server on 127.0.0.1:0", "%v", err)
		return
	}
	defer api.grpc.Stop()
	// go-plugin appends the host's environment to the child's, as the supervisor relies on.
	os.Setenv("MATTERMOST_PLUGIN_API_TARGET", api.addr)
	rep.info("PluginAPI server on %s (MATTERMOST_PLUGIN_API_TARGET)", api.addr)

	// The plugin's socket goes into a directory of ours (PLUGIN_UNIX_SOCKET_DIR, which newer
	// go-plugin clients set themselves), so stray sockets of killed launches are cleaned up.
	sockDir, err := ioutil.TempDir("", "conformance-grpc-sockets")
	if err != nil {
		rep.fail("create a socket directory", "%v", err)
		return
	}
	defer os.RemoveAll(sockDir)
	os.Setenv("PLUGIN_UNIX_SOCKET_DIR", sockDir)

	// The handshake line, read raw from a separate launch.
	api.setPhase("handshake")
	if autoMTLS {
		checkHandshakeMTLS(rep, pluginPath, sockDir)
	} else {
		checkHandshakePlain(rep, pluginPath, sockDir)
	}

	api.setPhase("startup")
	s, err := startPlugin(pluginPath, autoMTLS)
	startName := "start plugin (go-plugin, AllowedProtocols [grpc], SHA-256 SecureConfig, 10 s StartTimeout)"
	if autoMTLS {
		startName = "start plugin (go-plugin, AllowedProtocols [grpc], AutoMTLS, SHA-256 SecureConfig, 10 s StartTimeout)"
	}
	if err != nil {
		rep.fail(startName, "%v", err)
		if s != nil {
			rep.info("plugin stderr (tail):\n%s", tail(s.stderr.String(), 30))
			rep.info("go-plugin log (tail):\n%s", tail(s.hostLog.String(), 15))
		}
		return
	}
	killed := false
	defer func() {
		if !killed {
			s.client.Kill()
		}
	}()
	addr, sockPath := "", ""
	if rc := s.client.ReattachConfig(); rc != nil && rc.Addr != nil {
		addr = rc.Addr.Network() + " " + rc.Addr.String()
		if rc.Addr.Network() == "unix" {
			sockPath = rc.Addr.String()
		}
	}
	rep.check(startName, s.client.Protocol() == "grpc",
		"protocol %s, %s, handshake+connect in %s, pid %d", s.client.Protocol(), addr, s.startTook.Round(100*time.Microsecond), s.pid)
	rep.check("plugin listens on a unix socket in PLUGIN_UNIX_SOCKET_DIR",
		sockPath != "" && filepath.Dir(sockPath) == sockDir, "%s", addr)
	if sockPath != "" {
		si := statSocket(sockPath)
		rep.check("its socket is a socket only its owner can use (no group or other permissions)",
			si.err == nil && si.isSocket && si.perm&0o077 == 0, "%s", si)
	}

	// Ping = grpc.health.v1.Health/Check{service:"plugin"}; also look at the status.
	err = s.rpc.Ping()
	ctx, cancel := hookCtx()
	hr, herr := grpc_health_v1.NewHealthClient(s.conn).Check(ctx, &grpc_health_v1.HealthCheckRequest{Service: "plugin"})
	cancel()
	rep.check("client.Ping(): grpc.health.v1.Health/Check service \"plugin\" is SERVING",
		err == nil && herr == nil && hr.GetStatus() == grpc_health_v1.HealthCheckResponse_SERVING,
		"ping=%v check=%v status=%s", err, herr, hr.GetStatus())

	// Implemented
	ctx, cancel = hookCtx()
	ir, err := s.hooks.Implemented(ctx, &pb.ImplementedRequest{})
	cancel()
	have := map[string]bool{}
	for _, h := range ir.GetHooks() {
		have[h] = true
	}
	var missing []string
	for _, w := range requiredHooks {
		if !have[w] {
			missing = append(missing, w)
		}
	}
	rep.check("PluginHooks.Implemented lists the required hooks", err == nil && ir.GetError() == nil && len(missing) == 0,
		"err=%v appErr=%s missing=%v got=%v", err, appErr(ir.GetError()), missing, ir.GetHooks())
	if autoMTLS && sockPath != "" {
		checkRefusedClients(rep, sockPath)
	}
	checkUnexpected(rep, api, "startup")

	// OnActivate (the multi-language host sends no OnConfigurationChange before it).
	api.setPhase("activation")
	ctx, cancel = hookCtx()
	t0 := time.Now()
	ar, err := s.hooks.OnActivate(ctx, &pb.OnActivateRequest{})
	cancel()
	rep.check("PluginHooks.OnActivate returns no error", err == nil && ar.GetError() == nil,
		"err=%v appErr=%s (took %s)", err, appErr(ar.GetError()), time.Since(t0).Round(100*time.Microsecond))
	calls := api.callsIn("activation")
	var seq []string
	count := map[string]int{}
	logs := 0
	for _, c := range calls {
		seq = append(seq, c.Method)
		count[c.Method]++
		if strings.HasPrefix(c.Method, "Log") && c.expected() {
			logs++
		}
	}
	rep.info("PluginAPI calls during activation: %s", strings.Join(seq, ", "))
	for _, c := range calls {
		if c.Detail != "" {
			rep.info("%s %s", c.Method, shorten(c.Detail, 300))
		}
	}
	rep.check("activation called LoadPluginConfiguration", count["LoadPluginConfiguration"] > 0, "%d call(s)", count["LoadPluginConfiguration"])
	rep.check("activation called GetServerVersion", count["GetServerVersion"] > 0, "%d call(s)", count["GetServerVersion"])
	rep.check("activation logged through Log*", logs > 0, "%d call(s)", logs)
	checkUnexpected(rep, api, "activation")
	if err != nil {
		rep.info("plugin stderr (tail):\n%s", tail(s.stderr.String(), 30))
		return
	}

	// OnConfigurationChange
	api.setPhase("configuration")
	ctx, cancel = hookCtx()
	cr, err := s.hooks.OnConfigurationChange(ctx, &pb.OnConfigurationChangeRequest{})
	cancel()
	rep.check("PluginHooks.OnConfigurationChange returns no error", err == nil && cr.GetError() == nil,
		"err=%v appErr=%s", err, appErr(cr.GetError()))
	checkUnexpected(rep, api, "configuration")

	api.setPhase("http")
	runHTTPChecks(rep, s)
	runConcurrentVersion(rep, s, 20)
	checkUnexpected(rep, api, "http")

	api.setPhase("messages")
	runMessageHooks(rep, s)
	checkUnexpected(rep, api, "messages")

	// OnDeactivate
	api.setPhase("deactivation")
	ctx, cancel = hookCtx()
	dr, err := s.hooks.OnDeactivate(ctx, &pb.OnDeactivateRequest{})
	cancel()
	rep.check("PluginHooks.OnDeactivate returns no error", err == nil && dr.GetError() == nil,
		"err=%v appErr=%s", err, appErr(dr.GetError()))
	checkUnexpected(rep, api, "deactivation")

	// Kill: GRPCController.Shutdown, close, wait up to 2 s, then SIGKILL.
	api.setPhase("shutdown")
	er := killAndMeasure(s)
	killed = true
	exitedSelf := er.goneAfter >= 0 && er.goneAfter < 2*time.Second && er.killTook < 2*time.Second &&
		!strings.Contains(er.exitErr, "killed")
	st := er.exitErr
	if st == "" {
		st = "exit status 0"
	}
	rep.check("process exits by itself within 2 s of client.Kill() (GRPCController.Shutdown)", exitedSelf,
		"gone after %s, Kill() took %s, wait status %q", er.goneAfter.Round(100*time.Microsecond), er.killTook.Round(100*time.Microsecond), st)
	if er.graceWarn {
		rep.info("note: go-plugin logged \"plugin failed to exit gracefully\"")
	}
	if sockPath != "" {
		_, serr := os.Lstat(sockPath)
		rep.check("the plugin removed its socket when it exited", os.IsNotExist(serr), "lstat: %v", serr)
	}
	checkUnexpected(rep, api, "shutdown")
	checkUnexpected(rep, api, "handshake")
	rep.info("plugin stderr: %d bytes", len(s.stderr.String()))
}

// checkHandshakePlain launches the plugin as go-plugin would without AutoMTLS, once as is and
// once with PLUGIN_UNIX_SOCKET_GROUP naming our own group, and looks at the line and socket.
func checkHandshakePlain(rep *reporter, pluginPath, sockDir string) {
	var si socketInfo
	var path string
	line, err := readHandshake(pluginPath, nil, func(line string) {
		if m := handshakeRE.FindStringSubmatch(strings.TrimRight(line, "\r\n")); m != nil {
			path = m[1]
			si = statSocket(path)
		}
	})
	trimmed := strings.TrimRight(line, "\r\n")
	rep.check("handshake line is 1|1|unix|PATH|grpc| (go-plugin's six fields, no certificate)",
		err == nil && path != "", "line=%q err=%v", trimmed, err)
	if path == "" {
		return
	}
	rep.check("the handshake's socket is in PLUGIN_UNIX_SOCKET_DIR, only its owner can use it (no group or other permissions)",
		filepath.Dir(path) == sockDir && si.err == nil && si.isSocket && si.perm&0o077 == 0, "%s: %s", path, si)

	gid := os.Getgid()
	group := strconv.Itoa(gid)
	if g, err := user.LookupGroupId(group); err == nil {
		group = g.Name
	}
	path = ""
	line, err = readHandshake(pluginPath, []string{"PLUGIN_UNIX_SOCKET_GROUP=" + group}, func(line string) {
		if m := handshakeRE.FindStringSubmatch(strings.TrimRight(line, "\r\n")); m != nil {
			path = m[1]
			si = statSocket(path)
		}
	})
	rep.check(fmt.Sprintf("with PLUGIN_UNIX_SOCKET_GROUP=%s the socket belongs to gid %d and is group-writable (0660)", group, gid),
		err == nil && path != "" && si.err == nil && si.isSocket && si.perm == 0o660 && si.gid == gid,
		"line=%q err=%v %s", strings.TrimRight(line, "\r\n"), err, si)
}

// checkHandshakeMTLS launches the plugin with PLUGIN_CLIENT_CERT set, as go-plugin's AutoMTLS
// client does, and checks the server certificate in the line's 6th field.
func checkHandshakeMTLS(rep *reporter, pluginPath, sockDir string) {
	certPEM, _, err := clientCertPEM()
	if err != nil {
		rep.fail("make a client certificate", "%v", err)
		return
	}
	line, err := readHandshake(pluginPath, []string{"PLUGIN_CLIENT_CERT=" + certPEM}, nil)
	trimmed := strings.TrimRight(line, "\r\n")
	m := handshakeMTLSRE.FindStringSubmatch(trimmed)
	rep.check("handshake line is 1|1|unix|PATH|grpc|CERT", err == nil && m != nil,
		"line=%q err=%v", shorten(trimmed, 160), err)
	if m == nil {
		return
	}
	rep.check("the handshake's socket is in PLUGIN_UNIX_SOCKET_DIR", filepath.Dir(m[1]) == sockDir, "%s", m[1])
	problems, desc := checkServerCert(m[2])
	rep.check("CERT is the DER of a go-plugin-shaped server certificate in unpadded standard base64 (ECDSA P-521, CN/DNS localhost, CA, client+server auth, 262980 h)",
		len(problems) == 0, "%s %s", desc, strings.Join(problems, "; "))
}

func checkUnexpected(rep *reporter, api *apiServer, phase string) {
	u := api.unexpectedIn(phase)
	rep.check("no unexpected PluginAPI calls during "+phase, len(u) == 0, "%s", strings.Join(u, "; "))
}

func runHTTPChecks(rep *reporter, s *started) {
	// GET /version
	init, body := pluginRequest("GET", "/version", nil, "user1")
	res := serveHTTP(s.hooks, init, body)
	var v map[string]interface{}
	jerr := json.Unmarshal(res.body, &v)
	ver, _ := v["version"].(string)
	ok := res.err == nil && res.status == 200 && jerr == nil && v["id"] == "mattermost-ai" && v["transport"] == "grpc" && ver != ""
	rep.check("ServeHTTP GET /version -> 200 {id:mattermost-ai, version, transport:grpc}", ok,
		"status=%d err=%v body=%s content-type=%q msgs=%d took=%s", res.status, res.err, shorten(string(res.body), 200),
		res.header.Get("Content-Type"), res.msgs, res.took.Round(100*time.Microsecond))

	// POST /echo 1 MiB
	payload := make([]byte, 1<<20)
	rand.Read(payload)
	init, body = pluginRequest("POST", "/echo", payload, adminUserID)
	res = serveHTTP(s.hooks, init, body)
	eq := bytes.Equal(res.body, payload)
	rep.check("ServeHTTP POST /echo 1 MiB (init + 64 KiB chunks + body_complete) -> 200, same bytes back",
		res.err == nil && res.status == 200 && eq,
		"status=%d err=%v len=%d equal=%v sent=%d msgs received=%d max chunk=%d body_complete=%v took=%s",
		res.status, res.err, len(res.body), eq, res.sent, res.msgs, res.maxChunk, res.completeSet, res.took.Round(100*time.Microsecond))
	if res.maxChunk > chunkSize {
		rep.info("note: largest response chunk %d bytes > 64 KiB (hooks_http.proto recommends <= 64 KiB)", res.maxChunk)
	}

	// POST /echo empty
	init, body = pluginRequest("POST", "/echo", []byte{}, adminUserID)
	res = serveHTTP(s.hooks, init, body)
	rep.check("ServeHTTP POST /echo 0 bytes -> 200, empty body", res.err == nil && res.status == 200 && len(res.body) == 0,
		"status=%d err=%v len=%d", res.status, res.err, len(res.body))

	// POST /echo without Mattermost-User-Id
	init, body = pluginRequest("POST", "/echo", []byte("hi"), "")
	res = serveHTTP(s.hooks, init, body)
	rep.check("ServeHTTP POST /echo without Mattermost-User-Id -> 401", res.err == nil && res.status == 401,
		"status=%d err=%v body=%s", res.status, res.err, shorten(string(res.body), 120))

	// GET /nope
	init, body = pluginRequest("GET", "/nope", nil, "user1")
	res = serveHTTP(s.hooks, init, body)
	rep.check("ServeHTTP GET /nope -> 404", res.err == nil && res.status == 404,
		"status=%d err=%v body=%s", res.status, res.err, shorten(string(res.body), 120))
}

func runConcurrentVersion(rep *reporter, s *started, n int) {
	var wg sync.WaitGroup
	codes := make([]int, n)
	errs := make([]error, n)
	took := make([]time.Duration, n)
	t0 := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			init, body := pluginRequest("GET", "/version", nil, "user1")
			res := serveHTTP(s.hooks, init, body)
			codes[i], errs[i], took[i] = res.status, res.err, res.took
		}(i)
	}
	wg.Wait()
	total := time.Since(t0)
	bad := 0
	for i := range codes {
		if codes[i] != 200 || errs[i] != nil {
			bad++
		}
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	rep.check(fmt.Sprintf("%d concurrent ServeHTTP GET /version all 200", n), bad == 0,
		"%d failed; wall %s, p50 %s, max %s", bad, total.Round(100*time.Microsecond), took[n/2].Round(100*time.Microsecond), took[n-1].Round(100*time.Microsecond))
}

// ---- Struct helpers ----

func toValue(x interface{}) *structpb.Value {
	switch t := x.(type) {
	case nil:
		return &structpb.Value{Kind: &structpb.Value_NullValue{}}
	case string:
		return &structpb.Value{Kind: &structpb.Value_StringValue{StringValue: t}}
	case float64:
		return &structpb.Value{Kind: &structpb.Value_NumberValue{NumberValue: t}}
	case bool:
		return &structpb.Value{Kind: &structpb.Value_BoolValue{BoolValue: t}}
	case map[string]interface{}:
		return &structpb.Value{Kind: &structpb.Value_StructValue{StructValue: toStruct(t)}}
	case []interface{}:
		l := &structpb.ListValue{}
		for _, e := range t {
			l.Values = append(l.Values, toValue(e))
		}
		return &structpb.Value{Kind: &structpb.Value_ListValue{ListValue: l}}
	}
	panic(fmt.Sprintf("toValue: %T", x))
}

func toStruct(m map[string]interface{}) *structpb.Struct {
	s := &structpb.Struct{Fields: map[string]*structpb.Value{}}
	for k, v := range m {
		s.Fields[k] = toValue(v)
	}
	return s
}

func samplePost(msg string) *pb.Post {
	now := time.Now().UnixNano() / int64(time.Millisecond)
	return &pb.Post{
		Id:        newID(),
		CreateAt:  now,
		UpdateAt:  now,
		UserId:    "u1confhostuser000000000001",
		ChannelId: "c1confhostchannel000000001",
		Message:   msg,
		Props: toStruct(map[string]interface{}{
			"from_webhook": "false",
			"llm_meta": map[string]interface{}{
				"tags":  []interface{}{"a", 2.5, true, nil, map[string]interface{}{"deep": []interface{}{"x", 1.0}}},
				"count": 3.0,
			},
		}),
		FileIds: []string{},
	}
}

func pluginCtx() *pb.PluginContext {
	return &pb.PluginContext{SessionId: "session1", RequestId: newID(), IpAddress: "127.0.0.1", AcceptLanguage: "en", UserAgent: "conformance-grpc-host"}
}

func runMessageHooks(rep *reporter, s *started) {
	p := samplePost("hello")
	ctx, cancel := hookCtx()
	_, err := s.hooks.MessageHasBeenPosted(ctx, &pb.MessageHasBeenPostedRequest{PluginContext: pluginCtx(), Post: p})
	cancel()
	rep.check("PluginHooks.MessageHasBeenPosted (props Struct with nested struct/list) returns OK", err == nil, "err=%v", err)

	old := samplePost("hello")
	old.Id = p.Id
	upd := samplePost("hello, edited")
	upd.Id = p.Id
	upd.EditAt = upd.UpdateAt
	ctx, cancel = hookCtx()
	_, err = s.hooks.MessageHasBeenUpdated(ctx, &pb.MessageHasBeenUpdatedRequest{PluginContext: pluginCtx(), NewPost: upd, OldPost: old})
	cancel()
	rep.check("PluginHooks.MessageHasBeenUpdated returns OK", err == nil, "err=%v", err)

	del := samplePost("hello")
	del.Id = p.Id
	del.DeleteAt = del.UpdateAt
	ctx, cancel = hookCtx()
	_, err = s.hooks.MessageHasBeenDeleted(ctx, &pb.MessageHasBeenDeletedRequest{PluginContext: pluginCtx(), Post: del})
	cancel()
	rep.check("PluginHooks.MessageHasBeenDeleted returns OK", err == nil, "err=%v", err)

	ctx, cancel = hookCtx()
	xr, err := s.hooks.ExecuteCommand(ctx, &pb.ExecuteCommandRequest{PluginContext: pluginCtx(), Args: &pb.CommandArgs{
		UserId: "u1confhostuser000000000001", ChannelId: "c1confhostchannel000000001", TeamId: "t1confhostteam000000000001",
		Command: "/ai unknown", SiteUrl: "http://localhost:8065",
	}})
	cancel()
	rb, _ := json.Marshal(xr.GetResponse())
	rep.check("PluginHooks.ExecuteCommand \"/ai unknown\" returns OK", err == nil,
		"err=%v response=%s appErr=%s", err, shorten(string(rb), 200), shorten(appErr(xr.GetError()), 200))

	// The server's hook client fills CommandArgs fields 1-8 only; Mattermost's proto
	// declares 9-11 (t, user_mention, channel_mention) as plain strings. A plugin built
	// from a proto with other types there fails to decode this request.
	ctx, cancel = hookCtx()
	xr, err = s.hooks.ExecuteCommand(ctx, &pb.ExecuteCommandRequest{PluginContext: pluginCtx(), Args: &pb.CommandArgs{
		UserId: "u1confhostuser000000000001", ChannelId: "c1confhostchannel000000001", TeamId: "t1confhostteam000000000001",
		RootId: "r1confhostroot000000000001", ParentId: "r1confhostroot000000000001", TriggerId: "trigger1",
		Command: "/ai unknown", SiteUrl: "http://localhost:8065", T: "en", UserMention: "@user1", ChannelMention: "~town-square",
	}})
	cancel()
	rb, _ = json.Marshal(xr.GetResponse())
	rep.check("PluginHooks.ExecuteCommand with CommandArgs fields 1-11 (9-11 strings, as declared upstream) returns OK", err == nil,
		"err=%v response=%s appErr=%s", err, shorten(string(rb), 200), shorten(appErr(xr.GetError()), 200))

	// The optional hooks (OnPluginClusterEvent, GenerateSupportData, RunDataRetention): the
	// host calls them only when Implemented lists them; here they are called either way, and a
	// plugin that does not list one must still answer OK with empty results.
	ir, _ := s.hooks.Implemented(context.Background(), &pb.ImplementedRequest{})
	listed := map[string]bool{}
	for _, h := range ir.GetHooks() {
		listed[h] = true
	}
	data := make([]byte, 64*1024)
	rand.Read(data)
	ctx, cancel = hookCtx()
	_, err = s.hooks.OnPluginClusterEvent(ctx, &pb.OnPluginClusterEventRequest{PluginContext: pluginCtx(),
		Event: &pb.PluginClusterEvent{Id: "conformance_event", Data: data}})
	cancel()
	rep.check("PluginHooks.OnPluginClusterEvent (64 KiB of data) returns OK", err == nil, "err=%v", err)

	ctx, cancel = hookCtx()
	sr, err := s.hooks.GenerateSupportData(ctx, &pb.GenerateSupportDataRequest{PluginContext: pluginCtx()})
	cancel()
	rep.check("PluginHooks.GenerateSupportData returns OK", err == nil && sr.GetError() == nil &&
		(listed["GenerateSupportData"] || len(sr.GetFiles()) == 0),
		"err=%v appErr=%s files=%d", err, appErr(sr.GetError()), len(sr.GetFiles()))

	ctx, cancel = hookCtx()
	rr, err := s.hooks.RunDataRetention(ctx, &pb.RunDataRetentionRequest{NowTime: time.Now().UnixNano() / 1e6, BatchSize: 1000})
	cancel()
	rep.check("PluginHooks.RunDataRetention returns OK", err == nil && rr.GetError() == nil &&
		(listed["RunDataRetention"] || rr.GetDeletedCount() == 0),
		"err=%v appErr=%s deleted=%d", err, appErr(rr.GetError()), rr.GetDeletedCount())
}
