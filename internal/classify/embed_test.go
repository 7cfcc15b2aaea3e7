package classify

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
)

// Word clusters learned from unlabeled text. Every word of the vocabulary
// gets a cluster number at a few granularities; with clusters, a word adds
// one hashed feature per granularity ("cluster 17 of 200") to the word
// block, so that what the model learns about "crashed" carries over to a
// word used in the same contexts ("froze") that the labelled data never
// had.
//
// The clusters come from distributional word vectors: positive pointwise
// mutual information (PPMI) of word and context counts in a window, reduced
// by a randomised truncated SVD, then spherical k-means per granularity.

// hashClusterNS is the hash namespace of cluster features.
var hashClusterNS = hashByte(fnvOffset, 6)

// clusterConfig sets how clusters are learned.
type clusterConfig struct {
	minCount int   // a word needs this many occurrences to get clusters
	contexts int   // number of most frequent tokens used as contexts
	window   int   // context window on each side
	dims     int   // SVD dimensions kept
	sizes    []int // number of clusters per granularity
	iters    int   // k-means iterations
	seed     uint64
}

func defaultClusterConfig() clusterConfig {
	return clusterConfig{minCount: 5, contexts: 4000, window: 3, dims: 64, sizes: []int{64, 256, 1024}, iters: 12, seed: 1}
}

// wordClusters holds the cluster numbers of the vocabulary and the feature
// hashes (unmasked) that Predict adds per word.
type wordClusters struct {
	sizes []int
	words []string   // sorted
	ids   [][]uint16 // ids[i][g]: cluster of words[i] at granularity g
	hash  map[string][]uint32
}

// newWordClusters builds the lookup table from words and their ids.
func newWordClusters(sizes []int, words []string, ids [][]uint16) *wordClusters {
	wc := &wordClusters{sizes: sizes, words: words, ids: ids, hash: make(map[string][]uint32, len(words))}
	base := make([]uint64, len(sizes))
	for g, k := range sizes {
		base[g] = hashByte(hashStr(hashClusterNS, strconv.Itoa(k)), ':')
	}
	flat := make([]uint32, len(words)*len(sizes))
	for i, w := range words {
		hs := flat[i*len(sizes) : (i+1)*len(sizes) : (i+1)*len(sizes)]
		for g := range sizes {
			hs[g] = uint32(hashStr(base[g], strconv.Itoa(int(ids[i][g]))))
		}
		wc.hash[w] = hs
	}
	return wc
}

// learnClusters learns word clusters from texts.
func learnClusters(texts []string, cfg clusterConfig) *wordClusters {
	vocab, emb := learnEmbeddings(texts, cfg)
	if vocab == nil {
		return nil
	}
	ids := make([][]uint16, len(vocab))
	for i := range ids {
		ids[i] = make([]uint16, len(cfg.sizes))
	}
	for g, k := range cfg.sizes {
		assign := sphericalKMeans(emb, cfg.dims, k, cfg.iters, cfg.seed+uint64(g))
		for i, a := range assign {
			ids[i][g] = uint16(a)
		}
	}
	return newWordClusters(slices.Clone(cfg.sizes), vocab, ids)
}

// learnEmbeddings returns the vocabulary (sorted) and the unit-length word
// vectors (row-major, cfg.dims per word) learned from texts.
func learnEmbeddings(texts []string, cfg clusterConfig) ([]string, []float64) {
	// Count tokens.
	counts := map[string]int{}
	docs := make([][]string, 0, len(texts))
	var toks []token
	for _, t := range texts {
		toks = appendTokens(toks[:0], t)
		var d []string
		for _, tk := range toks {
			if tk.text == "" {
				continue
			}
			d = append(d, tk.text)
			counts[tk.text]++
		}
		docs = append(docs, d)
	}
	// Vocabulary: word tokens (letters/digits) seen minCount times;
	// contexts: the most frequent tokens of any kind.
	var vocab []string
	all := make([]string, 0, len(counts))
	for w, n := range counts {
		all = append(all, w)
		if n >= cfg.minCount && isClusterWord(w) {
			vocab = append(vocab, w)
		}
	}
	slices.Sort(vocab)
	if len(vocab) < 2 {
		return nil, nil
	}
	slices.SortFunc(all, func(a, b string) int {
		if counts[a] != counts[b] {
			return counts[b] - counts[a]
		}
		if a < b {
			return -1
		}
		return 1
	})
	if len(all) > cfg.contexts {
		all = all[:cfg.contexts]
	}
	vIdx := make(map[string]int, len(vocab))
	for i, w := range vocab {
		vIdx[w] = i
	}
	cIdx := make(map[string]int, len(all))
	for i, w := range all {
		cIdx[w] = i
	}
	// Co-occurrence counts, weighted 1/distance.
	rows := make([]map[int32]float64, len(vocab))
	for i := range rows {
		rows[i] = map[int32]float64{}
	}
	for _, d := range docs {
		for i, w := range d {
			r, ok := vIdx[w]
			if !ok {
				continue
			}
			for j := max(0, i-cfg.window); j <= min(len(d)-1, i+cfg.window); j++ {
				if j == i {
					continue
				}
				if c, ok := cIdx[d[j]]; ok {
					dist := i - j
					if dist < 0 {
						dist = -dist
					}
					rows[r][int32(c)] += 1 / float64(dist)
				}
			}
		}
	}
	// PPMI with context distribution smoothing (alpha 0.75).
	rowSum := make([]float64, len(vocab))
	colSum := make([]float64, len(all))
	var total float64
	for r, row := range rows {
		for c, v := range row {
			rowSum[r] += v
			colSum[c] += v
			total += v
		}
	}
	var colAlpha float64
	pc := make([]float64, len(all))
	for c, v := range colSum {
		pc[c] = math.Pow(v, 0.75)
		colAlpha += pc[c]
	}
	for c := range pc {
		pc[c] /= colAlpha
	}
	m := make([]sparseRow, len(vocab))
	for r, row := range rows {
		keys := make([]int32, 0, len(row))
		for c := range row {
			keys = append(keys, c)
		}
		slices.Sort(keys)
		for _, c := range keys {
			pmi := math.Log(row[c] / total / (rowSum[r] / total * pc[c]))
			if pmi > 0 {
				m[r].idx = append(m[r].idx, c)
				m[r].val = append(m[r].val, pmi)
			}
		}
	}
	return vocab, randomizedSVD(m, len(all), cfg.dims, cfg.seed)
}

// expandCues returns cue categories for vocabulary words that are not in
// the hand-written lists: a word joins a category when at least minVotes
// of its k nearest neighbours (cosine of the word vectors) are in that
// category's list. Only the sentiment and problem categories are expanded
// (negative, positive, problem, request).
func expandCues(vocab []string, emb []float64, dims, k, minVotes int) map[string]uint8 {
	const expandable = cueNegative | cuePositive | cueProblem | cueRequest
	out := map[string]uint8{}
	n := len(vocab)
	sims := make([]float64, n)
	order := make([]int, n)
	for i, w := range vocab {
		if cueWords[w] != 0 || len([]rune(w)) < 3 {
			continue
		}
		e := emb[i*dims : (i+1)*dims]
		for j := range n {
			var s float64
			for t, v := range emb[j*dims : (j+1)*dims] {
				s += v * e[t]
			}
			sims[j] = s
			order[j] = j
		}
		sims[i] = math.Inf(-1)
		// Partial selection of the k most similar.
		for a := 0; a < k && a < n; a++ {
			best := a
			for b := a + 1; b < n; b++ {
				if sims[order[b]] > sims[order[best]] {
					best = b
				}
			}
			order[a], order[best] = order[best], order[a]
		}
		var votes [8]int
		for _, j := range order[:min(k, n)] {
			c := cueWords[vocab[j]] & expandable
			for b := range 8 {
				if c&(1<<b) != 0 {
					votes[b]++
				}
			}
		}
		var c uint8
		for b := range 8 {
			if votes[b] >= minVotes {
				c |= 1 << b
			}
		}
		if c != 0 {
			out[w] = c
		}
	}
	return out
}

// isClusterWord reports whether a token is a word (not a placeholder,
// punctuation or a symbol).
func isClusterWord(w string) bool {
	if w == "" || w[0] == '<' {
		return false
	}
	for _, r := range w {
		if isWordRune(r) {
			return true
		}
	}
	return false
}

type sparseRow struct {
	idx []int32
	val []float64
}

// semiHook returns a feature hook (see featurizer.hook) that adds what
// was learned from unlabeled text: cluster features of each word (in the
// word block when clusterWeight is 0, else as a block of their own with
// that weight), cue features for words given cue categories by expandCues,
// and the post's mean word vector scaled to denseWeight.
func semiHook(wc *wordClusters, clusterWeight float64, extraCues map[string]uint8, dense map[string][]float32, dims int, denseWeight float32) featureHook {
	return func(f featurizer, toks []token, words, chars []uint32) vector {
		var clus []uint32
		for _, t := range toks {
			if !t.word {
				continue
			}
			if c := extraCues[t.text]; c != 0 && f.cues {
				for i, h := range cueHashes {
					if c&(1<<i) != 0 {
						words = append(words, h&f.mask)
					}
				}
			}
			if wc != nil {
				for _, h := range wc.hash[t.text] {
					if clusterWeight == 0 {
						words = append(words, h&f.mask)
					} else {
						clus = append(clus, h&f.mask)
					}
				}
			}
		}
		v := normalise(words)
		if f.split() {
			v = addVectors(v, normalise(chars), float32(f.charWeight))
		}
		if len(clus) > 0 {
			v = addVectors(v, normalise(clus), float32(clusterWeight))
		}
		if dense != nil {
			v = addVectors(v, denseVector(f, toks, dense, dims), denseWeight)
		}
		var norm float64
		for _, x := range v.val {
			norm += float64(x) * float64(x)
		}
		if norm > 0 {
			inv := float32(1 / math.Sqrt(norm))
			for i := range v.val {
				v.val[i] *= inv
			}
		}
		return v
	}
}

// addVectors returns a + wb*b for vectors sorted by index.
func addVectors(a, b vector, wb float32) vector {
	out := vector{idx: slices.Clone(a.idx), val: slices.Clone(a.val)}
	for j, i := range b.idx {
		k, found := slices.BinarySearch(out.idx, i)
		if found {
			out.val[k] += wb * b.val[j]
			continue
		}
		out.idx = slices.Insert(out.idx, k, i)
		out.val = slices.Insert(out.val, k, wb*b.val[j])
	}
	return out
}

// denseVector returns the unit-length mean word vector of toks as a sorted
// sparse vector on hashed indices.
func denseVector(f featurizer, toks []token, dense map[string][]float32, dims int) vector {
	sum := make([]float64, dims)
	n := 0
	for _, t := range toks {
		if e, ok := dense[t.text]; ok && t.word {
			for i, x := range e {
				sum[i] += float64(x)
			}
			n++
		}
	}
	if n == 0 {
		return vector{}
	}
	normaliseDense(sum)
	var out vector
	for d, x := range sum {
		i := uint32(hashByte(hashByte(fnvOffset, 7), byte(d))) & f.mask
		k, found := slices.BinarySearch(out.idx, i)
		if found {
			out.val[k] += float32(x)
			continue
		}
		out.idx = slices.Insert(out.idx, k, i)
		out.val = slices.Insert(out.val, k, float32(x))
	}
	return out
}

// randomizedSVD returns, for each row of the sparse matrix m (with cols
// columns), its coordinates on the top dims left singular vectors scaled by
// the square root of the singular values, normalised to unit length; the
// result is row-major, dims per row.
func randomizedSVD(m []sparseRow, cols, dims int, seed uint64) []float64 {
	n := len(m)
	l := dims + 16 // oversampling
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	omega := make([]float64, cols*l)
	for i := range omega {
		omega[i] = rng.NormFloat64()
	}
	// y = M * x for x cols×l, and z = Mᵀ * y.
	mul := func(x []float64) []float64 {
		y := make([]float64, n*l)
		for r, row := range m {
			yr := y[r*l : r*l+l]
			for j, c := range row.idx {
				v := row.val[j]
				xc := x[int(c)*l : int(c)*l+l]
				for t := range yr {
					yr[t] += v * xc[t]
				}
			}
		}
		return y
	}
	mulT := func(y []float64) []float64 {
		z := make([]float64, cols*l)
		for r, row := range m {
			yr := y[r*l : r*l+l]
			for j, c := range row.idx {
				v := row.val[j]
				zc := z[int(c)*l : int(c)*l+l]
				for t := range zc {
					zc[t] += v * yr[t]
				}
			}
		}
		return z
	}
	y := mul(omega)
	for range 2 {
		orthonormalColumns(y, n, l)
		y = mul(mulT(y))
	}
	orthonormalColumns(y, n, l)
	// B = Qᵀ M (l×cols); G = B Bᵀ (l×l).
	bt := mulT(y) // cols×l, = Bᵀ
	g := make([]float64, l*l)
	for c := range cols {
		row := bt[c*l : c*l+l]
		for a := range l {
			if row[a] == 0 {
				continue
			}
			for b := a; b < l; b++ {
				g[a*l+b] += row[a] * row[b]
			}
		}
	}
	for a := range l {
		for b := range a {
			g[a*l+b] = g[b*l+a]
		}
	}
	vals, vecs := jacobiEigen(g, l)
	order := make([]int, l)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		switch {
		case vals[a] > vals[b]:
			return -1
		case vals[a] < vals[b]:
			return 1
		}
		return a - b
	})
	// E = Q U diag(s^0.5) with s = sqrt(eigenvalue).
	emb := make([]float64, n*dims)
	for r := range n {
		q := y[r*l : r*l+l]
		e := emb[r*dims : r*dims+dims]
		for t := range dims {
			col := order[t]
			var s float64
			for a := range l {
				s += q[a] * vecs[a*l+col]
			}
			e[t] = s * math.Pow(max(vals[col], 0), 0.25)
		}
		normaliseDense(e)
	}
	return emb
}

func normaliseDense(e []float64) {
	var s float64
	for _, v := range e {
		s += v * v
	}
	if s > 0 {
		inv := 1 / math.Sqrt(s)
		for i := range e {
			e[i] *= inv
		}
	}
}

// orthonormalColumns applies modified Gram-Schmidt to the columns of the
// row-major n×l matrix y.
func orthonormalColumns(y []float64, n, l int) {
	for a := range l {
		for b := range a {
			var dot float64
			for r := range n {
				dot += y[r*l+a] * y[r*l+b]
			}
			for r := range n {
				y[r*l+a] -= dot * y[r*l+b]
			}
		}
		var s float64
		for r := range n {
			s += y[r*l+a] * y[r*l+a]
		}
		inv := 0.0
		if s > 1e-300 {
			inv = 1 / math.Sqrt(s)
		}
		for r := range n {
			y[r*l+a] *= inv
		}
	}
}

// jacobiEigen returns the eigenvalues and eigenvectors (columns of the
// row-major n×n result) of the symmetric matrix a, by cyclic Jacobi
// rotations.
func jacobiEigen(a []float64, n int) ([]float64, []float64) {
	a = slices.Clone(a)
	v := make([]float64, n*n)
	for i := range n {
		v[i*n+i] = 1
	}
	for sweep := 0; sweep < 50; sweep++ {
		var off float64
		for p := range n {
			for q := p + 1; q < n; q++ {
				off += a[p*n+q] * a[p*n+q]
			}
		}
		if off < 1e-22 {
			break
		}
		for p := range n {
			for q := p + 1; q < n; q++ {
				apq := a[p*n+q]
				if math.Abs(apq) < 1e-300 {
					continue
				}
				theta := (a[q*n+q] - a[p*n+p]) / (2 * apq)
				t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for k := range n {
					akp, akq := a[k*n+p], a[k*n+q]
					a[k*n+p] = c*akp - s*akq
					a[k*n+q] = s*akp + c*akq
				}
				for k := range n {
					apk, aqk := a[p*n+k], a[q*n+k]
					a[p*n+k] = c*apk - s*aqk
					a[q*n+k] = s*apk + c*aqk
				}
				for k := range n {
					vkp, vkq := v[k*n+p], v[k*n+q]
					v[k*n+p] = c*vkp - s*vkq
					v[k*n+q] = s*vkp + c*vkq
				}
			}
		}
	}
	vals := make([]float64, n)
	for i := range n {
		vals[i] = a[i*n+i]
	}
	return vals, v
}

// sphericalKMeans clusters the unit rows of emb (dims each) into k groups
// by cosine similarity and returns each row's group.
func sphericalKMeans(emb []float64, dims, k, iters int, seed uint64) []int {
	n := len(emb) / dims
	if k > n {
		k = n
	}
	rng := rand.New(rand.NewPCG(seed, 0xc1a5))
	cent := make([]float64, k*dims)
	for i, r := range rng.Perm(n)[:k] {
		copy(cent[i*dims:(i+1)*dims], emb[r*dims:(r+1)*dims])
	}
	assign := make([]int, n)
	for it := 0; it <= iters; it++ {
		changed := 0
		for r := range n {
			e := emb[r*dims : (r+1)*dims]
			best, bestSim := 0, math.Inf(-1)
			for c := range k {
				ce := cent[c*dims : (c+1)*dims]
				var s float64
				for t, v := range e {
					s += v * ce[t]
				}
				if s > bestSim {
					best, bestSim = c, s
				}
			}
			if assign[r] != best || it == 0 {
				changed++
			}
			assign[r] = best
		}
		if it == iters || changed == 0 {
			break
		}
		clear(cent)
		sizes := make([]int, k)
		for r, c := range assign {
			sizes[c]++
			ce := cent[c*dims : (c+1)*dims]
			for t, v := range emb[r*dims : (r+1)*dims] {
				ce[t] += v
			}
		}
		for c := range k {
			if sizes[c] == 0 { // empty cluster: restart at a random row
				r := rng.IntN(n)
				copy(cent[c*dims:(c+1)*dims], emb[r*dims:(r+1)*dims])
				continue
			}
			normaliseDense(cent[c*dims : (c+1)*dims])
		}
	}
	return assign
}
