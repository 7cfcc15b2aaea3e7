package mastodon

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk/connector"
)

const deskID = "109876543210"

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func statusFixture(t *testing.T, name string) *status {
	t.Helper()
	var st status
	if err := json.Unmarshal(fixture(t, name), &st); err != nil {
		t.Fatal(err)
	}
	return &st
}

func eq[T comparable](t *testing.T, field string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %#v, want %#v", field, got, want)
	}
}

func TestStatusToInbound(t *testing.T) {
	in := toInbound("fedi", deskID, statusFixture(t, "status-mention.json"))
	eq(t, "Channel", in.Channel, "fedi")
	eq(t, "ExternalID", in.ExternalID, "113090120000000001")
	eq(t, "ReplyTo", in.ReplyTo, "")
	eq(t, "ThreadID", in.ThreadID, "113090120000000001")
	eq(t, "Author.ID", in.Author.ID, "ann@other.example")
	eq(t, "Author.Handle", in.Author.Handle, "@ann@other.example")
	eq(t, "Author.Name", in.Author.Name, "Ann :verified:")
	eq(t, "Text", in.Text, "@helpdesk the wifi in room 4.12 is down again #outage\n\nTried the status page (https://status.example/wifi)")
	eq(t, "Visibility", in.Visibility, connector.Public)
	eq(t, "Mentioned", in.Mentioned, true)
	eq(t, "URL", in.URL, "https://other.example/@ann/113090120000000001")
	if !slices.Equal(in.Tags, []string{"outage"}) {
		t.Errorf("Tags = %q", in.Tags)
	}
	if !in.SentAt.Equal(time.Date(2025, 3, 3, 9, 14, 2, 0, time.UTC)) {
		t.Errorf("SentAt = %v", in.SentAt)
	}
	for _, bad := range []string{"<script", "onclick", "alert"} {
		if strings.Contains(in.HTML, bad) {
			t.Errorf("HTML not sanitised, contains %q: %s", bad, in.HTML)
		}
	}
	if !strings.Contains(in.HTML, `href="https://status.example/wifi"`) {
		t.Errorf("HTML lost a safe link: %s", in.HTML)
	}
}

func TestReplyStatusToInbound(t *testing.T) {
	in := toInbound("fedi", deskID, statusFixture(t, "status-reply.json"))
	eq(t, "ReplyTo", in.ReplyTo, "113090120000000005")
	eq(t, "ThreadID (unknown without a context lookup)", in.ThreadID, "")
	// Unlisted posts are visible to anyone who looks.
	eq(t, "Visibility", in.Visibility, connector.Public)
	eq(t, "Text", in.Text, "@helpdesk thanks, works now!")
}

func TestDirectStatusToInbound(t *testing.T) {
	in := toInbound("fedi", deskID, statusFixture(t, "status-direct-sensitive.json"))
	eq(t, "Visibility", in.Visibility, connector.Direct)
	eq(t, "Subject (content warning)", in.Subject, "password reset")
	// A local GoToSocial account: acct has no domain, the profile URL's
	// host completes it; an empty display name falls back to the username.
	eq(t, "Author.ID", in.Author.ID, "bob@localhost:8080")
	eq(t, "Author.Name", in.Author.Name, "bob")
	// No url: fall back to the ActivityPub URI.
	eq(t, "URL", in.URL, "http://localhost:8080/users/bob/statuses/01JNHZ6V2S3Q9Y8K7W6E5R4T3A")
	// Mentions lists the desk by id; another desk id is not mentioned.
	eq(t, "Mentioned for another desk", toInbound("fedi", "someone-else", statusFixture(t, "status-direct-sensitive.json")).Mentioned, false)
}

func TestParseStreamMessages(t *testing.T) {
	tests := []struct {
		file   string
		ok     bool
		kind   string
		id     string
		status string
	}{
		{"event-notification-mention.json", true, "notification", "34975861", "113090120000000001"},
		{"event-update-hashtag.json", true, "update", "113090120000000009", "113090120000000009"},
		{"event-notification-follow.json", false, "", "", ""},
		{"event-delete.json", false, "", "", ""},
		{"event-update-reblog.json", false, "", "", ""},
		{"event-filters-changed.json", false, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ev, ok, err := parseStreamMessage(fixture(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "ok", ok, tt.ok)
			if !ok {
				return
			}
			eq(t, "Kind", ev.Kind, tt.kind)
			eq(t, "ID", ev.ID, tt.id)
			eq(t, "Status.ID", ev.Status.ID, tt.status)
		})
	}
	if _, _, err := parseStreamMessage([]byte(`{"event":"update","payload":"{not json"}`)); err == nil {
		t.Error("bad update payload accepted")
	}
	if _, _, err := parseStreamMessage([]byte(`not json`)); err == nil {
		t.Error("bad message accepted")
	}
}

func TestCompareIDs(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"9", "10", -1},
		{"113090120000000009", "113090120000000010", -1},
		{"01JNHZ6V2S3Q9Y8K7W6E5R4T3B", "01JNHZ6V2S3Q9Y8K7W6E5R4T3A", 1},
		{"42", "42", 0},
	}
	for _, tt := range tests {
		eq(t, "compareIDs("+tt.a+", "+tt.b+")", compareIDs(tt.a, tt.b), tt.want)
	}
}

func FuzzStreamEvent(f *testing.F) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "event-") {
			f.Add(fixture(f, e.Name()))
		}
	}
	f.Add([]byte(`{"event":"notification","payload":"{\"type\":\"mention\",\"id\":\"1\",\"status\":{\"id\":\"2\",\"reblog\":{}}}"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, ok, err := parseStreamMessage(data)
		if err != nil || !ok {
			return
		}
		if ev.ID == "" || ev.Status == nil || ev.Status.ID == "" {
			t.Fatalf("accepted event without ids: %+v", ev)
		}
		in := toInbound("fuzz", deskID, ev.Status)
		if in.ExternalID != ev.Status.ID {
			t.Fatalf("ExternalID %q != status id %q", in.ExternalID, ev.Status.ID)
		}
	})
}
