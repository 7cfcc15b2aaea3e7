package classify

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// ClassMetrics holds precision, recall and F1 for one label.
type ClassMetrics struct {
	Precision float64
	Recall    float64
	F1        float64
	// Support is the number of examples whose true label is this label.
	Support int
}

// Metrics summarises a classifier's predictions against true labels.
type Metrics struct {
	// N is the number of examples scored.
	N int
	// Accuracy is the fraction of correct predictions.
	Accuracy float64
	// MacroF1 is the unweighted mean F1 over the labels that occur in the
	// true labels or the predictions.
	MacroF1 float64
	// PerClass maps each label to its metrics.
	PerClass map[string]ClassMetrics
}

// Evaluate scores predictor p on examples.
func Evaluate(p Predictor, examples []Example) Metrics {
	gold := make([]string, len(examples))
	pred := make([]string, len(examples))
	for i, e := range examples {
		gold[i] = e.Label
		pred[i] = p.Predict(e.Text).Label
	}
	return score(gold, pred)
}

// score computes Metrics from parallel slices of true and predicted labels.
func score(gold, pred []string) Metrics {
	tp := map[string]int{}
	fp := map[string]int{}
	fn := map[string]int{}
	labels := map[string]bool{}
	correct := 0
	for i := range gold {
		labels[gold[i]] = true
		labels[pred[i]] = true
		if gold[i] == pred[i] {
			tp[gold[i]]++
			correct++
		} else {
			fp[pred[i]]++
			fn[gold[i]]++
		}
	}
	m := Metrics{N: len(gold), PerClass: make(map[string]ClassMetrics, len(labels))}
	if len(gold) == 0 {
		return m
	}
	m.Accuracy = float64(correct) / float64(len(gold))
	for l := range labels {
		var cm ClassMetrics
		cm.Support = tp[l] + fn[l]
		if d := tp[l] + fp[l]; d > 0 {
			cm.Precision = float64(tp[l]) / float64(d)
		}
		if cm.Support > 0 {
			cm.Recall = float64(tp[l]) / float64(cm.Support)
		}
		if s := cm.Precision + cm.Recall; s > 0 {
			cm.F1 = 2 * cm.Precision * cm.Recall / s
		}
		m.PerClass[l] = cm
		m.MacroF1 += cm.F1
	}
	m.MacroF1 /= float64(len(labels))
	return m
}

// CrossValidate estimates the performance of Train with opts by stratified
// k-fold cross-validation. The folds are deterministic for opts.Seed. The
// returned Metrics pool the held-out predictions of all folds.
func CrossValidate(examples []Example, k int, opts Options) (Metrics, error) {
	folds, err := stratifiedFolds(examples, k, opts.Seed)
	if err != nil {
		return Metrics{}, err
	}
	return crossValidate(examples, folds, func(train []Example) (Predictor, error) {
		return Train(train, opts)
	})
}

// HoldOut estimates the performance of Train with opts more cheaply than
// CrossValidate: it trains once, on all but one of k stratified folds, and
// scores the fold left out (a tenth of the examples for k = 10).
func HoldOut(examples []Example, k int, opts Options) (Metrics, error) {
	folds, err := stratifiedFolds(examples, k, opts.Seed)
	if err != nil {
		return Metrics{}, err
	}
	for i := range folds {
		folds[i] = min(folds[i], 1) // fold 0 is held out; the rest train
	}
	gold, pred, err := predictFold(examples, folds, 0, func(train []Example) (Predictor, error) {
		return Train(train, opts)
	})
	if err != nil {
		return Metrics{}, err
	}
	return score(gold, pred), nil
}

// stratifiedFolds assigns every example a fold in [0, k) so that each
// label is spread evenly over the folds.
func stratifiedFolds(examples []Example, k int, seed uint64) ([]int, error) {
	if k < 2 || k > len(examples) {
		return nil, fmt.Errorf("classify: cannot make %d folds from %d examples", k, len(examples))
	}
	byLabel := map[string][]int{}
	for i, e := range examples {
		byLabel[e.Label] = append(byLabel[e.Label], i)
	}
	labels := make([]string, 0, len(byLabel))
	for l := range byLabel {
		labels = append(labels, l)
	}
	slices.Sort(labels)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	folds := make([]int, len(examples))
	next := 0
	for _, l := range labels {
		idx := byLabel[l]
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		for _, i := range idx {
			folds[i] = next % k
			next++
		}
	}
	return folds, nil
}

// crossValidate trains on all folds but one and predicts the held-out
// fold, for every fold id present in folds.
func crossValidate(examples []Example, folds []int, train func([]Example) (Predictor, error)) (Metrics, error) {
	ids := slices.Compact(slices.Sorted(slices.Values(folds)))
	gold := make([]string, 0, len(examples))
	pred := make([]string, 0, len(examples))
	for _, f := range ids {
		g, p, err := predictFold(examples, folds, f, train)
		if err != nil {
			return Metrics{}, err
		}
		gold, pred = append(gold, g...), append(pred, p...)
	}
	return score(gold, pred), nil
}

// predictFold trains on the examples outside fold f and returns the true
// and predicted labels of those in it.
func predictFold(examples []Example, folds []int, f int, train func([]Example) (Predictor, error)) (gold, pred []string, err error) {
	var tr, te []Example
	for i, e := range examples {
		if folds[i] == f {
			te = append(te, e)
		} else {
			tr = append(tr, e)
		}
	}
	p, err := train(tr)
	if err != nil {
		return nil, nil, fmt.Errorf("classify: fold %d: %w", f, err)
	}
	for _, e := range te {
		gold = append(gold, e.Label)
		pred = append(pred, p.Predict(e.Text).Label)
	}
	return gold, pred, nil
}
