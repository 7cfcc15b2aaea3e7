package classify

import (
	"fmt"
	"math"
)

// NaiveBayes is a multinomial naive Bayes classifier over word unigrams
// and bigrams with Laplace (add-one) smoothing. It is the baseline the
// softmax Model is compared against.
type NaiveBayes struct {
	labels   []string
	logPrior []float64
	// logProb maps a term to its log probability under each label.
	logProb map[string][]float64
	// logUnseen is the log probability of a term never seen with a label.
	logUnseen []float64
}

// nbTerms returns the word unigrams and bigrams of text, using the same
// tokenizer as the Model.
func nbTerms(text string) []string {
	toks := tokenize(text)
	terms := make([]string, 0, 2*len(toks))
	prev := ""
	for _, t := range toks {
		if t.text == "" {
			prev = ""
			continue
		}
		terms = append(terms, t.text)
		if prev != "" {
			terms = append(terms, prev+" "+t.text)
		}
		prev = t.text
	}
	return terms
}

// TrainNaiveBayes fits a multinomial naive Bayes model on examples. At
// least two distinct labels are required.
func TrainNaiveBayes(examples []Example) (*NaiveBayes, error) {
	if len(examples) == 0 {
		return nil, ErrNoExamples
	}
	labels := labelSet(examples)
	if len(labels) < 2 {
		return nil, fmt.Errorf("classify: need at least two labels, got %d", len(labels))
	}
	index := make(map[string]int, len(labels))
	for i, l := range labels {
		index[l] = i
	}
	k := len(labels)
	docs := make([]float64, k)
	totals := make([]float64, k)
	counts := map[string][]float64{}
	for _, e := range examples {
		c := index[e.Label]
		docs[c]++
		for _, t := range nbTerms(e.Text) {
			row, ok := counts[t]
			if !ok {
				row = make([]float64, k)
				counts[t] = row
			}
			row[c]++
			totals[c]++
		}
	}
	vocab := float64(len(counts))
	nb := &NaiveBayes{
		labels:    labels,
		logPrior:  make([]float64, k),
		logProb:   make(map[string][]float64, len(counts)),
		logUnseen: make([]float64, k),
	}
	for c := range k {
		nb.logPrior[c] = math.Log(docs[c] / float64(len(examples)))
		nb.logUnseen[c] = math.Log(1 / (totals[c] + vocab))
	}
	for t, row := range counts {
		lp := make([]float64, k)
		for c := range k {
			lp[c] = math.Log((row[c] + 1) / (totals[c] + vocab))
		}
		nb.logProb[t] = lp
	}
	return nb, nil
}

// Predict classifies text. Terms never seen in training are ignored.
func (nb *NaiveBayes) Predict(text string) Prediction {
	scores := make([]float64, len(nb.labels))
	copy(scores, nb.logPrior)
	for _, t := range nbTerms(text) {
		lp, ok := nb.logProb[t]
		if !ok {
			continue
		}
		for c, v := range lp {
			scores[c] += v
		}
	}
	softmax(scores)
	return makePrediction(nb.labels, scores)
}

// Labels returns the labels the model knows, in sorted order.
func (nb *NaiveBayes) Labels() []string {
	return append([]string(nil), nb.labels...)
}
