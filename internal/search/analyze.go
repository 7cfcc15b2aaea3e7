package search

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
)

// stopwordSet returns the words dropped from queries and documents. The
// list is short on purpose: words such as "not" or "no" carry meaning.
func stopwordSet() map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(`a an and are as at be been but by for from has have had
	he her hi hello his i i'm im is it its it's me my of on or our she so that the their them
	then there these they this to was we were what when where which who will with you your
	please thanks thank regards kind dear would could should can do does did am any also
	just get got us here all if into about some than too very via re fw fwd best`) {
		m[w] = true
	}
	return m
}

// analyzer turns text into index terms. It caches stems; it is safe for
// concurrent use.
type analyzer struct {
	stop  map[string]bool
	mu    sync.RWMutex
	stems map[string]string
}

func newAnalyzer() *analyzer {
	return &analyzer{stop: stopwordSet(), stems: make(map[string]string)}
}

// tokens appends to out the lower-case word tokens of text. Apostrophes
// inside words are removed ("won't" becomes "wont"); every other
// non-letter, non-digit rune separates tokens. Tokens that are already
// lower-case ASCII are substrings of text, so most tokens cost no
// allocation.
func tokens(text string, out []string) []string {
	start := -1   // start of the current token in text
	plain := true // current token is lower-case ASCII letters and digits only
	end := func(i int) {
		if start < 0 {
			return
		}
		if plain {
			out = append(out, text[start:i])
		} else if t := normalizeToken(text[start:i]); t != "" {
			out = append(out, t)
		}
		start, plain = -1, true
	}
	for i, w := 0, 0; i < len(text); i += w {
		r, n := utf8.DecodeRuneInString(text[i:])
		w = n
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if start < 0 {
				start = i
			}
		case r == '\'' || r == '’':
			if start >= 0 {
				plain = false
			}
		case r >= 'A' && r <= 'Z' || r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if start < 0 {
				start = i
			}
			plain = false
		default:
			end(i)
		}
	}
	end(len(text))
	return out
}

// normalizeToken lower-cases a token and drops apostrophes.
func normalizeToken(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r == '\'' || r == '’' {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// stem returns the English stem of a lower-case token.
func (a *analyzer) stem(tok string) string {
	if len(tok) <= 3 {
		return tok
	}
	a.mu.RLock()
	s, ok := a.stems[tok]
	a.mu.RUnlock()
	if ok {
		return s
	}
	s = english.Stem(tok, true)
	if s == "" {
		s = tok
	}
	a.mu.Lock()
	if len(a.stems) < 2_000_000 {
		a.stems[tok] = s
	}
	a.mu.Unlock()
	return s
}

// terms returns the stemmed, stopword-free terms of text in order.
func (a *analyzer) terms(text string) []string {
	toks := tokens(text, nil)
	out := toks[:0]
	for _, t := range toks {
		if a.stop[t] {
			continue
		}
		out = append(out, a.stem(t))
	}
	return out
}

// stemAll replaces each token by its stem, in place.
func (a *analyzer) stemAll(toks []string) []string {
	for i, t := range toks {
		toks[i] = a.stem(t)
	}
	return toks
}

// allTerms is like terms but keeps stopwords; synonym phrases such as
// "can't log in" need them.
func (a *analyzer) allTerms(text string) []string {
	toks := tokens(text, nil)
	for i, t := range toks {
		toks[i] = a.stem(t)
	}
	return toks
}
