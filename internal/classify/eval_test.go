package classify

import (
	"path/filepath"
	"testing"
	"time"
)

// TestEvaluateSharedData trains naive Bayes and the softmax model on each
// dev.csv, scores both on the held-out test.csv in the same run and logs a
// comparison table. It fails when the model's macro-F1 falls below naive
// Bayes on complaints or ticket category. Only dev.csv is used for
// training; test.csv is only scored.
func TestEvaluateSharedData(t *testing.T) {
	if raceEnabled {
		t.Skip("evaluation on the shared data; run without -race: go test -run TestEval ./internal/search/ ./internal/classify/")
	}
	if testing.Short() {
		t.Skip("evaluation on shared data skipped in -short mode")
	}
	data := sharedDataDir(t)
	t.Logf("%-18s %8s %8s %8s %8s %9s %7s", "task", "NB F1", "NB acc", "LR F1", "LR acc", "F1 ratio", "time")
	for _, tk := range sharedTasks() {
		start := time.Now()
		dev := loadExamples(t, filepath.Join(data, tk.dir, "dev.csv"), tk.textCol, tk.labelCol)
		test := loadExamples(t, filepath.Join(data, tk.dir, "test.csv"), tk.textCol, tk.labelCol)
		nb, err := TrainNaiveBayes(dev)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Train(dev, taskOptions(tk))
		if err != nil {
			t.Fatal(err)
		}
		nbM, lrM := Evaluate(nb, test), Evaluate(m, test)
		t.Logf("%-18s %8.4f %8.4f %8.4f %8.4f %9.3f %7v", tk.name, nbM.MacroF1, nbM.Accuracy,
			lrM.MacroF1, lrM.Accuracy, lrM.MacroF1/nbM.MacroF1, time.Since(start).Round(time.Millisecond))
		if tk.dir == "complaints" {
			t.Logf("%-18s %8.4f %8s %8.4f", "  complaint F1", nbM.PerClass["1"].F1, "", lrM.PerClass["1"].F1)
		}
		if tk.gate && lrM.MacroF1 < nbM.MacroF1 {
			t.Errorf("%s: model macro-F1 %.4f below naive Bayes %.4f", tk.name, lrM.MacroF1, nbM.MacroF1)
		}
	}
}

// taskOptions returns the options chosen for a task by cross-validation on
// its dev.csv (see docs/classifier.md).
func taskOptions(tk task) Options {
	if tk.dir == "tickets" {
		return TicketOptions()
	}
	return DefaultOptions()
}

// BenchmarkPredict measures Model.Predict, including feature extraction,
// on short posts.
func BenchmarkPredict(b *testing.B) {
	train, posts := benchPosts(b)
	m, err := Train(train, DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	benchPredictor(b, m, posts)
}

// BenchmarkPredictNB measures NaiveBayes.Predict on the same posts.
func BenchmarkPredictNB(b *testing.B) {
	train, posts := benchPosts(b)
	nb, err := TrainNaiveBayes(train)
	if err != nil {
		b.Fatal(err)
	}
	benchPredictor(b, nb, posts)
}

func benchPredictor(b *testing.B, p Predictor, posts []string) {
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		p.Predict(posts[i%len(posts)])
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}

// benchPosts returns complaints dev examples to train on and their texts
// to classify, or the toy examples when the shared data is absent.
func benchPosts(b *testing.B) ([]Example, []string) {
	ex := toyExamples()
	if data := sharedDataDirOrEmpty(b); data != "" {
		ex = loadExamples(b, filepath.Join(data, "complaints", "dev.csv"), "text", "label")
	}
	posts := make([]string, len(ex))
	for i, e := range ex {
		posts[i] = e.Text
	}
	return ex, posts
}
