package classify

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// toyExamples returns a small, linearly separable problem: support
// requests mention broken things, chatter talks about the weather.
func toyExamples() []Example {
	support := []string{
		"my laptop is broken and will not boot",
		"printer broken again, cannot print invoices",
		"the vpn is down and I cannot log in",
		"password reset link is broken",
		"email server down since this morning!!!",
		"cannot log in to the portal, error 500",
		"wifi down in the office",
		"outlook keeps crashing, broken",
	}
	chatter := []string{
		"lovely sunny weather today",
		"great weather for a picnic in the park",
		"the sunset tonight was beautiful",
		"rain again this weekend, typical weather",
		"enjoying the sunny afternoon with friends",
		"what a beautiful morning",
		"the park is lovely in spring",
		"cloudy weather but still warm",
	}
	var ex []Example
	for _, s := range support {
		ex = append(ex, Example{Text: s, Label: "support"})
	}
	for _, s := range chatter {
		ex = append(ex, Example{Text: s, Label: "chatter"})
	}
	return ex
}

func smallOptions() Options {
	o := DefaultOptions()
	o.HashBits = 16
	return o
}

func TestTokenize(t *testing.T) {
	got := []string{}
	for _, tok := range tokenize("@Acme_Help My order #1234 won't ship!!! See https://x.co/a?b 😡 ok?") {
		if tok.text != "" {
			got = append(got, tok.text)
		}
	}
	want := []string{"<user>", "my", "order", "<num>", "wont", "ship", "!!", "see", "<url>", "😡", "ok", "?"}
	if !slices.Equal(got, want) {
		t.Fatalf("tokenize = %q, want %q", got, want)
	}
}

func TestVectorizeIsUnitLength(t *testing.T) {
	joint := smallOptions()
	joint.CharWeight = 0
	for _, o := range []Options{smallOptions(), joint} {
		checkUnitLength(t, newFeaturizer(o))
	}
}

func checkUnitLength(t *testing.T, f featurizer) {
	t.Helper()
	v := f.vectorize("the printer is broken broken broken")
	if len(v.idx) == 0 {
		t.Fatal("no features extracted")
	}
	var n float64
	for i, x := range v.val {
		n += float64(x) * float64(x)
		if i > 0 && v.idx[i] <= v.idx[i-1] {
			t.Fatalf("indices not strictly increasing at %d", i)
		}
	}
	if math.Abs(n-1) > 1e-5 {
		t.Fatalf("squared norm = %v, want 1", n)
	}
	if e := f.vectorize("!!! ... "); len(e.idx) != 1 {
		t.Fatalf("punctuation-only text gave %d features, want 1", len(e.idx))
	}
	if e := f.vectorize(""); len(e.idx) != 0 {
		t.Fatalf("empty text gave %d features", len(e.idx))
	}
}

func TestSeparableToyProblem(t *testing.T) {
	ex := toyExamples()
	m, err := Train(ex, smallOptions())
	if err != nil {
		t.Fatal(err)
	}
	got := Evaluate(m, ex)
	if got.Accuracy != 1 || got.MacroF1 != 1 {
		t.Fatalf("training accuracy %.3f macro-F1 %.3f, want 1", got.Accuracy, got.MacroF1)
	}
	if !slices.Equal(m.Labels(), []string{"chatter", "support"}) {
		t.Fatalf("Labels() = %v", m.Labels())
	}
	p := m.Predict("the server is down and broken")
	if p.Label != "support" {
		t.Fatalf("unseen support text predicted %q (%v)", p.Label, p.Scores)
	}
	var sum float64
	for _, s := range p.Scores {
		sum += s
	}
	if math.Abs(sum-1) > 1e-9 || p.Score != p.Scores[p.Label] || p.Score < 0.5 {
		t.Fatalf("inconsistent scores: %+v", p)
	}
	nb, err := TrainNaiveBayes(ex)
	if err != nil {
		t.Fatal(err)
	}
	if acc := Evaluate(nb, ex).Accuracy; acc != 1 {
		t.Fatalf("naive Bayes training accuracy %.3f, want 1", acc)
	}
}

func TestMultiClass(t *testing.T) {
	var ex []Example
	topics := map[string][]string{
		"network":  {"vpn", "wifi", "router", "dns"},
		"access":   {"password", "login", "account", "mfa"},
		"hardware": {"laptop", "printer", "monitor", "keyboard"},
	}
	for label, words := range topics {
		for i, w := range words {
			for j := range 3 {
				ex = append(ex, Example{Text: fmt.Sprintf("problem %d with my %s today %d", i, w, j), Label: label})
			}
		}
	}
	m, err := Train(ex, smallOptions())
	if err != nil {
		t.Fatal(err)
	}
	if got := Evaluate(m, ex); got.Accuracy != 1 || len(got.PerClass) != 3 {
		t.Fatalf("multi-class training metrics %+v", got)
	}
	if p := m.Predict("my monitor flickers"); p.Label != "hardware" {
		t.Fatalf("predicted %q for a hardware text", p.Label)
	}
}

func TestDeterministic(t *testing.T) {
	a, err := Train(toyExamples(), smallOptions())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Train(toyExamples(), smallOptions())
	if !slices.Equal(a.w, b.w) || !slices.Equal(a.b, b.b) {
		t.Fatal("two trainings with the same seed differ")
	}
}

func TestSerialisationRoundTrip(t *testing.T) {
	m, err := Train(toyExamples(), smallOptions())
	if err != nil {
		t.Fatal(err)
	}
	blob, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if blob[4] != FormatVersion {
		t.Fatalf("version byte %d, want %d", blob[4], FormatVersion)
	}
	var back Model
	if err := back.UnmarshalBinary(blob); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"vpn down", "sunny park", "", "🤔 hmm?", "broken weather"} {
		p, q := m.Predict(text), back.Predict(text)
		if p.Label != q.Label || !maps64Equal(p.Scores, q.Scores) {
			t.Fatalf("%q: original %+v, decoded %+v", text, p, q)
		}
	}
	if back.Options() != m.Options() {
		t.Fatalf("options changed: %+v vs %+v", back.Options(), m.Options())
	}
	bad := slices.Clone(blob)
	bad[4] = oldestReadable - 1
	if err := back.UnmarshalBinary(bad); err == nil || !strings.Contains(err.Error(), "retrain") || !errors.Is(err, ErrOldFormat) {
		t.Fatalf("blob of an unreadable old version accepted or unclear error: %v", err)
	}
	bad[4] = FormatVersion + 1
	if err := back.UnmarshalBinary(bad); err == nil || !strings.Contains(err.Error(), "version") {
		t.Fatalf("wrong version accepted: %v", err)
	}
	if err := back.UnmarshalBinary(blob[:len(blob)-3]); err == nil {
		t.Fatal("truncated blob accepted")
	}
	if err := back.UnmarshalBinary([]byte("nope")); err == nil {
		t.Fatal("garbage accepted")
	}
	var zero Model
	if _, err := zero.MarshalBinary(); err == nil {
		t.Fatal("untrained model encoded")
	}
	if p := zero.Predict("x"); p.Label != "" {
		t.Fatalf("untrained model predicted %+v", p)
	}
	if err := zero.Update(toyExamples(), 1); err == nil {
		t.Fatal("untrained model updated")
	}
}

// TestWordVectorModels checks a model with word vectors: it encodes and
// decodes with the same predictions, refuses a blob naming another vector
// table, and a model without vectors still reads as format version 2 (the
// version before word vectors) with unchanged predictions.
func TestWordVectorModels(t *testing.T) {
	o := smallOptions()
	o.WordVectors = 1
	m, err := Train(toyExamples(), o)
	if err != nil {
		t.Fatal(err)
	}
	if m.feat.vecs == nil || len(m.w) != (1<<o.HashBits+100)*len(m.labels) || m.feat.vecBase() != 1<<o.HashBits {
		t.Fatal("word vector rows missing")
	}
	// Words the toy data never has, but whose vectors are near its words,
	// move the scores.
	p0, p1 := m.Predict("zzqx"), m.Predict("zzqx malfunction")
	if p0.Scores[p0.Label] == p1.Scores[p0.Label] {
		t.Fatal("a word known only from its vector does not change the prediction")
	}
	blob, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back Model
	if err := back.UnmarshalBinary(blob); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"vpn down", "laptop malfunction again", "", "🤔 hmm?"} {
		p, q := m.Predict(text), back.Predict(text)
		if p.Label != q.Label || !maps64Equal(p.Scores, q.Scores) {
			t.Fatalf("%q: original %+v, decoded %+v", text, p, q)
		}
	}
	if back.Options() != m.Options() {
		t.Fatalf("options changed: %+v vs %+v", back.Options(), m.Options())
	}
	// The table id follows the header: magic, version, 5 option bytes,
	// epochs, four eight-byte options, steps, the weight.
	idAt := len(modelMagic) + 1 + 5 + 4 + 4*8 + 8 + 8
	other := slices.Clone(blob)
	other[idAt] ^= 1
	if err := back.UnmarshalBinary(other); !errors.Is(err, ErrOldFormat) {
		t.Fatalf("blob with another vector table: %v", err)
	}
	for _, w := range []float64{0, -1, math.Inf(1), math.NaN()} {
		bad := slices.Clone(blob)
		binary.LittleEndian.PutUint64(bad[idAt-8:], math.Float64bits(w))
		if err := back.UnmarshalBinary(bad); err == nil {
			t.Fatalf("blob with word vector weight %v accepted", w)
		}
	}
	if _, err := Train(toyExamples(), Options{WordVectors: math.Inf(1)}); err == nil {
		t.Fatal("infinite word vector weight accepted")
	}

	o.WordVectors = 0
	plain, err := Train(toyExamples(), o)
	if err != nil {
		t.Fatal(err)
	}
	blob, err = plain.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	blob[len(modelMagic)] = 2
	if err := back.UnmarshalBinary(blob); err != nil {
		t.Fatalf("version 2 blob: %v", err)
	}
	for _, text := range []string{"vpn down", "laptop malfunction again"} {
		if p, q := plain.Predict(text), back.Predict(text); !maps64Equal(p.Scores, q.Scores) {
			t.Fatalf("%q: version 2 blob predicts %+v, want %+v", text, q, p)
		}
	}
}

func maps64Equal(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestUpdateLearnsCorrection(t *testing.T) {
	m, err := Train(toyExamples(), smallOptions())
	if err != nil {
		t.Fatal(err)
	}
	// A post that looks like a support request but an agent marked as
	// chatter.
	text := "my phone screen is broken lol, what a sunny day to drop it"
	before := m.Predict(text)
	if before.Label != "support" {
		t.Skipf("toy model already predicts %q; the test needs a misclassified example", before.Label)
	}
	if err := m.Update([]Example{{Text: text, Label: "chatter"}}, 5); err != nil {
		t.Fatal(err)
	}
	after := m.Predict(text)
	if after.Label != "chatter" {
		t.Fatalf("after Update predicted %q (scores %v), want chatter", after.Label, after.Scores)
	}
	// The rest of the model still works.
	if acc := Evaluate(m, toyExamples()).Accuracy; acc < 0.9 {
		t.Fatalf("accuracy on original data fell to %.3f", acc)
	}
	if err := m.Update([]Example{{Text: "x", Label: "unknown"}}, 1); err == nil {
		t.Fatal("Update accepted an unknown label")
	}
}

func TestTrainErrors(t *testing.T) {
	if _, err := Train(nil, DefaultOptions()); err == nil {
		t.Fatal("no examples accepted")
	}
	if _, err := Train([]Example{{"a", "x"}, {"b", "x"}}, DefaultOptions()); err == nil {
		t.Fatal("single label accepted")
	}
	o := DefaultOptions()
	o.HashBits = 40
	if _, err := Train(toyExamples(), o); err == nil {
		t.Fatal("HashBits 40 accepted")
	}
}

func TestReadCSV(t *testing.T) {
	in := "id,title,body,label\n1,VPN down,\"cannot connect, help\",yes\n2,Lunch,\"pizza, anyone?\",no\n"
	ex, err := ReadCSV(strings.NewReader(in), "title+body", "label")
	if err != nil {
		t.Fatal(err)
	}
	want := []Example{{"VPN down cannot connect, help", "yes"}, {"Lunch pizza, anyone?", "no"}}
	if !slices.Equal(ex, want) {
		t.Fatalf("ReadCSV = %+v, want %+v", ex, want)
	}

	cases := []struct{ name, in, text, label, wantErr string }{
		{"missing column", "id,text\n1,a\n", "text", "label", `no label column "label"`},
		{"short row", "text,label\nfine,1\nbroken row\nok,0\n", "text", "label", "line 3"},
		{"bad quote", "text,label\nfine,1\n\"open quote,1\n", "text", "label", "line 3"},
		{"empty label", "text,label\na,1\nb,\n", "text", "label", "line 3: empty label"},
		{"empty file", "", "text", "label", "empty"},
	}
	for _, c := range cases {
		_, err := ReadCSV(strings.NewReader(c.in), c.text, c.label)
		if err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.wantErr)
		}
	}
}

func TestScoreMetrics(t *testing.T) {
	gold := []string{"a", "a", "a", "b", "b", "c"}
	pred := []string{"a", "a", "b", "b", "c", "c"}
	m := score(gold, pred)
	// a: P=1 R=2/3; b: P=1/2 R=1/2; c: P=1/2 R=1.
	fa, fb, fc := 0.8, 0.5, 2.0/3
	if math.Abs(m.Accuracy-4.0/6) > 1e-12 || math.Abs(m.MacroF1-(fa+fb+fc)/3) > 1e-12 {
		t.Fatalf("metrics %+v", m)
	}
	if m.PerClass["a"].Support != 3 || m.PerClass["c"].Precision != 0.5 {
		t.Fatalf("per-class %+v", m.PerClass)
	}
}

func TestCrossValidate(t *testing.T) {
	ex := toyExamples()
	m, err := CrossValidate(ex, 4, smallOptions())
	if err != nil {
		t.Fatal(err)
	}
	if m.N != len(ex) {
		t.Fatalf("CV scored %d examples, want %d", m.N, len(ex))
	}
	if m.Accuracy < 0.6 {
		t.Fatalf("CV accuracy %.3f on an easy problem", m.Accuracy)
	}
	if _, err := CrossValidate(ex, 1, smallOptions()); err == nil {
		t.Fatal("k=1 accepted")
	}
	folds, _ := stratifiedFolds(ex, 4, 7)
	perFold := map[int]map[string]int{}
	for i, f := range folds {
		if perFold[f] == nil {
			perFold[f] = map[string]int{}
		}
		perFold[f][ex[i].Label]++
	}
	for f, c := range perFold {
		if c["support"] != 2 || c["chatter"] != 2 {
			t.Fatalf("fold %d not stratified: %v", f, c)
		}
	}
}

func TestHoldOut(t *testing.T) {
	ex := toyExamples()
	m, err := HoldOut(ex, 4, smallOptions())
	if err != nil {
		t.Fatal(err)
	}
	// A quarter of the 16 examples, two of each label, is scored.
	if m.N != 4 || m.PerClass["support"].Support != 2 || m.PerClass["chatter"].Support != 2 {
		t.Fatalf("hold-out scored %d examples (%+v), want 2 of each label", m.N, m.PerClass)
	}
	if m.Accuracy < 0.75 {
		t.Fatalf("hold-out accuracy %.3f on an easy problem", m.Accuracy)
	}
	if _, err := HoldOut(ex, 40, smallOptions()); err == nil {
		t.Fatal("40 folds of 16 examples accepted")
	}
}

func TestSortHashes(t *testing.T) {
	for _, n := range []int{0, 1, 5, 47, 48, 300, 5000} {
		h := make([]uint32, n)
		x := uint32(12345)
		for i := range h {
			x = x*1664525 + 1013904223
			h[i] = x >> (uint(i) % 13)
			if i%7 == 0 && i > 0 {
				h[i] = h[i-1]
			}
		}
		want := slices.Sorted(slices.Values(h))
		sortHashes(h)
		if !slices.Equal(h, want) {
			t.Fatalf("n=%d: sortHashes differs from slices.Sort", n)
		}
	}
}

// FuzzUnmarshalBinary checks that corrupt blobs give errors, not panics,
// and that every accepted blob yields a usable model.
func FuzzUnmarshalBinary(f *testing.F) {
	o := DefaultOptions()
	o.HashBits = 10
	m, err := Train(toyExamples(), o)
	if err != nil {
		f.Fatal(err)
	}
	blob, _ := m.MarshalBinary()
	f.Add(blob)
	f.Add(blob[:40])
	// A model without word vectors, as format version 2 wrote it.
	o.WordVectors = 0
	if m, err = Train(toyExamples(), o); err != nil {
		f.Fatal(err)
	}
	old, _ := m.MarshalBinary()
	old[len(modelMagic)] = 2
	f.Add(old)
	f.Fuzz(func(t *testing.T, data []byte) {
		var back Model
		if back.UnmarshalBinary(data) != nil {
			return
		}
		p := back.Predict("printer broken")
		if len(p.Scores) != len(back.Labels()) {
			t.Fatalf("decoded model gave %d scores for %d labels", len(p.Scores), len(back.Labels()))
		}
	})
}
