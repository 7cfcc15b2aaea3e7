// Package listening watches public posts for support requests and
// outages: watch rules pick the posts to keep, a classifier scores them
// as support requests, and an incremental detector groups similar reports
// from several people into outages.
package listening

import (
	"slices"
	"strings"

	"github.com/socialdesk/socialdesk"
)

// Rule kinds.
const (
	KindKeyword = "keyword" // a single word, matched whole and case-insensitively
	KindPhrase  = "phrase"  // words in order, case-insensitive
	KindService = "service" // a service name, matched like a phrase
	KindHashtag = "hashtag" // #tag in the text or a tag the channel attached
	KindHandle  = "handle"  // @name in the text
)

// Rule is one watch rule. Channel limits it to one connector instance;
// empty means every channel.
type Rule struct {
	ID      int64
	Kind    string
	Value   string
	Channel string
}

// Validate reports what is wrong with a rule, as a field error.
func (r Rule) Validate() error {
	switch r.Kind {
	case KindKeyword, KindPhrase, KindService, KindHashtag, KindHandle:
	default:
		return socialdesk.FieldError("kind", "Choose keyword, phrase, service, hashtag or handle.")
	}
	v := strings.TrimSpace(strings.TrimLeft(r.Value, "#@"))
	switch {
	case v == "":
		return socialdesk.FieldError("value", "Enter what to watch for.")
	case len(v) > 200:
		return socialdesk.FieldError("value", "Keep it under 200 characters.")
	case r.Kind == KindKeyword && strings.ContainsAny(v, " \t"):
		return socialdesk.FieldError("value", "A keyword is one word; use a phrase for several.")
	}
	return nil
}

// Matcher finds the rules a post matches. Build it once per rule set;
// it is safe for concurrent use.
type Matcher struct {
	words   map[string][]matchRule // keywords, hashtags and handles by folded word
	phrases []matchRule
}

type matchRule struct {
	id      int64
	channel string
	text    string // folded phrase, with spaces around it
}

// NewMatcher compiles rules. Invalid rules are skipped.
func NewMatcher(rules []Rule) *Matcher {
	m := &Matcher{words: map[string][]matchRule{}}
	for _, r := range rules {
		if r.Validate() != nil {
			continue
		}
		v := strings.ToLower(strings.TrimSpace(r.Value))
		switch r.Kind {
		case KindKeyword:
			m.words[v] = append(m.words[v], matchRule{id: r.ID, channel: r.Channel})
		case KindHashtag:
			v = "#" + strings.TrimLeft(v, "#")
			m.words[v] = append(m.words[v], matchRule{id: r.ID, channel: r.Channel})
		case KindHandle:
			v = "@" + strings.TrimLeft(v, "@")
			m.words[v] = append(m.words[v], matchRule{id: r.ID, channel: r.Channel})
		default:
			m.phrases = append(m.phrases, matchRule{id: r.ID, channel: r.Channel, text: " " + strings.Join(fold(v), " ") + " "})
		}
	}
	return m
}

// fold splits text into lower-case words, keeping a leading # or @.
func fold(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !(r == '#' || r == '@' || r == '_' || r == '-' || isWord(r))
	})
}

// Match returns the ids of the rules that post text (with the channel's
// tags, given without '#') on channel matches, each once, in ascending order.
func (m *Matcher) Match(channel, text string, tags []string) []int64 {
	if len(m.words) == 0 && len(m.phrases) == 0 {
		return nil
	}
	var out []int64
	add := func(rs []matchRule) {
		for _, r := range rs {
			if r.channel != "" && r.channel != channel {
				continue
			}
			dup := false
			for _, id := range out {
				dup = dup || id == r.id
			}
			if !dup {
				out = append(out, r.id)
			}
		}
	}
	words := fold(text)
	for _, w := range words {
		add(m.words[w])
		if len(w) > 1 && (w[0] == '#' || w[0] == '@') {
			add(m.words[w[1:]]) // a keyword also matches its hashtag
		}
	}
	for _, t := range tags {
		add(m.words["#"+strings.ToLower(strings.TrimLeft(t, "#"))])
	}
	if len(m.phrases) > 0 {
		joined := " " + strings.Join(words, " ") + " "
		for _, p := range m.phrases {
			if strings.Contains(joined, p.text) {
				add([]matchRule{p})
			}
		}
	}
	slices.Sort(out)
	return out
}
