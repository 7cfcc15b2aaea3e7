package email

import (
	"github.com/socialdesk/socialdesk/connector/email/emailtest"

	"bufio"
	"bytes"
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// noIdleProxy sits between the connector and the IMAP server, hides IDLE
// (and IMAP4rev2, which implies it) from capability lists, and records
// whether the client sent IDLE anyway.
type noIdleProxy struct {
	addr    string
	backend string
	sawIdle atomic.Bool
}

func startNoIdleProxy(t *testing.T, backend string) *noIdleProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &noIdleProxy{addr: ln.Addr().String(), backend: backend}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(client)
		}
	}()
	return p
}

func (p *noIdleProxy) serve(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", p.backend)
	if err != nil {
		return
	}
	defer server.Close()
	go func() {
		// Client to server: watch for an IDLE command.
		r := bufio.NewReader(client)
		for {
			line, err := r.ReadBytes('\n')
			if bytes.HasSuffix(bytes.ToUpper(bytes.TrimSpace(line)), []byte(" IDLE")) {
				p.sawIdle.Store(true)
			}
			if _, werr := server.Write(line); werr != nil || err != nil {
				server.Close()
				return
			}
		}
	}()
	r := bufio.NewReader(server)
	for {
		line, err := r.ReadBytes('\n')
		if bytes.Contains(bytes.ToUpper(line), []byte("CAPABILITY")) {
			line = bytes.ReplaceAll(line, []byte(" IDLE"), nil)
			line = bytes.ReplaceAll(line, []byte(" IMAP4rev2"), nil)
		}
		if _, werr := client.Write(line); werr != nil || err != nil {
			return
		}
	}
}

func TestStreamPollsWhenServerLacksIdle(t *testing.T) {
	addr := startIMAP(t)
	proxy := startNoIdleProxy(t, addr)
	mbox := emailtest.OpenMailbox(t, addr)

	c := newTestConnector(t, proxy.addr, "", &memCursor{})
	c.cfg.PollInterval = 200 * time.Millisecond
	sink := newRecorder()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Stream(ctx, sink) }()

	time.Sleep(300 * time.Millisecond)
	uid := mbox.Deliver("polled@example.org", "polled")
	if got := sink.wait(t, 15*time.Second); got.ExternalID != "polled@example.org" {
		t.Fatalf("delivered %q", got.ExternalID)
	}
	waitFor(t, "message marked seen", func() bool { return mbox.Seen(uid) })
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Stream = %v after cancel", err)
	}
	if proxy.sawIdle.Load() {
		t.Error("connector sent IDLE to a server that does not offer it")
	}
}
