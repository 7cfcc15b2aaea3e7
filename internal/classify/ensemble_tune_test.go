package classify

import (
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"testing"
)

// logitMean averages the log-probabilities of its members and normalises
// again, which for softmax models over the same features is the model
// whose weights are the members' mean: an ensemble that would cost one
// model's prediction.
type logitMean []Predictor

func (g logitMean) Predict(text string) Prediction {
	var labels []string
	var z []float64
	for i, p := range g {
		pr := p.Predict(text)
		if i == 0 {
			labels = slices.Sorted(maps.Keys(pr.Scores))
			z = make([]float64, len(labels))
		}
		for j, l := range labels {
			z[j] += math.Log(pr.Scores[l]+1e-12) / float64(len(g))
		}
	}
	softmax(z)
	return makePrediction(labels, z)
}

// TestTuneEnsemble tries two ways of lowering the variance between
// training seeds and domains, by 5-fold and leave-one-domain-out
// cross-validation on complaints dev, three seeds each:
//   - seed ensembles: k models that differ only in the shuffle seed,
//     their log-probabilities averaged, against the mean of the same k
//     models scored alone;
//   - domain-balanced training: each example weighted by
//     (n / (domains × n_domain))^p on top of the class balance, so that
//     no domain of dev dominates what the model learns.
//
// docs/classifier.md has the results (neither helped). It runs only with
// CLASSIFY_TUNE=1.
func TestTuneEnsemble(t *testing.T) {
	if os.Getenv("CLASSIFY_TUNE") == "" {
		t.Skip("set CLASSIFY_TUNE=1 to run the cross-validation search")
	}
	ex, folds, domains := complaintsDevFolds(t)
	seeds := []uint64{1, 2, 3}
	report := func(name string, trainer func(seed uint64) func([]Example) (Predictor, error)) {
		cv5, lodo, per := seedsCV(t, ex, folds, domains, seeds, trainer)
		t.Logf("%-32s cv5 %.4f lodo %.4f mean %.4f  [%s]", name, cv5, lodo, (cv5+lodo)/2, per)
	}
	withSeed := func(seed uint64) Options {
		o := DefaultOptions()
		o.Seed = seed
		return o
	}
	report("one model (the defaults)", func(seed uint64) func([]Example) (Predictor, error) {
		return func(tr []Example) (Predictor, error) { return Train(tr, withSeed(seed)) }
	})
	// Member j of the ensembles for seed s is trained with seed 100s+j;
	// the ensemble of 3 uses the first three members of the one of 5.
	for j := range 5 {
		report("member "+strconv.Itoa(j)+" alone", func(seed uint64) func([]Example) (Predictor, error) {
			return func(tr []Example) (Predictor, error) { return Train(tr, withSeed(seed*100+uint64(j))) }
		})
	}
	for _, k := range []int{3, 5} {
		report("seed ensemble of "+strconv.Itoa(k), func(seed uint64) func([]Example) (Predictor, error) {
			return func(tr []Example) (Predictor, error) {
				var g logitMean
				for j := range k {
					m, err := Train(tr, withSeed(seed*100+uint64(j)))
					if err != nil {
						return nil, err
					}
					g = append(g, m)
				}
				return g, nil
			}
		})
	}
	domainOf := make(map[string]int, len(ex))
	for i, e := range ex {
		domainOf[e.Text] = domains[i]
	}
	for _, p := range []float64{0.5, 1} {
		report("domain balance, power "+fmtG(p), func(seed uint64) func([]Example) (Predictor, error) {
			return func(tr []Example) (Predictor, error) {
				counts := map[int]int{}
				for _, e := range tr {
					counts[domainOf[e.Text]]++
				}
				w := make([]float64, len(tr))
				for i, e := range tr {
					w[i] = math.Pow(float64(len(tr))/float64(len(counts)*counts[domainOf[e.Text]]), p)
				}
				return train(tr, w, withSeed(seed), nil)
			}
		})
	}
}
