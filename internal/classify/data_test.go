package classify

import (
	"github.com/socialdesk/socialdesk/internal/shareddata"

	"encoding/csv"
	"os"
	"strings"
	"testing"
)

// sharedDataDir returns the shared data folder or skips.
func sharedDataDir(t testing.TB) string { return shareddata.Dir(t) }

// sharedDataDirOrEmpty returns the shared data directory or "" when it is
// absent.
func sharedDataDirOrEmpty(t testing.TB) string {
	t.Helper()
	return shareddata.Root()
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
		{"tickets service", "tickets", "title+body", "business_service", false},
	}
}
