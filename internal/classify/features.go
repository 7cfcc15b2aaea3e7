package classify

import (
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/socialdesk/socialdesk/internal/classify/wordvec"
)

// Special tokens produced by the tokenizer for text spans whose exact
// content rarely generalises between customers.
const (
	tokURL     = "<url>"
	tokMention = "<user>"
	tokNumber  = "<num>"
)

// token is one unit of text produced by tokenize. Word tokens are eligible
// for character n-grams; special tokens (URLs, mentions, numbers,
// punctuation, emoji) are not.
type token struct {
	text string
	word bool
	// breaks is true for punctuation that ends a negation scope.
	breaks bool
}

// isNegator reports whether a word starts a negation scope when
// Options.Negation is enabled.
func isNegator(w string) bool {
	switch w {
	case "not", "no", "never", "nothing", "nobody", "nowhere", "none", "cannot",
		"cant", "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent",
		"wont", "wouldnt", "couldnt", "shouldnt", "havent", "hasnt", "hadnt", "aint":
		return true
	}
	return false
}

// tokenize lowercases text and splits it into tokens. URLs become "<url>",
// @mentions "<user>", numbers "<num>", hashtags their word, runs of "!" or
// "?" become "!" / "!!" and "?" / "??", and emoji or other symbols are kept
// as single-rune tokens. Apostrophes inside words are dropped so that
// "don't" and "dont" are the same word.
func tokenize(text string) []token {
	return appendTokens(make([]token, 0, len(text)/4+1), text)
}

// appendTokens is tokenize appending to toks, so that callers can reuse a
// buffer.
func appendTokens(toks []token, text string) []token {
	text = strings.ToLower(text)
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case unicode.IsSpace(r):
			i += size
		case (r == 'h' || r == 'w') && (strings.HasPrefix(text[i:], "http://") || strings.HasPrefix(text[i:], "https://") || strings.HasPrefix(text[i:], "www.")):
			j := i
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if unicode.IsSpace(r2) {
					break
				}
				j += s2
			}
			toks = append(toks, token{text: tokURL})
			i = j
		case (r == '@' || r == '#') && i+1 < len(text) && isWordRune(runeAt(text, i+1)):
			j := scanWord(text, i+1)
			if r == '@' {
				toks = append(toks, token{text: tokMention})
			} else {
				toks = append(toks, wordToken(text[i+1:j]))
			}
			i = j
		case isWordRune(r):
			j := scanWord(text, i)
			toks = append(toks, wordToken(text[i:j]))
			i = j
		case r == '!' || r == '?':
			j := i
			for j < len(text) && text[j] == byte(r) {
				j++
			}
			t := string(r)
			if j-i > 1 {
				t += t
			}
			toks = append(toks, token{text: t, breaks: true})
			i = j
		case unicode.IsPunct(r):
			// Sentence punctuation is not a feature but ends a negation scope.
			if r == '.' || r == ',' || r == ';' || r == ':' {
				if n := len(toks); n > 0 && !toks[n-1].breaks {
					toks = append(toks, token{breaks: true})
				}
			}
			i += size
		case unicode.IsSymbol(r) || r > 0x2000:
			// Emoji and other symbols; skip variation selectors and joiners.
			if r != 0xFE0F && r != 0x200D {
				toks = append(toks, token{text: text[i : i+size]})
			}
			i += size
		default:
			i += size
		}
	}
	return toks
}

func runeAt(s string, i int) rune {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return r
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiWord[r]
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// asciiWord marks the ASCII letters, digits and underscore.
var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
	}
	return t
}()

// scanWord returns the end of the word starting at i. Apostrophes and
// internal dots or commas between digits are part of a word.
func scanWord(s string, i int) int {
	j := i
	for j < len(s) {
		if c := s[j]; c < utf8.RuneSelf && asciiWord[c] {
			j++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[j:])
		if isWordRune(r) {
			j += size
			continue
		}
		if (r == '\'' || r == '’' || r == '.' || r == ',' || r == ':') && j+size < len(s) {
			next := runeAt(s, j+size)
			prev, _ := utf8.DecodeLastRuneInString(s[:j])
			if (r == '\'' || r == '’') && unicode.IsLetter(next) {
				j += size
				continue
			}
			if unicode.IsDigit(prev) && unicode.IsDigit(next) {
				j += size
				continue
			}
		}
		break
	}
	return j
}

// wordToken normalises a raw word: numbers become "<num>" and apostrophes
// are removed.
func wordToken(w string) token {
	digits, apostrophe := true, false
	for _, r := range w {
		switch {
		case r == '\'' || r == '’':
			apostrophe, digits = true, false
		case digits && !unicode.IsDigit(r) && r != '.' && r != ',' && r != ':':
			digits = false
		}
	}
	if digits {
		return token{text: tokNumber}
	}
	if apostrophe {
		w = strings.Map(func(r rune) rune {
			if r == '\'' || r == '’' {
				return -1
			}
			return r
		}, w)
	}
	return token{text: w, word: true}
}

// FNV-1a constants.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// Namespaces keep word, bigram and character n-gram hashes apart.
const (
	nsWord = 1
	nsBigr = 2
	nsChar = 3
	nsNeg  = 4
	nsCue  = 5
)

// Hash states after the namespace byte, computed once.
var (
	hashWordNS = hashByte(fnvOffset, nsWord)
	hashBigrNS = hashByte(fnvOffset, nsBigr)
	hashCharNS = hashByte(fnvOffset, nsChar)
	hashNegNS  = hashByte(fnvOffset, nsNeg)
	hashCueNS  = hashByte(fnvOffset, nsCue)
)

func hashStr(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func hashByte(h uint64, b byte) uint64 {
	h ^= uint64(b)
	return h * fnvPrime
}

// vector is a sparse feature vector with sorted, unique indices.
type vector struct {
	idx []uint32
	val []float32
}

// featurizer turns text into hashed feature vectors according to a fixed
// configuration. It holds no mutable state and is safe for concurrent use.
type featurizer struct {
	mask       uint32
	wordNGrams int
	charMin    int
	charMax    int
	negation   bool
	cues       bool
	charWeight float64
	// vecs and vecWeight add the mean word vector (see
	// Options.WordVectors) in the rows after the hashed space, which
	// starts at mask+1; vecs is nil when they are not used.
	vecs      *wordvec.Table
	vecWeight float64
	// hook, when not nil, replaces the final step of vectorize: it gets
	// the tokens and the word and character hashes and returns the
	// vector. It exists for experiments in tests, runs only in the
	// training-time path (Predict ignores it, so a model with a hook must
	// be evaluated with the reference path) and is never encoded.
	hook featureHook
}

// featureHook builds a feature vector from the tokens and the hashes that
// appendFeatures produced; see featurizer.hook.
type featureHook func(f featurizer, toks []token, words, chars []uint32) vector

func newFeaturizer(o Options) featurizer {
	return featurizer{
		mask:       uint32(1)<<uint(o.HashBits) - 1,
		wordNGrams: o.WordNGrams,
		charMin:    o.CharMin,
		charMax:    o.CharMax,
		negation:   o.Negation,
		cues:       o.Cues,
		charWeight: o.CharWeight,
	}
}

// rows returns the number of weight rows the features index: the hashed
// space, then one row per word vector dimension when vectors are used.
func (f featurizer) rows() int {
	return int(f.mask) + 1 + f.vecDims()
}

// vecBase returns the first word vector row, or 0 without word vectors.
func (f featurizer) vecBase() int {
	if f.vecs == nil {
		return 0
	}
	return int(f.mask) + 1
}

func (f featurizer) vecDims() int {
	if f.vecs == nil {
		return 0
	}
	return f.vecs.Dims()
}

// split reports whether word and character features are normalised
// separately (CharWeight > 0) rather than together.
func (f featurizer) split() bool {
	return f.charWeight > 0 && f.charMax > 0
}

// vectorize extracts hashed features from text, applies sublinear term
// frequency (1 + ln tf) and normalises the vector to unit L2 length.
func (f featurizer) vectorize(text string) vector {
	toks := tokenize(text)
	words := make([]uint32, 0, 8*len(toks)+8)
	var chars []uint32
	if f.split() {
		chars = make([]uint32, 0, 16*len(toks))
	}
	words, chars = f.appendFeatures(toks, words, chars)
	if f.hook != nil {
		return f.hook(f, toks, words, chars)
	}
	if f.vecs != nil {
		v := normalise(words)
		if f.split() {
			v = merge(v, normalise(chars), float32(f.charWeight))
		}
		sum := make([]float64, f.vecs.Dims())
		if f.meanVector(sum, make([]int32, len(sum)), toks) {
			base := f.mask + 1
			for d, x := range sum {
				v.idx = append(v.idx, base+uint32(d))
				v.val = append(v.val, float32(f.vecWeight*x))
			}
		}
		scaleUnit(v.val)
		return v
	}
	if !f.split() {
		return normalise(words)
	}
	return combine(normalise(words), normalise(chars), float32(f.charWeight))
}

// meanVector sets sum to the unit-length mean of the word vectors of the
// words in toks and reports whether any word had one; q is scratch space
// of the same length, and must be zero.
func (f featurizer) meanVector(sum []float64, q []int32, toks []token) bool {
	found := false
	for _, t := range toks {
		if t.word && f.vecs.Add(q, t.text) {
			found = true
		}
	}
	if !found {
		return false
	}
	f.vecs.Scale(sum, q)
	var norm float64
	for _, x := range sum {
		norm += x * x
	}
	if norm == 0 {
		return false
	}
	inv := 1 / math.Sqrt(norm)
	for d := range sum {
		sum[d] *= inv
	}
	return true
}

// appendFeatures appends the hashed features of toks: word n-grams to
// words, and character n-grams to chars when f.split() or else to words.
// Hashes may repeat; the caller counts them.
func (f featurizer) appendFeatures(toks []token, words, chars []uint32) ([]uint32, []uint32) {
	split := f.split()
	prev := ""
	negLeft := 0
	for _, t := range toks {
		if t.text == "" {
			prev = ""
			negLeft = 0
			continue
		}
		if t.breaks {
			negLeft = 0
		}
		if f.wordNGrams >= 1 {
			h := hashWordNS
			if negLeft > 0 && t.word {
				h = hashNegNS
			}
			words = append(words, uint32(hashStr(h, t.text))&f.mask)
		}
		if f.wordNGrams >= 2 && prev != "" {
			h := hashStr(hashBigrNS, prev)
			h = hashByte(h, ' ')
			words = append(words, uint32(hashStr(h, t.text))&f.mask)
		}
		prev = t.text
		if negLeft > 0 && t.word {
			negLeft--
		}
		if f.negation && isNegator(t.text) {
			negLeft = 3
		}
		if t.word && f.charMax > 0 {
			if split {
				chars = f.appendCharGrams(chars, t.text)
			} else {
				words = f.appendCharGrams(words, t.text)
			}
		}
	}
	if f.cues {
		words = f.appendCues(words, toks)
	}
	return words, chars
}

// combine adds a and b scaled by wb, both sorted by index, and scales the
// sum to unit length.
func combine(a, b vector, wb float32) vector {
	out := merge(a, b, wb)
	scaleUnit(out.val)
	return out
}

// scaleUnit scales v to unit length (a zero vector stays zero).
func scaleUnit(v []float32) {
	var norm float64
	for _, x := range v {
		norm += float64(x) * float64(x)
	}
	if norm > 0 {
		inv := float32(1 / math.Sqrt(norm))
		for k := range v {
			v[k] *= inv
		}
	}
}

// merge returns a + wb*b for vectors sorted by index.
func merge(a, b vector, wb float32) vector {
	out := vector{idx: make([]uint32, 0, len(a.idx)+len(b.idx)), val: make([]float32, 0, len(a.idx)+len(b.idx))}
	i, j := 0, 0
	for i < len(a.idx) || j < len(b.idx) {
		switch {
		case j == len(b.idx) || (i < len(a.idx) && a.idx[i] < b.idx[j]):
			out.idx, out.val = append(out.idx, a.idx[i]), append(out.val, a.val[i])
			i++
		case i == len(a.idx) || b.idx[j] < a.idx[i]:
			out.idx, out.val = append(out.idx, b.idx[j]), append(out.val, wb*b.val[j])
			j++
		default:
			out.idx, out.val = append(out.idx, a.idx[i]), append(out.val, a.val[i]+wb*b.val[j])
			i++
			j++
		}
	}
	return out
}

// appendCharGrams adds the character n-grams of " word " (padded with
// spaces marking the word boundaries) for n in [charMin, charMax]. The
// n-grams that start at the same position share their bytes, so their
// hashes are computed side by side in one pass (independent multiply
// chains), which gives the same hashes as hashing each n-gram alone.
func (f featurizer) appendCharGrams(hashes []uint32, w string) []uint32 {
	if f.charMin == 2 && f.charMax == 5 && len(w) <= 62 {
		var pad [64]byte
		pad[0] = ' '
		ascii := true
		for i := 0; i < len(w); i++ {
			c := w[i]
			ascii = ascii && c < utf8.RuneSelf
			pad[i+1] = c
		}
		pad[len(w)+1] = ' '
		if ascii {
			return f.appendCharGrams25(hashes, pad[:len(w)+2])
		}
	}
	var offBuf [64]int
	offs := offBuf[:0]
	// Rune start offsets within w. In the padded word, position 0 and
	// position n+1 are the (virtual) spaces and position p in 1..n is
	// rune p-1 of w.
	for i := range w {
		offs = append(offs, i)
	}
	offs = append(offs, len(w))
	n := len(offs) - 1    // runes in w
	total := n + 2        // with padding
	var seed, h [9]uint64 // charMax is at most 8
	for size := f.charMin; size <= f.charMax; size++ {
		seed[size] = hashByte(hashCharNS, byte(size))
	}
	for start := 0; start+f.charMin <= total; start++ {
		maxLen := min(f.charMax, total-start)
		copy(h[f.charMin:maxLen+1], seed[f.charMin:maxLen+1])
		for l := 1; l <= maxLen; l++ {
			// Feed padded position p to every n-gram at least l long.
			p := start + l - 1
			from := max(l, f.charMin)
			if p == 0 || p == total-1 {
				for size := from; size <= maxLen; size++ {
					h[size] = hashByte(h[size], ' ')
				}
			} else {
				seg := w[offs[p-1]:offs[p]]
				for size := from; size <= maxLen; size++ {
					h[size] = hashStr(h[size], seg)
				}
			}
			if l >= f.charMin {
				hashes = append(hashes, uint32(h[l])&f.mask)
			}
		}
	}
	return hashes
}

// Hash states after the namespace byte and the size byte of character
// n-grams of 2 to 5 characters.
var (
	hashChar2 = hashByte(hashCharNS, 2)
	hashChar3 = hashByte(hashCharNS, 3)
	hashChar4 = hashByte(hashCharNS, 4)
	hashChar5 = hashByte(hashCharNS, 5)
)

// appendCharGrams25 is appendCharGrams for the default 2..5 range and an
// ASCII word already padded with spaces, where characters are bytes: the
// four n-grams starting at each position are hashed in straight-line code.
func (f featurizer) appendCharGrams25(hashes []uint32, pad []byte) []uint32 {
	const p = fnvPrime
	mask := f.mask
	s2, s3, s4, s5 := hashChar2, hashChar3, hashChar4, hashChar5
	start := 0
	for ; start+5 <= len(pad); start++ {
		q := pad[start : start+5 : start+5]
		b0, b1, b2, b3, b4 := uint64(q[0]), uint64(q[1]), uint64(q[2]), uint64(q[3]), uint64(q[4])
		h2 := ((s2^b0)*p ^ b1) * p
		h3 := (((s3^b0)*p^b1)*p ^ b2) * p
		h4 := ((((s4^b0)*p^b1)*p^b2)*p ^ b3) * p
		h5 := (((((s5^b0)*p^b1)*p^b2)*p^b3)*p ^ b4) * p
		hashes = append(hashes, uint32(h2)&mask, uint32(h3)&mask, uint32(h4)&mask, uint32(h5)&mask)
	}
	// The last starts have fewer than five characters left.
	seeds := [...]uint64{2: s2, 3: s3, 4: s4}
	for ; start+2 <= len(pad); start++ {
		for size := 2; start+size <= len(pad); size++ {
			h := seeds[size]
			for _, c := range pad[start : start+size] {
				h = (h ^ uint64(c)) * p
			}
			hashes = append(hashes, uint32(h)&mask)
		}
	}
	return hashes
}

// sortHashes sorts hashes in place. Short slices use insertion sort,
// longer ones an LSD radix sort on bytes, which is several times faster
// than a comparison sort for the few hundred features of a post.
func sortHashes(h []uint32) {
	if len(h) < 48 {
		slices.Sort(h)
		return
	}
	var maxv uint32
	for _, v := range h {
		maxv = max(maxv, v)
	}
	tmp := make([]uint32, len(h))
	src, dst := h, tmp
	for shift := uint(0); shift < 32 && maxv>>shift != 0; shift += 8 {
		var count [257]int
		for _, v := range src {
			count[(v>>shift)&0xff+1]++
		}
		for i := 1; i < 257; i++ {
			count[i] += count[i-1]
		}
		for _, v := range src {
			b := (v >> shift) & 0xff
			dst[count[b]] = v
			count[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &h[0] {
		copy(h, src)
	}
}

// normalise counts duplicate hashes, applies 1 + ln(count) and scales to
// unit length.
func normalise(hashes []uint32) vector {
	if len(hashes) == 0 {
		return vector{}
	}
	sortHashes(hashes)
	v := vector{idx: make([]uint32, 0, len(hashes)), val: make([]float32, 0, len(hashes))}
	var norm float64
	for i := 0; i < len(hashes); {
		j := i + 1
		for j < len(hashes) && hashes[j] == hashes[i] {
			j++
		}
		x := 1.0
		if j-i > 1 {
			x += math.Log(float64(j - i))
		}
		norm += x * x
		v.idx = append(v.idx, hashes[i])
		v.val = append(v.val, float32(x))
		i = j
	}
	inv := float32(1 / math.Sqrt(norm))
	for i := range v.val {
		v.val[i] *= inv
	}
	return v
}
