// Command conformance-grpc-host loads a plugin the way Mattermost's multi-language
// plugin host (the gRPC transport, package mattermost.pluginapi.v1) does: it serves the
// PluginAPI over gRPC on 127.0.0.1, passes its address in MATTERMOST_PLUGIN_API_TARGET,
// starts the plugin with HashiCorp go-plugin restricted to the grpc protocol, and calls
// the PluginHooks service on the plugin's connection.
//
//	conformance-grpc-host lifecycle <plugin-binary>        plain gRPC on a unix socket
//	conformance-grpc-host lifecycle-mtls <plugin-binary>   the same with go-plugin AutoMTLS
//
// Every check prints a PASS or FAIL line; the exit status is 0 only if all pass.
// Set CONFORMANCE_VERBOSE=1 to echo the plugin's stderr and go-plugin's own log.
package main

import (
	"fmt"
	"os"
	"strings"
	"sync"
)

func usage() {
	fmt.Fprintf(os.Stderr, "usage:\n  conformance-grpc-host lifecycle <plugin-binary>\n  conformance-grpc-host lifecycle-mtls <plugin-binary>\n")
	os.Exit(2)
}

func main() {
	if len(os.Args) < 3 || (os.Args[1] != "lifecycle" && os.Args[1] != "lifecycle-mtls") {
		usage()
	}
	rep := &reporter{}
	runLifecycle(rep, os.Args[2], os.Args[1] == "lifecycle-mtls")
	os.Exit(rep.summary())
}

// reporter prints one PASS/FAIL line per check and counts failures.
type reporter struct {
	mu      sync.Mutex
	section string
	passed  int
	failed  int
	fails   []string
}

func (r *reporter) setSection(s string) {
	r.mu.Lock()
	r.section = s
	r.mu.Unlock()
	fmt.Printf("=== %s\n", s)
}

func (r *reporter) check(name string, ok bool, detail string, args ...interface{}) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := ""
	if detail != "" {
		if s := strings.TrimSpace(fmt.Sprintf(detail, args...)); s != "" {
			d = " -- " + s
		}
	}
	if ok {
		r.passed++
		fmt.Printf("PASS %s: %s%s\n", r.section, name, d)
	} else {
		r.failed++
		line := fmt.Sprintf("%s: %s%s", r.section, name, d)
		r.fails = append(r.fails, line)
		fmt.Printf("FAIL %s\n", line)
	}
	return ok
}

func (r *reporter) fail(name string, detail string, args ...interface{}) {
	r.check(name, false, detail, args...)
}

func (r *reporter) info(format string, args ...interface{}) {
	msg := fmt.Sprintf(format, args...)
	for _, l := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
		fmt.Printf("     %s\n", l)
	}
}

func (r *reporter) summary() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Printf("=== summary: %d passed, %d failed\n", r.passed, r.failed)
	for _, f := range r.fails {
		fmt.Printf("  failed: %s\n", f)
	}
	if r.failed > 0 || r.passed == 0 {
		return 1
	}
	return 0
}

func verbose() bool { return os.Getenv("CONFORMANCE_VERBOSE") != "" }

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func tail(s string, lines int) string {
	parts := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}
