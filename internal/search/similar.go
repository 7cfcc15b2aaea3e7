package search

import (
	"hash/fnv"
	"math/bits"
	"strings"

	"github.com/kljensen/snowball/english"
)

// plainTerms analyses text without an index: lower case, stopwords
// dropped, English stems. It allocates its own stopword set so that it
// needs no shared state.
func plainTerms(text string, stop map[string]bool) []string {
	toks := tokens(text, nil)
	out := toks[:0]
	for _, t := range toks {
		if stop[t] {
			continue
		}
		if len(t) > 3 {
			if s := english.Stem(t, true); s != "" {
				t = s
			}
		}
		out = append(out, t)
	}
	return out
}

// shingles returns the stemmed words of text and their adjacent pairs.
func shingles(text string) []string {
	ts := plainTerms(text, stopwordSet())
	out := append([]string(nil), ts...)
	for i := 1; i < len(ts); i++ {
		out = append(out, ts[i-1]+" "+ts[i])
	}
	return out
}

func hash64(s string, seed uint64) uint64 {
	h := fnv.New64a()
	var b [8]byte
	for i := range 8 {
		b[i] = byte(seed >> (8 * i))
	}
	h.Write(b[:])
	h.Write([]byte(s))
	x := h.Sum64()
	// Final mix so that nearby seeds give independent values.
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	return x
}

// SimHash returns a 64-bit locality-sensitive fingerprint of text built
// from stemmed words and word pairs. Texts that differ a little have
// fingerprints that differ in few bits.
func SimHash(text string) uint64 {
	var v [64]int
	for _, s := range shingles(text) {
		h := hash64(s, 0)
		for i := range 64 {
			if h&(1<<uint(i)) != 0 {
				v[i]++
			} else {
				v[i]--
			}
		}
	}
	var out uint64
	for i := range 64 {
		if v[i] > 0 {
			out |= 1 << uint(i)
		}
	}
	return out
}

// SigSize is the number of hash values in a MinHash signature.
const SigSize = 64

// MinHash is a signature of a text: comparing two signatures estimates
// the Jaccard similarity of their word and word-pair sets. It is cheap to
// compute and to compare, meant for clustering bursts of posts.
type MinHash [SigSize]uint64

// Signature returns the MinHash signature of text. An empty text gives
// a signature similar to nothing.
func Signature(text string) MinHash {
	var sig MinHash
	for i := range sig {
		sig[i] = ^uint64(0)
	}
	for _, s := range shingles(text) {
		base := hash64(s, 0x9e3779b97f4a7c15)
		h2 := hash64(s, 0x632be59bd9b4e019) | 1
		for i := range sig {
			// Double hashing gives SigSize cheap independent hashes.
			if v := base + uint64(i)*h2; v < sig[i] {
				sig[i] = v
			}
		}
	}
	return sig
}

// Similarity estimates the Jaccard similarity (0 to 1) of the texts
// behind two signatures.
func Similarity(a, b MinHash) float64 {
	same := 0
	for i := range a {
		if a[i] == b[i] && a[i] != ^uint64(0) {
			same++
		}
	}
	return float64(same) / SigSize
}

// NearDuplicate reports whether two texts are near duplicates: nearly
// the same words, possibly reordered or with small edits.
func NearDuplicate(a, b string) bool {
	if strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b)) {
		return true
	}
	if bits.OnesCount64(SimHash(a)^SimHash(b)) <= 3 {
		return true
	}
	return Similarity(Signature(a), Signature(b)) >= 0.5
}

// Similar returns the items most similar to text that v may see, for
// example to suggest existing questions while someone writes a new one.
// It uses the full ranker (synonyms, typos, learned terms and quality
// boosts) but not the searcher's context: context phrases in text are
// kept as content.
func (ix *Index) Similar(text string, v Viewer, types []string, limit int) []Result {
	words := strings.Fields(text)
	if len(words) > 60 {
		words = words[:60]
	}
	return ix.search(Query{Text: strings.Join(words, " "), Types: types, Limit: limit, Viewer: v}, true).Items
}
