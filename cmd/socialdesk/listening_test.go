package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socialdesk/socialdesk/internal/store"
)

func TestListeningTrain(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	sh := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append(args, "--data", data), env(nil), strings.NewReader(""), &out, io.Discard)
		return out.String(), err
	}
	csvPath := filepath.Join(t.TempDir(), "train.csv")
	rows := "body,is_request\n"
	for _, r := range []string{"my laptop will not start,1", "vpn is down again,1", "printer jammed please help,1", "great game last night,0", "lunch was tasty,0", "happy friday everyone,0"} {
		rows += r + "\n"
	}
	if err := os.WriteFile(csvPath, []byte(rows), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := sh("listening", "train", "--csv", csvPath, "--text-col", "body", "--label-col", "is_request")
	if err != nil || !strings.Contains(out, "from 6 examples") {
		t.Fatalf("train: %q %v", out, err)
	}
	if _, err := sh("listening", "train", "--csv", csvPath, "--text-col", "missing"); err == nil {
		t.Fatal("training with a missing column succeeded")
	}
	if _, err := sh("listening", "train"); err == nil || !strings.Contains(err.Error(), "--csv is required") {
		t.Fatalf("no --csv: %v", err)
	}
	if _, err := sh("listening", "train", "--csv", csvPath, "--text-col", "body", "--label-col", "is_request", "--kind", "priority"); err == nil || !strings.Contains(err.Error(), "--kind must be") {
		t.Fatalf("unknown kind: %v", err)
	}
	// Impact labels must be levels: the 0 of a chatter row is not one.
	if _, err := sh("listening", "train", "--csv", csvPath, "--text-col", "body", "--label-col", "is_request", "--kind", "impact"); err == nil || !strings.Contains(err.Error(), `label "0"`) {
		t.Fatalf("impact from 0/1 labels: %v", err)
	}
	db, err := store.OpenSQLite(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	models, err := db.ListeningModels(ctx)
	if err != nil || len(models) != 1 || !models[0].Active || models[0].Examples != 6 {
		t.Fatalf("models = %+v, %v", models, err)
	}
}
