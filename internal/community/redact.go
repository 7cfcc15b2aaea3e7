package community

import (
	"regexp"
	"sort"
	"strings"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/privacy"
)

// PrivacyRedactor adapts the privacy package's Redactor to this package's
// Redactor interface.
func PrivacyRedactor(r *privacy.Redactor) Redactor { return privacyRedactor{r} }

type privacyRedactor struct{ r *privacy.Redactor }

// Redact implements Redactor.
func (p privacyRedactor) Redact(text string) (string, []Finding) {
	out, found := p.r.Redact(text)
	list := make([]Finding, 0, len(found))
	for _, f := range found {
		list = append(list, Finding{Kind: string(f.Kind), Start: f.Start, End: f.End, Text: f.Text, Placeholder: f.Placeholder})
	}
	return out, list
}

// DefaultRedactor is a small pattern-based Redactor for emails, phone
// numbers, ticket numbers and secrets written as "password: x" or
// "token=x". It is the fallback until a fuller one is configured.
type DefaultRedactor struct{}

var redactPatterns = []struct {
	kind string
	re   *regexp.Regexp
	// group, when not 0, is the sub-match to replace.
	group int
}{
	{"email", regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`), 0},
	{"secret", regexp.MustCompile(`(?i)\b(?:password|passwd|pwd|passcode|pin|token|secret|api[_ -]?key)\b\s*(?:is|:|=)\s*(\S+)`), 1},
	{"ticket_ref", regexp.MustCompile(`\b(?:INC|REQ)-\d{3,}\b`), 0},
	{"phone", regexp.MustCompile(`\+?\d[\d ().-]{7,}\d`), 0},
}

// Redact implements Redactor.
func (DefaultRedactor) Redact(text string) (string, []Finding) {
	var found []Finding
	taken := func(s, e int) bool {
		for _, f := range found {
			if s < f.End && e > f.Start {
				return true
			}
		}
		return false
	}
	for _, p := range redactPatterns {
		for _, m := range p.re.FindAllStringSubmatchIndex(text, -1) {
			s, e := m[2*p.group], m[2*p.group+1]
			if s < 0 || taken(s, e) {
				continue
			}
			found = append(found, Finding{Kind: p.kind, Start: s, End: e, Text: text[s:e]})
		}
	}
	return applyFindings(text, found)
}

// applyFindings replaces each finding with its kind's placeholder, such as
// [EMAIL], the same style as the privacy package.
func applyFindings(text string, found []Finding) (string, []Finding) {
	sort.Slice(found, func(i, j int) bool { return found[i].Start < found[j].Start })
	var b strings.Builder
	last := 0
	for i := range found {
		f := &found[i]
		f.Placeholder = "[" + strings.ToUpper(f.Kind) + "]"
		b.WriteString(text[last:f.Start])
		b.WriteString(f.Placeholder)
		last = f.End
	}
	b.WriteString(text[last:])
	return b.String(), found
}

// redactNames replaces the given people's full names, and their first and
// last names on their own, with placeholders.
func redactNames(text string, names []string) (string, []Finding) {
	var found []Finding
	var words []string
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		for _, w := range append([]string{n}, strings.Fields(n)...) {
			if len(w) >= 3 && !seen[strings.ToLower(w)] {
				seen[strings.ToLower(w)] = true
				words = append(words, w)
			}
		}
	}
	// Longest first, so a full name wins over its parts.
	sort.Slice(words, func(i, j int) bool { return len(words[i]) > len(words[j]) })
	// Placeholders left by the first pass are never touched.
	for _, m := range placeholderRE.FindAllStringIndex(text, -1) {
		found = append(found, Finding{Start: m[0], End: m[1]})
	}
	keep := len(found)
	for _, w := range words {
		re := regexp.MustCompile(`(?i)\b` + regexp.QuoteMeta(w) + `\b`)
		for _, m := range re.FindAllStringIndex(text, -1) {
			overlap := false
			for _, f := range found {
				if m[0] < f.End && m[1] > f.Start {
					overlap = true
					break
				}
			}
			if !overlap {
				found = append(found, Finding{Kind: "name", Start: m[0], End: m[1], Text: text[m[0]:m[1]]})
			}
		}
	}
	return applyFindings(text, found[keep:])
}

// placeholderRE matches placeholders such as [EMAIL-1].
var placeholderRE = regexp.MustCompile(`\[[A-Z_]+(?:-\d+)?\]`)

// redact removes whatever the Redactor finds (emails first, so a name in an
// address goes with the address), then the names, and returns the clean
// text with the list of redactions for the reviewer.
func (s *Service) redact(text string, names []string) (string, []socialdesk.Redaction) {
	text, other := s.redactor.Redact(text)
	text, byName := redactNames(text, names)
	var out []socialdesk.Redaction
	seen := map[string]bool{}
	for _, f := range append(other, byName...) {
		if key := f.Placeholder + "\x00" + f.Text; !seen[key] {
			seen[key] = true
			out = append(out, socialdesk.Redaction{Kind: f.Kind, Placeholder: f.Placeholder, Original: f.Text})
		}
	}
	return text, out
}
