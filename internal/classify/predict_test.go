package classify

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode"
)

// predictReference is the straightforward prediction path: build the
// sorted unit-length vector as training does, then take the dot product.
// Model.Predict must agree with it.
func (m *Model) predictReference(text string) Prediction {
	probs := make([]float64, len(m.labels))
	m.logits(m.feat.vectorize(text), 1, probs)
	softmax(probs)
	return makePrediction(m.labels, probs)
}

// appendCharGramsSlow is the direct form of appendCharGrams (the code before
// the one-pass version), hashing each
// n-gram separately. Tests check that both produce the same hashes.
func (f featurizer) appendCharGramsSlow(hashes []uint32, w string) []uint32 {
	var offBuf [64]int
	offs := offBuf[:0]
	for i := range w {
		offs = append(offs, i)
	}
	offs = append(offs, len(w))
	n := len(offs) - 1
	total := n + 2
	for size := f.charMin; size <= f.charMax; size++ {
		if size > total {
			break
		}
		for start := 0; start+size <= total; start++ {
			h := hashByte(hashByte(fnvOffset, nsChar), byte(size))
			end := start + size
			if start == 0 {
				h = hashByte(h, ' ')
			}
			lo := max(start-1, 0)
			hi := min(end-1, n)
			h = hashStr(h, w[offs[lo]:offs[hi]])
			if end == total {
				h = hashByte(h, ' ')
			}
			hashes = append(hashes, uint32(h)&f.mask)
		}
	}
	return hashes
}

func TestCharGramsMatchDirectHashing(t *testing.T) {
	words := []string{"a", "ab", "printer", "don", "über", "naïveté", "😡", "x_y", "supercalifragilistic"}
	for _, r := range [][2]int{{2, 5}, {1, 1}, {1, 8}, {3, 4}, {5, 5}} {
		f := featurizer{mask: 1<<20 - 1, charMin: r[0], charMax: r[1]}
		for _, w := range words {
			got := f.appendCharGrams(nil, w)
			want := f.appendCharGramsSlow(nil, w)
			sortHashes(got)
			sortHashes(want)
			if len(got) != len(want) {
				t.Fatalf("%q %v: %d hashes, want %d", w, r, len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("%q %v: hashes differ at %d", w, r, i)
				}
			}
		}
	}
}

// TestPredictMatchesReference checks that the fast prediction path gives
// the same probabilities as building the sorted vector, for every option
// layout (split word/char blocks, joint, words only, negation, several
// labels).
func TestPredictMatchesReference(t *testing.T) {
	ex := toyExamples()
	texts := []string{"", "!!!", "my printer is broken again!!", "thanks for the great service 😍",
		"not working not working not working", "@acme http://x.co why???", "the the the the the the the the"}
	for _, e := range ex {
		texts = append(texts, e.Text)
	}
	if data := sharedDataDirOrEmpty(t); data != "" {
		dev := loadExamples(t, filepath.Join(data, "complaints", "dev.csv"), "text", "label")
		ex = dev
		for _, e := range dev {
			texts = append(texts, e.Text)
		}
	}
	multi := make([]Example, len(ex))
	for i, e := range ex {
		multi[i] = Example{Text: e.Text, Label: string(rune('a' + i%3))}
	}
	joint := DefaultOptions()
	joint.CharWeight = 0
	neg := DefaultOptions()
	neg.Negation = true
	small := DefaultOptions()
	small.HashBits = 12
	noVec := DefaultOptions()
	noVec.WordVectors = 0
	heavyVec := DefaultOptions()
	heavyVec.WordVectors = 3
	cases := []struct {
		name string
		ex   []Example
		opts Options
	}{
		{"default", ex, DefaultOptions()},
		{"tickets", ex, TicketOptions()},
		{"joint", ex, joint},
		{"negation", ex, neg},
		{"collisions", ex, small},
		{"three labels", multi, DefaultOptions()},
		{"no word vectors", ex, noVec},
		{"word vectors 3", ex, heavyVec},
	}
	for _, c := range cases {
		c.opts.Epochs = 2
		m, err := Train(c.ex, c.opts)
		if err != nil {
			t.Fatal(err)
		}
		checkAgainstReference(t, c.name, m, texts)
		// The compact weights Predict reads must follow Update and decoding.
		if err := m.Update([]Example{{Text: texts[2], Label: c.ex[0].Label}, {Text: texts[3], Label: c.ex[1].Label}}, 3); err != nil {
			t.Fatal(err)
		}
		checkAgainstReference(t, c.name+" updated", m, texts)
		blob, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var d Model
		if err := d.UnmarshalBinary(blob); err != nil {
			t.Fatal(err)
		}
		checkAgainstReference(t, c.name+" decoded", &d, texts)
	}
}

func checkAgainstReference(t *testing.T, name string, m *Model, texts []string) {
	t.Helper()
	for _, text := range texts {
		got, want := m.Predict(text), m.predictReference(text)
		for l, p := range want.Scores {
			if math.Abs(got.Scores[l]-p) > 1e-6 {
				t.Fatalf("%s: %q: P(%s) = %v, reference %v", name, text, l, got.Scores[l], p)
			}
		}
		if got.Label != want.Label && math.Abs(got.Score-want.Score) > 1e-6 {
			t.Fatalf("%s: %q: label %s, reference %s", name, text, got.Label, want.Label)
		}
	}
}

// BenchmarkPredictReference measures the straightforward path (sorted
// vector, then dot product) on the same posts as BenchmarkPredict, as the
// baseline for the fast path.
func BenchmarkPredictReference(b *testing.B) {
	train, posts := benchPosts(b)
	m, err := Train(train, DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.predictReference(posts[i%len(posts)])
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}

// featureFingerprint hashes the feature vectors of texts under each of
// opts: indices and float32 bits of every value.
func featureFingerprint(texts []string, opts ...Options) uint64 {
	h := uint64(fnvOffset)
	for _, o := range opts {
		f := o.featurizer()
		for _, t := range texts {
			v := f.vectorize(t)
			for i, x := range v.idx {
				h = (h ^ uint64(x)) * fnvPrime
				h = (h ^ uint64(math.Float32bits(v.val[i]))) * fnvPrime
			}
			h = (h ^ 0xff) * fnvPrime
		}
	}
	return h
}

// Feature fingerprints of the texts in TestFeaturesUnchanged.
// featureFingerprintV1 was computed with the code of FormatVersion 1 for
// DefaultOptions and TicketOptions of that version (no cues; TicketOptions
// is unchanged since). featureFingerprintV2 is that of DefaultOptions and
// TicketOptions of FormatVersion 2, which DefaultOptions without word
// vectors must still give, since version 2 models are still read.
// featureFingerprintV3 is that of DefaultOptions and TicketOptions of
// FormatVersion 3. A speed-up of the tokenizer or the
// hashing must keep both; a deliberate change of the features must bump
// FormatVersion and record a new fingerprint.
const (
	featureFingerprintV1 = 9807762977132023938
	featureFingerprintV2 = 11890409802722590426
	featureFingerprintV3 = 1299950177966948375
)

func TestFeaturesUnchanged(t *testing.T) {
	data := sharedDataDirOrEmpty(t)
	if data == "" {
		t.Skip("shared data not available")
	}
	var texts []string
	for _, spec := range [][3]string{
		{filepath.Join(data, "complaints", "dev.csv"), "text", "label"},
		{filepath.Join(data, "twitter-support", "spotify-requests.csv"), "text", "author_id"},
		{filepath.Join(data, "tickets", "dev.csv"), "title+body", "category"},
	} {
		for _, e := range loadExamples(t, spec[0], spec[1], spec[2]) {
			texts = append(texts, e.Text)
		}
	}
	v2 := DefaultOptions()
	v2.WordVectors = 0
	v1 := v2
	v1.Cues = false
	if got := featureFingerprint(texts, v1, TicketOptions()); got != featureFingerprintV1 {
		t.Errorf("version 1 features (no cues) changed: fingerprint %d, want %d", got, uint64(featureFingerprintV1))
	}
	if got := featureFingerprint(texts, v2, TicketOptions()); got != featureFingerprintV2 {
		t.Errorf("version 2 features (no word vectors) changed: fingerprint %d, want %d", got, uint64(featureFingerprintV2))
	}
	if got := featureFingerprint(texts, DefaultOptions(), TicketOptions()); got != featureFingerprintV3 || FormatVersion != 3 {
		t.Errorf("feature fingerprint %d (format version %d), want %d for version 3: the features changed; bump FormatVersion and record the new fingerprint", got, FormatVersion, uint64(featureFingerprintV3))
	}
}

func TestIsWordRuneASCII(t *testing.T) {
	for r := rune(0); r < 0x300; r++ {
		want := unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_'
		if got := isWordRune(r); got != want {
			t.Fatalf("isWordRune(%q) = %v, want %v", r, got, want)
		}
	}
}

// TestConcurrentPredict runs Predict from several goroutines sharing the
// pooled buffers; each result must equal the one computed alone. Run it
// with -race.
func TestConcurrentPredict(t *testing.T) {
	m, err := Train(toyExamples(), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"my vpn is broken again!!", "lovely sunny day in the park", "", "why does outlook keep crashing?",
		strings.Repeat("long long text ", 800)}
	want := make([]Prediction, len(texts))
	for i, text := range texts {
		want[i] = m.Predict(text)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range 200 {
				i := (g + n) % len(texts)
				if got := m.Predict(texts[i]); got.Label != want[i].Label || got.Score != want[i].Score {
					errs <- fmt.Sprintf("%q: %+v, alone %+v", texts[i], got, want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

// TestPredictLabelMatchesPredict checks that PredictLabel gives Predict's
// label, on a two-label model and on many-label ticket models (more labels
// than Predict's stack buffer), and "" on an untrained model.
func TestPredictLabelMatchesPredict(t *testing.T) {
	type set struct {
		name  string
		ex    []Example
		texts []string
	}
	sets := []set{{name: "toy", ex: toyExamples()}}
	if data := sharedDataDirOrEmpty(t); data != "" {
		sets = append(sets,
			set{name: "tickets service", ex: loadExamples(t, filepath.Join(data, "tickets", "dev.csv"), "title+body", "business_service")},
			set{name: "tickets category", ex: loadExamples(t, filepath.Join(data, "tickets", "dev.csv"), "title+body", "category")})
	}
	for _, s := range sets {
		m, err := Train(s.ex, TicketOptions())
		if err != nil {
			t.Fatal(err)
		}
		texts := []string{"", "!!!", "vpn not working"}
		for _, e := range s.ex {
			texts = append(texts, e.Text)
		}
		for _, text := range texts {
			if got, want := m.PredictLabel(text), m.Predict(text).Label; got != want {
				t.Fatalf("%s: PredictLabel(%q) = %q, Predict gives %q", s.name, text, got, want)
			}
		}
	}
	if l := new(Model).PredictLabel("anything"); l != "" {
		t.Fatalf("untrained model: %q", l)
	}
}
