package main

// The server side of Mattermost's plugin RPC glue: starting the plugin with
// go-plugin exactly like server/public/plugin/supervisor.go does, dispensing
// "hooks", and calling hooks with the Z_<Hook>Args / Z_<Hook>Returns shapes of
// server/public/plugin/client_rpc*.go.

import (
	"../model"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/rpc"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
)

var handshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "MATTERMOST_PLUGIN",
	MagicCookieValue: "Securely message teams, anywhere.",
}

// registerGobNames registers the interface value names Mattermost registers
// (client_rpc.go init): the printed Go type names of the model package.
func registerGobNames() {
	gob.Register([]interface{}{})
	gob.Register(map[string]interface{}{})
	gob.RegisterName("*model.AppError", &model.AppError{})
	gob.RegisterName("*plugin.ErrorString", &model.ErrorString{})
}

// ---- hook shapes ----

type Z_OnActivateArgs struct {
	APIMuxId    uint32
	DriverMuxId uint32
}

type Z_OnActivateReturns struct{ A error }
type Z_OnDeactivateArgs struct{}
type Z_OnDeactivateReturns struct{ A error }
type Z_OnConfigurationChangeArgs struct{}
type Z_OnConfigurationChangeReturns struct{ A error }

type Z_MessageHasBeenPostedArgs struct {
	A *model.Context
	B *model.Post
}
type Z_MessageHasBeenPostedReturns struct{}

type Z_MessageHasBeenUpdatedArgs struct {
	A *model.Context
	B *model.Post
	C *model.Post
}
type Z_MessageHasBeenUpdatedReturns struct{}

type Z_MessageHasBeenDeletedArgs struct {
	A *model.Context
	B *model.Post
}
type Z_MessageHasBeenDeletedReturns struct{}

type Z_EmailNotificationWillBeSentArgs struct {
	A *model.EmailNotification
}
type Z_EmailNotificationWillBeSentReturns struct {
	A *model.EmailNotificationContent
	B string
}

type Z_NotificationWillBePushedArgs struct {
	A *model.PushNotification
	B string
}
type Z_NotificationWillBePushedReturns struct {
	A *model.PushNotification
	B string
}

type Z_ExecuteCommandArgs struct {
	A *model.Context
	B *model.CommandArgs
}
type Z_ExecuteCommandReturns struct {
	A *model.CommandResponse
	B *model.AppError
}

type Z_OnPluginClusterEventArgs struct {
	A *model.Context
	B model.PluginClusterEvent
}
type Z_OnPluginClusterEventReturns struct{}

type Z_GenerateSupportDataArgs struct {
	A *model.Context
}
type Z_GenerateSupportDataReturns struct {
	A []*model.FileData
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

// HTTPRequestSubset (plugin.HTTPRequestSubset) is declared in pluginhttp.go.

type Z_ServeHTTPArgs struct {
	ResponseWriterStream uint32
	Request              *HTTPRequestSubset
	Context              *model.Context
	RequestBodyStream    uint32
}

// ---- go-plugin glue ----

type hooksPlugin struct{}

func (hooksPlugin) Server(*plugin.MuxBroker) (interface{}, error) {
	return nil, errors.New("the conformance host is not a plugin")
}

func (hooksPlugin) Client(b *plugin.MuxBroker, c *rpc.Client) (interface{}, error) {
	return &hooksClient{broker: b, client: c}, nil
}

type hooksClient struct {
	broker *plugin.MuxBroker
	client *rpc.Client
}

// lineBuffer collects the plugin's raw stderr lines (go-plugin writes each line, then "\n").
type lineBuffer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	echo io.Writer
}

func (l *lineBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.echo != nil {
		l.echo.Write(p)
	}
	return l.buf.Write(p)
}

func (l *lineBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// started is a running plugin process.
type started struct {
	client    *plugin.Client
	hooks     *hooksClient
	pid       int
	stderr    *lineBuffer // raw stderr lines of the process (config.Stderr)
	syncErr   *lineBuffer // stderr stream synced over yamux (SyncStderr)
	syncOut   *lineBuffer // stdout stream synced over yamux (SyncStdout)
	hostLog   *lineBuffer // go-plugin's own hclog output (JSON)
	startTook time.Duration
}

func startPlugin(path string) (*started, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	_, err = io.Copy(h, f)
	f.Close()
	if err != nil {
		return nil, err
	}
	sum := h.Sum(nil)

	var echo io.Writer
	if verbose() {
		echo = os.Stderr
	}
	s := &started{
		stderr:  &lineBuffer{echo: echo},
		syncErr: &lineBuffer{echo: echo},
		syncOut: &lineBuffer{echo: echo},
		hostLog: &lineBuffer{echo: echo},
	}
	logger := hclog.New(&hclog.LoggerOptions{
		Name:       "conformance-host",
		Level:      hclog.Trace,
		Output:     s.hostLog,
		JSONFormat: true,
	})
	cfg := &plugin.ClientConfig{
		HandshakeConfig: handshake,
		Plugins:         map[string]plugin.Plugin{"hooks": hooksPlugin{}},
		Cmd:             exec.Command(path),
		SecureConfig:    &plugin.SecureConfig{Checksum: sum, Hash: sha256.New()},
		StartTimeout:    3 * time.Second,
		Stderr:          s.stderr,
		SyncStdout:      s.syncOut,
		SyncStderr:      s.syncErr,
		Logger:          logger,
	}
	t0 := time.Now()
	client := plugin.NewClient(cfg)
	rpcClient, err := client.Client()
	if err != nil {
		client.Kill()
		return s, fmt.Errorf("starting plugin: %v", err)
	}
	s.startTook = time.Since(t0)
	s.client = client
	if rc := client.ReattachConfig(); rc != nil {
		s.pid = rc.Pid
	}
	raw, err := rpcClient.Dispense("hooks")
	if err != nil {
		client.Kill()
		return s, fmt.Errorf("dispensing hooks: %v", err)
	}
	s.hooks = raw.(*hooksClient)
	return s, nil
}

// hookTimeout bounds every hook call (net/rpc itself has no deadline).
var hookTimeout = 20 * time.Second

type timeoutError struct{ method string }

func (e timeoutError) Error() string {
	return fmt.Sprintf("%s: no reply within %s", e.method, hookTimeout)
}

// call is client.Call with a deadline.
func (h *hooksClient) call(method string, args interface{}, reply interface{}) error {
	c := h.client.Go(method, args, reply, make(chan *rpc.Call, 1))
	select {
	case <-c.Done:
		return c.Error
	case <-time.After(hookTimeout):
		return timeoutError{method}
	}
}

func (h *hooksClient) Implemented() ([]string, error) {
	var impl []string
	err := h.call("Plugin.Implemented", struct{}{}, &impl)
	return impl, err
}

// OnActivate reserves two broker ids, serves the API and driver tables on them
// and calls Plugin.OnActivate. It returns the RPC-level error and the hook's error.
func (h *hooksClient) OnActivate(api, driver *rpcTable) (rpcErr error, hookErr error) {
	apiID := h.broker.NextId()
	go acceptAndServe(h.broker, apiID, api)
	drvID := h.broker.NextId()
	go acceptAndServe(h.broker, drvID, driver)
	ret := &Z_OnActivateReturns{}
	rpcErr = h.call("Plugin.OnActivate", &Z_OnActivateArgs{APIMuxId: apiID, DriverMuxId: drvID}, ret)
	return rpcErr, ret.A
}

func acceptAndServe(b *plugin.MuxBroker, id uint32, t *rpcTable) {
	conn, err := b.Accept(id)
	if err != nil {
		t.record(callRecord{Method: "<accept>", Unknown: true, Err: err.Error(), At: time.Now()})
		return
	}
	t.serveConn(conn)
}

func (h *hooksClient) OnDeactivate() (error, error) {
	ret := &Z_OnDeactivateReturns{}
	err := h.call("Plugin.OnDeactivate", &Z_OnDeactivateArgs{}, ret)
	return err, ret.A
}

func (h *hooksClient) OnConfigurationChange() (error, error) {
	ret := &Z_OnConfigurationChangeReturns{}
	err := h.call("Plugin.OnConfigurationChange", &Z_OnConfigurationChangeArgs{}, ret)
	return err, ret.A
}

func (h *hooksClient) MessageHasBeenPosted(c *model.Context, p *model.Post) error {
	return h.call("Plugin.MessageHasBeenPosted", &Z_MessageHasBeenPostedArgs{c, p}, &Z_MessageHasBeenPostedReturns{})
}

func (h *hooksClient) MessageHasBeenUpdated(c *model.Context, newPost, oldPost *model.Post) error {
	return h.call("Plugin.MessageHasBeenUpdated", &Z_MessageHasBeenUpdatedArgs{c, newPost, oldPost}, &Z_MessageHasBeenUpdatedReturns{})
}

func (h *hooksClient) NotificationWillBePushed(n *model.PushNotification, userID string) (*model.PushNotification, string, error) {
	ret := &Z_NotificationWillBePushedReturns{}
	err := h.call("Plugin.NotificationWillBePushed", &Z_NotificationWillBePushedArgs{n, userID}, ret)
	return ret.A, ret.B, err
}

func (h *hooksClient) EmailNotificationWillBeSent(n *model.EmailNotification) (*model.EmailNotificationContent, string, error) {
	ret := &Z_EmailNotificationWillBeSentReturns{}
	err := h.call("Plugin.EmailNotificationWillBeSent", &Z_EmailNotificationWillBeSentArgs{n}, ret)
	return ret.A, ret.B, err
}

func (h *hooksClient) MessageHasBeenDeleted(c *model.Context, p *model.Post) error {
	return h.call("Plugin.MessageHasBeenDeleted", &Z_MessageHasBeenDeletedArgs{c, p}, &Z_MessageHasBeenDeletedReturns{})
}

func (h *hooksClient) ExecuteCommand(c *model.Context, a *model.CommandArgs) (*model.CommandResponse, *model.AppError, error) {
	ret := &Z_ExecuteCommandReturns{}
	err := h.call("Plugin.ExecuteCommand", &Z_ExecuteCommandArgs{c, a}, ret)
	return ret.A, ret.B, err
}

func (h *hooksClient) OnPluginClusterEvent(c *model.Context, ev model.PluginClusterEvent) error {
	return h.call("Plugin.OnPluginClusterEvent", &Z_OnPluginClusterEventArgs{c, ev}, &Z_OnPluginClusterEventReturns{})
}

func (h *hooksClient) GenerateSupportData(c *model.Context) ([]*model.FileData, error, error) {
	ret := &Z_GenerateSupportDataReturns{}
	err := h.call("Plugin.GenerateSupportData", &Z_GenerateSupportDataArgs{c}, ret)
	return ret.A, ret.B, err
}

func (h *hooksClient) RunDataRetention(nowTime, batchSize int64) (int64, error, error) {
	ret := &Z_RunDataRetentionReturns{}
	err := h.call("Plugin.RunDataRetention", &Z_RunDataRetentionArgs{nowTime, batchSize}, ret)
	return ret.A, ret.B, err
}

// ---- ServeHTTP / ServeMetrics, host side ----

// responseWriterRPC is served as net/rpc service "Plugin" on the ResponseWriterStream.
type responseWriterRPC struct {
	w       http.ResponseWriter
	mu      sync.Mutex
	flushes int
	writes  int
}

func (s *responseWriterRPC) Header(args struct{}, reply *http.Header) error {
	*reply = s.w.Header()
	return nil
}

func (s *responseWriterRPC) Write(args []byte, reply *struct{}) error {
	s.mu.Lock()
	s.writes++
	s.mu.Unlock()
	_, err := s.w.Write(args)
	return err
}

func (s *responseWriterRPC) WriteHeader(args int, reply *struct{}) error {
	if args < 100 || args > 999 {
		return errors.New("invalid http status code")
	}
	s.w.WriteHeader(args)
	return nil
}

func (s *responseWriterRPC) SyncHeader(args http.Header, reply *struct{}) error {
	dest := s.w.Header()
	for k := range dest {
		if _, ok := args[k]; !ok {
			delete(dest, k)
		}
	}
	for k, v := range args {
		dest[k] = v
	}
	return nil
}

func (s *responseWriterRPC) Flush(args struct{}, reply *struct{}) error {
	s.mu.Lock()
	s.flushes++
	s.mu.Unlock()
	if f, ok := s.w.(http.Flusher); ok {
		f.Flush()
	}
	return nil
}

// serveBodyStream answers the plugin's pull requests: a signed varint asks for
// up to n bytes; the host copies that many (or fewer, at EOF) with a 32 KiB
// buffer and closes the stream when the body is exhausted.
func serveBodyStream(r io.Reader, conn io.ReadWriteCloser) {
	defer conn.Close()
	buf := make([]byte, 32*1024)
	br := &oneByteReader{r: conn}
	for {
		n, err := binary.ReadVarint(br)
		if err != nil {
			return
		}
		written, err := io.CopyBuffer(conn, io.LimitReader(r, n), buf)
		if err != nil || written < n {
			return
		}
	}
}

type oneByteReader struct{ r io.Reader }

func (b *oneByteReader) ReadByte() (byte, error) {
	var one [1]byte
	_, err := io.ReadFull(b.r, one[:])
	return one[0], err
}

type httpResult struct {
	rec     *httptest.ResponseRecorder
	rpcErr  error
	took    time.Duration
	flushes int
	writes  int
}

// serveHTTP forwards r to the plugin's Plugin.<hook> (ServeHTTP or ServeMetrics)
// the way hooksRPCClient.ServeHTTP does, with a ResponseRecorder as the writer.
func (h *hooksClient) serveHTTP(hook string, c *model.Context, r *http.Request) httpResult {
	t0 := time.Now()
	w := httptest.NewRecorder()
	rw := &responseWriterRPC{w: w}

	wid := h.broker.NextId()
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		conn, err := h.broker.Accept(wid)
		if err != nil {
			return
		}
		defer conn.Close()
		srv := rpc.NewServer()
		if err := srv.RegisterName("Plugin", rw); err != nil {
			return
		}
		srv.ServeConn(conn)
	}()

	var bid uint32
	if r.Body != nil {
		bid = h.broker.NextId()
		body := r.Body
		go func() {
			conn, err := h.broker.Accept(bid)
			if err != nil {
				return
			}
			serveBodyStream(body, conn)
		}()
	}

	fwd := &HTTPRequestSubset{
		Method:     r.Method,
		URL:        r.URL,
		Proto:      r.Proto,
		ProtoMajor: r.ProtoMajor,
		ProtoMinor: r.ProtoMinor,
		Header:     r.Header,
		Host:       r.Host,
		RemoteAddr: r.RemoteAddr,
		RequestURI: r.RequestURI,
	}
	err := h.call("Plugin."+hook, Z_ServeHTTPArgs{
		ResponseWriterStream: wid,
		Request:              fwd,
		Context:              c,
		RequestBodyStream:    bid,
	}, nil)
	if err != nil {
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
	}
	// The plugin closes the writer stream when its handler returns; give the
	// writer server a moment to drain so counters are final.
	select {
	case <-writerDone:
	case <-time.After(200 * time.Millisecond):
	}
	rw.mu.Lock()
	res := httpResult{rec: w, rpcErr: err, took: time.Since(t0), flushes: rw.flushes, writes: rw.writes}
	rw.mu.Unlock()
	return res
}

// metricsRequest builds a request as Mattermost's metrics listener hands it to ServeMetrics:
// the /plugins/<id>/metrics prefix is stripped from URL.Path (so the documented URL leaves
// an empty path), RequestURI keeps the original, and no user header is set.
func metricsRequest(sub string) *http.Request {
	r := httptest.NewRequest("GET", "http://localhost:8067/plugins/mattermost-ai/metrics"+sub, nil)
	r.URL.Path = sub
	r.URL.RawPath = ""
	r.URL.Scheme = ""
	r.URL.Host = ""
	r.RequestURI = "/plugins/mattermost-ai/metrics" + sub
	r.Body = http.NoBody
	r.RemoteAddr = "127.0.0.1:54322"
	r.Header.Set("User-Agent", "Prometheus/2.53.0")
	return r
}

// pluginRequest builds a request as Mattermost hands it to a plugin: the
// /plugins/<id> prefix is stripped from URL.Path, RequestURI keeps the original.
func pluginRequest(method, path string, body []byte, userID string) *http.Request {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r := httptest.NewRequest(method, "http://localhost:8065/plugins/mattermost-ai"+path, rd)
	r.URL.Path = path
	r.URL.RawPath = ""
	r.URL.Scheme = ""
	r.URL.Host = ""
	r.RequestURI = "/plugins/mattermost-ai" + path
	if r.Body == nil {
		r.Body = http.NoBody
	}
	r.RemoteAddr = "127.0.0.1:54321"
	r.Header.Set("User-Agent", "conformance-host/1.0")
	r.Header.Set("Accept-Language", "en-US")
	if userID != "" {
		r.Header.Set("Mattermost-User-Id", userID)
	}
	if body != nil {
		r.Header.Set("Content-Type", "application/octet-stream")
	}
	return r
}

func pluginContext(r *http.Request, sessionID string) *model.Context {
	return &model.Context{
		SessionId:      sessionID,
		RequestId:      newID(),
		IPAddress:      "127.0.0.1",
		AcceptLanguage: r.Header.Get("Accept-Language"),
		UserAgent:      r.UserAgent(),
	}
}

var idMu sync.Mutex
var idCounter int

// newID returns a 26-character id in Mattermost's alphabet (deterministic per run).
func newID() string {
	idMu.Lock()
	idCounter++
	n := idCounter
	idMu.Unlock()
	const alphabet = "ybndrfg8ejkmcpqxot1uwisza345h769"
	b := []byte("confhost000000000000000000")
	for i := len(b) - 1; i >= 8 && n > 0; i-- {
		b[i] = alphabet[n%32]
		n /= 32
	}
	return string(b)
}
