package listening

import (
	"slices"
	"testing"
)

func TestMatcher(t *testing.T) {
	m := NewMatcher([]Rule{
		{ID: 1, Kind: KindKeyword, Value: "VPN"},
		{ID: 2, Kind: KindPhrase, Value: "not syncing"},
		{ID: 3, Kind: KindService, Value: "Outlook Web", Channel: "slack"},
		{ID: 4, Kind: KindHashtag, Value: "#outage"},
		{ID: 5, Kind: KindHandle, Value: "@ITHelp"},
		{ID: 6, Kind: KindKeyword, Value: "two words"}, // invalid: skipped
	})
	cases := []struct {
		channel, text string
		tags          []string
		want          []int64
	}{
		{"twitter", "my vpn keeps dropping", nil, []int64{1}},
		{"twitter", "VPNs are great", nil, nil}, // whole words only
		{"twitter", "Mail NOT  syncing, #outage?", nil, []int64{2, 4}},
		{"twitter", "outlook web is slow", nil, nil}, // rule 3 is for slack only
		{"slack", "Outlook web is slow", nil, []int64{3}},
		{"mastodon", "@ithelp vpn down", []string{"Outage"}, []int64{1, 4, 5}},
		{"twitter", "two words", nil, nil},
		{"twitter", "#vpn broken", nil, []int64{1}},
	}
	for _, c := range cases {
		if got := m.Match(c.channel, c.text, c.tags); !slices.Equal(got, c.want) {
			t.Errorf("Match(%q, %q) = %v, want %v", c.channel, c.text, got, c.want)
		}
	}
	for _, bad := range []Rule{{Kind: "regex", Value: "x"}, {Kind: KindKeyword, Value: "  "}, {Kind: KindHashtag, Value: "#"}} {
		if bad.Validate() == nil {
			t.Errorf("Validate(%+v) = nil, want an error", bad)
		}
	}
}
