package search

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestTypoCandidatesComplete checks the typo index against brute force:
// for 1,000 misspellings made by one or two random edits (deletion, insertion,
// substitution, transposition) of words in a random vocabulary, every
// vocabulary word within the allowed distance is among the candidates
// (distance 2 for terms of six or more bytes, 1 below).
func TestTypoCandidatesComplete(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	const letters = "abcdefghijklmnopqrstuvwxyz"
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = letters[rng.IntN(len(letters))]
		}
		return string(b)
	}
	ix := newTypoIndex()
	var vocab []string
	for id := range 2000 {
		w := word(4 + rng.IntN(8))
		vocab = append(vocab, w)
		ix.add(w, uint32(id))
	}
	edit := func(s string) string {
		i := rng.IntN(len(s))
		switch rng.IntN(4) {
		case 0:
			return s[:i] + s[i+1:]
		case 1:
			return s[:i] + string(letters[rng.IntN(26)]) + s[i:]
		case 2:
			return s[:i] + string(letters[rng.IntN(26)]) + s[i+1:]
		default:
			if i+1 < len(s) {
				return s[:i] + string(s[i+1]) + string(s[i]) + s[i+2:]
			}
			return s
		}
	}
	missed := 0
	queries := 1000
	if raceEnabled {
		queries = 200 // the race detector makes the brute force ten times slower
	}
	for range queries {
		q := vocab[rng.IntN(len(vocab))]
		for range 1 + rng.IntN(2) {
			q = edit(q)
		}
		if len(q) < minTypoLen {
			continue
		}
		maxd := 1
		if len(q) >= 6 {
			maxd = 2
		}
		got := ix.candidates(q, maxd, true)
		for id, w := range vocab {
			if editDistance(q, w, maxd) <= maxd && !slices.Contains(got, uint32(id)) {
				missed++
				if missed <= 5 {
					t.Errorf("%q is within %d edits of %q but not a candidate", w, maxd, q)
				}
			}
		}
	}
	if missed > 0 {
		t.Errorf("%d words within the allowed distance were missed", missed)
	}
	// A word longer than the longest indexed term plus two cannot be near
	// one, and costs nothing.
	long := vocab[0] + "abcdefghijklmnopqrstuvwxyz"
	if got := ix.candidates(long, 2, true); got != nil {
		t.Errorf("a %d-byte word got %d candidates", len(long), len(got))
	}
}

// BenchmarkTypoCandidates measures the candidate lookup for an unknown
// seven-letter term over a 20,000-word vocabulary: within one edit (the
// baseline), within two the quick way, and within two thoroughly.
func BenchmarkTypoCandidates(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 5))
	ix := newTypoIndex()
	for id := range 20000 {
		w := make([]byte, 5+rng.IntN(7))
		for i := range w {
			w[i] = byte('a' + rng.IntN(26))
		}
		ix.add(string(w), uint32(id))
	}
	for _, c := range []struct {
		name     string
		d        int
		thorough bool
	}{{"distance 1", 1, false}, {"distance 2 quick", 2, false}, {"distance 2 thorough", 2, true}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				ix.candidates("paswrod", c.d, c.thorough)
			}
		})
	}
}
