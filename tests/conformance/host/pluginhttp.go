package main

// Hand-written HTTP shapes of server/public/plugin (shared with refprobe
// through a symlink):
//
//   - HTTPRequestSubset: the request a server forwards to ServeHTTP, and the
//     request a plugin sends with the legacy buffered PluginHTTP.
//   - Z_PluginHTTPArgs / Z_PluginHTTPReturns: the legacy buffered
//     `Plugin.PluginHTTP` call of client_rpc.go (inter-plugin HTTP). The reply
//     carries a real *http.Response; Mattermost's server sets Response.Body to
//     nil before gob-encoding it, and the host does the same (Body, TLS and
//     Request are nil, so gob sends none of them, but the type description it
//     sends still covers http.Request, tls.ConnectionState, x509.Certificate
//     and so on: about 2.7 KB the first time on a connection, with Go 1.19).
//
// Fixtures write PluginHTTP as one request object and one response object
// instead of one value per Z_ field:
//
//	args:    [{"method": "POST", "url": "/plugin-id/path?q=1", "header": {"K": ["v"]}, "body": "<base64>",
//	           "proto": "HTTP/1.1", "proto_major": 1, "proto_minor": 1, "host": "", "remote_addr": "", "request_uri": ""}]
//	returns: [{"status_code": 201, "header": {"K": ["v"]}, "body": "<base64>"}]
//
// The host answers with the *http.Response Mattermost's PluginResponseWriter
// .GenerateResponse builds (app/plugin_requests.go): Proto "HTTP/1.1" 1.1,
// StatusCode, Status "%03d %s", Header, ContentLength from the Content-Length
// header or -1; the body goes in ResponseBody. "status" and "content_length"
// in a returns object override the derived values.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
)

// HTTPRequestSubset mirrors plugin.HTTPRequestSubset; Body is never sent.
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

// Z_PluginHTTPArgs is the hand-written legacy PluginHTTP argument struct.
// (Older releases declared Request as *http.Request; gob matches fields by
// name, so both decode the same way.)
type Z_PluginHTTPArgs struct {
	Request     *HTTPRequestSubset
	RequestBody []byte
}

// Z_PluginHTTPReturns is the hand-written legacy PluginHTTP reply struct.
type Z_PluginHTTPReturns struct {
	Response     *http.Response
	ResponseBody []byte
}

// fixtureForm is implemented by Z_ structs whose fixture form is not one JSON
// value per field. Such a fixture always has exactly one args value and one
// returns value.
type fixtureForm interface {
	toFixture() []json.RawMessage
	fromFixture(values []json.RawMessage) error
}

var fixtureFormType = reflect.TypeOf((*fixtureForm)(nil)).Elem()

// asFixtureForm returns v (a struct or a pointer to one) as a fixtureForm.
func asFixtureForm(v reflect.Value) (fixtureForm, bool) {
	if v.Kind() != reflect.Ptr {
		if !v.CanAddr() {
			return nil, false
		}
		v = v.Addr()
	}
	ff, ok := v.Interface().(fixtureForm)
	return ff, ok
}

// fixtureArity is the number of fixture values for a Z_ struct type.
func fixtureArity(t reflect.Type) int {
	if reflect.PtrTo(t).Implements(fixtureFormType) {
		return 1
	}
	return t.NumField()
}

type pluginHTTPRequestFixture struct {
	Method     string      `json:"method"`
	URL        string      `json:"url"`
	Proto      string      `json:"proto,omitempty"`
	ProtoMajor int         `json:"proto_major,omitempty"`
	ProtoMinor int         `json:"proto_minor,omitempty"`
	Header     http.Header `json:"header"`
	Host       string      `json:"host,omitempty"`
	RemoteAddr string      `json:"remote_addr,omitempty"`
	RequestURI string      `json:"request_uri,omitempty"`
	Body       []byte      `json:"body"`
}

type pluginHTTPResponseFixture struct {
	StatusCode    int         `json:"status_code"`
	Status        *string     `json:"status,omitempty"`
	Proto         string      `json:"proto,omitempty"`
	ProtoMajor    int         `json:"proto_major,omitempty"`
	ProtoMinor    int         `json:"proto_minor,omitempty"`
	Header        http.Header `json:"header"`
	ContentLength *int64      `json:"content_length,omitempty"`
	Body          []byte      `json:"body"`
}

func oneFixtureValue(values []json.RawMessage, what string, dst interface{}) (bool, error) {
	if len(values) != 1 {
		return false, fmt.Errorf("fixture has %d %s values, PluginHTTP takes 1 object", len(values), what)
	}
	raw := values[0]
	if len(raw) == 0 || string(raw) == "null" {
		return false, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return false, fmt.Errorf("PluginHTTP %s: %v", what, err)
	}
	return true, nil
}

func mustJSON(v interface{}) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(fmt.Sprintf("<unmarshalable: %v>", err))
	}
	return b
}

func (a *Z_PluginHTTPArgs) toFixture() []json.RawMessage {
	if a.Request == nil {
		return []json.RawMessage{json.RawMessage("null")}
	}
	r := a.Request
	f := pluginHTTPRequestFixture{
		Method: r.Method, Proto: r.Proto, ProtoMajor: r.ProtoMajor, ProtoMinor: r.ProtoMinor,
		Header: r.Header, Host: r.Host, RemoteAddr: r.RemoteAddr, RequestURI: r.RequestURI,
		Body: a.RequestBody,
	}
	if r.URL != nil {
		f.URL = r.URL.String()
	}
	return []json.RawMessage{mustJSON(f)}
}

// fromFixture builds the request a plugin sends (used by refprobe). Proto
// defaults to HTTP/1.1, as http.NewRequest and our Rust client set it.
func (a *Z_PluginHTTPArgs) fromFixture(values []json.RawMessage) error {
	var f pluginHTTPRequestFixture
	ok, err := oneFixtureValue(values, "args", &f)
	if err != nil || !ok {
		return err
	}
	u, err := url.Parse(f.URL)
	if err != nil {
		return fmt.Errorf("PluginHTTP args url: %v", err)
	}
	if f.Proto == "" {
		f.Proto, f.ProtoMajor, f.ProtoMinor = "HTTP/1.1", 1, 1
	}
	a.Request = &HTTPRequestSubset{
		Method: f.Method, URL: u, Proto: f.Proto, ProtoMajor: f.ProtoMajor, ProtoMinor: f.ProtoMinor,
		Header: f.Header, Host: f.Host, RemoteAddr: f.RemoteAddr, RequestURI: f.RequestURI,
	}
	a.RequestBody = f.Body
	return nil
}

func (r *Z_PluginHTTPReturns) toFixture() []json.RawMessage {
	if r.Response == nil {
		return []json.RawMessage{json.RawMessage("null")}
	}
	resp := r.Response
	cl := resp.ContentLength
	status := resp.Status
	f := pluginHTTPResponseFixture{
		StatusCode: resp.StatusCode, Status: &status, Proto: resp.Proto, ProtoMajor: resp.ProtoMajor,
		ProtoMinor: resp.ProtoMinor, Header: resp.Header, ContentLength: &cl, Body: r.ResponseBody,
	}
	return []json.RawMessage{mustJSON(f)}
}

// fromFixture builds the reply the way Mattermost's server does (see the file comment).
func (r *Z_PluginHTTPReturns) fromFixture(values []json.RawMessage) error {
	var f pluginHTTPResponseFixture
	ok, err := oneFixtureValue(values, "returns", &f)
	if err != nil || !ok {
		return err
	}
	code := f.StatusCode
	if code == 0 {
		code = http.StatusOK
	}
	resp := &http.Response{
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		StatusCode:    code,
		Status:        fmt.Sprintf("%03d %s", code, http.StatusText(code)),
		Header:        f.Header,
		ContentLength: -1,
		// Body, TLS and Request stay nil: the server nils Body before encoding.
	}
	if f.Proto != "" {
		resp.Proto, resp.ProtoMajor, resp.ProtoMinor = f.Proto, f.ProtoMajor, f.ProtoMinor
	}
	if f.Status != nil {
		resp.Status = *f.Status
	}
	if cl := strings.TrimSpace(f.Header.Get("Content-Length")); cl != "" {
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil {
			resp.ContentLength = n
		}
	}
	if f.ContentLength != nil {
		resp.ContentLength = *f.ContentLength
	}
	r.Response = resp
	r.ResponseBody = f.Body
	return nil
}
