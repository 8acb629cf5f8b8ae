package main

// API shape conformance. fixtures.json lists API calls in Mattermost's JSON form:
//
//	{"method": "GetUser", "args": ["<user id>"], "returns": [{...user...}, null], "note": "..."}
//
// The probe (a plugin binary) reads the same file (path in $MMAI_FIXTURES) and,
// in OnActivate, makes every call in order. The host decodes each call's gob
// arguments into its Mattermost-shaped structs, JSON-encodes them and compares
// them with the fixture's args by subset; it answers with the fixture's returns
// (JSON-decoded into the same structs, gob-encoded). The probe compares what it
// decoded with the fixture's returns by the same subset rule and reports through
// OnActivate's error. The subset rule is described in fixtures.go.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"time"
)

// ---- serving fixtures ----

type servedCall struct {
	method  string
	args    string
	fixture int    // index served, -1 none
	diff    string // when no fixture matched: the diff against the nearest fixture
	ambient bool
}

type fixtureServer struct {
	fx   []fixture
	mu   sync.Mutex
	used []int // times each fixture matched
	log  []servedCall
}

func (f *fixtureServer) handle(method string, args, rets reflect.Value) error {
	actual := argsToJSON(args)
	f.mu.Lock()
	idx := -1
	// first unused fixture of this method whose args match, else a used one
	for pass := 0; pass < 2 && idx < 0; pass++ {
		for i, fx := range f.fx {
			if fx.Method != method || (pass == 0 && f.used[i] > 0) {
				continue
			}
			if argsDiff(fx, actual) == "" {
				idx = i
				break
			}
		}
	}
	argText, _ := json.Marshal(actual)
	call := servedCall{method: method, args: string(argText), fixture: idx}
	if idx >= 0 {
		f.used[idx]++
	} else {
		// nearest: first unused fixture of the method, else first of the method
		near := -1
		for i, fx := range f.fx {
			if fx.Method == method && (near < 0 || (f.used[near] > 0 && f.used[i] == 0)) {
				near = i
			}
		}
		if near >= 0 {
			call.diff = fmt.Sprintf("nearest fixture #%d (%s): %s", near+1, f.fx[near].Note, argsDiff(f.fx[near], actual))
		} else if isAmbient(method) {
			call.ambient = true
		}
	}
	f.log = append(f.log, call)
	f.mu.Unlock()

	if idx >= 0 {
		return fillReturns(rets, f.fx[idx].Returns)
	}
	if call.ambient {
		return ambientHandler(method, args, rets)
	}
	return nil // zero values
}

func runAPI(rep *reporter, probePath, fixturesPath string) {
	rep.setSection("api")
	abs, err := filepath.Abs(fixturesPath)
	if err != nil {
		rep.fail("load fixtures", "%v", err)
		return
	}
	fx, err := loadFixtures(abs)
	if err != nil {
		rep.fail("load fixtures", "%v", err)
		return
	}
	// Validate the fixtures against the host's signatures before starting anything.
	bad := 0
	for i, f := range fx {
		sg, ok := apiSigs[f.Method]
		if !ok {
			rep.fail(fmt.Sprintf("fixture #%d is servable", i+1), "unknown method %q", f.Method)
			bad++
			continue
		}
		if n := fixtureArity(sg.argType()); len(f.Args) != n {
			rep.fail(fmt.Sprintf("fixture #%d %s is servable", i+1, f.Method), "%d args, method takes %d", len(f.Args), n)
			bad++
			continue
		}
		// args must decode into the argument types, returns into the reply types
		argv := reflect.New(sg.argType())
		if err := fillReturns(argv, f.Args); err != nil {
			rep.fail(fmt.Sprintf("fixture #%d %s args decode into Mattermost types", i+1, f.Method), "%v", err)
			bad++
		}
		retv := reflect.New(sg.retType())
		if err := fillReturns(retv, f.Returns); err != nil {
			rep.fail(fmt.Sprintf("fixture #%d %s returns decode into Mattermost types", i+1, f.Method), "%v", err)
			bad++
		}
	}
	rep.check("fixtures load and fit the Mattermost signatures", bad == 0, "%d fixtures, %d bad, file %s", len(fx), bad, abs)
	if bad > 0 {
		return
	}
	os.Setenv("MMAI_FIXTURES", abs)

	s, err := startPlugin(probePath)
	if err != nil {
		rep.fail("start probe (go-plugin netrpc)", "%v", err)
		if s != nil {
			rep.info("probe stderr (tail):\n%s", tail(s.stderr.String(), 30))
		}
		return
	}
	rep.pass("start probe (go-plugin netrpc)", "in %s, pid %d", s.startTook.Round(time.Millisecond), s.pid)
	defer s.client.Kill()

	if impl, err := s.hooks.Implemented(); err != nil {
		rep.fail("probe Plugin.Implemented", "%v", err)
	} else {
		rep.info("probe implements: %s", strings.Join(impl, ", "))
	}

	fs := &fixtureServer{fx: fx, used: make([]int, len(fx))}
	api := newTable("api", apiSigs, fs.handle)
	drv := newTable("driver", map[string]sig{}, ambientHandler)
	t0 := time.Now()
	rpcErr, hookErr := s.hooks.OnActivate(api, drv)
	took := time.Since(t0)
	rep.check("probe OnActivate RPC completes", rpcErr == nil, "rpc=%v (took %s)", rpcErr, took.Round(time.Millisecond))
	probeText := ""
	if hookErr != nil {
		probeText = hookErr.Error()
	}
	rep.check("probe decoded every fixture return as expected (OnActivate error is nil)", rpcErr == nil && hookErr == nil, "%s", probeText)

	// Host-side: every fixture matched by a call with matching args?
	fs.mu.Lock()
	used := append([]int(nil), fs.used...)
	log := append([]servedCall(nil), fs.log...)
	fs.mu.Unlock()
	matched := 0
	for i, f := range fx {
		ok := used[i] > 0
		if ok {
			matched++
		}
		detail := f.Note
		if !ok {
			// find the call of this method that came closest
			var diffs []string
			for _, c := range log {
				if c.method == f.Method && c.fixture < 0 {
					diffs = append(diffs, argsDiff(f, mustRawArgs(c.args)))
				}
			}
			if len(diffs) == 0 {
				detail += " -- never called"
			} else {
				detail += " -- args differ: " + strings.Join(diffs, "; ")
			}
		}
		rep.check(fmt.Sprintf("fixture #%d %s args match", i+1, f.Method), ok, "%s", detail)
	}
	var unexpected []string
	ambient := 0
	for _, c := range log {
		if c.fixture < 0 && !c.ambient {
			unexpected = append(unexpected, fmt.Sprintf("%s%s %s", c.method, shorten(c.args, 160), c.diff))
		}
		if c.ambient {
			ambient++
		}
	}
	for _, c := range api.snapshot() {
		if c.Unknown || c.Err != "" {
			unexpected = append(unexpected, fmt.Sprintf("Plugin.%s (%s)", c.Method, firstNonEmpty(c.Err, "rpc: can't find method")))
		}
	}
	for _, c := range drv.snapshot() {
		unexpected = append(unexpected, fmt.Sprintf("driver Plugin.%s", c.Method))
	}
	rep.check("no API calls outside the fixtures", len(unexpected) == 0, "%s", strings.Join(unexpected, "\n"))
	if ambient > 0 {
		rep.info("%d ambient call(s) answered with defaults (config, server version, logging)", ambient)
	}
	fmt.Printf("api: %d fixtures, %d matched\n", len(fx), matched)
	if hookErr != nil || rpcErr != nil || verbose() {
		rep.info("probe stderr (tail):\n%s", tail(s.stderr.String(), 30))
	}

	rpcErr, hookErr = s.hooks.OnDeactivate()
	rep.check("probe OnDeactivate returns nil error", rpcErr == nil && hookErr == nil, "rpc=%v hook=%v", rpcErr, hookErr)
}

func mustRawArgs(s string) []json.RawMessage {
	var out []json.RawMessage
	json.Unmarshal([]byte(s), &out)
	return out
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
