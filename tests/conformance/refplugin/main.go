// Command refplugin is a minimal Mattermost server plugin written in Go against
// Debian's go-plugin (net/rpc transport). It implements the plugin-side glue of
// Mattermost's server/public/plugin package by hand (same service names, same
// Z_* argument shapes) and behaves like the Rust plugin on the transport checks
// of the conformance host. It exists to prove the host right, and as a baseline
// for benchmarks.
package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/ioutil"
	"net/http"
	"net/rpc"
	"os"
	"sync"

	"github.com/hashicorp/go-plugin"
)

var handshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "MATTERMOST_PLUGIN",
	MagicCookieValue: "Securely message teams, anywhere.",
}

func main() {
	registerGobNames()
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: handshake,
		Plugins:         map[string]plugin.Plugin{"hooks": &hooksPlugin{}},
	})
}

type hooksPlugin struct{}

func (p *hooksPlugin) Server(b *plugin.MuxBroker) (interface{}, error) {
	return &Hooks{broker: b}, nil
}

func (p *hooksPlugin) Client(*plugin.MuxBroker, *rpc.Client) (interface{}, error) {
	return nil, errors.New("refplugin is plugin-side only")
}

// Hooks is served as net/rpc service "Plugin" on the dispensed broker stream.
type Hooks struct {
	broker *plugin.MuxBroker

	mu     sync.Mutex
	api    *rpc.Client
	driver *rpc.Client
	config []byte
}

var implemented = []string{
	"OnActivate", "OnDeactivate", "OnConfigurationChange",
	"MessageHasBeenPosted", "MessageHasBeenUpdated", "MessageHasBeenDeleted",
	"ServeHTTP", "ServeMetrics", "ExecuteCommand", "NotificationWillBePushed",
	"EmailNotificationWillBeSent",
}

func (h *Hooks) Implemented(args struct{}, reply *[]string) error {
	*reply = append([]string(nil), implemented...)
	return nil
}

func encodable(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*AppError); ok {
		return err
	}
	return &ErrorString{Err: err.Error()}
}

func (h *Hooks) OnActivate(args *Z_OnActivateArgs, ret *Z_ErrorReturns) error {
	apiConn, err := h.broker.Dial(args.APIMuxId)
	if err != nil {
		return err
	}
	drvConn, err := h.broker.Dial(args.DriverMuxId)
	if err != nil {
		return err
	}
	h.mu.Lock()
	h.api = rpc.NewClient(apiConn)
	h.driver = rpc.NewClient(drvConn)
	h.mu.Unlock()

	// Go glue: OnConfigurationChange runs before OnActivate; its error only goes to stderr.
	if err := h.onConfigurationChange(); err != nil {
		fmt.Fprintf(os.Stderr, "[ERROR] call to OnConfigurationChange failed, error: %v", err.Error())
	}
	ret.A = encodable(h.onActivate())
	return nil
}

func (h *Hooks) onConfigurationChange() error {
	var r Z_LoadPluginConfigurationArgsReturns
	if err := h.api.Call("Plugin.LoadPluginConfiguration", &Z_LoadPluginConfigurationArgsArgs{}, &r); err != nil {
		return err
	}
	var cfg map[string]interface{}
	if len(r.A) > 0 {
		if err := json.Unmarshal(r.A, &cfg); err != nil {
			return err
		}
	}
	h.mu.Lock()
	h.config = r.A
	h.mu.Unlock()
	return nil
}

func (h *Hooks) onActivate() error {
	var v Z_GetServerVersionReturns
	if err := h.api.Call("Plugin.GetServerVersion", &Z_GetServerVersionArgs{}, &v); err != nil {
		return err
	}
	h.logInfo("refplugin activated", "server_version", v.A, "transport", "netrpc")
	fmt.Fprintf(os.Stderr, "{\"@level\":\"info\",\"@message\":\"refplugin activated\",\"@module\":\"refplugin\",\"server_version\":%q}\n", v.A)
	return nil
}

func (h *Hooks) logInfo(msg string, kv ...interface{}) {
	// The Go glue stringifies every value before sending (stringifyToObjects).
	pairs := make([]interface{}, 0, len(kv))
	for _, x := range kv {
		pairs = append(pairs, fmt.Sprintf("%v", x))
	}
	var r Z_EmptyReturns
	if err := h.api.Call("Plugin.LogInfo", &Z_LogArgs{A: msg, B: pairs}, &r); err != nil {
		fmt.Fprintf(os.Stderr, "[ERROR] LogInfo failed: %v\n", err)
	}
}

func (h *Hooks) OnDeactivate(args *Z_EmptyArgs, ret *Z_ErrorReturns) error {
	return nil
}

func (h *Hooks) OnConfigurationChange(args *Z_EmptyArgs, ret *Z_ErrorReturns) error {
	ret.A = encodable(h.onConfigurationChange())
	return nil
}

func (h *Hooks) MessageHasBeenPosted(args *Z_PostArgs, ret *Z_EmptyReturns) error {
	return nil
}

func (h *Hooks) MessageHasBeenUpdated(args *Z_TwoPostArgs, ret *Z_EmptyReturns) error {
	return nil
}

func (h *Hooks) MessageHasBeenDeleted(args *Z_PostArgs, ret *Z_EmptyReturns) error {
	return nil
}

func (h *Hooks) NotificationWillBePushed(args *Z_NotificationWillBePushedArgs, ret *Z_NotificationWillBePushedReturns) error {
	return nil
}

func (h *Hooks) EmailNotificationWillBeSent(args *Z_EmailNotificationWillBeSentArgs, ret *Z_EmailNotificationWillBeSentReturns) error {
	return nil
}

func (h *Hooks) ExecuteCommand(args *Z_ExecuteCommandArgs, ret *Z_ExecuteCommandReturns) error {
	ret.A = &CommandResponse{ResponseType: "ephemeral", Text: "Unknown command: " + args.B.Command}
	return nil
}

// The optional hooks: a Go plugin built on Mattermost's glue answers them (hooksRPCServer
// registers every hook), whether or not Implemented lists them.
func (h *Hooks) OnPluginClusterEvent(args *Z_OnPluginClusterEventArgs, ret *Z_EmptyReturns) error {
	return nil
}

func (h *Hooks) GenerateSupportData(args *Z_GenerateSupportDataArgs, ret *Z_GenerateSupportDataReturns) error {
	return nil
}

func (h *Hooks) RunDataRetention(args *Z_RunDataRetentionArgs, ret *Z_RunDataRetentionReturns) error {
	return nil
}

// ---- HTTP over the broker ----

// remoteWriter is the plugin side of the host's http.ResponseWriter.
type remoteWriter struct {
	client *rpc.Client
	header http.Header
}

func (w *remoteWriter) Header() http.Header {
	if w.header == nil {
		if err := w.client.Call("Plugin.Header", struct{}{}, &w.header); err != nil || w.header == nil {
			w.header = http.Header{}
		}
	}
	return w.header
}

func (w *remoteWriter) Write(b []byte) (int, error) {
	if err := w.client.Call("Plugin.SyncHeader", w.header, nil); err != nil {
		return 0, err
	}
	if err := w.client.Call("Plugin.Write", b, nil); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (w *remoteWriter) WriteHeader(code int) {
	if err := w.client.Call("Plugin.SyncHeader", w.header, nil); err != nil {
		return
	}
	w.client.Call("Plugin.WriteHeader", code, nil)
}

// remoteBody pulls the request body: ask for len(b) bytes with a signed varint, read what comes.
type remoteBody struct {
	conn io.ReadWriteCloser
}

func (r *remoteBody) Read(b []byte) (int, error) {
	var buf [binary.MaxVarintLen64]byte
	n := binary.PutVarint(buf[:], int64(len(b)))
	if _, err := r.conn.Write(buf[:n]); err != nil {
		return 0, err
	}
	return r.conn.Read(b)
}

func (r *remoteBody) Close() error { return r.conn.Close() }

func (h *Hooks) serve(args *Z_ServeHTTPArgs, handler func(w http.ResponseWriter, req *http.Request)) error {
	conn, err := h.broker.Dial(args.ResponseWriterStream)
	if err != nil {
		fmt.Fprintf(os.Stderr, "[ERROR] Can't connect to remote response writer stream, error: %v", err.Error())
		return err
	}
	w := &remoteWriter{client: rpc.NewClient(conn)}
	defer w.client.Close()

	var body io.ReadCloser = ioutil.NopCloser(&emptyReader{})
	if args.RequestBodyStream != 0 {
		bconn, err := h.broker.Dial(args.RequestBodyStream)
		if err != nil {
			fmt.Fprintf(os.Stderr, "[ERROR] Can't connect to remote request body stream, error: %v", err.Error())
			return err
		}
		body = &remoteBody{conn: bconn}
	}
	defer body.Close()

	r := args.Request
	req := &http.Request{
		Method:     r.Method,
		URL:        r.URL,
		Proto:      r.Proto,
		ProtoMajor: r.ProtoMajor,
		ProtoMinor: r.ProtoMinor,
		Header:     r.Header,
		Host:       r.Host,
		RemoteAddr: r.RemoteAddr,
		RequestURI: r.RequestURI,
		Body:       body,
	}
	if req.Header == nil {
		req.Header = http.Header{}
	}
	handler(w, req)
	return nil
}

type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, io.EOF }

func (h *Hooks) ServeHTTP(args *Z_ServeHTTPArgs, ret *struct{}) error {
	return h.serve(args, h.route)
}

func (h *Hooks) ServeMetrics(args *Z_ServeHTTPArgs, ret *struct{}) error {
	return h.serve(args, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "# TYPE agents_system_plugin_start_timestamp_seconds gauge\nagents_system_plugin_start_timestamp_seconds 1\n")
	})
}

// isSystemAdmin asks the server, as plugin.API.HasPermissionTo(user, PermissionManageSystem).
func (h *Hooks) isSystemAdmin(userID string) bool {
	h.mu.Lock()
	api := h.api
	h.mu.Unlock()
	if api == nil {
		return false
	}
	var ret Z_HasPermissionToReturns
	args := &Z_HasPermissionToArgs{A: userID, B: &Permission{Id: "manage_system", Name: "manage_system", Scope: "system_scope"}}
	if err := api.Call("Plugin.HasPermissionTo", args, &ret); err != nil {
		return false
	}
	return ret.A
}

func (h *Hooks) route(w http.ResponseWriter, r *http.Request) {
	path := ""
	if r.URL != nil {
		path = r.URL.Path
	}
	switch {
	case path == "/version" && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		json.NewEncoder(w).Encode(map[string]string{"id": "mattermost-ai", "version": "0.0.0-ref", "transport": "netrpc"})
	case path == "/echo" && r.Method == http.MethodPost:
		userID := r.Header.Get("Mattermost-User-Id")
		if userID == "" {
			http.Error(w, "Not authorized", http.StatusUnauthorized)
			return
		}
		if !h.isSystemAdmin(userID) {
			http.Error(w, "system admins only", http.StatusForbidden)
			return
		}
		b, err := ioutil.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusOK)
		if len(b) > 0 {
			w.Write(b)
		}
	default:
		http.NotFound(w, r)
	}
}
