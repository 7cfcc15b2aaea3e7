package listening

import (
	"github.com/socialdesk/socialdesk/internal/shareddata"

	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// sharedDataDir returns the shared data folder or skips.
func sharedDataDir(t testing.TB) string { return shareddata.Dir(t) }

var dataPlaceholders = strings.NewReplacer("__email__", "[EMAIL]", "__credit_card__", "[CARD]")

// loadBackground reads the Spotify support stream, sorted by time, with
// timestamps compressed 60x from start.
func loadBackground(t testing.TB, start time.Time) []Report {
	t.Helper()
	f, err := os.Open(filepath.Join(sharedDataDir(t), "twitter-support", "spotify-requests.csv"))
	if err != nil {
		t.Skipf("spotify-requests.csv not available: %v", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	var out []Report
	for i, row := range rows[1:] {
		at, err := time.Parse("Mon Jan 02 15:04:05 -0700 2006", row[col["created_at"]])
		if err != nil {
			t.Fatalf("row %d: %v", i+2, err)
		}
		// The data set's own anonymisation placeholders become the ones
		// socialdesk's redaction writes, as Observe would see the posts.
		text := dataPlaceholders.Replace(row[col["text"]])
		out = append(out, Report{ID: int64(i + 1), Channel: "twitter", Author: "tw:" + row[col["author_id"]], Text: text, At: at})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	// A few tweets are years older than the rest; the stream proper is
	// the dense run at the end. Start at the 1st percentile.
	out = out[len(out)/100:]
	t0 := out[0].At
	t.Logf("background: %d posts from %v to %v, replayed over %v", len(out), out[0].At, out[len(out)-1].At, out[len(out)-1].At.Sub(t0)/60)
	for i := range out {
		out[i].At = start.Add(out[i].At.Sub(t0) / 60)
	}
	return out
}

// outage templates: each report combines a subject, a symptom and an
// optional tail, then gets typos.
type outageTemplate struct {
	name     string
	subjects []string
	symptoms []string
	tails    []string
}

var outageTemplates = []outageTemplate{
	{"vpn",
		[]string{"the VPN", "my vpn", "VPN connection", "GlobalProtect vpn", "the company VPN", "vpn client"},
		[]string{"keeps dropping every few minutes", "disconnected again", "drops out constantly", "won't stay connected", "keeps disconnecting", "dropped me three times already"},
		[]string{"", "working from home today", "can't reach the file shares", "anyone else?", "so annoying", "is it down?"}},
	{"email",
		[]string{"Outlook", "my email", "email on my phone", "the mailbox", "Outlook email", "work email"},
		[]string{"is not syncing", "stopped syncing since 9am", "won't sync new messages", "not syncing at all", "isn't updating, no new mail", "sync is stuck"},
		[]string{"", "inbox is empty", "missing messages from clients", "restarted outlook already", "is exchange down?", "urgent"}},
	{"login",
		[]string{"SSO login", "single sign-on", "the login page", "SSO", "login with okta sso", "signing in"},
		[]string{"is failing", "fails with an error", "keeps failing, loops back to login", "not working, login fails", "gives error 500 on login", "times out on sign in"},
		[]string{"", "can't get into anything", "locked out of all apps", "tried incognito too", "since a few minutes", "whole team affected"}},
}

// typo makes one random typing mistake in one word of s.
func typo(r *rand.Rand, s string) string {
	words := strings.Fields(s)
	if len(words) == 0 {
		return s
	}
	i := r.IntN(len(words))
	w := []byte(words[i])
	if len(w) < 4 {
		return s
	}
	j := 1 + r.IntN(len(w)-2)
	switch r.IntN(3) {
	case 0: // swap
		w[j], w[j+1] = w[j+1], w[j]
	case 1: // drop
		w = append(w[:j], w[j+1:]...)
	default: // double
		w = append(w[:j+1], w[j:]...)
	}
	words[i] = string(w)
	return strings.Join(words, " ")
}

// paraphrase writes one report of an outage.
func paraphrase(r *rand.Rand, tp outageTemplate) string {
	s := tp.subjects[r.IntN(len(tp.subjects))] + " " + tp.symptoms[r.IntN(len(tp.symptoms))]
	if tail := tp.tails[r.IntN(len(tp.tails))]; tail != "" {
		s += ", " + tail
	}
	if r.IntN(3) == 0 {
		s = strings.ToLower(s)
	}
	if r.IntN(2) == 0 {
		s = typo(r, s)
	}
	if r.IntN(4) == 0 {
		s = "@ITHelp " + s
	}
	return s
}

// burst is an injected outage.
type burst struct {
	name    string
	reports []Report
}

// withBursts returns the stream with the bursts' reports mixed in, in time
// order; stream itself is not changed.
func withBursts(stream []Report, bursts []burst) []Report {
	out := append([]Report(nil), stream...)
	for _, b := range bursts {
		out = append(out, b.reports...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// makeBursts generates one burst per template: n reports from distinct
// authors over 2 to 3 channels, spread over a few simulated minutes.
func makeBursts(r *rand.Rand, starts []time.Time, idBase int64) []burst {
	channels := []string{"twitter", "slack", "mastodon"}
	var out []burst
	for k, tp := range outageTemplates {
		n := 10 + r.IntN(31)
		nch := 2 + r.IntN(2)
		b := burst{name: tp.name}
		at := starts[k]
		for i := 0; i < n; i++ {
			at = at.Add(time.Duration(5+r.IntN(40)) * time.Second)
			b.reports = append(b.reports, Report{ID: idBase + int64(k*1000+i), Channel: channels[i%nch],
				Author: fmt.Sprintf("%s-user-%d", tp.name, i), Text: paraphrase(r, tp), At: at})
		}
		out = append(out, b)
	}
	return out
}

// TestReplayOutages replays the Spotify support stream, compressed 60x,
// with three injected outage bursts. Each burst must open exactly one
// outage, within two simulated minutes of its fifth report, with at
// least 90% of its reports linked; the background must open none.
func TestReplayOutages(t *testing.T) {
	start := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	bg := loadBackground(t, start)
	end := bg[len(bg)-1].At

	t.Run("background only", func(t *testing.T) {
		d := NewDetector(testOptions())
		for _, r := range bg {
			if o := d.Observe(r); o.Fired {
				t.Errorf("background fired an outage at %v: %q (%d reports)", r.At, o.Title, len(o.Members))
			}
		}
	})

	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 42))
			span := end.Sub(start)
			starts := []time.Time{start.Add(span / 5), start.Add(span / 2), start.Add(span * 4 / 5)}
			// Make the bursts overlap in time in one seed.
			if seed == 2 {
				starts[1] = starts[0].Add(90 * time.Second)
			}
			bursts := makeBursts(r, starts, 1_000_000)
			stream := withBursts(bg, bursts)
			owner := map[int64]int{}
			for k, b := range bursts {
				for _, rep := range b.reports {
					owner[rep.ID] = k + 1
				}
			}

			d := NewDetector(testOptions())
			type incident struct {
				burst  int
				at     time.Time
				linked map[int64]bool
			}
			incidents := map[int64]*incident{}
			for _, rep := range stream {
				o := d.Observe(rep)
				if o.Fired {
					votes := map[int]int{}
					for _, m := range o.Members {
						votes[owner[m.ID]]++
					}
					bestK, bestN := 0, -1
					for k, n := range votes {
						if n > bestN {
							bestK, bestN = k, n
						}
					}
					inc := &incident{burst: bestK, at: rep.At, linked: map[int64]bool{}}
					for _, m := range o.Members {
						inc.linked[m.ID] = true
					}
					incidents[o.Cluster] = inc
					t.Logf("outage at %v for burst %d: %q", rep.At.Sub(start), bestK, o.Title)
				} else if o.Outage {
					// The report, and the reports of any cluster it brought
					// in with it, are linked to the incident.
					for _, m := range o.Members {
						incidents[o.Cluster].linked[m.ID] = true
					}
				}
			}
			for k, b := range bursts {
				var found []*incident
				for _, inc := range incidents {
					if inc.burst == k+1 {
						found = append(found, inc)
					}
				}
				if len(found) != 1 {
					t.Errorf("burst %s (%d reports): %d incidents, want 1", b.name, len(b.reports), len(found))
					for _, rep := range b.reports {
						t.Logf("  %s %s: %q", rep.At.Format("15:04:05"), rep.Author, rep.Text)
					}
					continue
				}
				inc := found[0]
				linked := 0
				for _, rep := range b.reports {
					if inc.linked[rep.ID] {
						linked++
					}
				}
				fifth := b.reports[4].At
				t.Logf("burst %s: %d reports over %d channels, %d linked, opened %v after the fifth report",
					b.name, len(b.reports), len(map[string]bool{b.reports[0].Channel: true, b.reports[1].Channel: true, b.reports[2].Channel: true}), linked, inc.at.Sub(fifth))
				if float64(linked) < 0.9*float64(len(b.reports)) {
					t.Errorf("burst %s: %d of %d reports linked, want >= 90%%", b.name, linked, len(b.reports))
					for _, rep := range b.reports {
						if !inc.linked[rep.ID] {
							t.Logf("  not linked: %q", rep.Text)
						}
					}
				}
				if inc.at.Sub(fifth) > 2*time.Minute {
					t.Errorf("burst %s: opened %v after its fifth report, want <= 2m", b.name, inc.at.Sub(fifth))
				}
			}
			for id, inc := range incidents {
				if inc.burst == 0 {
					t.Errorf("cluster %d: outage opened by background posts", id)
				}
			}
			// Precision: most of what is linked to the incidents must be
			// the injected reports, not background posts that share a
			// word with them (every linked report is a child ticket, and
			// is told when the incident is resolved).
			injected, background := 0, 0
			for _, b := range bursts {
				injected += len(b.reports)
			}
			for _, inc := range incidents {
				for id := range inc.linked {
					if owner[id] == 0 {
						background++
					}
				}
			}
			t.Logf("%d background posts linked to the incidents, against %d injected reports", background, injected)
			if background > injected/2 {
				t.Errorf("%d background posts linked to the incidents, more than half the %d injected reports", background, injected)
			}
		})
	}
}

// testOptions returns the defaults, or the threshold in
// LISTENING_THRESHOLD when set (for the sweep in docs/listening.md).
func testOptions() DetectorOptions {
	var o DetectorOptions
	if v := os.Getenv("LISTENING_THRESHOLD"); v != "" {
		fmt.Sscan(v, &o.Threshold)
	}
	return o
}
