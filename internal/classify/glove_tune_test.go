package classify

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// loadGlove reads word vectors in the GloVe text format ("word v1 v2 ...")
// and returns the words in file order (most frequent first) and their
// vectors, at most limit of them.
func loadGlove(t testing.TB, path string, limit int) ([]string, [][]float32) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var words []string
	var vecs [][]float32
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() && len(words) < limit {
		parts := strings.Fields(sc.Text())
		v := make([]float32, len(parts)-1)
		for i, p := range parts[1:] {
			x, err := strconv.ParseFloat(p, 32)
			if err != nil {
				t.Fatal(err)
			}
			v[i] = float32(x)
		}
		words = append(words, parts[0])
		vecs = append(vecs, v)
	}
	return words, vecs
}

// TestTuneGlove compares ways of using pretrained word vectors by 5-fold
// and leave-one-domain-out cross-validation on complaints dev only, each
// with three seeds: the embedded table (Options.WordVectors) at a few
// weights and, when CLASSIFY_GLOVE names a GloVe text file (see
// wordvec/mkwordvec for where the vectors come from), variants built from
// the full vectors through featurizer.hook: raw, unit-length and
// frequency-weighted means, more words (CLASSIFY_GLOVE_N), word clusters,
// and VADER sentiment words as cues (CLASSIFY_VADER names
// vader_lexicon.txt). docs/classifier.md has the results.
//
// It runs only with CLASSIFY_TUNE=1; CLASSIFY_TUNE_ONLY selects rows as in
// TestTuneUnlabeled.
func TestTuneGlove(t *testing.T) {
	if os.Getenv("CLASSIFY_TUNE") == "" {
		t.Skip("set CLASSIFY_TUNE=1 to run the cross-validation search")
	}
	path := os.Getenv("CLASSIFY_GLOVE")
	ex, folds, domains := complaintsDevFolds(t)
	limit := 100000
	if s := os.Getenv("CLASSIFY_GLOVE_N"); s != "" {
		limit, _ = strconv.Atoi(s)
	}
	var words []string
	var vecs [][]float32
	dims := 0
	if path != "" {
		words, vecs = loadGlove(t, path, limit)
		dims = len(vecs[0])
	}
	dense := make(map[string][]float32, len(words))
	for i, w := range words {
		dense[w] = vecs[i]
	}
	// Variants of the table: each word vector scaled to unit length, and
	// scaled by smooth inverse frequency a/(a+p(w)) with p(w) from the
	// word's frequency rank (Zipf).
	unit := make(map[string][]float32, len(words))
	sif := map[float64]map[string][]float32{}
	for i, w := range words {
		var n float64
		for _, x := range vecs[i] {
			n += float64(x) * float64(x)
		}
		u := make([]float32, dims)
		for d, x := range vecs[i] {
			u[d] = x / float32(math.Sqrt(n))
		}
		unit[w] = u
	}
	for _, a := range []float64{1e-3, 1e-4} {
		m := make(map[string][]float32, len(words))
		h := math.Log(float64(len(words))) + 0.5772
		for i, w := range words {
			p := 1 / (float64(i+1) * h)
			f := float32(a / (a + p))
			u := make([]float32, dims)
			for d, x := range vecs[i] {
				u[d] = x * f
			}
			m[w] = u
		}
		sif[a] = m
	}
	// Unit vectors of the cluster vocabulary: word-like entries among the
	// most frequent.
	clusterN := 30000
	if s := os.Getenv("CLASSIFY_GLOVE_CLUSTER_N"); s != "" {
		clusterN, _ = strconv.Atoi(s)
	}
	var cvocab []string
	var cemb []float64
	for i, w := range words {
		if len(cvocab) == clusterN {
			break
		}
		if !isClusterWord(w) {
			continue
		}
		cvocab = append(cvocab, w)
		row := make([]float64, dims)
		for d, x := range vecs[i] {
			row[d] = float64(x)
		}
		normaliseDense(row)
		cemb = append(cemb, row...)
	}
	clusterCache := map[string]*wordClusters{}
	clusters := func(sizes []int) *wordClusters {
		key := fmt.Sprint(sizes)
		if wc, ok := clusterCache[key]; ok {
			return wc
		}
		start := time.Now()
		ids := make([][]uint16, len(cvocab))
		for i := range ids {
			ids[i] = make([]uint16, len(sizes))
		}
		for g, k := range sizes {
			for i, a := range sphericalKMeans(cemb, dims, k, 12, uint64(1+g)) {
				ids[i][g] = uint16(a)
			}
		}
		// newWordClusters wants the words sorted.
		order := make([]int, len(cvocab))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int { return strings.Compare(cvocab[a], cvocab[b]) })
		sw := make([]string, len(order))
		sid := make([][]uint16, len(order))
		for j, i := range order {
			sw[j], sid[j] = cvocab[i], ids[i]
		}
		wc := newWordClusters(slices.Clone(sizes), sw, sid)
		t.Logf("clusters %v over %d words in %v", sizes, len(cvocab), time.Since(start).Round(time.Millisecond))
		clusterCache[key] = wc
		return wc
	}

	type variant struct {
		name  string
		sizes []int   // clusters, nil: none
		cw    float64 // cluster block weight, 0: in the word block
		dense float32
		vader float64 // VADER words at least this strong join the sentiment cues
		table string  // "", "unit", "sif3", "sif4"
		vw    float64 // Options.WordVectors (the embedded table)
		maxw  float32 // weight of the element-wise max and min of the unit word vectors
		exp   *[2]int // cue lists extended to GloVe neighbours: k, votes
	}
	variants := []variant{{name: "baseline (no word vectors)"}}
	for _, mw := range []float32{0.5, 1} {
		variants = append(variants, variant{name: fmt.Sprintf("unit mean 1 + max/min %g", mw), table: "unit", dense: 1, maxw: mw})
	}
	for _, kv := range [][2]int{{10, 4}, {10, 6}, {20, 8}} {
		variants = append(variants, variant{name: fmt.Sprintf("unit mean 1 + glove cue expansion k%d votes%d", kv[0], kv[1]), table: "unit", dense: 1, exp: &kv})
	}
	for _, vw := range []float64{0.5, 1, 1.5} {
		variants = append(variants, variant{name: fmt.Sprintf("embedded table %g", vw), vw: vw})
	}
	for _, tb := range []string{"unit", "sif3", "sif4"} {
		for _, dw := range []float32{0.5, 1, 1.5} {
			variants = append(variants, variant{name: fmt.Sprintf("table %s mean %g", tb, dw), table: tb, dense: dw})
		}
	}
	for _, th := range []float64{0.5, 1, 1.5, 2} {
		variants = append(variants, variant{name: fmt.Sprintf("vader cues %g", th), vader: th})
		variants = append(variants, variant{name: fmt.Sprintf("vader cues %g + glove mean 1", th), vader: th, dense: 1})
	}
	for _, dw := range []float32{1, 2, 3, 5} {
		variants = append(variants, variant{name: fmt.Sprintf("glove mean %g", dw), dense: dw})
	}
	for _, sz := range [][]int{{256}, {1024}, {64, 256, 1024}} {
		variants = append(variants, variant{name: fmt.Sprintf("glove clusters %v word block", sz), sizes: sz})
		for _, cw := range []float64{0.25, 0.5} {
			variants = append(variants, variant{name: fmt.Sprintf("glove clusters %v block %g", sz, cw), sizes: sz, cw: cw})
		}
	}
	variants = append(variants, variant{name: "glove clusters [256 1024] block 0.5 + mean 0.5", sizes: []int{256, 1024}, cw: 0.5, dense: 0.5})
	only := os.Getenv("CLASSIFY_TUNE_ONLY")
	seeds := tuneSeeds(t)
	for _, v := range variants {
		if only != "" && !slices.ContainsFunc(strings.Split(only, "|"), func(o string) bool { return strings.Contains(v.name, o) }) {
			continue
		}
		if path == "" && (v.dense > 0 || v.sizes != nil) || os.Getenv("CLASSIFY_VADER") == "" && v.vader > 0 {
			continue
		}
		var hook featureHook
		var wc *wordClusters
		if v.sizes != nil {
			wc = clusters(v.sizes)
		}
		var dm map[string][]float32
		if v.dense > 0 {
			switch v.table {
			case "unit":
				dm = unit
			case "sif3":
				dm = sif[1e-3]
			case "sif4":
				dm = sif[1e-4]
			default:
				dm = dense
			}
		}
		var extra map[string]uint8
		if v.vader > 0 {
			extra = vaderCues(t, os.Getenv("CLASSIFY_VADER"), v.vader)
		}
		if v.exp != nil {
			extra = gloveCues(cvocab, cemb, dims, v.exp[0], v.exp[1])
			t.Logf("cue expansion k%d votes%d: %d words", v.exp[0], v.exp[1], len(extra))
		}
		if wc != nil || dm != nil || extra != nil {
			hook = semiHook(wc, v.cw, extra, dm, dims, v.dense)
		}
		if v.maxw > 0 {
			hook = maxMinHook(hook, unit, dims, v.maxw)
		}
		start := time.Now()
		cv5, lodo, per := seedsCV(t, ex, folds, domains, seeds, func(seed uint64) func([]Example) (Predictor, error) {
			return func(tr []Example) (Predictor, error) {
				o := DefaultOptions()
				o.Seed = seed
				o.WordVectors = v.vw
				return trainHooked(tr, o, hook)
			}
		})
		t.Logf("%-48s cv5 %.4f lodo %.4f mean %.4f  [%s] (%v)", v.name, cv5, lodo, (cv5+lodo)/2, per, time.Since(start).Round(time.Second))
	}
}

// vaderCues reads the VADER lexicon and returns its words of at least the
// given strength that the hand-written lists lack, as sentiment cues.
func vaderCues(t testing.TB, path string, th float64) map[string]uint8 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint8{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, "\t")
		if len(f) < 2 {
			continue
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			continue
		}
		toks := tokenize(f[0])
		if len(toks) != 1 || !toks[0].word {
			continue
		}
		w := toks[0].text
		if cueWords[w]&(cueNegative|cuePositive) != 0 {
			continue
		}
		switch {
		case v <= -th:
			out[w] = cueNegative
		case v >= th:
			out[w] = cuePositive
		}
	}
	if len(out) == 0 {
		t.Fatal("no VADER words read")
	}
	return out
}

// gloveCues extends the cue lists to GloVe neighbours (expandCues over the
// cluster vocabulary), cached per setting.
var gloveCueCache = map[[2]int]map[string]uint8{}

func gloveCues(vocab []string, emb []float64, dims, k, votes int) map[string]uint8 {
	key := [2]int{k, votes}
	if c, ok := gloveCueCache[key]; ok {
		return c
	}
	c := expandCues(vocab, emb, dims, k, votes)
	gloveCueCache[key] = c
	return c
}

// maxMinHook adds the element-wise maximum and minimum of the post's unit
// word vectors, weighted by w, to what base returns (then scaled to unit
// length again).
func maxMinHook(base featureHook, unit map[string][]float32, dims int, w float32) featureHook {
	return func(f featurizer, toks []token, words, chars []uint32) vector {
		v := base(f, toks, words, chars)
		hi := make([]float64, dims)
		lo := make([]float64, dims)
		n := 0
		for _, t := range toks {
			e, ok := unit[t.text]
			if !ok || !t.word {
				continue
			}
			for d, x := range e {
				if n == 0 || float64(x) > hi[d] {
					hi[d] = float64(x)
				}
				if n == 0 || float64(x) < lo[d] {
					lo[d] = float64(x)
				}
			}
			n++
		}
		if n == 0 {
			return v
		}
		var extra vector
		for d := range dims {
			for j, x := range [2]float64{hi[d], lo[d]} {
				i := uint32(hashByte(hashByte(hashByte(fnvOffset, 8), byte(j)), byte(d))) & f.mask
				extra.idx = append(extra.idx, i)
				extra.val = append(extra.val, float32(x))
			}
		}
		sortVec(&extra)
		v = addVectors(v, extra, w/float32(math.Sqrt(float64(dims))))
		scaleUnit(v.val)
		return v
	}
}

func sortVec(v *vector) {
	idx := make([]int, len(v.idx))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return int(v.idx[a]) - int(v.idx[b]) })
	ni, nv := make([]uint32, 0, len(idx)), make([]float32, 0, len(idx))
	for _, i := range idx {
		if n := len(ni); n > 0 && ni[n-1] == v.idx[i] {
			nv[n-1] += v.val[i]
			continue
		}
		ni, nv = append(ni, v.idx[i]), append(nv, v.val[i])
	}
	v.idx, v.val = ni, nv
}
