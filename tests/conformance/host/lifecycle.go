package main

import (
	"../model"
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io/ioutil"
	"net/http"
	"os"
	"os/exec"
	"reflect"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

const serverVersion = "10.11.0"

// ambientNames are the API methods a plugin may call while activating in the
// lifecycle run; anything else is answered "can't find method" and fails the run.
var ambientNames = []string{
	"LoadPluginConfiguration", "GetServerVersion", "GetLicense", "GetConfig",
	"LogDebug", "LogInfo", "LogWarn", "LogError",
	// agent bot sync: the cluster lock (atomic KV set, delete) and the plugin's bot list
	"KVSetWithOptions", "KVDelete", "GetBots",
	// finishing answers a previous run left mid-stream, and a reindex job a restart interrupted
	"KVList", "KVGet",
	// the caller's language, for what the plugin tells them (e.g. an unknown command's reply)
	"GetUser",
	// ServeHTTP routes for system admins only (/echo): only adminUserID holds manage_system
	"HasPermissionTo",
	// the database settings, to look for upstream 2.x's tables on a first activation
	"GetUnsanitizedConfig",
}

// adminUserID is the one user the lifecycle run's server treats as a system admin.
const adminUserID = "admin1"

func defaultConfig() *model.Config {
	return &model.Config{
		ServiceSettings: model.ServiceSettings{SiteURL: model.NewString("http://localhost:8065"), ListenAddress: model.NewString(":8065")},
		SqlSettings:     model.SqlSettings{DriverName: model.NewString("postgres")},
		LogSettings:     model.LogSettings{EnableConsole: model.NewBool(true), ConsoleLevel: model.NewString("DEBUG"), ConsoleJson: model.NewBool(true)},
		PluginSettings: model.PluginSettings{
			Enable:       model.NewBool(true),
			Plugins:      map[string]map[string]interface{}{},
			PluginStates: map[string]*model.PluginState{"mattermost-ai": {Enable: true}},
		},
	}
}

// ambientHandler answers the ambient methods like a freshly installed server would.
func ambientHandler(method string, args, rets reflect.Value) error {
	r := rets.Elem()
	switch method {
	case "LoadPluginConfiguration":
		r.Field(0).Set(reflect.ValueOf([]byte(`{"config":null}`)))
	case "GetServerVersion":
		r.Field(0).Set(reflect.ValueOf(serverVersion))
	case "GetLicense":
		// nil *model.License: no license
	case "GetConfig", "GetUnsanitizedConfig":
		r.Field(0).Set(reflect.ValueOf(defaultConfig()))
	case "LogDebug", "LogInfo", "LogWarn", "LogError":
	case "KVSetWithOptions":
		r.Field(0).SetBool(true) // the lock is free
	case "HasPermissionTo":
		r.Field(0).SetBool(args.Elem().Field(0).String() == adminUserID)
	case "GetUser":
		// Any id is a plain user who speaks English, as on a fresh server's first account.
		id := args.Elem().Field(0).String()
		r.Field(0).Set(reflect.ValueOf(&model.User{Id: id, Username: "someone", Roles: "system_user", Locale: "en"}))
	case "KVDelete", "GetBots", "KVList", "KVGet":
		// nil error; no bots yet
	default:
		return fmt.Errorf("rpc: can't find method Plugin.%s", method)
	}
	return nil
}

func isAmbient(method string) bool {
	for _, n := range ambientNames {
		if n == method {
			return true
		}
	}
	return false
}

// ---- process-exit measurement ----

func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	// An exited but not yet reaped child is a zombie: count it as exited.
	b, err := ioutil.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err == nil {
		s := string(b)
		if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) && s[i+2] == 'Z' {
			return false
		}
	}
	return true
}

type exitReport struct {
	goneAfter  time.Duration // -1 if still alive after the poll window
	killTook   time.Duration
	exitErr    string // go-plugin's "plugin process exited" error field ("" = status 0)
	sawExitLog bool
	graceWarn  bool // go-plugin logged "plugin failed to exit gracefully"
}

// killAndMeasure calls client.Kill() and measures when the process went away.
func killAndMeasure(s *started) exitReport {
	rep := exitReport{goneAfter: -1}
	t0 := time.Now()
	goneCh := make(chan time.Duration, 1)
	go func() {
		for time.Since(t0) < 6*time.Second {
			if !processAlive(s.pid) {
				goneCh <- time.Since(t0)
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
		goneCh <- -1
	}()
	s.client.Kill()
	rep.killTook = time.Since(t0)
	rep.goneAfter = <-goneCh
	for _, line := range strings.Split(s.hostLog.String(), "\n") {
		var e map[string]interface{}
		if json.Unmarshal([]byte(line), &e) != nil {
			continue
		}
		switch e["@message"] {
		case "plugin process exited":
			rep.sawExitLog = true
			if v, ok := e["error"].(string); ok {
				rep.exitErr = v
			}
		case "plugin failed to exit gracefully":
			rep.graceWarn = true
		}
	}
	return rep
}

// hclogLines counts stderr lines that are hclog JSON objects (@level and @message).
func hclogLines(stderr string) (n int, sample string) {
	for _, line := range strings.Split(stderr, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var e map[string]interface{}
		if json.Unmarshal([]byte(line), &e) != nil {
			continue
		}
		_, l := e["@level"].(string)
		_, m := e["@message"].(string)
		if l && m {
			n++
			if sample == "" {
				sample = line
			}
		}
	}
	return
}

func tail(s string, lines int) string {
	parts := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}

// reportUnexpected fails once per unexpected API/driver call made since the last report.
type unexpectedTracker struct {
	seen map[string]int
}

func (u *unexpectedTracker) check(rep *reporter, phase string, tables ...*rpcTable) {
	if u.seen == nil {
		u.seen = map[string]int{}
	}
	var order []string
	counts := map[string]int{}
	for _, t := range tables {
		n := 0
		for _, c := range t.snapshot() {
			if !c.Unknown && c.Err == "" {
				continue
			}
			n++
			key := t.label + "#" + fmt.Sprint(n)
			if _, done := u.seen[key]; done {
				continue
			}
			u.seen[key] = 1
			what := t.label + " Plugin." + c.Method
			if c.Err != "" {
				what += " (" + c.Err + ")"
			}
			if counts[what] == 0 {
				order = append(order, what)
			}
			counts[what]++
		}
	}
	var fresh []string
	for _, w := range order {
		if counts[w] > 1 {
			w = fmt.Sprintf("%s x%d", w, counts[w])
		}
		fresh = append(fresh, w)
	}
	rep.check("no unexpected API/driver calls during "+phase, len(fresh) == 0, "%s", strings.Join(fresh, "; "))
}

// ---- the lifecycle run ----

func runLifecycle(rep *reporter, pluginPath string) {
	rep.setSection("lifecycle")
	s, err := startPlugin(pluginPath)
	if err != nil {
		rep.fail("start plugin (go-plugin netrpc, SHA-256 SecureConfig, 3 s StartTimeout)", "%v", err)
		if s != nil {
			rep.info("plugin stderr (tail):\n%s", tail(s.stderr.String(), 30))
			rep.info("go-plugin log (tail):\n%s", tail(s.hostLog.String(), 15))
		}
		return
	}
	rep.pass("start plugin (go-plugin netrpc, SHA-256 SecureConfig, 3 s StartTimeout)", "handshake+connect in %s, pid %d", s.startTook.Round(time.Millisecond), s.pid)
	killed := false
	defer func() {
		if !killed {
			s.client.Kill()
		}
	}()

	// Implemented
	impl, err := s.hooks.Implemented()
	want := []string{"OnActivate", "OnDeactivate", "OnConfigurationChange", "MessageHasBeenPosted",
		"MessageHasBeenUpdated", "MessageHasBeenDeleted", "ServeHTTP", "ServeMetrics", "ExecuteCommand",
		"NotificationWillBePushed", "EmailNotificationWillBeSent"}
	var missing []string
	have := map[string]bool{}
	for _, h := range impl {
		have[h] = true
	}
	for _, w := range want {
		if !have[w] {
			missing = append(missing, w)
		}
	}
	rep.check("Plugin.Implemented lists the required hooks", err == nil && len(missing) == 0, "err=%v missing=%v got=%v", err, missing, impl)

	// OnActivate
	api := newTable("api", subsetSigs(ambientNames...), ambientHandler)
	drv := newTable("driver", map[string]sig{}, ambientHandler)
	unexp := &unexpectedTracker{}
	t0 := time.Now()
	rpcErr, hookErr := s.hooks.OnActivate(api, drv)
	rep.check("Plugin.OnActivate returns nil error", rpcErr == nil && hookErr == nil, "rpc=%v hook=%v (took %s)", rpcErr, hookErr, time.Since(t0).Round(time.Millisecond))
	if rpcErr != nil {
		rep.info("plugin stderr (tail):\n%s", tail(s.stderr.String(), 30))
		return
	}
	calls := api.snapshot()
	var seq []string
	for _, c := range calls {
		seq = append(seq, c.Method)
	}
	rep.info("API calls during activation: %s", strings.Join(seq, ", "))
	rep.check("activation called Plugin.LoadPluginConfiguration", api.called("LoadPluginConfiguration") > 0, "%d call(s)", api.called("LoadPluginConfiguration"))
	rep.check("activation called Plugin.GetServerVersion", api.called("GetServerVersion") > 0, "%d call(s)", api.called("GetServerVersion"))
	var infos []string
	for _, c := range calls {
		if c.Method == "LogInfo" {
			infos = append(infos, c.argsJSON())
		}
	}
	rep.check("activation logged through Plugin.LogInfo", len(infos) > 0, "%s", shorten(strings.Join(infos, " | "), 300))
	for _, c := range calls {
		if c.Method == "LogError" || c.Method == "LogWarn" {
			rep.info("%s %s", c.Method, shorten(c.argsJSON(), 300))
		}
	}
	unexp.check(rep, "activation", api, drv)

	// OnConfigurationChange
	rpcErr, hookErr = s.hooks.OnConfigurationChange()
	rep.check("Plugin.OnConfigurationChange returns nil error", rpcErr == nil && hookErr == nil, "rpc=%v hook=%v", rpcErr, hookErr)

	// ServeHTTP
	runHTTPChecks(rep, s)
	unexp.check(rep, "ServeHTTP/ServeMetrics", api, drv)

	// Message hooks
	runMessageHooks(rep, s)
	unexp.check(rep, "message hooks and ExecuteCommand", api, drv)

	// Concurrency
	runConcurrentVersion(rep, s, 20)

	// OnDeactivate
	rpcErr, hookErr = s.hooks.OnDeactivate()
	rep.check("Plugin.OnDeactivate returns nil error", rpcErr == nil && hookErr == nil, "rpc=%v hook=%v", rpcErr, hookErr)
	unexp.check(rep, "deactivation", api, drv)

	// Kill: Control.Quit, then go-plugin waits up to 2 s before SIGKILL.
	er := killAndMeasure(s)
	killed = true
	exitedSelf := er.goneAfter >= 0 && er.goneAfter < 2*time.Second && !strings.Contains(er.exitErr, "killed")
	status := er.exitErr
	if status == "" {
		status = "exit status 0"
	}
	rep.check("process exits by itself within 2 s of client.Kill()", exitedSelf,
		"gone after %s, Kill() took %s, wait status %q", er.goneAfter.Round(time.Millisecond), er.killTook.Round(time.Millisecond), status)
	if er.graceWarn {
		rep.info("note: go-plugin logged \"plugin failed to exit gracefully\" (also happens on clean exits when the Quit reply is lost)")
	}

	// stderr
	n, sample := hclogLines(s.stderr.String())
	rep.check("plugin stderr carries hclog JSON lines (@level, @message)", n > 0, "%d line(s); e.g. %s", n, shorten(sample, 200))
	rep.info("stderr: %d bytes raw, %d bytes synced over yamux; stdout synced: %d bytes",
		len(s.stderr.String()), len(s.syncErr.String()), len(s.syncOut.String()))
	if verbose() {
		for _, c := range append(api.snapshot(), drv.snapshot()...) {
			rep.info("call %s %s %s", c.Method, shorten(c.argsJSON(), 300), c.Err)
		}
	}
}

func runHTTPChecks(rep *reporter, s *started) {
	// GET /version
	r := pluginRequest("GET", "/version", nil, "user1")
	res := s.hooks.serveHTTP("ServeHTTP", pluginContext(r, "session1"), r)
	body := res.rec.Body.Bytes()
	var v map[string]interface{}
	jerr := json.Unmarshal(body, &v)
	ok := res.rpcErr == nil && res.rec.Code == 200 && jerr == nil &&
		v["id"] == "mattermost-ai" && v["transport"] == "netrpc"
	if ver, _ := v["version"].(string); ver == "" {
		ok = false
	}
	rep.check("ServeHTTP GET /version -> 200 {id:mattermost-ai, version, transport:netrpc}", ok,
		"status=%d rpc=%v body=%s content-type=%q took=%s", res.rec.Code, res.rpcErr, shorten(string(body), 200),
		res.rec.Header().Get("Content-Type"), res.took.Round(time.Millisecond))

	// POST /echo 1 MiB
	payload := make([]byte, 1<<20)
	rand.Read(payload)
	r = pluginRequest("POST", "/echo", payload, adminUserID)
	res = s.hooks.serveHTTP("ServeHTTP", pluginContext(r, "session1"), r)
	got := res.rec.Body.Bytes()
	rep.check("ServeHTTP POST /echo 1 MiB -> 200, body byte-for-byte", res.rpcErr == nil && res.rec.Code == 200 && bytes.Equal(got, payload),
		"status=%d rpc=%v len(body)=%d equal=%v writes=%d took=%s", res.rec.Code, res.rpcErr, len(got), bytes.Equal(got, payload), res.writes, res.took.Round(time.Millisecond))

	// POST /echo empty
	r = pluginRequest("POST", "/echo", []byte{}, adminUserID)
	res = s.hooks.serveHTTP("ServeHTTP", pluginContext(r, "session1"), r)
	rep.check("ServeHTTP POST /echo 0 bytes -> 200, empty body", res.rpcErr == nil && res.rec.Code == 200 && res.rec.Body.Len() == 0,
		"status=%d rpc=%v len(body)=%d", res.rec.Code, res.rpcErr, res.rec.Body.Len())
	rep.check("ServeHTTP POST /echo -> application/octet-stream, nosniff",
		res.rec.Header().Get("Content-Type") == "application/octet-stream" && res.rec.Header().Get("X-Content-Type-Options") == "nosniff",
		"content-type=%q x-content-type-options=%q", res.rec.Header().Get("Content-Type"), res.rec.Header().Get("X-Content-Type-Options"))

	// POST /echo as a user who is not a system admin: reflecting bodies is for admins only
	r = pluginRequest("POST", "/echo", []byte("<script>alert(1)</script>"), "user1")
	r.Header.Set("Content-Type", "text/html")
	res = s.hooks.serveHTTP("ServeHTTP", pluginContext(r, "session1"), r)
	rep.check("ServeHTTP POST /echo as a non-admin -> 403", res.rpcErr == nil && res.rec.Code == 403,
		"status=%d rpc=%v body=%s", res.rec.Code, res.rpcErr, shorten(res.rec.Body.String(), 120))

	// POST /echo unauthenticated
	r = pluginRequest("POST", "/echo", []byte("hi"), "")
	res = s.hooks.serveHTTP("ServeHTTP", pluginContext(r, ""), r)
	rep.check("ServeHTTP POST /echo without Mattermost-User-Id -> 401", res.rpcErr == nil && res.rec.Code == 401,
		"status=%d rpc=%v body=%s", res.rec.Code, res.rpcErr, shorten(res.rec.Body.String(), 120))

	// GET /nope
	r = pluginRequest("GET", "/nope", nil, "user1")
	res = s.hooks.serveHTTP("ServeHTTP", pluginContext(r, "session1"), r)
	rep.check("ServeHTTP GET /nope -> 404", res.rpcErr == nil && res.rec.Code == 404,
		"status=%d rpc=%v body=%s", res.rec.Code, res.rpcErr, shorten(res.rec.Body.String(), 120))

	// GET /plugins/mattermost-ai exactly: the server strips the whole path, so the plugin
	// gets an empty one. It must be routed (404 here), not refused as malformed.
	r = pluginRequest("GET", "", nil, "user1")
	res = s.hooks.serveHTTP("ServeHTTP", pluginContext(r, "session1"), r)
	rep.check("ServeHTTP GET /plugins/mattermost-ai (empty path) -> 404, not 400", res.rpcErr == nil && res.rec.Code == 404,
		"status=%d rpc=%v body=%s", res.rec.Code, res.rpcErr, shorten(res.rec.Body.String(), 120))

	// ServeMetrics as the server's metrics listener calls it: for the documented scrape URL
	// /plugins/mattermost-ai/metrics it strips that whole prefix, leaving an empty path.
	for _, sub := range []string{"", "/"} {
		r = metricsRequest(sub)
		res = s.hooks.serveHTTP("ServeMetrics", pluginContext(r, ""), r)
		mbody := res.rec.Body.String()
		rep.check(fmt.Sprintf("ServeMetrics GET /plugins/mattermost-ai/metrics%s (path %q) -> 200 with agents_system_plugin_start_timestamp_seconds", sub, sub),
			res.rpcErr == nil && res.rec.Code == 200 && strings.Contains(mbody, "agents_system_plugin_start_timestamp_seconds"),
			"status=%d rpc=%v bytes=%d content-type=%q", res.rec.Code, res.rpcErr, len(mbody), res.rec.Header().Get("Content-Type"))
	}
}

func samplePost(msg string) *model.Post {
	now := time.Now().UnixNano() / int64(time.Millisecond)
	return &model.Post{
		Id:        newID(),
		CreateAt:  now,
		UpdateAt:  now,
		UserId:    "u1confhostuser000000000001",
		ChannelId: "c1confhostchannel000000001",
		Message:   msg,
		Props: map[string]interface{}{
			"from_webhook": "false",
			"llm_meta": map[string]interface{}{
				"tags":  []interface{}{"a", 2.5, true, map[string]interface{}{"deep": "x"}},
				"count": 3.0,
			},
		},
		FileIds: []string{},
	}
}

func runMessageHooks(rep *reporter, s *started) {
	ctx := &model.Context{RequestId: newID()}
	p := samplePost("hello")
	err := s.hooks.MessageHasBeenPosted(ctx, p)
	rep.check("Plugin.MessageHasBeenPosted (post with nested props) returns", err == nil, "err=%v", err)

	old := samplePost("hello")
	old.Id = p.Id
	upd := samplePost("hello, edited")
	upd.Id = p.Id
	upd.EditAt = upd.UpdateAt
	err = s.hooks.MessageHasBeenUpdated(ctx, upd, old)
	rep.check("Plugin.MessageHasBeenUpdated returns", err == nil, "err=%v", err)

	del := samplePost("hello")
	del.Id = p.Id
	del.DeleteAt = del.UpdateAt
	err = s.hooks.MessageHasBeenDeleted(ctx, del)
	rep.check("Plugin.MessageHasBeenDeleted returns", err == nil, "err=%v", err)

	push := &model.PushNotification{
		AckId: newID(), Platform: "android_rn", ServerId: newID(), DeviceId: "dev1", PostId: p.Id,
		Category: "CAN_REPLY", Message: "hello", Badge: 3, TeamId: newID(), ChannelId: p.ChannelId,
		RootId: newID(), ChannelName: "town", Type: "message", SubType: "calls", SenderId: p.UserId,
		SenderName: "someone", Version: "v2", IsCRTEnabled: true, PostType: "", ChannelType: "O",
		Signature: "sig",
	}
	modified, reason, err := s.hooks.NotificationWillBePushed(push, "u1confhostuser000000000001")
	rep.check("Plugin.NotificationWillBePushed (full notification from a person) lets it go unchanged",
		err == nil && modified == nil && reason == "", "err=%v modified=%v reason=%q", err, modified, reason)

	mail := &model.EmailNotification{
		PostId: p.Id, ChannelId: p.ChannelId, TeamId: newID(), SenderId: p.UserId, SenderDisplayName: "Someone",
		RecipientId: "u1confhostuser000000000001", RootId: newID(), ChannelType: "O", ChannelName: "town",
		TeamName: "team", SenderUsername: "someone", IsThreadReply: true, IsCRTEnabled: true,
		EmailNotificationContent: model.EmailNotificationContent{Subject: "New reply", Title: "Reply",
			MessageHTML: "<p>hello</p>", MessageText: "hello", ButtonText: "Open", ButtonURL: "http://x", FooterText: "f"},
	}
	content, mailReason, err := s.hooks.EmailNotificationWillBeSent(mail)
	rep.check("Plugin.EmailNotificationWillBeSent (full notification from a person) lets it go unchanged",
		err == nil && content == nil && mailReason == "", "err=%v content=%v reason=%q", err, content, mailReason)

	resp, appErr, err := s.hooks.ExecuteCommand(ctx, &model.CommandArgs{
		Command: "/ai unknown", UserId: "u1confhostuser000000000001", ChannelId: "c1confhostchannel000000001", TeamId: "t1confhostteam000000000001",
	})
	rb, _ := json.Marshal(resp)
	ab, _ := json.Marshal(appErr)
	rep.check("Plugin.ExecuteCommand \"/ai unknown\" returns", err == nil, "err=%v response=%s appErr=%s", err, shorten(string(rb), 200), shorten(string(ab), 200))

	runOptionalHooks(rep, s, ctx)
}

// runOptionalHooks calls the hooks a plugin lists in Implemented only if it implements them
// (the server calls nothing else), with Mattermost's shapes. A Go plugin answers them either way
// (the glue registers every hook), and so must ours: the call must return without an RPC error,
// and a hook the plugin does not list answers with its zero values.
func runOptionalHooks(rep *reporter, s *started, ctx *model.Context) {
	impl, _ := s.hooks.Implemented()
	listed := map[string]bool{}
	for _, h := range impl {
		listed[h] = true
	}
	rep.info("optional hooks listed: OnPluginClusterEvent=%v RunDataRetention=%v GenerateSupportData=%v",
		listed["OnPluginClusterEvent"], listed["RunDataRetention"], listed["GenerateSupportData"])

	data := make([]byte, 64*1024)
	rand.Read(data)
	err := s.hooks.OnPluginClusterEvent(ctx, model.PluginClusterEvent{Id: "conformance_event", Data: data})
	rep.check("Plugin.OnPluginClusterEvent (64 KiB of data) returns", err == nil, "err=%v", err)

	files, hookErr, err := s.hooks.GenerateSupportData(ctx)
	names := []string{}
	for _, f := range files {
		if f != nil {
			names = append(names, fmt.Sprintf("%s (%d bytes)", f.Filename, len(f.Body)))
		}
	}
	rep.check("Plugin.GenerateSupportData returns", err == nil && hookErr == nil && (listed["GenerateSupportData"] || len(files) == 0),
		"err=%v hookErr=%v files=%v", err, hookErr, names)

	deleted, hookErr, err := s.hooks.RunDataRetention(time.Now().UnixMilli(), 1000)
	rep.check("Plugin.RunDataRetention returns", err == nil && hookErr == nil && (listed["RunDataRetention"] || deleted == 0),
		"err=%v hookErr=%v deleted=%d", err, hookErr, deleted)
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
			r := pluginRequest("GET", "/version", nil, "user1")
			res := s.hooks.serveHTTP("ServeHTTP", pluginContext(r, "session1"), r)
			codes[i] = res.rec.Code
			errs[i] = res.rpcErr
			took[i] = res.took
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
		"%d failed; wall %s, p50 %s, max %s", bad, total.Round(time.Millisecond), took[n/2].Round(time.Millisecond), took[n-1].Round(time.Millisecond))
}

// ---- notaplugin ----

func runNotAPlugin(rep *reporter, pluginPath string) {
	rep.setSection("notaplugin")
	cmd := exec.Command(pluginPath)
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "MATTERMOST_PLUGIN=") {
			env = append(env, e)
		}
	}
	cmd.Env = env
	var stderr, stdout bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		rep.fail("run binary without the magic cookie", "%v", err)
		return
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var werr error
	select {
	case werr = <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-done
		rep.fail("binary exits when run without the magic cookie", "still running after 5 s")
		return
	}
	code := 0
	if werr != nil {
		if ee, ok := werr.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else {
			code = -1
		}
	}
	rep.check("exit status 1 without MATTERMOST_PLUGIN cookie", code == 1, "exit code %d", code)
	rep.check("stderr says \"This binary is a plugin\"", strings.Contains(stderr.String(), "This binary is a plugin"),
		"stderr: %s", shorten(stderr.String(), 200))
	rep.check("nothing on stdout", stdout.Len() == 0, "stdout: %s", shorten(stdout.String(), 100))
}

var _ = http.StatusOK
