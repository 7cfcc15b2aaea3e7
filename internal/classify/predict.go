package classify

import (
	"math"
	"math/bits"
	"sync"
)

// sparseWeights is a compact copy of a model's non-zero weight rows, used
// by Predict. Most of the 2^HashBits rows are zero (features never seen in
// training), so the dense table is mostly empty memory: the compact copy of
// a binary model trained on the complaints data is under 1 MB instead of
// 8 MB, which keeps it in the CPU caches while the rest of the pipeline
// runs. A bit per row says whether the row is stored, and the rank of
// the bit (stored counts per 64 rows plus a popcount) gives its position.
type sparseWeights struct {
	blocks []rankBlock
	// w holds the weights of the stored rows, in row order: k per row, or
	// for two labels the single difference w[1]-w[0], since only the
	// difference of two logits matters to the softmax.
	w []float32
	// vec holds the rows of the word vector dimensions (which every post
	// with a known word uses) in the same layout, all of them, so that
	// they are read without a rank lookup.
	vec []float32
}

// rankBlock covers 64 rows: which of them are stored, and how many rows
// are stored before the block.
type rankBlock struct {
	bits uint64
	rank uint32
}

// newSparseWeights builds the compact copy of w (k labels); the rows from
// vecBase on, if vecBase > 0, are word vector dimensions and are also
// copied to sw.vec.
func newSparseWeights(w []float32, k int, vecBase int) sparseWeights {
	rows := len(w) / k
	sw := sparseWeights{blocks: make([]rankBlock, (rows+63)/64)}
	n := 0
	for f := range rows {
		if f%64 == 0 {
			sw.blocks[f/64].rank = uint32(n)
		}
		if !zeroRow(w[f*k : f*k+k]) {
			sw.blocks[f/64].bits |= 1 << (f % 64)
			n++
		}
	}
	per := k
	if k == 2 {
		per = 1
	}
	sw.w = make([]float32, 0, n*per)
	for f := range rows {
		if sw.blocks[f/64].bits&(1<<(f%64)) == 0 {
			continue
		}
		if k == 2 {
			sw.w = append(sw.w, w[2*f+1]-w[2*f])
		} else {
			sw.w = append(sw.w, w[f*k:f*k+k]...)
		}
	}
	if vecBase > 0 {
		for f := vecBase; f < rows; f++ {
			if k == 2 {
				sw.vec = append(sw.vec, w[2*f+1]-w[2*f])
			} else {
				sw.vec = append(sw.vec, w[f*k:f*k+k]...)
			}
		}
	}
	return sw
}

// row returns the position of feature f's weights in sw.w divided by k,
// or -1 when the row is zero.
func (sw *sparseWeights) row(f uint32) int {
	blk := sw.blocks[f>>6]
	bit := uint64(1) << (f & 63)
	if blk.bits&bit == 0 {
		return -1
	}
	return int(blk.rank) + bits.OnesCount64(blk.bits&(bit-1))
}

// predictBuf holds the scratch memory of one Predict call. Buffers are
// reused through predictPool, so a prediction allocates only its result.
type predictBuf struct {
	toks  []token
	words []uint32
	chars []uint32
	// table is an open-addressing set of feature indices: keys holds
	// index+1 (0 marks an empty slot), counts the number of times the
	// feature occurs among the word and the character features.
	keys   []uint32
	counts [][2]uint32
	used   []uint32 // occupied slots, in insertion order
	acc    []float64
	vec    []float64 // mean word vector
	vecq   []int32   // its quantised sum
}

// maxPooledSlots bounds the hash table kept for reuse (about 8,000
// features, a long ticket).
const maxPooledSlots = 1 << 14

var predictPool = sync.Pool{New: func() any { return new(predictBuf) }}

// damped[c] is 1 + ln(c), the damped term frequency, for small counts;
// damped[0] is 0 so that an absent block adds nothing.
var damped = func() [64]float64 {
	var t [64]float64
	t[1] = 1
	for c := 2; c < len(t); c++ {
		t[c] = 1 + math.Log(float64(c))
	}
	return t
}()

func dampedTF(c uint32) float64 {
	if c < uint32(len(damped)) {
		return damped[c]
	}
	return 1 + math.Log(float64(c))
}

// count adds the hashes of block (0 words, 1 characters) to the table.
func (b *predictBuf) count(hashes []uint32, block int) {
	mask := uint32(len(b.keys) - 1)
	for _, h := range hashes {
		key := h + 1
		s := (h * 0x9E3779B1) >> 7 & mask
		for {
			k := b.keys[s]
			if k == key {
				b.counts[s][block]++
				break
			}
			if k == 0 {
				b.keys[s] = key
				b.counts[s] = [2]uint32{}
				b.counts[s][block] = 1
				b.used = append(b.used, s)
				break
			}
			s = (s + 1) & mask
		}
	}
}

// reset prepares the table for n features.
func (b *predictBuf) reset(n int) {
	size := 64
	for size < 2*n {
		size *= 2
	}
	if cap(b.keys) < size {
		b.keys = make([]uint32, size)
		b.counts = make([][2]uint32, size)
	} else {
		b.keys = b.keys[:size]
		b.counts = b.counts[:size]
	}
	b.used = b.used[:0]
}

// clear empties the table's occupied slots.
func (b *predictBuf) clear() {
	for _, s := range b.used {
		b.keys[s] = 0
	}
	b.used = b.used[:0]
}

// scores writes the class scores (logits, up to a common shift that the
// softmax ignores) of text into out, computing the
// same unit-length feature vector as featurizer.vectorize but without
// building or sorting it: features are counted in a small hash table and
// each distinct feature's weight row is read once.
func (m *Model) scores(text string, out []float64) {
	b := predictPool.Get().(*predictBuf)
	defer func() {
		// Keep only buffers of ordinary size, so that one huge text does
		// not pin its scratch memory.
		if cap(b.keys) <= maxPooledSlots {
			predictPool.Put(b)
		}
	}()
	f := m.feat
	b.toks = appendTokens(b.toks[:0], text)
	var chars []uint32
	if f.split() {
		chars = b.chars[:0]
	}
	b.words, chars = f.appendFeatures(b.toks, b.words[:0], chars)
	if chars != nil {
		b.chars = chars
	}
	b.reset(len(b.words) + len(chars))
	b.count(b.words, 0)
	b.count(chars, 1)

	// Norms of the word and character blocks.
	var wn, cn float64
	for _, s := range b.used {
		c := b.counts[s]
		x, y := dampedTF(c[0]), dampedTF(c[1])
		wn += x * x
		cn += y * y
	}
	var iw, ic float64
	if wn > 0 {
		iw = 1 / math.Sqrt(wn)
	}
	if cn > 0 {
		ic = f.charWeight / math.Sqrt(cn)
	}

	// The mean word vector, in the rows after the hashed space: its
	// values are scaled by the weight; the blocks of words and characters
	// are then not scaled to unit length on their own but together with
	// it (as featurizer.vectorize does).
	var vec []float64
	if f.vecs != nil {
		n := f.vecs.Dims()
		if cap(b.vec) < n {
			b.vec, b.vecq = make([]float64, n), make([]int32, n)
		}
		vec = b.vec[:n]
		q := b.vecq[:n]
		clear(q)
		if f.meanVector(vec, q, b.toks) {
			for d := range vec {
				vec[d] *= f.vecWeight
			}
		} else {
			vec = nil
		}
	}

	k := len(m.labels)
	sw := &m.sparse
	copy(out, m.b)
	var norm float64
	if k == 2 {
		// Only the difference of the two scores is computed; it is added to
		// the second.
		var d float64
		for _, s := range b.used {
			c := b.counts[s]
			v := dampedTF(c[0])*iw + dampedTF(c[1])*ic
			norm += v * v
			if r := sw.row(b.keys[s] - 1); r >= 0 {
				d += v * float64(sw.w[r])
			}
		}
		for i, v := range vec {
			norm += v * v
			d += v * float64(sw.vec[i])
		}
		if norm > 0 {
			out[1] += d / math.Sqrt(norm)
		}
		b.clear()
		return
	}
	if cap(b.acc) < k {
		b.acc = make([]float64, k)
	}
	acc := b.acc[:k]
	clear(acc)
	for _, s := range b.used {
		c := b.counts[s]
		v := dampedTF(c[0])*iw + dampedTF(c[1])*ic
		norm += v * v
		r := sw.row(b.keys[s] - 1)
		if r < 0 {
			continue
		}
		for c, wc := range sw.w[r*k : r*k+k] {
			acc[c] += v * float64(wc)
		}
	}
	for i, v := range vec {
		norm += v * v
		for c, wc := range sw.vec[i*k : i*k+k] {
			acc[c] += v * float64(wc)
		}
	}
	if norm > 0 {
		inv := 1 / math.Sqrt(norm)
		for c := range acc {
			out[c] += acc[c] * inv
		}
	}
	b.clear()
}
