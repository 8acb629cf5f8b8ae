// Command conformance-host loads a Mattermost server plugin the way a released
// Mattermost server does (HashiCorp go-plugin, net/rpc transport: yamux + Go
// net/rpc + gob + MuxBroker) and checks that it behaves.
//
//	conformance-host lifecycle  <plugin-binary>
//	conformance-host notaplugin <plugin-binary>
//	conformance-host api        <probe-binary> <fixtures.json>
//	conformance-host all        <plugin-binary> <probe-binary> <fixtures.json>
//
// Every check prints a PASS or FAIL line; the exit status is 0 only if all pass.
// Set CONFORMANCE_VERBOSE=1 to echo the plugin's stderr and the go-plugin log.
package main

import (
	"fmt"
	"os"
)

func usage() {
	fmt.Fprintf(os.Stderr, `usage:
  conformance-host lifecycle  <plugin-binary>
  conformance-host notaplugin <plugin-binary>
  conformance-host api        <probe-binary> <fixtures.json>
  conformance-host all        <plugin-binary> <probe-binary> <fixtures.json>
`)
	os.Exit(2)
}

func main() {
	registerGobNames()
	if len(os.Args) < 3 {
		usage()
	}
	rep := newReporter()
	switch os.Args[1] {
	case "lifecycle":
		runLifecycle(rep, os.Args[2])
	case "notaplugin":
		runNotAPlugin(rep, os.Args[2])
	case "api":
		if len(os.Args) < 4 {
			usage()
		}
		runAPI(rep, os.Args[2], os.Args[3])
	case "all":
		if len(os.Args) < 5 {
			usage()
		}
		runLifecycle(rep, os.Args[2])
		runNotAPlugin(rep, os.Args[2])
		runAPI(rep, os.Args[3], os.Args[4])
	default:
		usage()
	}
	os.Exit(rep.summary())
}
