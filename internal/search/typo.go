package search

import "hash/maphash"

// typoIndex finds vocabulary terms within a small edit distance of a
// query term. It stores, for every term of four or more bytes, the hashes
// of the term and of each single-byte deletion of it (a symmetric
// deletion index). A query term is looked up with its own deletions up to
// two, which finds candidates within edit distance two; candidates are
// then verified exactly.
type typoIndex struct {
	seed maphash.Seed
	dels map[uint64][]uint32
}

func newTypoIndex() *typoIndex {
	return &typoIndex{seed: maphash.MakeSeed(), dels: make(map[uint64][]uint32)}
}

const (
	minTypoLen = 4
	// maxTypoLen is the longest term the index holds.
	maxTypoLen = 24
)

func (t *typoIndex) h(s string) uint64 { return maphash.String(t.seed, s) }

// add registers term id under the term and its single deletions.
func (t *typoIndex) add(term string, id uint32) {
	if len(term) < minTypoLen || len(term) > maxTypoLen || isNumeric(term) {
		return
	}
	t.put(t.h(term), id)
	buf := make([]byte, 0, len(term))
	for i := range len(term) {
		buf = append(append(buf[:0], term[:i]...), term[i+1:]...)
		t.put(t.h(string(buf)), id)
	}
}

func (t *typoIndex) put(k uint64, id uint32) {
	l := t.dels[k]
	if n := len(l); n > 0 && l[n-1] == id {
		return
	}
	t.dels[k] = append(l, id)
}

// editAlphabet holds the bytes tried where a query term may lack one or
// have a wrong one; see candidates. Typos inside numbers are rare.
const editAlphabet = "abcdefghijklmnopqrstuvwxyz"

// candidates returns ids of indexed terms that may be within maxDist (1
// or 2) edits of q; callers verify the distance.
//
// The index holds each term and its single deletions. Looking up q and
// its single deletions finds every term within one edit (a deletion on
// either side, a substitution or a transposition is one deletion on each).
// Within two edits, q is first changed by one deletion and each variant
// is looked up the same way. That misses a term that needs two deletions
// to meet q: q lacks one of its letters and has one more edit ("paswrod"
// for "password"), or has two substitutions or transpositions. With
// thorough set, q is also changed by a transposition, or by an insertion
// or substitution of a letter, which finds every term within two edits
// whose other bytes are letters, at about 80 times the cost
// (docs/benchmarks.md).
func (t *typoIndex) candidates(q string, maxDist int, thorough bool) []uint32 {
	if len(q) > maxTypoLen+maxDist {
		return nil // too long to be near any term the index holds
	}
	seen := map[uint32]bool{}
	var out []uint32
	del := make([]byte, 0, len(q)+1)
	// lookup looks up s and its single deletions.
	lookup := func(s []byte) {
		for j := -1; j < len(s); j++ {
			k := s
			if j >= 0 {
				del = append(append(del[:0], s[:j]...), s[j+1:]...)
				k = del
			}
			for _, id := range t.dels[maphash.Bytes(t.seed, k)] {
				if !seen[id] {
					seen[id] = true
					out = append(out, id)
				}
			}
		}
	}
	lookup([]byte(q))
	if maxDist < 2 {
		return out
	}
	v := make([]byte, 0, len(q)+1)
	for i := range len(q) {
		lookup(append(append(v[:0], q[:i]...), q[i+1:]...)) // deletion
	}
	if !thorough {
		return out
	}
	for i := 0; i <= len(q); i++ {
		if i+1 < len(q) && q[i] != q[i+1] { // transposition
			v = append(v[:0], q...)
			v[i], v[i+1] = v[i+1], v[i]
			lookup(v)
		}
		for _, c := range []byte(editAlphabet) {
			lookup(append(append(append(v[:0], q[:i]...), c), q[i:]...)) // insertion
			if i < len(q) && c != q[i] {
				v = append(v[:0], q...)
				v[i] = c
				lookup(v) // substitution
			}
		}
	}
	return out
}

func isNumeric(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// editDistance is the optimal string alignment distance (Levenshtein
// with adjacent transpositions) between a and b, stopping early once it
// exceeds max.
func editDistance(a, b string, max int) int {
	if d := len(a) - len(b); d > max || -d > max {
		return max + 1
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
