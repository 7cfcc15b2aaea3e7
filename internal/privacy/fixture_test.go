package privacy

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// fixtureTicket is one line of testdata/tickets.jsonl.
type fixtureTicket struct {
	ID         string        `json:"id"`
	KnownNames []string      `json:"known_names"`
	Text       string        `json:"text"`
	Spans      []fixtureSpan `json:"spans"`
}

// fixtureSpan is one labelled sensitive span of a ticket.
type fixtureSpan struct {
	Kind  Kind   `json:"kind"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
}

func loadFixture(t testing.TB) []fixtureTicket {
	t.Helper()
	f, err := os.Open("testdata/tickets.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []fixtureTicket
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var tk fixtureTicket
		if err := json.Unmarshal(sc.Bytes(), &tk); err != nil {
			t.Fatalf("bad fixture line: %v", err)
		}
		for _, s := range tk.Spans {
			if s.Start < 0 || s.End > len(tk.Text) || tk.Text[s.Start:s.End] != s.Text {
				t.Fatalf("%s: span %q does not match the text at %d-%d", tk.ID, s.Text, s.Start, s.End)
			}
		}
		out = append(out, tk)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// maxSlack is how many bytes a finding may extend past a labelled span on
// either side and still count as a match.
const maxSlack = 4

// matches reports whether finding f covers the labelled span s.
func matches(f Finding, s fixtureSpan) bool {
	return f.Kind == s.Kind && f.Start <= s.Start && f.End >= s.End &&
		s.Start-f.Start <= maxSlack && f.End-s.End <= maxSlack
}

func TestFixtureRecall(t *testing.T) {
	tickets := loadFixture(t)
	if len(tickets) < 60 {
		t.Fatalf("fixture has %d tickets, want at least 60", len(tickets))
	}
	expected := map[Kind]int{}
	recalled := map[Kind]int{}
	var findings, truePos int
	base := New(Options{Kinds: AllKinds()})
	for _, tk := range tickets {
		r := base.WithKnownNames(tk.KnownNames...)
		got := r.Find(tk.Text)
		for _, s := range tk.Spans {
			expected[s.Kind]++
			if slices.ContainsFunc(got, func(f Finding) bool { return matches(f, s) }) {
				recalled[s.Kind]++
			} else {
				t.Logf("%s: missed %s %q", tk.ID, s.Kind, s.Text)
			}
		}
		for _, f := range got {
			findings++
			if slices.ContainsFunc(tk.Spans, func(s fixtureSpan) bool {
				return s.Kind == f.Kind && f.Start < s.End && s.Start < f.End
			}) {
				truePos++
			} else {
				t.Logf("%s: false positive %s %q", tk.ID, f.Kind, f.Text)
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n| kind | labelled | found | recall |\n|---|---:|---:|---:|\n")
	for _, k := range AllKinds() {
		n := expected[k]
		if n == 0 {
			t.Errorf("fixture has no %s spans", k)
			continue
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %.3f |\n", k, n, recalled[k], float64(recalled[k])/float64(n))
	}
	precision := float64(truePos) / float64(max(findings, 1))
	fmt.Fprintf(&b, "\nprecision overall: %d of %d findings correct = %.3f (%d tickets)\n",
		truePos, findings, precision, len(tickets))
	t.Log(b.String())

	for _, k := range AllKinds() {
		n := expected[k]
		if n == 0 {
			continue
		}
		recall := float64(recalled[k]) / float64(n)
		want := 0.9
		if k == KindSecret || k == KindCard {
			want = 1.0
		}
		if recall < want {
			t.Errorf("%s recall %.3f, want at least %.2f", k, recall, want)
		}
	}
	if precision < 0.9 {
		t.Errorf("overall precision %.3f, want at least 0.90", precision)
	}
}
