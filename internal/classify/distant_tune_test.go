package classify

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Brand replies that apologise or regret suggest the customer's tweet was a
// complaint; replies that are glad or thank for praise suggest it was not.
// The phrases are the stock wording of support accounts, written from
// general customer-service usage, not picked by any score.
var (
	replyApology = regexp.MustCompile(`(?i)sorry|apolog|frustrat|inconvenien|not the experience|unfortunate|disappoint`)
	replyGlad    = regexp.MustCompile(`(?i)glad|happy to hear|thanks for the (love|shout|kind)|enjoy|awesome|great to hear|love (it|this|that|to hear)|you're welcome|anytime|(^|\W)yay`)
)

// weakExamples labels the inbound tweets of twcs-sample.csv by the brand's
// reply to them (distant supervision): "1" when the reply apologises, "0"
// when it is glad and does not apologise. Tweets without a brand reply, or
// whose reply is neither, are left out. It returns nil when the file is
// absent.
func weakExamples(t testing.TB) []Example {
	t.Helper()
	path := filepath.Join(sharedDataDir(t), "twitter-support", "twcs-sample.csv")
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, h := range []string{"tweet_id", "inbound", "text", "response_tweet_id"} {
		if _, ok := col[h]; !ok {
			t.Fatalf("%s: no %q column", path, h)
		}
	}
	type tweet struct {
		inbound     bool
		text, reply string
	}
	byID := map[string]tweet{}
	for _, r := range recs[1:] {
		byID[r[col["tweet_id"]]] = tweet{inbound: r[col["inbound"]] == "True", text: r[col["text"]], reply: r[col["response_tweet_id"]]}
	}
	var out []Example
	for _, r := range recs[1:] {
		tw := byID[r[col["tweet_id"]]]
		if !tw.inbound || strings.TrimSpace(tw.text) == "" {
			continue
		}
		var replies []string
		for _, id := range strings.Split(tw.reply, ",") {
			if rep, ok := byID[id]; ok && !rep.inbound {
				replies = append(replies, rep.text)
			}
		}
		all := strings.Join(replies, " ")
		switch {
		case all == "":
		case replyApology.MatchString(all):
			out = append(out, Example{Text: tw.text, Label: "1"})
		case replyGlad.MatchString(all):
			out = append(out, Example{Text: tw.text, Label: "0"})
		}
	}
	return out
}

// TestTuneDistant adds the weakly labelled support tweets of weakExamples
// to every training fold of complaints dev, weighted w, and compares with
// the defaults by 5-fold and leave-one-domain-out cross-validation, seeds
// 1-3 (complaints test.csv is never read). The weak examples are never in
// a held-out fold, so the scores are those of dev's own posts.
//
// It runs only with CLASSIFY_TUNE=1 (a few minutes); CLASSIFY_TUNE_ONLY
// selects rows whose name contains one of its "|"-separated parts.
func TestTuneDistant(t *testing.T) {
	if os.Getenv("CLASSIFY_TUNE") == "" {
		t.Skip("set CLASSIFY_TUNE=1 to run the cross-validation search")
	}
	ex, folds, domains := complaintsDevFolds(t)
	weak := weakExamples(t)
	if len(weak) == 0 {
		t.Skip("no ../shared/data/twitter-support/twcs-sample.csv")
	}
	var pos []Example
	for _, w := range weak {
		if w.Label == "1" {
			pos = append(pos, w)
		}
	}
	t.Logf("weak examples: %d (%d complaints)", len(weak), len(pos))
	seeds := tuneSeeds(t)
	withSeed := func(seed uint64) Options {
		o := DefaultOptions()
		o.Seed = seed
		return o
	}
	rows := []tuneRow{{"defaults", func(seed uint64) func([]Example) (Predictor, error) {
		return func(tr []Example) (Predictor, error) { return Train(tr, withSeed(seed)) }
	}}}
	with := func(name string, extra []Example, w float64) {
		rows = append(rows, tuneRow{name, func(seed uint64) func([]Example) (Predictor, error) {
			return func(tr []Example) (Predictor, error) {
				all := append(slices.Clip(tr), extra...)
				wts := make([]float64, len(all))
				for i := range wts {
					wts[i] = 1
					if i >= len(tr) {
						wts[i] = w
					}
				}
				return train(all, wts, withSeed(seed), nil)
			}
		}})
	}
	for _, w := range []float64{0.1, 0.25, 0.5, 1} {
		with("weak both w"+fmtG(w), weak, w)
	}
	for _, w := range []float64{0.1, 0.15, 0.25, 0.35, 0.5} {
		with("weak complaints only w"+fmtG(w), pos, w)
	}
	runTuneRows(t, ex, folds, domains, seeds, rows)
}
