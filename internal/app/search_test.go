package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/community"
)

// TestOneSearchCoversCommunity: a community answer is found by the same
// search as tickets within a second, a verified answer ranks first, and a
// quarantined one disappears for employees.
func TestOneSearchCoversCommunity(t *testing.T) {
	e := apptest.New(t)
	e.StartWorkers()
	cs := e.App.Community
	q, err := cs.Ask(e.As("employee"), community.NewQuestion{Title: "Outlook keeps asking for my password after the MFA change", Body: "On my Windows laptop, since Monday."})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := cs.Answer(e.As("employee2"), q.ID, "Try restarting the laptop.")
	if err != nil {
		t.Fatal(err)
	}
	good, err := cs.Answer(e.As("contractor"), q.ID, "Remove the old **Office** credentials from `Credential Manager`, then sign in again with [MFA](https://wiki.example.com/mfa).")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Verify(e.As("agent"), good.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	search := func(role string) []map[string]any {
		req, _ := http.NewRequest("GET", e.Server.URL+"/api/v1/search?types=answer&q="+url.QueryEscape("outlook password prompt mfa"), nil)
		req.Header.Set("Authorization", "Bearer "+e.Tokens[role])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ Results []map[string]any }
		json.NewDecoder(resp.Body).Decode(&out)
		return out.Results
	}
	var res []map[string]any
	// The index follows changes as they are broadcast; the bound is wide
	// so that a loaded machine running the race detector does not fail.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if res = search("employee"); len(res) == 2 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(res) != 2 {
		t.Fatalf("answers not searchable after 10 s: %+v", res)
	}
	if res[0]["id"] != jsonID(good.ID) {
		t.Fatalf("the verified answer should rank first: %+v", res)
	}
	// Its snippet is plain text, without the markdown marks.
	if snip, _ := res[0]["snippet"].(string); !strings.Contains(snip, "Remove the old Office credentials from Credential Manager") || strings.ContainsAny(snip, "*`[]") {
		t.Errorf("snippet = %q, want the answer's words without markdown", snip)
	}
	// An agent's flag quarantines the plain answer: employees stop finding it.
	if _, err := cs.Flag(e.As("agent"), plain.ID, "unsafe advice"); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if res = search("employee"); len(res) == 1 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(res) != 1 || res[0]["id"] != jsonID(good.ID) {
		t.Fatalf("a quarantined answer is still found by an employee: %+v", res)
	}
	if r := search("knowledge_manager"); len(r) != 2 {
		t.Fatalf("reviewers should still find the quarantined answer: %+v", r)
	}
}

func jsonID(id int64) string {
	b, _ := json.Marshal(id)
	return string(b)
}
