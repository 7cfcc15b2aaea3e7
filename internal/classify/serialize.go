package classify

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/socialdesk/socialdesk/internal/classify/wordvec"
)

// FormatVersion is the version byte written by Model.MarshalBinary. It
// changes whenever the encoding or the feature extraction changes, so a
// stored model is never silently read with different features.
//
// Version 2 added Options.Cues (on in DefaultOptions); version 3 added
// Options.WordVectors, written only when set, so version 2 blobs are still
// read (as models without word vectors). Version 1 blobs are rejected:
// retrain the model from its examples.
const FormatVersion byte = 3

// oldestReadable is the oldest FormatVersion that UnmarshalBinary reads.
const oldestReadable byte = 2

// modelMagic starts every encoded Model.
const modelMagic = "SDCL"

// maxWeights bounds the weight table a decoded blob may ask for (1 GiB of
// float32), so a corrupt blob cannot exhaust memory.
const maxWeights = 1 << 28

// Option flags in the encoding.
const (
	flagNoChar = 1 << iota
	flagNegation
	flagBalance
	flagAverage
	flagCues
	flagWordVectors
)

// MarshalBinary encodes the model as a compact blob: a magic string, the
// FormatVersion byte, the options, the labels and the non-zero weight rows.
func (m *Model) MarshalBinary() ([]byte, error) {
	k := len(m.labels)
	if k == 0 {
		return nil, errors.New("classify: cannot encode an untrained model")
	}
	le := binary.LittleEndian
	buf := []byte(modelMagic)
	buf = append(buf, FormatVersion)
	o := m.opts
	var flags byte
	if o.NoCharGrams {
		flags |= flagNoChar
	}
	if o.Negation {
		flags |= flagNegation
	}
	if o.BalanceClasses {
		flags |= flagBalance
	}
	if o.Average {
		flags |= flagAverage
	}
	if o.Cues {
		flags |= flagCues
	}
	if o.WordVectors > 0 {
		flags |= flagWordVectors
	}
	buf = append(buf, byte(o.HashBits), byte(o.WordNGrams), byte(o.CharMin), byte(o.CharMax), flags)
	buf = le.AppendUint32(buf, uint32(o.Epochs))
	buf = le.AppendUint64(buf, math.Float64bits(o.Lambda))
	buf = le.AppendUint64(buf, math.Float64bits(o.LearningRate))
	buf = le.AppendUint64(buf, math.Float64bits(o.CharWeight))
	buf = le.AppendUint64(buf, o.Seed)
	buf = le.AppendUint64(buf, uint64(m.steps))
	if o.WordVectors > 0 {
		// The table's identity, so that a build with other vectors does
		// not read the weights against the wrong dimensions.
		buf = le.AppendUint64(buf, math.Float64bits(o.WordVectors))
		buf = le.AppendUint64(buf, m.feat.vecs.ID())
	}
	buf = le.AppendUint32(buf, uint32(k))
	for _, l := range m.labels {
		buf = le.AppendUint32(buf, uint32(len(l)))
		buf = append(buf, l...)
	}
	for _, b := range m.b {
		buf = le.AppendUint64(buf, math.Float64bits(b))
	}
	rows := len(m.w) / k
	nonZero := 0
	for f := range rows {
		if !zeroRow(m.w[f*k : f*k+k]) {
			nonZero++
		}
	}
	buf = le.AppendUint32(buf, uint32(nonZero))
	for f := range rows {
		row := m.w[f*k : f*k+k]
		if zeroRow(row) {
			continue
		}
		buf = le.AppendUint32(buf, uint32(f))
		for _, v := range row {
			buf = le.AppendUint32(buf, math.Float32bits(v))
		}
	}
	return buf, nil
}

func zeroRow(row []float32) bool {
	for _, v := range row {
		if v != 0 {
			return false
		}
	}
	return true
}

// reader decodes little-endian values and remembers the first error.
type reader struct {
	buf []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.buf) {
		r.err = io.ErrUnexpectedEOF
		return nil
	}
	b := r.buf[:n]
	r.buf = r.buf[n:]
	return b
}

func (r *reader) u8() byte {
	if b := r.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if b := r.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

// ErrOldFormat is returned (wrapped) by UnmarshalBinary for a model
// written by an older build: the features changed, so it must be trained
// again.
var ErrOldFormat = errors.New("classify: model written by an older build")

// UnmarshalBinary decodes a blob written by MarshalBinary, replacing the
// receiver's contents. It rejects blobs of another FormatVersion.
func (m *Model) UnmarshalBinary(data []byte) error {
	if len(data) < len(modelMagic)+1 || string(data[:len(modelMagic)]) != modelMagic {
		return errors.New("classify: not an encoded model")
	}
	if v := data[len(modelMagic)]; v < oldestReadable || v > FormatVersion {
		if v < oldestReadable {
			return fmt.Errorf("%w (format version %d; this build reads version %d): retrain the model", ErrOldFormat, v, FormatVersion)
		}
		return fmt.Errorf("classify: model format version %d, this build reads version %d", v, FormatVersion)
	}
	r := &reader{buf: data[len(modelMagic)+1:]}
	var o Options
	o.HashBits = int(r.u8())
	o.WordNGrams = int(r.u8())
	o.CharMin = int(r.u8())
	o.CharMax = int(r.u8())
	flags := r.u8()
	o.NoCharGrams = flags&flagNoChar != 0
	o.Negation = flags&flagNegation != 0
	o.BalanceClasses = flags&flagBalance != 0
	o.Average = flags&flagAverage != 0
	o.Cues = flags&flagCues != 0
	vectors := flags&flagWordVectors != 0
	o.Epochs = int(r.u32())
	o.Lambda = math.Float64frombits(r.u64())
	o.LearningRate = math.Float64frombits(r.u64())
	o.CharWeight = math.Float64frombits(r.u64())
	o.Seed = r.u64()
	steps := int64(r.u64())
	var tableID uint64
	if vectors {
		o.WordVectors = math.Float64frombits(r.u64())
		tableID = r.u64()
	}
	if r.err != nil {
		return fmt.Errorf("classify: decoding model header: %w", r.err)
	}
	if vectors && !(o.WordVectors > 0) {
		return errors.New("classify: decoding model: bad word vector weight")
	}
	if o.HashBits == 0 || o.WordNGrams == 0 || o.CharMin == 0 {
		return errors.New("classify: decoding model: options missing")
	}
	if _, err := o.withDefaults(); err != nil {
		return fmt.Errorf("classify: decoding model: %w", err)
	}
	if vectors {
		if t, _ := wordvec.Default(); t.ID() != tableID {
			return fmt.Errorf("%w (trained with other word vectors): retrain the model", ErrOldFormat)
		}
	}
	feat := o.featurizer()
	rows := feat.rows()
	k := int(r.u32())
	if k < 2 || rows*k > maxWeights {
		return fmt.Errorf("classify: decoding model: bad label count %d", k)
	}
	labels := make([]string, k)
	index := make(map[string]int, k)
	for i := range labels {
		labels[i] = string(r.take(int(r.u32())))
		if i > 0 && r.err == nil && labels[i] <= labels[i-1] {
			return errors.New("classify: decoding model: labels not sorted and unique")
		}
		index[labels[i]] = i
	}
	b := make([]float64, k)
	for i := range b {
		b[i] = math.Float64frombits(r.u64())
	}
	w := make([]float32, rows*k)
	n := int(r.u32())
	for range n {
		if r.err != nil {
			break
		}
		f := int(r.u32())
		if r.err == nil && f >= rows {
			return fmt.Errorf("classify: decoding model: weight row %d out of range", f)
		}
		for c := range k {
			v := math.Float32frombits(r.u32())
			if r.err == nil {
				w[f*k+c] = v
			}
		}
	}
	if r.err != nil {
		return fmt.Errorf("classify: decoding model: %w", r.err)
	}
	if len(r.buf) != 0 {
		return fmt.Errorf("classify: decoding model: %d trailing bytes", len(r.buf))
	}
	*m = Model{opts: o, feat: feat, labels: labels, index: index, w: w, b: b, steps: steps,
		sparse: newSparseWeights(w, k, feat.vecBase())}
	return nil
}
