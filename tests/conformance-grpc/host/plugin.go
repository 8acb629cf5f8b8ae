package main

// Starting the plugin: go-plugin client restricted to grpc (as the multi-language
// supervisor configures it), plus a raw look at the handshake line, which go-plugin
// parses but does not expose.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/ioutil"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pb "pluginapiv1"
)

var handshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "MATTERMOST_PLUGIN",
	MagicCookieValue: "Securely message teams, anywhere.",
}

const startTimeout = 10 * time.Second

// hooksPlugin is the host half of the "hooks" plugin: its GRPCClient hands back the
// connection and a PluginHooks client on it.
type hooksPlugin struct {
	plugin.NetRPCUnsupportedPlugin
}

type dispensed struct {
	conn  *grpc.ClientConn
	hooks pb.PluginHooksClient
}

func (hooksPlugin) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error {
	return errors.New("the conformance host is not a plugin")
}

func (hooksPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (interface{}, error) {
	return &dispensed{conn: c, hooks: pb.NewPluginHooksClient(c)}, nil
}

// lineBuffer collects output (go-plugin writes whole lines).
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

type started struct {
	client    *plugin.Client
	rpc       *plugin.GRPCClient
	conn      *grpc.ClientConn
	hooks     pb.PluginHooksClient
	pid       int
	stderr    *lineBuffer
	hostLog   *lineBuffer
	startTook time.Duration
}

func sha256File(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

func startPlugin(p string, autoMTLS bool) (*started, error) {
	sum, err := sha256File(p)
	if err != nil {
		return nil, err
	}
	var echo io.Writer
	if verbose() {
		echo = os.Stderr
	}
	s := &started{stderr: &lineBuffer{echo: echo}, hostLog: &lineBuffer{echo: echo}}
	logger := hclog.New(&hclog.LoggerOptions{
		Name:       "conformance-grpc-host",
		Level:      hclog.Trace,
		Output:     s.hostLog,
		JSONFormat: true,
	})
	cfg := &plugin.ClientConfig{
		HandshakeConfig:  handshake,
		Plugins:          map[string]plugin.Plugin{"hooks": hooksPlugin{}},
		Cmd:              exec.Command(p),
		SecureConfig:     &plugin.SecureConfig{Checksum: sum, Hash: sha256.New()},
		StartTimeout:     startTimeout,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         autoMTLS,
		Stderr:           s.stderr,
		Logger:           logger,
	}
	t0 := time.Now()
	client := plugin.NewClient(cfg)
	s.client = client
	cp, err := client.Client()
	if err != nil {
		client.Kill()
		return s, fmt.Errorf("starting plugin: %v", err)
	}
	s.startTook = time.Since(t0)
	if rc := client.ReattachConfig(); rc != nil {
		s.pid = rc.Pid
	}
	gc, ok := cp.(*plugin.GRPCClient)
	if !ok {
		client.Kill()
		return s, fmt.Errorf("go-plugin gave a %T, not a *plugin.GRPCClient", cp)
	}
	s.rpc = gc
	raw, err := cp.Dispense("hooks")
	if err != nil {
		client.Kill()
		return s, fmt.Errorf("dispensing hooks: %v", err)
	}
	d := raw.(*dispensed)
	s.conn, s.hooks = d.conn, d.hooks
	return s, nil
}

// readHandshake runs the binary directly with the environment go-plugin would give it (plus
// extraEnv), reads the first stdout line, calls inspect with it while the process still runs,
// then kills the process.
func readHandshake(p string, extraEnv []string, inspect func(line string)) (string, error) {
	cmd := exec.Command(p)
	cmd.Env = append(os.Environ(),
		handshake.MagicCookieKey+"="+handshake.MagicCookieValue,
		"PLUGIN_MIN_PORT=10000",
		"PLUGIN_MAX_PORT=25000",
		"PLUGIN_PROTOCOL_VERSIONS=1",
	)
	cmd.Env = append(cmd.Env, extraEnv...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	var stderr lineBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return "", err
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	lineCh := make(chan string, 1)
	errCh := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil && line == "" {
			errCh <- err
			return
		}
		lineCh <- line
	}()
	select {
	case line := <-lineCh:
		if inspect != nil {
			inspect(line)
		}
		return line, nil
	case err := <-errCh:
		return "", fmt.Errorf("no handshake line: %v; stderr: %s", err, shorten(stderr.String(), 300))
	case <-time.After(startTimeout):
		return "", fmt.Errorf("no handshake line within %s; stderr: %s", startTimeout, shorten(stderr.String(), 300))
	}
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
		st := string(b)
		if i := strings.LastIndexByte(st, ')'); i >= 0 && i+2 < len(st) && st[i+2] == 'Z' {
			return false
		}
	}
	return true
}

type exitReport struct {
	goneAfter time.Duration // -1 if still alive at the end of the poll window
	killTook  time.Duration
	exitErr   string // error field of go-plugin's "plugin process exited" log line ("" = status 0)
	graceWarn bool   // go-plugin logged "plugin failed to exit gracefully"
}

// killAndMeasure calls client.Kill() (GRPCController.Shutdown, close the connection,
// wait up to 2 s, then SIGKILL) and records when the process went away.
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
			if v, ok := e["error"].(string); ok {
				rep.exitErr = v
			}
		case "plugin failed to exit gracefully":
			rep.graceWarn = true
		}
	}
	return rep
}
