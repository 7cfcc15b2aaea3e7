package search

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Boost factors, multiplied into the text score.
const (
	boostVerified  = 1.6
	boostAccepted  = 1.3
	boostMatch     = 1.5 // device or system the doc targets matches the searcher's
	boostPlace     = 2.0 // site or role the doc targets matches the searcher's
	demoteMismatch = 0.6 // doc targets other values of a dimension
	demoteExclude  = 0.3 // doc explicitly excludes the searcher's value
)

// boost returns the re-ranking factor for d and, when reasons is not nil,
// appends the reasons for it.
func (ix *Index) boost(d *Doc, ctx Context, now time.Time, reasons *[]string) float64 {
	note := func(s string) {
		if reasons != nil {
			*reasons = append(*reasons, s)
		}
	}
	f := 1.0
	if d.Verified {
		f *= boostVerified
		note("verified by IT")
	}
	if d.Accepted {
		f *= boostAccepted
		note("accepted answer")
	}
	if d.Helpful+d.Unhelpful > 0 {
		// Laplace-smoothed share of helpful votes, mapped to 0.85..1.15.
		ratio := float64(d.Helpful+1) / float64(d.Helpful+d.Unhelpful+2)
		f *= 0.85 + 0.3*ratio
		switch {
		case reasons == nil:
		case ratio >= 0.7 && d.Helpful >= 3:
			note(fmt.Sprintf("%d people found this helpful", d.Helpful))
		case ratio <= 0.4 && d.Unhelpful >= 3:
			note(fmt.Sprintf("%d people found this unhelpful", d.Unhelpful))
		}
	}
	if d.Type == TypeStatus && !d.UpdatedAt.IsZero() {
		age := now.Sub(d.UpdatedAt).Hours() / 24
		switch {
		case age < 0:
			age = 0
			fallthrough
		case age < 7:
			f *= 1 + math.Exp(-age/2)
			note("recent status update")
		case age > 60:
			f *= 0.7
		}
	}
	a := &d.Applies
	f *= dim(a.Devices, a.ExcludeDevices, ctx.Devices, "device", boostMatch, reasons)
	f *= dim(osAliases(a.OS), osAliases(a.ExcludeOS), ctx.OS, "system", boostMatch, reasons)
	f *= dim(a.Sites, a.ExcludeSites, one(ctx.Site), "site", boostPlace, reasons)
	f *= dim(a.Roles, a.ExcludeRoles, one(ctx.Role), "role", boostPlace, reasons)
	return f
}

func one(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// osAliases lets content written for iOS also apply to iPadOS, which
// shares its settings screens.
func osAliases(in []string) []string {
	for _, s := range in {
		if strings.EqualFold(s, "ios") && !containsFold(in, "ipados") {
			return append(slices.Clip(in), "ipados")
		}
	}
	return in
}

func containsFold(list []string, v string) bool {
	for _, s := range list {
		if strings.EqualFold(s, v) {
			return true
		}
	}
	return false
}

// dim scores one context dimension: include list, exclude list and the
// searcher's values. Reasons are appended when reasons is not nil.
func dim(include, exclude, have []string, name string, boost float64, reasons *[]string) float64 {
	if len(have) == 0 {
		return 1
	}
	for _, h := range have {
		if containsFold(exclude, h) {
			if reasons != nil {
				*reasons = append(*reasons, fmt.Sprintf("not for your %s: %s", name, h))
			}
			return demoteExclude
		}
	}
	if len(include) == 0 {
		return 1
	}
	for _, h := range have {
		if containsFold(include, h) {
			if reasons != nil {
				*reasons = append(*reasons, fmt.Sprintf("matches your %s: %s", name, h))
			}
			return boost
		}
	}
	if reasons != nil {
		*reasons = append(*reasons, fmt.Sprintf("written for another %s: %s", name, strings.Join(include, ", ")))
	}
	return demoteMismatch
}

// snippet returns about 30 words of body around the densest cluster of
// query term matches.
func (ix *Index) snippet(body string, qts []qterm) string {
	words := strings.Fields(body)
	const width = 30
	if len(words) <= width {
		return body
	}
	want := map[string]bool{}
	for _, qt := range qts {
		if !isGroupTerm(qt.term) {
			want[qt.term] = true
		}
	}
	hit := make([]int, len(words))
	for i, w := range words {
		for _, t := range tokens(w, nil) {
			if want[ix.an.stem(t)] {
				hit[i] = 1
			}
		}
	}
	best, bestAt, cur := -1, 0, 0
	for i := range words {
		cur += hit[i]
		if i >= width {
			cur -= hit[i-width]
		}
		if i >= width-1 && cur > best {
			best, bestAt = cur, i-width+1
		}
	}
	s := strings.Join(words[bestAt:bestAt+width], " ")
	if bestAt > 0 {
		s = "… " + s
	}
	if bestAt+width < len(words) {
		s += " …"
	}
	return s
}
