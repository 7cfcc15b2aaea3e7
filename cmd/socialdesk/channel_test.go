package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestChannelCommands(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	const secret = "never-print-this-secret"
	sh := func(getenv map[string]string, args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append(args, "--data", data), env(getenv), strings.NewReader(""), &out, io.Discard)
		return out.String(), err
	}
	out, err := sh(nil, "channel", "add", "--name", "partner", "--kind", "webhook", "--config", `{"secret":"`+secret+`","reply_url":"https://partner.example/replies"}`)
	if err != nil || !strings.Contains(out, `Added webhook channel "partner"`) {
		t.Fatalf("add: %q %v", out, err)
	}
	if st, err := os.Stat(filepath.Join(data, "secret.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	if _, err := sh(nil, "channel", "add", "--name", "partner", "--kind", "webhook", "--config", `{"secret":"another-long-secret"}`); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Fatalf("duplicate name: %v", err)
	}
	if _, err := sh(nil, "channel", "add", "--name", "x", "--kind", "webhook", "--config", `{"secret":"short"}`); err == nil || !strings.Contains(err.Error(), "at least 16 characters") {
		t.Fatalf("bad config: %v", err)
	}
	if _, err := sh(nil, "channel", "add", "--name", "x", "--kind", "pager", "--config", `{}`); err == nil || !strings.Contains(err.Error(), "Unknown kind") {
		t.Fatalf("bad kind: %v", err)
	}
	out, err = sh(nil, "channel", "list")
	if err != nil || !strings.Contains(out, "partner") || !strings.Contains(out, "********") || !strings.Contains(out, "partner.example") || strings.Contains(out, secret) {
		t.Fatalf("list: %q %v", out, err)
	}
	raw, _ := os.ReadFile(filepath.Join(data, "socialdesk.db"))
	wal, _ := os.ReadFile(filepath.Join(data, "socialdesk.db-wal"))
	if len(raw) == 0 || bytes.Contains(raw, []byte(secret)) || bytes.Contains(wal, []byte(secret)) {
		t.Fatal("the secret is stored in clear in the database file")
	}
	// With another key the configuration cannot be read, and says so.
	other := map[string]string{"SOCIALDESK_SECRET_KEY": strings.Repeat("ab", 32)}
	if out, err := sh(other, "channel", "list"); err != nil || !strings.Contains(out, "cannot decrypt") {
		t.Fatalf("list with the wrong key: %q %v", out, err)
	}
	if out, err := sh(nil, "channel", "remove", "--name", "partner"); err != nil || !strings.Contains(out, "Removed") {
		t.Fatalf("remove: %q %v", out, err)
	}
	if _, err := sh(nil, "channel", "remove", "--name", "partner"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("remove twice: %v", err)
	}
	if _, err := sh(nil, "channel", "frobnicate"); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Fatalf("unknown subcommand: %v", err)
	}
}
