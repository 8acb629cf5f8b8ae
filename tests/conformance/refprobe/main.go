// Command refprobe is the Go reference for the API probe: a go-plugin net/rpc
// plugin that, in OnActivate, reads the fixtures named by $MMAI_FIXTURES and
// calls every fixture's API method in order with Mattermost's Z_<Name>Args
// shapes (Go's own net/rpc client and gob), then compares each reply with the
// fixture's returns by the subset rule. It returns nil from OnActivate when all
// replies matched, else an error listing the mismatches.
//
// It shares sigs.go, rpcsrv.go and fixtures.go with the host (the files here
// are symlinks) and imports the host's model package, so `conformance-host api target/refprobe
// tests/conformance/fixtures.json` proves the host's API side and the fixtures.
package main

import (
	"encoding/gob"
	"errors"
	"fmt"
	"net/rpc"
	"os"
	"reflect"
	"strings"

	"../model"
	"github.com/hashicorp/go-plugin"
)

var handshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "MATTERMOST_PLUGIN",
	MagicCookieValue: "Securely message teams, anywhere.",
}

func main() {
	gob.Register([]interface{}{})
	gob.Register(map[string]interface{}{})
	gob.RegisterName("*model.AppError", &model.AppError{})
	gob.RegisterName("*plugin.ErrorString", &model.ErrorString{})
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: handshake,
		Plugins:         map[string]plugin.Plugin{"hooks": &probePlugin{}},
	})
}

type probePlugin struct{}

func (p *probePlugin) Server(b *plugin.MuxBroker) (interface{}, error) {
	return &Hooks{broker: b}, nil
}

func (p *probePlugin) Client(*plugin.MuxBroker, *rpc.Client) (interface{}, error) {
	return nil, errors.New("refprobe is plugin-side only")
}

type Hooks struct {
	broker *plugin.MuxBroker
}

type Z_OnActivateArgs struct {
	APIMuxId    uint32
	DriverMuxId uint32
}

type Z_ErrorReturns struct{ A error }

type Z_EmptyArgs struct{}

func (h *Hooks) Implemented(args struct{}, reply *[]string) error {
	*reply = []string{"OnActivate", "OnDeactivate"}
	return nil
}

func (h *Hooks) OnDeactivate(args *Z_EmptyArgs, ret *Z_ErrorReturns) error { return nil }

func (h *Hooks) OnActivate(args *Z_OnActivateArgs, ret *Z_ErrorReturns) error {
	apiConn, err := h.broker.Dial(args.APIMuxId)
	if err != nil {
		return err
	}
	if _, err := h.broker.Dial(args.DriverMuxId); err != nil {
		return err
	}
	api := rpc.NewClient(apiConn)
	if msg := runFixtures(api); msg != "" {
		ret.A = &model.ErrorString{Err: msg}
	}
	return nil
}

func runFixtures(api *rpc.Client) string {
	path := os.Getenv("MMAI_FIXTURES")
	if path == "" {
		return "MMAI_FIXTURES is not set"
	}
	fx, err := loadFixtures(path)
	if err != nil {
		return err.Error()
	}
	var problems []string
	for i, f := range fx {
		sg, ok := apiSigs[f.Method]
		if !ok {
			problems = append(problems, fmt.Sprintf("#%d %s: unknown method", i+1, f.Method))
			continue
		}
		argv := reflect.New(sg.argType())
		if err := fillReturns(argv, f.Args); err != nil {
			problems = append(problems, fmt.Sprintf("#%d %s: building args: %v", i+1, f.Method, err))
			continue
		}
		retv := reflect.New(sg.retType())
		if err := api.Call("Plugin."+f.Method, argv.Interface(), retv.Interface()); err != nil {
			problems = append(problems, fmt.Sprintf("#%d %s: rpc: %v", i+1, f.Method, err))
			continue
		}
		actual := argsToJSON(retv)
		if len(actual) != len(f.Returns) {
			problems = append(problems, fmt.Sprintf("#%d %s: %d return values, fixture has %d", i+1, f.Method, len(actual), len(f.Returns)))
			continue
		}
		for j := range f.Returns {
			e, err1 := decodeLoose(f.Returns[j])
			a, err2 := decodeLoose(actual[j])
			if err1 != nil || err2 != nil {
				problems = append(problems, fmt.Sprintf("#%d %s: returns[%d]: %v %v", i+1, f.Method, j, err1, err2))
				continue
			}
			if d := subsetDiff(fmt.Sprintf("returns[%d]", j), e, a); d != "" {
				problems = append(problems, fmt.Sprintf("#%d %s (%s): %s", i+1, f.Method, f.Note, d))
			}
		}
	}
	if len(problems) == 0 {
		return ""
	}
	return fmt.Sprintf("%d mismatch(es): %s", len(problems), strings.Join(problems, "; "))
}
