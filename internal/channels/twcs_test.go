package channels_test

import (
	"github.com/socialdesk/socialdesk/internal/shareddata"

	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/apptest"
)

// sharedData returns a file of the shared data or skips.
func sharedData(t *testing.T, rel string) string { return shareddata.Dir(t, rel) }

type tweet struct {
	id, author, text, parent string
	at                       time.Time
}

func readTweets(t *testing.T, path string) (tweets []tweet, malformed int) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	for _, need := range []string{"tweet_id", "author_id", "created_at", "text", "in_response_to_tweet_id"} {
		if _, ok := col[need]; !ok {
			t.Fatalf("column %s missing", need)
		}
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil || len(rec) != len(header) {
			malformed++
			continue
		}
		tw := tweet{id: rec[col["tweet_id"]], author: rec[col["author_id"]], text: rec[col["text"]],
			parent: strings.TrimSuffix(rec[col["in_response_to_tweet_id"]], ".0")}
		tw.at, _ = time.Parse("Mon Jan 02 15:04:05 -0700 2006", rec[col["created_at"]])
		tweets = append(tweets, tw)
	}
	return tweets, malformed
}

// TestTwitterThreadsRebuilt feeds the Twitter customer-support sample
// through the signed webhook, parents before replies, and checks that every
// reply whose parent is in the file lands in its parent's ticket, and that
// the number of tickets equals the number of conversations in the file.
func TestTwitterThreadsRebuilt(t *testing.T) {
	path := sharedData(t, filepath.Join("twitter-support", "twcs-sample.csv"))
	tweets, malformed := readTweets(t, path)
	e := apptest.New(t)
	if err := e.App.Channels.Add(e.As("admin"), "twitter", "webhook", `{"secret":"`+hookSecret+`"}`, true); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Every Twitter account is a known person, so nothing is held.
	people := map[string]bool{}
	for _, tw := range tweets {
		if people[tw.author] {
			continue
		}
		people[tw.author] = true
		p := &socialdesk.Person{Name: "@" + tw.author, Role: socialdesk.RoleEmployee}
		if err := e.App.DB.CreatePerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := e.App.DB.AddIdentity(ctx, socialdesk.Identity{PersonID: p.ID, Channel: "webhook", ExternalID: tw.author}); err != nil {
			t.Fatal(err)
		}
	}
	byID := map[string]tweet{}
	for _, tw := range tweets {
		byID[tw.id] = tw
	}
	// Deliver in time order, but never a reply before its parent.
	sort.SliceStable(tweets, func(i, j int) bool { return tweets[i].at.Before(tweets[j].at) })
	children := map[string][]tweet{}
	var order []tweet
	for _, tw := range tweets {
		if _, ok := byID[tw.parent]; ok && tw.parent != tw.id {
			children[tw.parent] = append(children[tw.parent], tw)
		}
	}
	var visit func(tw tweet)
	visit = func(tw tweet) {
		order = append(order, tw)
		for _, c := range children[tw.id] {
			visit(c)
		}
	}
	roots := 0
	for _, tw := range tweets {
		if _, ok := byID[tw.parent]; !ok || tw.parent == tw.id {
			roots++
			visit(tw)
		}
	}
	start := time.Now()
	ticketOf := map[string]int64{}
	rejected := 0
	for _, tw := range order {
		body, _ := json.Marshal(map[string]any{"external_id": tw.id, "author": map[string]string{"id": tw.author}, "text": tw.text,
			"reply_to": tw.parent, "visibility": "public"})
		code, acc := post(t, e.Server.URL, "twitter", string(body), true)
		switch code {
		case http.StatusAccepted, http.StatusOK:
			ticketOf[tw.id] = acc.TicketID
		case http.StatusUnprocessableEntity:
			rejected++ // an empty tweet: refused with a clear error, nothing stored
		default:
			t.Fatalf("tweet %s: status %d", tw.id, code)
		}
	}
	elapsed := time.Since(start)
	threaded, broken := 0, 0
	for _, tw := range order {
		if _, ok := byID[tw.parent]; !ok || ticketOf[tw.id] == 0 {
			continue
		}
		// Walk up to the nearest stored ancestor.
		p := tw.parent
		for ticketOf[p] == 0 {
			if _, ok := byID[p]; !ok {
				break
			}
			p = byID[p].parent
		}
		if ticketOf[p] == 0 {
			continue
		}
		if ticketOf[p] == ticketOf[tw.id] {
			threaded++
		} else {
			broken++
		}
	}
	tickets := count(t, e, `SELECT COUNT(*) FROM tickets`)
	if broken != 0 {
		t.Fatalf("%d replies did not land in their parent's ticket", broken)
	}
	if want := roots - rejectedRoots(order, ticketOf, byID); tickets != want {
		t.Fatalf("tickets = %d, want one per conversation = %d", tickets, want)
	}
	t.Logf("twcs: %d tweets (%d malformed rows skipped, %d refused as empty), %d conversations -> %d tickets, %d replies threaded into their parent's ticket, %.0f msg/s over HTTP",
		len(tweets), malformed, rejected, roots, tickets, threaded, float64(len(order))/elapsed.Seconds())
}

// rejectedRoots counts conversation roots that were refused; their replies
// start their own tickets.
func rejectedRoots(order []tweet, ticketOf map[string]int64, byID map[string]tweet) int {
	n := 0
	for _, tw := range order {
		if _, ok := byID[tw.parent]; (!ok || tw.parent == tw.id) && ticketOf[tw.id] == 0 {
			n++
		}
	}
	return n
}
