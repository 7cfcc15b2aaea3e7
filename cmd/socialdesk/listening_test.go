package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
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
	if _, err := sh("listening", "train"); err == nil || !strings.Contains(err.Error(), "--csv or --from-tickets is required") {
		t.Fatalf("no --csv: %v", err)
	}
	if _, err := sh("listening", "train", "--csv", csvPath, "--text-col", "body", "--label-col", "is_request", "--kind", "priority"); err == nil || !strings.Contains(err.Error(), "--kind must be") {
		t.Fatalf("unknown kind: %v", err)
	}
	// Impact labels must be levels: the 0 of a chatter row is not one.
	if _, err := sh("listening", "train", "--csv", csvPath, "--text-col", "body", "--label-col", "is_request", "--kind", "impact"); err == nil || !strings.Contains(err.Error(), `label "0"`) {
		t.Fatalf("impact from 0/1 labels: %v", err)
	}
	// A suggestion model can learn from the desk's resolved tickets
	// instead, once they have two services; the support model cannot.
	if _, err := sh("listening", "train", "--from-tickets", "--kind", "service"); err == nil || !strings.Contains(err.Error(), "Only 0 resolved or closed ticket(s) have a service") {
		t.Fatalf("from tickets on an empty desk: %v", err)
	}
	if _, err := sh("listening", "train", "--from-tickets"); err == nil || !strings.Contains(err.Error(), "support model learns from labelled posts") {
		t.Fatalf("support model from tickets: %v", err)
	}
	if _, err := sh("listening", "train", "--from-tickets", "--kind", "service", "--csv", csvPath); err == nil || !strings.Contains(err.Error(), "not both") {
		t.Fatalf("--csv with --from-tickets: %v", err)
	}
	db, err := store.OpenSQLite(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for i, svc := range []string{"VPN", "Printing", "VPN", ""} {
		tk := &socialdesk.Ticket{Type: socialdesk.Incident, Title: fmt.Sprintf("ticket %d", i), State: socialdesk.StateResolved, Impact: socialdesk.Medium, Urgency: socialdesk.Medium,
			Priority: 3, Service: svc, Channel: "portal", CreatedAt: now, UpdatedAt: now}
		if err := db.CreateTicket(ctx, tk, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	if out, err := sh("listening", "train", "--from-tickets", "--kind", "service"); err != nil || !strings.Contains(out, "from 3 resolved tickets") || !strings.Contains(out, "Version 2: trained from the desk's 3 newest resolved tickets\n") {
		t.Fatalf("service model from tickets: %q %v", out, err)
	}
	db, err = store.OpenSQLite(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	models, err := db.ListeningModels(ctx)
	if err != nil || len(models) != 2 {
		t.Fatalf("models = %+v, %v; want the support model and the service model", models, err)
	}
	for _, m := range models {
		if want := map[string]int{"support": 6, "service": 3}[m.Kind]; !m.Active || m.Examples != want {
			t.Fatalf("model %+v: want active with %d examples", m, want)
		}
	}
}
