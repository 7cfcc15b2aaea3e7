package classify

import (
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTuneCV runs the hyperparameter search used to choose
// DefaultOptions. It only reads dev.csv files: 5-fold stratified
// cross-validation for every task, plus leave-one-domain-out
// cross-validation for complaints. It is slow, so it only runs when
// CLASSIFY_TUNE=1 is set.
func TestTuneCV(t *testing.T) {
	if os.Getenv("CLASSIFY_TUNE") == "" {
		t.Skip("set CLASSIFY_TUNE=1 to run the cross-validation search")
	}
	data := sharedDataDir(t)
	only := os.Getenv("CLASSIFY_TUNE_TASK")
	for _, tk := range sharedTasks() {
		if only != "" && only != tk.name {
			continue
		}
		path := filepath.Join(data, tk.dir, "dev.csv")
		ex := loadExamples(t, path, tk.textCol, tk.labelCol)
		var domains []int
		if tk.dir == "complaints" {
			domains = foldsFromGroups(loadColumn(t, path, "domain"))
		}
		folds, err := stratifiedFolds(ex, 5, 1)
		if err != nil {
			t.Fatal(err)
		}
		nbCV, _ := crossValidate(ex, folds, func(tr []Example) (Predictor, error) { return TrainNaiveBayes(tr) })
		line := "NB"
		if domains != nil {
			lodo, _ := crossValidate(ex, domains, func(tr []Example) (Predictor, error) { return TrainNaiveBayes(tr) })
			t.Logf("%s %-40s cv5 F1 %.4f  lodo F1 %.4f", tk.name, line, nbCV.MacroF1, lodo.MacroF1)
		} else {
			t.Logf("%s %-40s cv5 F1 %.4f", tk.name, line, nbCV.MacroF1)
		}
		nbTrain := func(tr []Example) (Predictor, error) { return TrainNaiveBayes(tr) }
		for _, a := range []float64{0.5, 0.7} {
			ens := func(tr []Example) (Predictor, error) {
				m, err := Train(tr, DefaultOptions())
				if err != nil {
					return nil, err
				}
				nb, _ := nbTrain(tr)
				return mix{m, nb, a}, nil
			}
			cv, _ := crossValidate(ex, folds, ens)
			lodoF1 := 0.0
			if domains != nil {
				lodo, _ := crossValidate(ex, domains, ens)
				lodoF1 = lodo.MacroF1
			}
			t.Logf("%s %-40s cv5 F1 %.4f  lodo F1 %.4f", tk.name, "mix "+fmtG(a), cv.MacroF1, lodoF1)
		}
		base := DefaultOptions()
		if tk.dir == "tickets" && os.Getenv("CLASSIFY_TUNE_BASE") == "tickets" {
			base = TicketOptions()
		}
		for _, c := range tuneGrid(base) {
			start := time.Now()
			train := func(tr []Example) (Predictor, error) { return Train(tr, c.opts) }
			cv, err := crossValidate(ex, folds, train)
			if err != nil {
				t.Fatal(err)
			}
			if domains != nil {
				lodo, _ := crossValidate(ex, domains, train)
				t.Logf("%s %-40s cv5 F1 %.4f  lodo F1 %.4f  (%v)", tk.name, c.name, cv.MacroF1, lodo.MacroF1, time.Since(start).Round(time.Millisecond))
			} else {
				t.Logf("%s %-40s cv5 F1 %.4f  (%v)", tk.name, c.name, cv.MacroF1, time.Since(start).Round(time.Millisecond))
			}
		}
	}
}

// foldsFromGroups numbers the distinct groups so each becomes one fold.
func foldsFromGroups(groups []string) []int {
	names := slices.Compact(slices.Sorted(slices.Values(slices.Clone(groups))))
	folds := make([]int, len(groups))
	for i, g := range groups {
		folds[i], _ = slices.BinarySearch(names, g)
	}
	return folds
}

type tuneCase struct {
	name string
	opts Options
}

// tuneGrid lists the configurations compared by TestTuneCV.
func tuneGrid(base Options) []tuneCase {
	var grid []tuneCase
	add := func(name string, f func(*Options)) {
		o := base
		f(&o)
		grid = append(grid, tuneCase{name, o})
	}
	add("default", func(o *Options) {})
	add("average", func(o *Options) { o.Average = true })
	add("average e20", func(o *Options) { o.Average = true; o.Epochs = 20 })
	add("average e20 lr2", func(o *Options) { o.Average = true; o.Epochs = 20; o.LearningRate = 2 })
	add("average e20 lr2 l1e-4", func(o *Options) { o.Average = true; o.Epochs = 20; o.LearningRate = 2; o.Lambda = 1e-4 })
	add("words only", func(o *Options) { o.NoCharGrams = true })
	add("with chars", func(o *Options) { o.NoCharGrams = false })
	add("char 1-4", func(o *Options) { o.CharMin, o.CharMax = 1, 4 })
	add("char 3-5", func(o *Options) { o.CharMin, o.CharMax = 3, 5 })
	add("char 2-6", func(o *Options) { o.CharMin, o.CharMax = 2, 6 })
	add("unigrams", func(o *Options) { o.WordNGrams = 1 })
	add("negation", func(o *Options) { o.Negation = true })
	add("no balance", func(o *Options) { o.BalanceClasses = false })
	add("avg l1e-4", func(o *Options) { o.Average = true; o.Lambda = 1e-4 })
	add("avg l3e-5", func(o *Options) { o.Average = true; o.Lambda = 3e-5 })
	add("avg e20 l3e-5", func(o *Options) { o.Average = true; o.Epochs = 20; o.Lambda = 3e-5 })
	add("no cues", func(o *Options) { o.Cues = false })
	add("word vectors 0", func(o *Options) { o.WordVectors = 0 })
	add("word vectors 0.5", func(o *Options) { o.WordVectors = 0.5 })
	add("word vectors 1", func(o *Options) { o.WordVectors = 1 })
	if os.Getenv("CLASSIFY_TUNE_BITS") != "" {
		for _, b := range []int{16, 18, 20, 22} {
			add(fmt.Sprintf("hash bits %d", b), func(o *Options) { o.HashBits = b })
		}
		return grid
	}
	if os.Getenv("CLASSIFY_TUNE_CW") != "" {
		for _, cw := range []float64{0.5, 0.75, 1, 1.5, 2} {
			for _, l := range []float64{1e-5, 1e-4} {
				add(fmt.Sprintf("charweight %g l%g", cw, l), func(o *Options) { o.CharWeight, o.Lambda = cw, l })
			}
		}
		return grid
	}
	if os.Getenv("CLASSIFY_TUNE_AVG") != "" {
		for _, cr := range [][2]int{{2, 5}, {3, 5}, {2, 6}, {1, 5}} {
			for _, l := range []float64{1e-5, 3e-5, 1e-4} {
				for _, e := range []int{5, 10, 20} {
					add(fmt.Sprintf("avg char %d-%d l%g e%d", cr[0], cr[1], l, e), func(o *Options) {
						o.Average, o.CharMin, o.CharMax, o.Lambda, o.Epochs = true, cr[0], cr[1], l, e
					})
				}
			}
		}
		return grid
	}
	for _, l := range []float64{1e-6, 3e-5, 1e-4, 3e-4, 1e-3} {
		add("lambda "+fmtG(l), func(o *Options) { o.Lambda = l })
	}
	for _, e := range []int{3, 5, 20} {
		add("epochs "+fmtG(float64(e)), func(o *Options) { o.Epochs = e })
	}
	for _, lr := range []float64{0.1, 2} {
		add("lr "+fmtG(lr), func(o *Options) { o.LearningRate = lr })
	}
	return grid
}

func fmtG(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// mix is a log-linear blend of two predictors, used to test ensembles.
type mix struct {
	a, b Predictor
	w    float64
}

func (m mix) Predict(text string) Prediction {
	pa, pb := m.a.Predict(text), m.b.Predict(text)
	labels := slices.Sorted(maps.Keys(pa.Scores))
	z := make([]float64, len(labels))
	for i, l := range labels {
		z[i] = m.w*math.Log(pa.Scores[l]+1e-12) + (1-m.w)*math.Log(pb.Scores[l]+1e-12)
	}
	softmax(z)
	return makePrediction(labels, z)
}

// tuneSeeds returns the training seeds of a tuning run: those listed,
// comma-separated, in CLASSIFY_TUNE_SEEDS, or 1, 2 and 3.
func tuneSeeds(t testing.TB) []uint64 {
	t.Helper()
	s := os.Getenv("CLASSIFY_TUNE_SEEDS")
	if s == "" {
		return []uint64{1, 2, 3}
	}
	var seeds []uint64
	for _, p := range strings.Split(s, ",") {
		v, err := strconv.ParseUint(strings.TrimSpace(p), 10, 64)
		if err != nil {
			t.Fatalf("CLASSIFY_TUNE_SEEDS: %v", err)
		}
		seeds = append(seeds, v)
	}
	return seeds
}

// tuneRow is one setting of a tuning run: its name and, for a seed, the
// trainer to cross-validate.
type tuneRow struct {
	name    string
	trainer func(seed uint64) func([]Example) (Predictor, error)
}

// runTuneRows cross-validates the rows that CLASSIFY_TUNE_ONLY selects
// (rows whose name contains one of its "|"-separated parts; all when it is
// empty) on complaints dev, one seed at a time so that each seed's scores
// print to four places, and logs the means over the seeds.
func runTuneRows(t *testing.T, ex []Example, folds, domains []int, seeds []uint64, rows []tuneRow) {
	only := os.Getenv("CLASSIFY_TUNE_ONLY")
	for _, r := range rows {
		if only != "" && !slices.ContainsFunc(strings.Split(only, "|"), func(o string) bool { return strings.Contains(r.name, o) }) {
			continue
		}
		start := time.Now()
		var cv5, lodo float64
		var per []string
		for _, seed := range seeds {
			c, l, _ := seedsCV(t, ex, folds, domains, []uint64{seed}, r.trainer)
			cv5 += c / float64(len(seeds))
			lodo += l / float64(len(seeds))
			per = append(per, fmt.Sprintf("%.4f/%.4f", c, l))
		}
		t.Logf("%-34s cv5 %.4f lodo %.4f mean %.4f  [%s]  (%v)", r.name, cv5, lodo, (cv5+lodo)/2,
			strings.Join(per, " "), time.Since(start).Round(time.Second))
	}
}
