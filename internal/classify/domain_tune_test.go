package classify

import (
	"cmp"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestTuneDomainAugment tries feature augmentation for domain adaptation
// (Daumé's "frustratingly easy" method) by 5-fold and leave-one-domain-out
// cross-validation on complaints dev, three seeds each: while training,
// every hashed feature also gets a copy private to the example's domain,
// weighted alpha, so that words that matter in one domain only can be
// learned there; prediction, as for a new domain, uses the shared
// features only. With unit=true the augmented vector is scaled back to
// unit length. docs/classifier.md has the results (it did not help).
//
// It runs only with CLASSIFY_TUNE=1.
func TestTuneDomainAugment(t *testing.T) {
	if os.Getenv("CLASSIFY_TUNE") == "" {
		t.Skip("set CLASSIFY_TUNE=1 to run the cross-validation search")
	}
	ex, folds, domains := complaintsDevFolds(t)
	// The hook sees tokens, not the example: find the text and domain by
	// the tokens.
	key := func(toks []token) string {
		var b strings.Builder
		for _, tk := range toks {
			b.WriteString(tk.text)
			b.WriteByte(0)
		}
		return b.String()
	}
	type source struct {
		text   string
		domain int
	}
	byKey := map[string]source{}
	for i, e := range ex {
		byKey[key(tokenize(e.Text))] = source{e.Text, domains[i]}
	}
	training := false
	augment := func(alpha float32, unit bool) featureHook {
		return func(f featurizer, toks []token, _, _ []uint32) vector {
			plain := f
			plain.hook = nil
			src := byKey[key(toks)]
			base := plain.vectorize(src.text)
			if !training {
				return base
			}
			type entry struct {
				idx uint32
				val float32
			}
			var all []entry
			for j, idx := range base.idx {
				all = append(all, entry{idx, base.val[j]})
				if idx <= f.mask { // hashed features only, not word vectors
					h := (idx*0x9E3779B1 ^ uint32(src.domain+1)*0x85EBCA6B) * 0xC2B2AE35
					all = append(all, entry{(h >> 7) & f.mask, alpha * base.val[j]})
				}
			}
			slices.SortFunc(all, func(a, b entry) int { return cmp.Compare(a.idx, b.idx) })
			var out vector
			for _, e := range all {
				if n := len(out.idx); n > 0 && out.idx[n-1] == e.idx {
					out.val[n-1] += e.val
					continue
				}
				out.idx, out.val = append(out.idx, e.idx), append(out.val, e.val)
			}
			if unit {
				scaleUnit(out.val)
			}
			return out
		}
	}
	for _, v := range []struct {
		alpha float32
		unit  bool
	}{{0, false}, {0.5, false}, {1, false}, {0.25, true}, {0.5, true}, {1, true}} {
		hook := augment(v.alpha, v.unit)
		cv5, lodo, per := seedsCV(t, ex, folds, domains, []uint64{1, 2, 3}, func(seed uint64) func([]Example) (Predictor, error) {
			return func(tr []Example) (Predictor, error) {
				o := DefaultOptions()
				o.Seed = seed
				training = true
				defer func() { training = false }()
				return trainHooked(tr, o, hook)
			}
		})
		t.Logf("domain copies alpha %.2f unit %-5v cv5 %.4f lodo %.4f mean %.4f  [%s]", v.alpha, v.unit, cv5, lodo, (cv5+lodo)/2, per)
	}
}
