package classify

import (
	"os"
	"path/filepath"
	"testing"
)

// TestTuneCues compares the model with and without Options.Cues, and
// decision thresholds other than the arg-max, by cross-validation on the
// dev sets only: complaints with 5-fold CV and leave-one-domain-out CV,
// tickets with 5-fold CV. It runs only with CLASSIFY_TUNE=1 (about a
// minute for complaints; CLASSIFY_TUNE_TICKETS=1 adds the tickets, several
// minutes).
func TestTuneCues(t *testing.T) {
	if os.Getenv("CLASSIFY_TUNE") == "" {
		t.Skip("set CLASSIFY_TUNE=1 to run the cross-validation search")
	}
	ex, folds, domains := complaintsDevFolds(t)
	for _, cues := range []bool{false, true} {
		o := DefaultOptions()
		o.Cues = cues
		for _, th := range []float64{0.4, 0.45, 0.5, 0.55, 0.6} {
			train := func(tr []Example) (Predictor, error) {
				m, err := Train(tr, o)
				return thresholded{m, th}, err
			}
			cv, _ := crossValidate(ex, folds, train)
			lodo, _ := crossValidate(ex, domains, train)
			t.Logf("complaints cues %-5v threshold %.2f  cv5 F1 %.4f  lodo F1 %.4f  mean %.4f",
				cues, th, cv.MacroF1, lodo.MacroF1, (cv.MacroF1+lodo.MacroF1)/2)
		}
	}
	if os.Getenv("CLASSIFY_TUNE_TICKETS") == "" {
		return
	}
	for _, task := range []string{"category", "urgency", "impact"} {
		tex := loadExamples(t, filepath.Join(sharedDataDir(t), "tickets", "dev.csv"), "title+body", task)
		tf, err := stratifiedFolds(tex, 5, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, cues := range []bool{false, true} {
			o := TicketOptions()
			o.Cues = cues
			cv, _ := crossValidate(tex, tf, func(tr []Example) (Predictor, error) { return Train(tr, o) })
			t.Logf("tickets %-8s cues %-5v cv5 F1 %.4f", task, cues, cv.MacroF1)
		}
	}
}

// thresholded labels a post "1" when the probability of "1" reaches th.
type thresholded struct {
	p  Predictor
	th float64
}

func (t thresholded) Predict(text string) Prediction {
	p := t.p.Predict(text)
	p.Label = "0"
	if p.Scores["1"] >= t.th {
		p.Label = "1"
	}
	return p
}
