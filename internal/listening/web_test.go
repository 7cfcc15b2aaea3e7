package listening_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/classify"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/ingest"
	"github.com/socialdesk/socialdesk/internal/listening"
)

// TestPages drives the admin page, the dashboard and the status page as a
// browser would, without JavaScript.
func TestPages(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	admin, agent, employee := e.NewSession(t, "admin"), e.NewSession(t, "agent"), e.NewSession(t, "employee")

	// Admin adds a rule, is told clearly about a bad one, saves settings.
	if code, loc, _ := admin.Do("POST", "/admin/listening/rules", url.Values{"kind": {"hashtag"}, "value": {"#outage"}}); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/listening") {
		t.Fatalf("add rule: %d %q", code, loc)
	}
	if code, _, body := admin.Do("POST", "/admin/listening/rules", url.Values{"kind": {"keyword"}, "value": {"two words"}}); code != http.StatusUnprocessableEntity || !strings.Contains(body, "use a phrase") ||
		!strings.Contains(body, `value="two words" aria-invalid="true"`) {
		t.Fatalf("bad rule: %d\n%s", code, body)
	}
	form := url.Values{"threshold": {"0.5"}, "window_minutes": {"15"}, "min_reports": {"6"}, "min_authors": {"4"}, "min_channels": {"2"}, "similarity": {"0.45"},
		"default_policy": {"none"}, "policy.slack": {"public"}, "policy.twitter": {"review"}, "policy.email": {""}, "ack_text": {"Opened {number}: {url}"}, "ack_limit": {"2"}}
	if code, _, _ := admin.Do("POST", "/admin/listening/config", form); code != http.StatusSeeOther {
		t.Fatalf("save config: %d", code)
	}
	cfg := e.App.Listening.Config()
	if cfg.WindowMinutes != 15 || cfg.MinChannels != 2 || cfg.Similarity != 0.45 || cfg.Policy("slack") != listening.ReplyPublic || cfg.Policy("email") != listening.ReplyNone {
		t.Fatalf("config = %+v", cfg)
	}
	// with returns a copy of the form with one field changed.
	with := func(field, value string) url.Values {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		f.Set(field, value)
		return f
	}
	for _, tc := range []struct {
		field string
		bad   []string
		want  string
	}{
		{"similarity", []string{"1.5", "-0.1", "close", "NaN"}, "similarity is a number between 0 and 1"},
		{"trouble_share", []string{"1.5", "-0.1", "often", "NaN"}, "describe trouble is a number between 0 and 1"},
		{"threshold", []string{"NaN"}, "threshold is a number between 0 and 1"},
	} {
		for _, bad := range tc.bad {
			if code, _, body := admin.Do("POST", "/admin/listening/config", with(tc.field, bad)); code != http.StatusUnprocessableEntity || !strings.Contains(body, tc.want) {
				t.Fatalf("%s %q: %d", tc.field, bad, code)
			}
		}
	}
	if cfg.Trouble() != 0.5 {
		t.Fatalf("trouble share %v when the form leaves it empty, want the default 0.5", cfg.Trouble())
	}
	for _, share := range []string{"0", "0.7"} {
		if code, _, _ := admin.Do("POST", "/admin/listening/config", with("trouble_share", share)); code != http.StatusSeeOther {
			t.Fatalf("save trouble share %s: %d", share, code)
		}
		if got := fmt.Sprint(e.App.Listening.Config().Trouble()); got != share {
			t.Fatalf("trouble share %s saved as %s", share, got)
		}
		if _, _, body := admin.Do("GET", "/admin/listening", nil); !strings.Contains(body, `name="trouble_share" value="`+share+`"`) {
			t.Fatalf("the settings page does not show the trouble share %s", share)
		}
	}
	// A refused form keeps what was typed and marks the field at fault.
	bad := with("similarity", "close")
	bad.Set("window_minutes", "25")
	code, _, body := admin.Do("POST", "/admin/listening/config", bad)
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `name="similarity" value="close" size="5" aria-invalid="true"`) || !strings.Contains(body, `name="window_minutes" value="25"`) {
		t.Fatalf("a refused form does not keep what was typed or mark the field: %d\n%s", code, body)
	}
	if e.App.Listening.Config().WindowMinutes != 15 {
		t.Fatal("a refused form changed the window")
	}
	form.Set("policy.slack", "shout")
	if code, _, body := admin.Do("POST", "/admin/listening/config", form); code != http.StatusUnprocessableEntity || !strings.Contains(body, "public, private, review or none") ||
		!strings.Contains(body, `name="policy.slack" aria-describedby="policy-hint" aria-invalid="true"`) {
		t.Fatalf("bad policy: %d\n%s", code, body)
	}
	form.Set("policy.slack", "public")
	if e.App.Listening.Config().Policy("slack") != listening.ReplyPublic {
		t.Fatal("a rejected configuration changed the settings")
	}
	if _, err := e.App.Listening.Train(desk.SystemContext(ctx), listening.ModelSupport, []classify.Example{{Text: "vpn broken help", Label: "1"}, {Text: "nice lunch", Label: "0"}}, "t"); err != nil {
		t.Fatal(err)
	}
	// Each channel a policy names is offered, with its policy chosen; a
	// channel left at the default has none of its own.
	code, _, body = admin.Do("GET", "/admin/listening", nil)
	if code != 200 || !strings.Contains(body, "outage") || !strings.Contains(body, "Classifier versions") ||
		!strings.Contains(body, `<label for="policy.slack">slack</label>`) || !strings.Contains(body, `name="policy.twitter" aria-describedby="policy-hint"><option value="">the default (none)</option><option>public</option><option>private</option><option selected>review</option>`) {
		t.Fatalf("admin page: %d\n%s", code, body)
	}
	if _, ok := e.App.Listening.Config().Policies["email"]; ok {
		t.Fatal("a channel left at the default was given a policy of its own")
	}

	// Listening owns acknowledgements once the pipeline's own are off.
	sys := desk.SystemContext(ctx)
	if err := e.App.Ingest.SetPolicy(sys, ingest.Policy{OnResolved: ingest.Reopen, OnClosed: ingest.FollowUp, AckText: "-", AckLimit: 3}); err != nil {
		t.Fatal(err)
	}
	// A post tagged #outage shows on the dashboard with its rule.
	if _, err := e.App.Ingest.Deliver(ctx, connector.Inbound{Channel: "twitter", ExternalID: "w1", Author: connector.Author{ID: "e", Email: "employee@example.com"},
		Text: "vpn broken again, help", Tags: []string{"outage"}, Visibility: connector.Public}); err != nil {
		t.Fatal(err)
	}
	code, _, body = agent.Do("GET", "/listening", nil)
	if code != 200 || !strings.Contains(body, "hashtag: #outage") || !strings.Contains(body, "<svg") || !strings.Contains(body, "vpn broken again") {
		t.Fatalf("dashboard: %d\n%s", code, body)
	}
	posts, _ := e.App.DB.ListeningPosts(ctx, e.App.Desk.Now().AddDate(0, 0, -1), 10)
	if len(posts) != 1 {
		t.Fatalf("posts = %+v", posts)
	}
	if code, _, _ := agent.Do("POST", fmt.Sprintf("/listening/posts/%d/feedback", posts[0].ID), url.Values{"kind": {"not"}}); code != http.StatusSeeOther {
		t.Fatalf("feedback: %d", code)
	}
	// twitter is "review": the acknowledgement waits on the dashboard.
	replies, _ := e.App.DB.ListeningReplies(ctx, e.App.Desk.Now().AddDate(0, 0, -1))
	if len(replies) != 1 || replies[0].State != "held" {
		t.Fatalf("replies = %+v", replies)
	}
	if code, _, _ := agent.Do("POST", fmt.Sprintf("/listening/replies/%d/approve", replies[0].ID), url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("approve: %d", code)
	}
	msgs, _ := e.App.DB.Messages(ctx, posts[0].TicketID)
	acks := 0
	for _, m := range msgs {
		if m.Direction == "out" && strings.HasPrefix(m.Body, "Opened INC-") {
			acks++
		}
	}
	if acks != 1 {
		t.Errorf("acknowledgements queued after approval = %d, want 1", acks)
	}
	if code, _, _ := agent.Do("POST", fmt.Sprintf("/listening/replies/%d/approve", replies[0].ID), url.Values{}); code != http.StatusConflict {
		t.Errorf("second approval: %d, want 409", code)
	}
	// With the pipeline's acknowledgement on, the thread is acknowledged
	// once, by the pipeline, and listening adds nothing.
	if err := e.App.Ingest.SetPolicy(sys, ingest.Policy{OnResolved: ingest.Reopen, OnClosed: ingest.FollowUp, AckText: "Logged as {number}", AckLimit: 3}); err != nil {
		t.Fatal(err)
	}
	rc, err := e.App.Ingest.Deliver(ctx, connector.Inbound{Channel: "twitter", ExternalID: "w2", Author: connector.Author{ID: "e2", Email: "employee2@example.com"},
		Text: "vpn broken for me too, please help", Tags: []string{"outage"}, Visibility: connector.Public})
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ = e.App.DB.Messages(ctx, rc.TicketID)
	acks = 0
	for _, m := range msgs {
		if m.Direction == "out" {
			acks++
		}
	}
	if replies, _ := e.App.DB.ListeningReplies(ctx, e.App.Desk.Now().AddDate(0, 0, -1)); acks != 1 || len(replies) != 1 {
		t.Errorf("with the pipeline's acknowledgement on: %d outbound messages, %d listening replies; want 1 and still 1", acks, len(replies))
	}
	if code, _, _ := admin.Do("POST", "/admin/listening/models/update", url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("apply corrections: %d", code)
	}
	if ms, _ := e.App.Listening.Models(ctx); len(ms) != 2 || !ms[0].Active {
		t.Errorf("models after applying corrections = %+v", ms)
	}
	// An emerging cluster shows how many of its reports describe trouble,
	// which an outage needs (TroubleShare).
	for i, text := range []string{"Congratulations Maria on the promotion", "congrats to Maria on her promotion", "Maria's promotion party at four, can't wait"} {
		e.App.Listening.Observe(ctx, connector.Inbound{Channel: "slack", ExternalID: fmt.Sprint("c", i), Author: connector.Author{ID: fmt.Sprint("fan", i)},
			Text: text, SentAt: e.App.Desk.Now()}, connector.Receipt{})
	}
	if _, _, body = agent.Do("GET", "/listening", nil); !strings.Contains(body, "Describe trouble") || !strings.Contains(body, "1 of 3 in the window") {
		t.Fatalf("the dashboard does not show that 1 of the 3 promotion posts describes trouble:\n%s", body)
	}
	// The status page renders for everyone; with no incidents it says so.
	code, _, body = employee.Do("GET", "/status", nil)
	if code != 200 || !strings.Contains(body, "No current incidents") {
		t.Fatalf("status page: %d", code)
	}
	if code, _, _ := employee.Do("GET", "/listening", nil); code != http.StatusForbidden && code != http.StatusNotFound {
		t.Errorf("employee on dashboard: %d", code)
	}
}

// TestTrainFromUpload trains the support model from a CSV file uploaded on
// the settings page: a good file makes an active version that classifies,
// and a file that cannot be read, or lacks a file at all, is refused with
// a message and stores no version.
func TestTrainFromUpload(t *testing.T) {
	e := apptest.New(t)
	admin := e.NewSession(t, "admin")
	ctx := t.Context()
	var good strings.Builder
	good.WriteString("post,is_request\n")
	for i, text := range []string{"my laptop will not start, please help", "vpn keeps dropping, I cannot work", "outlook crashed again and lost my mail",
		"printer on floor 3 is jammed, need help", "cannot log in to the portal since this morning", "lovely lunch in the canteen today",
		"who is coming to the match tonight", "welcome to our new colleague", "nice weather this weekend", "book club on thursday"} {
		fmt.Fprintf(&good, "%q,%d\n", text, map[bool]int{true: 1, false: 0}[i < 5])
	}
	for _, tc := range []struct {
		name, file, textCol, labelCol, want string
	}{
		{"missing label column", good.String(), "post", "label", `no label column &#34;label&#34;`},
		{"empty label", "text,label\nmy vpn is down,\n", "", "", "CSV line 2: empty label"},
		{"one label only", "text,label\nmy vpn is down,1\nprinter jammed,1\n", "", "", "two labels"},
		{"no file", "", "", "", "Choose a CSV file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fields := url.Values{"kind": {listening.ModelSupport}, "text_col": {tc.textCol}, "label_col": {tc.labelCol}}
			var code int
			var body string
			if tc.file == "" {
				code, _, body = admin.Do("POST", "/admin/listening/models/train", fields)
			} else {
				code, _, body = admin.Upload("/admin/listening/models/train", fields, "csv", "posts.csv", []byte(tc.file))
			}
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, tc.want) {
				t.Fatalf("got %d, want 422 with %q:\n%s", code, tc.want, body)
			}
			if models, _ := e.App.Listening.Models(ctx); len(models) != 0 {
				t.Fatalf("a refused upload stored %d model versions", len(models))
			}
		})
	}
	// A file over the 10 MB form limit gets a message saying so, not an
	// expired-form page.
	big := []byte("text,label\n" + strings.Repeat("my vpn keeps dropping again,1\n", 11<<20/30))
	if code, _, body := admin.Upload("/admin/listening/models/train", url.Values{"kind": {listening.ModelSupport}}, "csv", "big.csv", big); code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "larger than 10 MB") {
		t.Fatalf("an 11 MB upload: %d\n%s", code, body)
	}
	code, loc, _ := admin.Upload("/admin/listening/models/train", url.Values{"kind": {listening.ModelSupport}, "text_col": {"post"}, "label_col": {"is_request"}}, "csv", "posts.csv", []byte(good.String()))
	if code != http.StatusSeeOther || !strings.Contains(loc, "from+10+examples") {
		t.Fatalf("good upload: %d %s", code, loc)
	}
	models, err := e.App.Listening.Models(ctx)
	if err != nil || len(models) != 1 || !models[0].Active || models[0].Examples != 10 || models[0].Note != "uploaded posts.csv" {
		t.Fatalf("models after the upload = %+v, %v", models, err)
	}
	got, err := e.App.Listening.Classify("my laptop crashed again, please help")
	if err != nil || !got.SupportRequest {
		t.Errorf("the uploaded model's verdict on a support request: %+v, %v", got, err)
	}
	if code, _, _ := e.NewSession(t, "agent").Upload("/admin/listening/models/train", url.Values{"kind": {listening.ModelSupport}}, "csv", "posts.csv", []byte(good.String())); code != http.StatusForbidden {
		t.Errorf("an agent uploading training data got %d, want 403", code)
	}
}
