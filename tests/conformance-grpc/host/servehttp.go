package main

// The host side of the ServeHTTP bidi stream, done the way the server's gRPC hooks
// client does it: the request goes out from its own goroutine as init + first body
// chunk, further 64 KiB chunks, body_complete on the message after the body reader hit
// EOF, then CloseSend; the response is read as init (nil init = 200, status outside
// 100..999 = host 500) and body chunks until body_complete or EOF.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	pb "pluginapiv1"
)

const chunkSize = 64 * 1024

type httpResult struct {
	status      int
	header      http.Header
	body        []byte
	err         error // stream error (send or receive)
	msgs        int   // response messages received
	maxChunk    int   // largest body_chunk received
	flushes     int   // messages with flush=true
	completeSet bool  // a message carried body_complete=true (else the stream ended with EOF)
	sent        int   // request messages sent
	took        time.Duration
}

// pluginRequest builds the request as the plugin sees it after Mattermost's rewriting:
// the URL path is relative to /plugins/<id>, RequestURI keeps the full path.
func pluginRequest(method, p string, body []byte, userID string) (*pb.ServeHTTPRequestInit, io.Reader) {
	u := &url.URL{Path: p}
	h := http.Header{}
	h.Set("User-Agent", "conformance-grpc-host")
	h.Set("X-Requested-With", "XMLHttpRequest")
	if userID != "" {
		h.Set("Mattermost-User-Id", userID)
	}
	var r io.Reader = http.NoBody
	cl := int64(0)
	if body != nil {
		r = bytes.NewReader(body)
		cl = int64(len(body))
		h.Set("Content-Type", "application/octet-stream")
	}
	var hdrs []*pb.HTTPHeader
	for k, v := range h {
		hdrs = append(hdrs, &pb.HTTPHeader{Key: k, Values: v})
	}
	init := &pb.ServeHTTPRequestInit{
		PluginContext: &pb.PluginContext{
			SessionId:      "session1",
			RequestId:      newID(),
			IpAddress:      "127.0.0.1",
			AcceptLanguage: "en",
			UserAgent:      "conformance-grpc-host",
		},
		Method:        method,
		Url:           u.String(),
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Headers:       hdrs,
		Host:          "localhost:8065",
		RemoteAddr:    "127.0.0.1:54321",
		RequestUri:    "/plugins/mattermost-ai" + p,
		ContentLength: cl,
	}
	if userID == "" {
		init.PluginContext.SessionId = ""
	}
	return init, r
}

func serveHTTP(hooks pb.PluginHooksClient, init *pb.ServeHTTPRequestInit, body io.Reader) (res httpResult) {
	res.header = http.Header{}
	t0 := time.Now()
	defer func() { res.took = time.Since(t0) }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stream, err := hooks.ServeHTTP(ctx)
	if err != nil {
		res.err = fmt.Errorf("opening stream: %v", err)
		return res
	}
	sendErr := make(chan error, 1)
	sentCh := make(chan int, 1)
	go func() {
		n, err := sendRequest(stream, init, body)
		sentCh <- n
		sendErr <- err
	}()

	first, err := stream.Recv()
	if err != nil {
		res.err = fmt.Errorf("receiving first response message: %v", err)
		cancel()
		res.sent = <-sentCh
		return res
	}
	res.msgs++
	res.status = 200
	if ri := first.GetInit(); ri != nil {
		if sc := int(ri.GetStatusCode()); sc != 0 {
			res.status = sc
		}
		if res.status < 100 || res.status > 999 {
			res.err = fmt.Errorf("invalid status code %d (the server answers 500)", res.status)
		}
		for _, h := range ri.GetHeaders() {
			for _, v := range h.GetValues() {
				res.header.Add(h.GetKey(), v)
			}
		}
	}
	var buf bytes.Buffer
	take := func(m *pb.ServeHTTPResponse) {
		if n := len(m.GetBodyChunk()); n > 0 {
			buf.Write(m.GetBodyChunk())
			if n > res.maxChunk {
				res.maxChunk = n
			}
		}
		if m.GetFlush() {
			res.flushes++
		}
		if m.GetBodyComplete() {
			res.completeSet = true
		}
	}
	take(first)
	for !res.completeSet {
		m, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			res.err = fmt.Errorf("receiving body: %v", err)
			break
		}
		res.msgs++
		take(m)
	}
	res.body = buf.Bytes()
	if res.err != nil {
		cancel()
	}
	res.sent = <-sentCh
	if err := <-sendErr; err != nil && res.err == nil && err != io.EOF {
		res.err = fmt.Errorf("sending request: %v", err)
	}
	return res
}

// sendRequest is the server's sendHTTPRequest loop.
func sendRequest(stream pb.PluginHooks_ServeHTTPClient, init *pb.ServeHTTPRequestInit, body io.Reader) (int, error) {
	defer stream.CloseSend()
	sent := 0
	buf := make([]byte, chunkSize)
	first := true
	for {
		n, err := body.Read(buf)
		eof := err == io.EOF
		if first {
			msg := &pb.ServeHTTPRequest{Init: init, BodyComplete: eof}
			if n > 0 {
				msg.BodyChunk = append([]byte(nil), buf[:n]...)
			}
			if e := stream.Send(msg); e != nil {
				return sent, e
			}
			sent++
			first = false
		} else if n > 0 || eof {
			msg := &pb.ServeHTTPRequest{BodyComplete: eof}
			if n > 0 {
				msg.BodyChunk = append([]byte(nil), buf[:n]...)
			}
			if e := stream.Send(msg); e != nil {
				return sent, e
			}
			sent++
		}
		if eof {
			return sent, nil
		}
		if err != nil {
			return sent, err
		}
	}
}
