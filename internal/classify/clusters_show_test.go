package classify

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestShowClusters prints the cue words added by expandCues and the
// clusters of a few words, learned from the unlabeled tweets and the
// complaints dev texts, to inspect what the distributional features see.
// It runs only with CLASSIFY_TUNE=1.
func TestShowClusters(t *testing.T) {
	if os.Getenv("CLASSIFY_TUNE") == "" {
		t.Skip("set CLASSIFY_TUNE=1 to print the learned clusters")
	}
	data := sharedDataDir(t)
	pool := loadUnlabeledPool(t, data)
	if pool == nil {
		t.Skip("no unlabeled pool in the shared data")
	}
	ex := loadExamples(t, filepath.Join(data, "complaints", "dev.csv"), "text", "label")
	for _, e := range ex {
		pool = append(pool, e.Text)
	}
	vocab, emb := learnEmbeddings(pool, defaultClusterConfig())
	xc := expandCues(vocab, emb, 64, 10, 3)
	for g := range 8 {
		var ws []string
		for w, c := range xc {
			if c&(1<<g) != 0 {
				ws = append(ws, w)
			}
		}
		t.Logf("%s %d: %v", cueNames[g], len(ws), ws)
	}
	start := time.Now()
	wc := learnClusters(pool, defaultClusterConfig())
	t.Logf("%d words in %v", len(wc.words), time.Since(start))
	groups := map[int][]string{}
	for i, w := range wc.words {
		groups[int(wc.ids[i][1])] = append(groups[int(wc.ids[i][1])], w)
	}
	for _, w := range []string{"crashed", "broken", "terrible", "thanks", "app", "delayed", "refund", "love", "shuffle", "help"} {
		h := wc.hash[w]
		if h == nil {
			t.Logf("%s: none", w)
			continue
		}
		i := 0
		for j, x := range wc.words {
			if x == w {
				i = j
			}
		}
		g := groups[int(wc.ids[i][1])]
		if len(g) > 25 {
			g = g[:25]
		}
		t.Logf("%s: %v", w, g)
	}
}
