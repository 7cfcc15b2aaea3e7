package classify

import (
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// loadUnlabeledPool reads the unlabeled customer tweets of the shared
// data: the inbound tweets of the Twitter customer-support sample and the
// Spotify support requests. It returns nil when the files are absent.
func loadUnlabeledPool(t testing.TB, data string) []string {
	t.Helper()
	var pool []string
	for _, name := range []string{"twcs-sample.csv", "spotify-requests.csv"} {
		path := filepath.Join(data, "twitter-support", name)
		if _, err := os.Stat(path); err != nil {
			return nil
		}
		texts := loadColumn(t, path, "text")
		inbound := loadColumn(t, path, "inbound")
		for i, tx := range texts {
			if strings.EqualFold(inbound[i], "true") && strings.TrimSpace(tx) != "" {
				pool = append(pool, tx)
			}
		}
	}
	return pool
}

// TestTuneUnlabeled compares ways of using unlabeled in-domain text by
// 5-fold and leave-one-domain-out cross-validation on complaints dev:
// word clusters and mean word vectors learned from it (PPMI + truncated
// SVD, embed_test.go), cue lists extended to distributional neighbours,
// and self-training on it. In every fold the unlabeled text is the shared
// tweets plus the training fold's texts; "trans" rows add the held-out
// fold's texts without labels. Features learned from unlabeled text run
// through featurizer.hook, so those rows predict with the reference path.
// None of the variants beat the baseline by more than the seed-to-seed
// noise (docs/classifier.md), so nothing here is used by Train.
//
// It runs only with CLASSIFY_TUNE=1; CLASSIFY_TUNE_ONLY selects rows whose
// name contains one of its "|"-separated parts, and CLASSIFY_TUNE_SEED
// sets Options.Seed of the rows that do not set their own (all rows take
// about a quarter of an hour on one idle core).
func TestTuneUnlabeled(t *testing.T) {
	if os.Getenv("CLASSIFY_TUNE") == "" {
		t.Skip("set CLASSIFY_TUNE=1 to run the cross-validation search")
	}
	data := sharedDataDir(t)
	ex, folds, domains := complaintsDevFolds(t)
	pool := loadUnlabeledPool(t, data)
	if pool == nil {
		t.Skip("no unlabeled pool in the shared data")
	}
	t.Logf("unlabeled pool: %d texts", len(pool))

	type variant struct {
		name string
		cfg  *clusterConfig // nil: no clusters
		self *selfTrainConfig
		cw   float64 // weight of the cluster block; 0: clusters in the word block
		// trans adds the held-out fold's texts, without labels, to the
		// unlabeled pool (what a service that clusters its own stored
		// posts would see); otherwise the pool is the shared tweets plus
		// the training fold's texts.
		trans bool
		// expand extends the cue lists by nearest neighbours: k, votes.
		expand *[2]int
		// dense adds the mean word vector with this weight.
		dense float32
		seed  uint64 // Options.Seed when not zero
	}
	cc := func(f func(*clusterConfig)) *clusterConfig {
		c := defaultClusterConfig()
		f(&c)
		return &c
	}
	variants := []variant{
		{name: "baseline"},
		{name: "clusters 64+256+1024 min5", cfg: cc(func(*clusterConfig) {})},
		{name: "clusters 256 min5", cfg: cc(func(c *clusterConfig) { c.sizes = []int{256} })},
		{name: "clusters 64+256+1024 min3", cfg: cc(func(c *clusterConfig) { c.minCount = 3 })},
		{name: "self r1 p0.9 w0.5 max1000", self: &selfTrainConfig{1, 0.9, 0.5, 1000}},
		{name: "self r1 p0.8 w0.3 max3000", self: &selfTrainConfig{1, 0.8, 0.3, 3000}},
		{name: "self r2 p0.9 w0.5 max1000", self: &selfTrainConfig{2, 0.9, 0.5, 1000}},
		{name: "self r1 p0.9 w1 max500", self: &selfTrainConfig{1, 0.9, 1, 500}},
		{name: "self r1 p0.95 w0.5 max200", self: &selfTrainConfig{1, 0.95, 0.5, 200}},
		{name: "self r1 p0.9 w0.25 max300", self: &selfTrainConfig{1, 0.9, 0.25, 300}},
		{name: "trans self r1 p0.9 w0.5 max1000", self: &selfTrainConfig{1, 0.9, 0.5, 1000}, trans: true},
		{name: "trans clusters [256] word block", cfg: cc(func(c *clusterConfig) { c.sizes = []int{256} }), trans: true},
	}
	for _, cw := range []float64{0.25, 0.5} {
		c := defaultClusterConfig()
		c.sizes = []int{64, 256}
		variants = append(variants, variant{name: fmt.Sprintf("trans clusters %v block %g", c.sizes, cw), cfg: &c, cw: cw, trans: true})
	}
	for _, cw := range []float64{0.25, 0.5, 1} {
		for _, sz := range [][]int{{256}, {64, 256}, {64, 256, 1024}} {
			c := defaultClusterConfig()
			c.sizes = sz
			variants = append(variants, variant{name: fmt.Sprintf("clusters %v block %g", sz, cw), cfg: &c, cw: cw})
		}
	}
	// Clusters depend only on their configuration and the training texts,
	// so variants that differ in other settings share them.
	cache := map[string]*wordClusters{}
	heldOut := func(tr []Example) []string {
		in := map[string]bool{}
		for _, e := range tr {
			in[e.Text] = true
		}
		var out []string
		for _, e := range ex {
			if !in[e.Text] {
				out = append(out, e.Text)
			}
		}
		return out
	}
	clustersFor := func(cfg clusterConfig, tr []Example, extra []string) *wordClusters {
		h := fnv.New64a()
		fmt.Fprint(h, cfg)
		for _, e := range tr {
			h.Write([]byte(e.Text))
		}
		for _, e := range extra {
			h.Write([]byte(e))
		}
		key := fmt.Sprint(h.Sum64())
		if wc, ok := cache[key]; ok {
			return wc
		}
		texts := append([]string(nil), pool...)
		texts = append(texts, extra...)
		for _, e := range tr {
			texts = append(texts, e.Text)
		}
		wc := learnClusters(texts, cfg)
		cache[key] = wc
		return wc
	}
	// Word vectors depend only on the training and extra texts, so the cue
	// expansion and the dense rows share them.
	type embedding struct {
		vocab []string
		emb   []float64
	}
	embCache := map[uint64]embedding{}
	embeddingsFor := func(tr []Example, extra []string) ([]string, []float64) {
		h := fnv.New64a()
		for _, e := range tr {
			h.Write([]byte(e.Text))
		}
		for _, e := range extra {
			h.Write([]byte(e))
		}
		key := h.Sum64()
		c, ok := embCache[key]
		if !ok {
			texts := append([]string(nil), pool...)
			texts = append(texts, extra...)
			for _, e := range tr {
				texts = append(texts, e.Text)
			}
			c.vocab, c.emb = learnEmbeddings(texts, defaultClusterConfig())
			embCache[key] = c
		}
		return c.vocab, c.emb
	}
	cuesFor := func(kv [2]int, tr []Example, extra []string) map[string]uint8 {
		vocab, emb := embeddingsFor(tr, extra)
		return expandCues(vocab, emb, defaultClusterConfig().dims, kv[0], kv[1])
	}
	denseFor := func(tr []Example, extra []string) (map[string][]float32, int) {
		cfg := defaultClusterConfig()
		vocab, emb := embeddingsFor(tr, extra)
		m := make(map[string][]float32, len(vocab))
		for i, w := range vocab {
			e := make([]float32, cfg.dims)
			for d := range e {
				e[d] = float32(emb[i*cfg.dims+d])
			}
			m[w] = e
		}
		return m, cfg.dims
	}
	{
		c := defaultClusterConfig()
		c.sizes = []int{256}
		variants = append(variants,
			variant{name: "combo clusters [256] block 0.25 + cue expansion k20 votes6", cfg: &c, cw: 0.25, expand: &[2]int{20, 6}},
			variant{name: "trans cue expansion k20 votes6", expand: &[2]int{20, 6}, trans: true},
			variant{name: "combo self r1 p0.95 w0.5 max200 + cue expansion k20 votes6", expand: &[2]int{20, 6}, self: &selfTrainConfig{1, 0.95, 0.5, 200}},
		)
	}
	for _, w := range []float64{0.1, 0.25, 0.5} {
		for _, mx := range []int{150, 300, 600} {
			variants = append(variants, variant{name: fmt.Sprintf("grid self r1 p0.9 w%g max%d", w, mx), self: &selfTrainConfig{1, 0.9, w, mx}})
		}
	}
	variants = append(variants,
		variant{name: "grid self r2 p0.9 w0.25 max300", self: &selfTrainConfig{2, 0.9, 0.25, 300}},
		variant{name: "grid self r1 p0.8 w0.25 max300", self: &selfTrainConfig{1, 0.8, 0.25, 300}},
		variant{name: "grid self r1 p0.95 w0.25 max300", self: &selfTrainConfig{1, 0.95, 0.25, 300}},
	)
	for _, seed := range []uint64{2, 3} {
		variants = append(variants,
			variant{name: fmt.Sprintf("seed%d baseline", seed), seed: seed},
			variant{name: fmt.Sprintf("seed%d self r1 p0.9 w0.25 max300", seed), self: &selfTrainConfig{1, 0.9, 0.25, 300}, seed: seed})
	}
	for _, dw := range []float32{0.25, 0.5, 1} {
		variants = append(variants, variant{name: fmt.Sprintf("dense mean vector %g", dw), dense: dw})
	}
	for _, kv := range [][2]int{{10, 3}, {10, 5}, {20, 6}, {5, 3}} {
		variants = append(variants, variant{name: fmt.Sprintf("cue expansion k%d votes%d", kv[0], kv[1]), expand: &kv})
	}
	only := os.Getenv("CLASSIFY_TUNE_ONLY")
	for _, v := range variants {
		if only != "" && !slices.ContainsFunc(strings.Split(only, "|"), func(o string) bool { return strings.Contains(v.name, o) }) {
			continue
		}
		start := time.Now()
		trainFn := func(tr []Example) (Predictor, error) {
			var extra []string
			if v.trans {
				extra = heldOut(tr)
			}
			var (
				wc    *wordClusters
				cues  map[string]uint8
				dense map[string][]float32
				dims  int
				hook  featureHook
			)
			if v.cfg != nil {
				wc = clustersFor(*v.cfg, tr, extra)
			}
			if v.expand != nil {
				cues = cuesFor(*v.expand, tr, extra)
			}
			if v.dense > 0 {
				dense, dims = denseFor(tr, extra)
			}
			if wc != nil || cues != nil || dense != nil {
				hook = semiHook(wc, v.cw, cues, dense, dims, v.dense)
			}
			o := DefaultOptions()
			if v.seed != 0 {
				o.Seed = v.seed
			} else if sd := os.Getenv("CLASSIFY_TUNE_SEED"); sd != "" {
				o.Seed, _ = strconv.ParseUint(sd, 10, 64)
			}
			if v.self != nil {
				m, err := selfTrain(tr, append(slices.Clip(pool), extra...), o, hook, *v.self)
				if hook != nil && err == nil {
					return refPredictor{m}, nil
				}
				return m, err
			}
			return trainHooked(tr, o, hook)
		}
		cv, err := crossValidate(ex, folds, trainFn)
		if err != nil {
			t.Fatal(err)
		}
		lodo, _ := crossValidate(ex, domains, trainFn)
		t.Logf("%-40s cv5 F1 %.4f  lodo F1 %.4f  mean %.4f  (%v)", v.name, cv.MacroF1, lodo.MacroF1,
			(cv.MacroF1+lodo.MacroF1)/2, time.Since(start).Round(time.Millisecond))
	}
}

// complaintsDevFolds loads complaints dev.csv and returns its examples,
// their stratified 5-fold assignment (seed 1) and their leave-one-domain-
// out assignment: the two cross-validations every tuning harness reports.
func complaintsDevFolds(t *testing.T) (ex []Example, folds, domains []int) {
	t.Helper()
	path := filepath.Join(sharedDataDir(t), "complaints", "dev.csv")
	ex = loadExamples(t, path, "text", "label")
	domains = foldsFromGroups(loadColumn(t, path, "domain"))
	folds, err := stratifiedFolds(ex, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	return ex, folds, domains
}

// seedsCV cross-validates the trainer each seed gives, 5-fold (folds) and
// leave-one-domain-out (domains), and returns the mean macro-F1 of each
// over the seeds, and every seed's pair of scores as text.
func seedsCV(t *testing.T, ex []Example, folds, domains []int, seeds []uint64, trainer func(seed uint64) func([]Example) (Predictor, error)) (cv5, lodo float64, per string) {
	t.Helper()
	var scores []string
	for _, seed := range seeds {
		train := trainer(seed)
		c, err := crossValidate(ex, folds, train)
		if err != nil {
			t.Fatal(err)
		}
		l, err := crossValidate(ex, domains, train)
		if err != nil {
			t.Fatal(err)
		}
		cv5 += c.MacroF1 / float64(len(seeds))
		lodo += l.MacroF1 / float64(len(seeds))
		scores = append(scores, fmt.Sprintf("%.3f/%.3f", c.MacroF1, l.MacroF1))
	}
	return cv5, lodo, strings.Join(scores, " ")
}

// trainHooked trains with an optional feature hook; a hooked model
// predicts through the training-time path, which is the only one that
// runs the hook.
func trainHooked(tr []Example, o Options, hook featureHook) (Predictor, error) {
	m, err := train(tr, nil, o, hook)
	if hook != nil && err == nil {
		return refPredictor{m}, nil
	}
	return m, err
}

// selfTrainConfig sets self-training on unlabeled texts.
type selfTrainConfig struct {
	rounds    int
	minScore  float64 // pseudo-label only predictions at least this sure
	weight    float64 // weight of a pseudo-labelled example
	maxPerCls int     // at most this many pseudo-labels per class (most confident first)
}

// selfTrain trains on tr, pseudo-labels the confident texts of pool and
// retrains on both, rounds times.
func selfTrain(tr []Example, pool []string, opts Options, hook featureHook, cfg selfTrainConfig) (*Model, error) {
	m, err := train(tr, nil, opts, hook)
	if err != nil {
		return nil, err
	}
	for range cfg.rounds {
		type cand struct {
			i     int
			score float64
		}
		byLabel := map[string][]cand{}
		predict := m.Predict
		if hook != nil {
			predict = m.predictReference
		}
		for i, txt := range pool {
			p := predict(txt)
			if p.Score >= cfg.minScore {
				byLabel[p.Label] = append(byLabel[p.Label], cand{i, p.Score})
			}
		}
		all := append([]Example(nil), tr...)
		w := make([]float64, len(tr), len(tr)+len(pool))
		for i := range w {
			w[i] = 1
		}
		for _, l := range m.labels {
			cs := byLabel[l]
			sortCands(cs, func(a, b cand) bool { return a.score > b.score || (a.score == b.score && a.i < b.i) })
			if cfg.maxPerCls > 0 && len(cs) > cfg.maxPerCls {
				cs = cs[:cfg.maxPerCls]
			}
			for _, c := range cs {
				all = append(all, Example{Text: pool[c.i], Label: l})
				w = append(w, cfg.weight)
			}
		}
		m, err = train(all, w, opts, hook)
		if err != nil {
			return nil, err
		}
	}
	return m, nil
}

func sortCands[T any](s []T, less func(a, b T) bool) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && less(s[j], s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// refPredictor predicts through the training-time path (for prototype
// features that Model.Predict does not compute).
type refPredictor struct{ m *Model }

func (r refPredictor) Predict(text string) Prediction { return r.m.predictReference(text) }
