package classify

import (
	"math"
	"sync"
)

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

// scores writes the class scores (logits) of text into out, computing the
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

	k := len(m.labels)
	copy(out, m.b)
	var norm float64
	if k == 2 {
		var s0, s1 float64
		for _, s := range b.used {
			c := b.counts[s]
			v := dampedTF(c[0])*iw + dampedTF(c[1])*ic
			norm += v * v
			i := int(b.keys[s]-1) * 2
			row := m.w[i : i+2]
			s0 += v * float64(row[0])
			s1 += v * float64(row[1])
		}
		if norm > 0 {
			inv := 1 / math.Sqrt(norm)
			out[0] += s0 * inv
			out[1] += s1 * inv
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
		i := int(b.keys[s]-1) * k
		for c, wc := range m.w[i : i+k] {
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
