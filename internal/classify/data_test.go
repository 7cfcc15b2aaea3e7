package classify

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedDataDir finds ../shared/data next to the module root (the
// directory holding go.mod), or skips the test when it is absent.
func sharedDataDir(t testing.TB) string {
	t.Helper()
	data, why := findSharedData()
	if data == "" {
		t.Skip(why)
	}
	return data
}

// sharedDataDirOrEmpty returns the shared data directory or "" when it is
// absent.
func sharedDataDirOrEmpty(t testing.TB) string {
	t.Helper()
	data, _ := findSharedData()
	return data
}

// findSharedData walks up to the module root and returns its
// ../shared/data, or "" and the reason it is unavailable.
func findSharedData() (string, string) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err.Error()
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", "no go.mod found above the package; cannot locate shared data"
		}
		dir = parent
	}
	data := filepath.Join(dir, "..", "shared", "data")
	if _, err := os.Stat(filepath.Join(data, "complaints", "dev.csv")); err != nil {
		return "", "shared data not found at " + data + ": " + err.Error()
	}
	return data, ""
}

// loadExamples reads examples from a shared data file.
func loadExamples(t testing.TB, path, textCol, labelCol string) []Example {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ex, err := ReadCSV(f, textCol, labelCol)
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

// loadColumn reads one column of a CSV file, in row order.
func loadColumn(t testing.TB, path, col string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	idx := -1
	for i, h := range recs[0] {
		if strings.TrimSpace(h) == col {
			idx = i
		}
	}
	if idx < 0 {
		t.Fatalf("%s: no column %q", path, col)
	}
	out := make([]string, 0, len(recs)-1)
	for _, r := range recs[1:] {
		out = append(out, r[idx])
	}
	return out
}

// task is one classification problem from the shared data.
type task struct {
	name, dir, textCol, labelCol string
	// gate makes TestEvaluateSharedData fail when the model loses to
	// naive Bayes on this task.
	gate bool
}

func sharedTasks() []task {
	return []task{
		{"complaints", "complaints", "text", "label", true},
		{"tickets category", "tickets", "title+body", "category", true},
		{"tickets urgency", "tickets", "title+body", "urgency", false},
		{"tickets impact", "tickets", "title+body", "impact", false},
	}
}
