// Package classify is a small, dependency-free text classifier for short
// posts and tickets. It decides whether a social media post is an IT
// support request or complaint, and suggests a ticket's category, urgency
// and impact.
//
// The main model is multinomial logistic regression (softmax) over hashed
// word n-grams and character n-grams, trained with stochastic gradient
// descent and L2 regularisation. A multinomial naive Bayes baseline
// (NaiveBayes) is included for comparison. Models serialise to versioned
// binary blobs and can learn incrementally from agents' corrections with
// Model.Update.
package classify

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/socialdesk/socialdesk/internal/classify/wordvec"
)

// Example is one labelled text. Labels are arbitrary strings, such as
// "1"/"0" or a category code.
type Example struct {
	Text  string
	Label string
}

// Prediction is the result of classifying one text.
type Prediction struct {
	// Label is the most probable label.
	Label string
	// Score is the probability of Label, between 0 and 1.
	Score float64
	// Scores holds the probability of every known label; they sum to 1.
	Scores map[string]float64
}

// Predictor is anything that can classify a text, such as *Model or
// *NaiveBayes.
type Predictor interface {
	Predict(text string) Prediction
}

// Options configures feature extraction and training. Start from
// DefaultOptions or TicketOptions. In Train, a zero HashBits, WordNGrams,
// CharMin, CharMax, Epochs, Lambda or LearningRate is replaced by its
// default; a zero CharWeight keeps its documented meaning.
type Options struct {
	// HashBits sets the size of the hashed feature space to 2^HashBits
	// (between 10 and 24).
	HashBits int
	// WordNGrams is the longest word n-gram: 1 for unigrams, 2 for
	// unigrams and bigrams.
	WordNGrams int
	// CharMin and CharMax bound the character n-grams taken inside each
	// word, padded with a space on both sides.
	CharMin, CharMax int
	// CharWeight, when positive, normalises word and character features
	// separately and weights the character block by CharWeight relative to
	// the word block. Zero normalises all features together.
	CharWeight float64
	// NoCharGrams disables character n-grams.
	NoCharGrams bool
	// Negation marks the three words after a negator ("not", "don't", ...)
	// so they become distinct features.
	Negation bool
	// Cues adds features shared by the words of general word lists
	// (negative and positive sentiment, intensifiers, time expressions,
	// first person, negators, problem and request words); see cues.go.
	Cues bool
	// WordVectors, when positive, adds the mean of the post's pretrained
	// word vectors (package wordvec, at unit length) as dense features,
	// weighted by WordVectors relative to the word block. Zero leaves them
	// out.
	WordVectors float64
	// Epochs is the number of passes over the training data.
	Epochs int
	// Lambda is the L2 regularisation strength.
	Lambda float64
	// LearningRate is the initial SGD step size.
	LearningRate float64
	// BalanceClasses weights each example by n/(k*n_label) so that rare
	// labels count as much as common ones.
	BalanceClasses bool
	// Average replaces the final weights by the mean of the weights at the
	// end of each epoch, which makes the result less sensitive to the last
	// few updates.
	Average bool
	// Seed makes shuffling deterministic.
	Seed uint64
}

// DefaultOptions returns the settings chosen by cross-validation on the
// development data (see docs/classifier.md).
func DefaultOptions() Options {
	return Options{
		HashBits:       20,
		WordNGrams:     2,
		CharMin:        2,
		CharMax:        5,
		CharWeight:     1,
		Negation:       false,
		Cues:           true,
		WordVectors:    1,
		Epochs:         10,
		Lambda:         1e-5,
		LearningRate:   0.5,
		BalanceClasses: true,
		Average:        true,
		Seed:           1,
	}
}

// TicketOptions returns the settings chosen by cross-validation for long,
// preprocessed help-desk tickets (title and body): word n-grams alone do as
// well as character n-grams at a fraction of the cost, weight averaging
// hurts the rare urgency and impact codes, and the word-list cues (made for
// short posts) slightly lower urgency and impact, and so do word vectors
// (category too: tickets are long and full of the desk's own codes).
func TicketOptions() Options {
	o := DefaultOptions()
	o.NoCharGrams = true
	o.Average = false
	o.Cues = false
	o.WordVectors = 0
	return o
}

// withDefaults fills zero numeric fields and validates the result.
func (o Options) withDefaults() (Options, error) {
	d := DefaultOptions()
	if o.HashBits == 0 {
		o.HashBits = d.HashBits
	}
	if o.WordNGrams == 0 {
		o.WordNGrams = d.WordNGrams
	}
	if o.CharMin == 0 {
		o.CharMin = d.CharMin
	}
	if o.CharMax == 0 {
		o.CharMax = d.CharMax
	}
	if o.Epochs == 0 {
		o.Epochs = d.Epochs
	}
	if o.Lambda == 0 {
		o.Lambda = d.Lambda
	}
	if o.LearningRate == 0 {
		o.LearningRate = d.LearningRate
	}
	switch {
	case o.HashBits < 10 || o.HashBits > 24:
		return o, fmt.Errorf("classify: HashBits %d out of range 10..24", o.HashBits)
	case o.WordNGrams < 1 || o.WordNGrams > 2:
		return o, fmt.Errorf("classify: WordNGrams %d must be 1 or 2", o.WordNGrams)
	case o.CharMin < 1 || o.CharMax < o.CharMin || o.CharMax > 8:
		return o, fmt.Errorf("classify: character n-gram range %d..%d invalid", o.CharMin, o.CharMax)
	case o.Epochs < 0 || o.Lambda < 0 || o.LearningRate < 0 || o.CharWeight < 0 || o.WordVectors < 0:
		return o, errors.New("classify: Epochs, Lambda, LearningRate, CharWeight and WordVectors must not be negative")
	case !finite(o.Lambda) || !finite(o.LearningRate) || !finite(o.CharWeight) || !finite(o.WordVectors):
		return o, errors.New("classify: Lambda, LearningRate, CharWeight and WordVectors must be finite numbers")
	}
	if o.WordVectors > 0 {
		if _, err := wordvec.Default(); err != nil {
			return o, err
		}
	}
	return o, nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// featurizer returns the feature extraction of o, which must have passed
// withDefaults (the word vector table is then known to decode).
func (o Options) featurizer() featurizer {
	f := newFeaturizer(o)
	if o.NoCharGrams {
		f.charMax = 0
	}
	if o.WordVectors > 0 {
		f.vecs, _ = wordvec.Default()
		f.vecWeight = o.WordVectors
	}
	return f
}

// Model is a trained softmax classifier, obtained from Train or
// UnmarshalBinary. A Model is safe for concurrent Predict calls; Update
// must not run concurrently with other methods.
type Model struct {
	opts   Options
	feat   featurizer
	labels []string
	index  map[string]int
	// w holds the weights row-major by feature: w[f*k+c] for class c.
	w []float32
	b []float64
	// sparse is the compact copy of w that Predict reads; it is rebuilt
	// whenever w changes.
	sparse sparseWeights
	// steps counts SGD updates so far; it drives the learning rate decay
	// and continues across Update calls.
	steps int64
}

// ErrNoExamples is returned when training is asked to learn from nothing.
var ErrNoExamples = errors.New("classify: no training examples")

// Train fits a softmax classifier on examples. At least two distinct
// labels are required. Training is deterministic for a given Options.Seed.
func Train(examples []Example, opts Options) (*Model, error) {
	return train(examples, nil, opts, nil)
}

// train is Train with optional per-example weights (nil means 1) and an
// optional feature hook (see featurizer.hook). The cross-validation
// harness uses both to evaluate self-training and features learned from
// unlabeled text (semi_tune_test.go); Train uses neither.
func train(examples []Example, exWeights []float64, opts Options, hook featureHook) (*Model, error) {
	if len(examples) == 0 {
		return nil, ErrNoExamples
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	labels := labelSet(examples)
	if len(labels) < 2 {
		return nil, fmt.Errorf("classify: need at least two labels, got %d", len(labels))
	}
	m := &Model{opts: opts, feat: opts.featurizer(), labels: labels}
	m.feat.hook = hook
	m.index = make(map[string]int, len(labels))
	for i, l := range labels {
		m.index[l] = i
	}
	m.w = make([]float32, m.feat.rows()*len(labels))
	m.b = make([]float64, len(labels))

	vecs, ys := m.vectorizeAll(examples)
	weights := make([]float64, len(labels))
	for i := range weights {
		weights[i] = 1
	}
	if opts.BalanceClasses {
		counts := make([]int, len(labels))
		for _, y := range ys {
			counts[y]++
		}
		for c, n := range counts {
			weights[c] = float64(len(ys)) / float64(len(labels)*n)
		}
	}
	m.sgd(vecs, ys, weights, exWeights, opts.Epochs, opts.Seed)
	m.sparse = newSparseWeights(m.w, len(labels), m.feat.vecBase())
	return m, nil
}

// labelSet returns the sorted distinct labels of examples.
func labelSet(examples []Example) []string {
	seen := map[string]bool{}
	var labels []string
	for _, e := range examples {
		if !seen[e.Label] {
			seen[e.Label] = true
			labels = append(labels, e.Label)
		}
	}
	slices.Sort(labels)
	return labels
}

func (m *Model) vectorizeAll(examples []Example) ([]vector, []int) {
	vecs := make([]vector, len(examples))
	ys := make([]int, len(examples))
	for i, e := range examples {
		vecs[i] = m.feat.vectorize(e.Text)
		ys[i] = m.index[e.Label]
	}
	return vecs, ys
}

// sgd runs epochs of shuffled stochastic gradient descent on the
// class-weighted cross-entropy loss plus L2 regularisation. The weights are
// kept as scale*w so that the L2 shrinkage costs O(1) per step.
func (m *Model) sgd(vecs []vector, ys []int, classWeight, exWeight []float64, epochs int, seed uint64) {
	k := len(m.labels)
	rng := rand.New(rand.NewPCG(seed, uint64(m.steps)))
	order := make([]int, len(vecs))
	for i := range order {
		order[i] = i
	}
	scale := 1.0
	logits := make([]float64, k)
	grad := make([]float64, k)
	lr, lambda := m.opts.LearningRate, m.opts.Lambda
	var avgW []float32
	var avgB []float64
	if m.opts.Average && epochs > 1 {
		avgW = make([]float32, len(m.w))
		avgB = make([]float64, len(m.b))
	}
	for range epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			x, y := vecs[i], ys[i]
			m.logits(x, scale, logits)
			softmax(logits)
			eta := lr / (1 + lr*lambda*float64(m.steps))
			m.steps++
			cw := classWeight[y]
			if exWeight != nil {
				cw *= exWeight[i]
			}
			for c := range grad {
				g := logits[c]
				if c == y {
					g--
				}
				grad[c] = cw * g
				m.b[c] -= eta * grad[c]
			}
			scale *= 1 - eta*lambda
			step := eta / scale
			for j, f := range x.idx {
				xv := step * float64(x.val[j])
				row := m.w[int(f)*k : int(f)*k+k]
				for c := range row {
					row[c] -= float32(xv * grad[c])
				}
			}
			if scale < 1e-4 {
				m.rescale(scale)
				scale = 1
			}
		}
		if avgW != nil {
			s := float32(scale)
			for i, v := range m.w {
				avgW[i] += s * v
			}
			for i, v := range m.b {
				avgB[i] += v
			}
		}
	}
	if avgW == nil {
		m.rescale(scale)
		return
	}
	inv := 1 / float32(epochs)
	for i := range avgW {
		m.w[i] = avgW[i] * inv
	}
	for i := range avgB {
		m.b[i] = avgB[i] / float64(epochs)
	}
}

func (m *Model) rescale(scale float64) {
	if scale == 1 {
		return
	}
	s := float32(scale)
	for i := range m.w {
		m.w[i] *= s
	}
}

// logits writes the unnormalised class scores of x into out.
func (m *Model) logits(x vector, scale float64, out []float64) {
	k := len(m.labels)
	copy(out, m.b)
	if k == 2 {
		var s0, s1 float64
		for j, f := range x.idx {
			v := float64(x.val[j])
			s0 += v * float64(m.w[int(f)*2])
			s1 += v * float64(m.w[int(f)*2+1])
		}
		out[0] += scale * s0
		out[1] += scale * s1
		return
	}
	for j, f := range x.idx {
		v := scale * float64(x.val[j])
		row := m.w[int(f)*k : int(f)*k+k]
		for c, wc := range row {
			out[c] += v * float64(wc)
		}
	}
}

// softmax turns logits into probabilities in place.
func softmax(z []float64) {
	mx := math.Inf(-1)
	for _, v := range z {
		mx = max(mx, v)
	}
	var sum float64
	for i, v := range z {
		z[i] = math.Exp(v - mx)
		sum += z[i]
	}
	for i := range z {
		z[i] /= sum
	}
}

// Predict classifies text and returns the most probable label together
// with the probability of every label.
// An untrained zero Model returns the zero Prediction.
func (m *Model) Predict(text string) Prediction {
	if len(m.labels) == 0 {
		return Prediction{}
	}
	var buf [8]float64
	probs := m.logitsOf(text, buf[:])
	softmax(probs)
	return makePrediction(m.labels, probs)
}

// PredictLabel returns only the most probable label of text, the Label of
// Predict, without computing every label's probability: the cheaper call
// for a model with many labels when the probabilities are not needed. An
// untrained zero Model returns "".
func (m *Model) PredictLabel(text string) string {
	if len(m.labels) == 0 {
		return ""
	}
	var buf [8]float64
	z := m.logitsOf(text, buf[:])
	best := 0
	for c := range z {
		if z[c] > z[best] {
			best = c
		}
	}
	return m.labels[best]
}

// logitsOf returns the label scores of text before the softmax, in buf
// when it has room for every label (so that a model with few labels
// allocates nothing).
func (m *Model) logitsOf(text string, buf []float64) []float64 {
	z := buf[:0]
	if len(m.labels) > cap(buf) {
		z = make([]float64, len(m.labels))
	}
	z = z[:len(m.labels)]
	m.scores(text, z)
	return z
}

// makePrediction picks the arg-max label; ties go to the first label in
// sorted order.
func makePrediction(labels []string, probs []float64) Prediction {
	p := Prediction{Scores: make(map[string]float64, len(labels))}
	best := -1
	for c, l := range labels {
		p.Scores[l] = probs[c]
		if best < 0 || probs[c] > probs[best] {
			best = c
		}
	}
	p.Label, p.Score = labels[best], probs[best]
	return p
}

// Labels returns the labels the model knows, in sorted order.
func (m *Model) Labels() []string {
	return slices.Clone(m.labels)
}

// Options returns the options the model was trained with, after defaults
// were applied.
func (m *Model) Options() Options {
	return m.opts
}

// Update continues training on new examples for the given number of
// epochs without retraining from scratch. It is meant for agents'
// corrections, for example a post marked "not a support request". Every
// example's label must already be known to the model; the examples are
// given unit weight.
func (m *Model) Update(examples []Example, epochs int) error {
	if len(m.labels) == 0 {
		return errors.New("classify: cannot update an untrained model")
	}
	if len(examples) == 0 {
		return ErrNoExamples
	}
	if epochs < 1 {
		return fmt.Errorf("classify: Update needs at least one epoch, got %d", epochs)
	}
	for _, e := range examples {
		if _, ok := m.index[e.Label]; !ok {
			return fmt.Errorf("classify: Update: unknown label %q (known: %v)", e.Label, m.labels)
		}
	}
	vecs, ys := m.vectorizeAll(examples)
	weights := make([]float64, len(m.labels))
	for i := range weights {
		weights[i] = 1
	}
	m.sgd(vecs, ys, weights, nil, epochs, m.opts.Seed)
	m.sparse = newSparseWeights(m.w, len(m.labels), m.feat.vecBase())
	return nil
}
