package main

// A table-driven net/rpc server. It speaks exactly Go's net/rpc gob protocol
// (a gob rpc.Request header then the argument value; a gob rpc.Response header
// then the reply value; one gob encoder/decoder per connection; calls handled
// concurrently), but its methods come from a table: each method has its
// Z_<Name>Args and Z_<Name>Returns struct types (sigs.go) and one handler
// serves them all, which lets fixtures drive the replies. Unknown methods are
// answered like net/rpc does ("rpc: can't find method Plugin.X") and recorded
// so the run can fail on them.

import (
	"../model"
	"bufio"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"io"
	"net/rpc"
	"reflect"
	"strings"
	"sync"
	"time"
)

var errType = reflect.TypeOf((*error)(nil)).Elem()

// sig describes one method: its Z_<Name>Args and Z_<Name>Returns struct types.
type sig struct {
	arg reflect.Type
	ret reflect.Type
}

func (s sig) argType() reflect.Type { return s.arg }
func (s sig) retType() reflect.Type { return s.ret }

// callRecord is one call as seen by the server.
type callRecord struct {
	Method  string            // without the "Plugin." prefix
	Args    []json.RawMessage // each Z_Args field, JSON-encoded
	Unknown bool              // method not served
	Err     string            // decode error, if any
	At      time.Time
}

func (c callRecord) argsJSON() string {
	b, _ := json.Marshal(c.Args)
	return string(b)
}

// handler fills rets (pointer to the reply struct) from args (pointer to the args struct).
type handler func(method string, args reflect.Value, rets reflect.Value) error

type rpcTable struct {
	label   string
	methods map[string]sig
	handle  handler

	mu    sync.Mutex
	calls []callRecord
}

func newTable(label string, methods map[string]sig, h handler) *rpcTable {
	return &rpcTable{label: label, methods: methods, handle: h}
}

func (t *rpcTable) record(c callRecord) {
	t.mu.Lock()
	t.calls = append(t.calls, c)
	t.mu.Unlock()
}

func (t *rpcTable) snapshot() []callRecord {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]callRecord(nil), t.calls...)
}

func (t *rpcTable) called(method string) int {
	n := 0
	for _, c := range t.snapshot() {
		if c.Method == method && !c.Unknown {
			n++
		}
	}
	return n
}

func (t *rpcTable) unknown() []string {
	var out []string
	for _, c := range t.snapshot() {
		if c.Unknown {
			out = append(out, c.Method)
		}
	}
	return out
}

// argsToJSON renders a Z_ struct (or a pointer to one) as its fixture values:
// one JSON value per field, or the struct's own fixtureForm (pluginhttp.go).
func argsToJSON(v reflect.Value) []json.RawMessage {
	if ff, ok := asFixtureForm(v); ok {
		return ff.toFixture()
	}
	v = reflect.Indirect(v)
	out := make([]json.RawMessage, v.NumField())
	for i := 0; i < v.NumField(); i++ {
		b, err := json.Marshal(v.Field(i).Interface())
		if err != nil {
			b, _ = json.Marshal(fmt.Sprintf("<unmarshalable: %v>", err))
		}
		out[i] = b
	}
	return out
}

// serveConn runs the net/rpc server protocol on conn until the peer hangs up.
func (t *rpcTable) serveConn(conn io.ReadWriteCloser) {
	buf := bufio.NewWriter(conn)
	dec := gob.NewDecoder(conn)
	enc := gob.NewEncoder(buf)
	var sending sync.Mutex
	var wg sync.WaitGroup

	send := func(req *rpc.Request, body interface{}, errText string) {
		sending.Lock()
		defer sending.Unlock()
		resp := &rpc.Response{ServiceMethod: req.ServiceMethod, Seq: req.Seq, Error: errText}
		if errText != "" {
			body = struct{}{}
		}
		if err := enc.Encode(resp); err == nil {
			if err := enc.Encode(body); err != nil {
				// Like net/rpc: a reply that cannot be encoded is a broken connection.
				conn.Close()
			}
		}
		buf.Flush()
	}

	for {
		var req rpc.Request
		if err := dec.Decode(&req); err != nil {
			break
		}
		dot := strings.LastIndex(req.ServiceMethod, ".")
		var errText string
		var s sig
		ok := false
		name := req.ServiceMethod
		if dot < 0 {
			errText = "rpc: service/method request ill-formed: " + req.ServiceMethod
		} else if req.ServiceMethod[:dot] != "Plugin" {
			errText = "rpc: can't find service " + req.ServiceMethod
		} else {
			name = req.ServiceMethod[dot+1:]
			s, ok = t.methods[name]
			if !ok {
				errText = "rpc: can't find method " + req.ServiceMethod
			}
		}
		if !ok {
			dec.DecodeValue(reflect.Value{}) // discard the argument value, like net/rpc
			t.record(callRecord{Method: name, Unknown: true, At: time.Now()})
			r := req
			send(&r, nil, errText)
			continue
		}
		argv := reflect.New(s.argType())
		if err := dec.Decode(argv.Interface()); err != nil {
			t.record(callRecord{Method: name, Err: "decoding arguments: " + err.Error(), At: time.Now()})
			r := req
			send(&r, nil, err.Error())
			continue
		}
		rec := callRecord{Method: name, Args: argsToJSON(argv), At: time.Now()}
		t.record(rec)
		wg.Add(1)
		go func(req rpc.Request, argv reflect.Value) {
			defer wg.Done()
			retv := reflect.New(s.retType())
			var errText string
			if err := t.handle(name, argv, retv); err != nil {
				errText = err.Error()
			}
			send(&req, retv.Interface(), errText)
		}(req, argv)
	}
	wg.Wait()
	conn.Close()
}

// fillReturns sets the reply struct fields from JSON values (Mattermost's JSON forms).
// A JSON null leaves the zero value. A value for an `error` field becomes a
// *model.AppError, or a *plugin.ErrorString when the object has an "Err" key.
// A struct with a fixtureForm (pluginhttp.go) fills itself.
func fillReturns(rets reflect.Value, values []json.RawMessage) error {
	if ff, ok := asFixtureForm(rets); ok {
		return ff.fromFixture(values)
	}
	v := reflect.Indirect(rets)
	if len(values) != v.NumField() {
		return fmt.Errorf("fixture has %d return values, method has %d", len(values), v.NumField())
	}
	for i := 0; i < v.NumField(); i++ {
		raw := values[i]
		if len(raw) == 0 || string(raw) == "null" {
			continue
		}
		f := v.Field(i)
		if f.Type() == errType {
			var probe map[string]interface{}
			if err := json.Unmarshal(raw, &probe); err != nil {
				return fmt.Errorf("return %d: error value must be an object: %v", i, err)
			}
			if _, isES := probe["Err"]; isES {
				es := &model.ErrorString{}
				if err := json.Unmarshal(raw, es); err != nil {
					return err
				}
				f.Set(reflect.ValueOf(es))
			} else {
				ae := &model.AppError{}
				if err := json.Unmarshal(raw, ae); err != nil {
					return err
				}
				f.Set(reflect.ValueOf(ae))
			}
			continue
		}
		if err := json.Unmarshal(raw, f.Addr().Interface()); err != nil {
			return fmt.Errorf("return %d (%s): %v", i, f.Type(), err)
		}
	}
	return nil
}
