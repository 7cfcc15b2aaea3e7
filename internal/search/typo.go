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

const minTypoLen = 4

func (t *typoIndex) h(s string) uint64 { return maphash.String(t.seed, s) }

// add registers term id under the term and its single deletions.
func (t *typoIndex) add(term string, id uint32) {
	if len(term) < minTypoLen || len(term) > 24 || isNumeric(term) {
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

// candidates returns ids of indexed terms that may be within maxDist
// edits of q; callers verify the distance.
func (t *typoIndex) candidates(q string, maxDist int) []uint32 {
	keys := map[string]bool{q: true}
	frontier := []string{q}
	for d := 0; d < maxDist; d++ {
		var next []string
		for _, s := range frontier {
			for i := range len(s) {
				v := s[:i] + s[i+1:]
				if !keys[v] {
					keys[v] = true
					next = append(next, v)
				}
			}
		}
		frontier = next
	}
	seen := map[uint32]bool{}
	var out []uint32
	for k := range keys {
		for _, id := range t.dels[t.h(k)] {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
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
