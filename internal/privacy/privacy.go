// Package privacy detects and redacts secrets and personal data in free
// text such as ticket messages, answers, knowledge articles and attachment
// names.
//
// A Redactor is built once with New and is safe for concurrent use. Find
// reports what it sees, Redact replaces each finding with a placeholder such
// as [EMAIL], and Mask replaces it with a partial hint such as
// "**** **** **** 4242". A Policy decides per kind whether a finding is
// allowed, redacted, masked or blocks the message altogether.
//
// Detection is heuristic. Numbers are checked where a checksum exists (Luhn
// for cards, mod-97 for IBANs and the French INSEE key, validity rules for
// US social security numbers), which keeps false positives on order numbers
// and error codes low. Person names are found from a caller-supplied list of
// known names, a built-in list of common first names and context such as
// greetings ("Hi Anna,"), titles ("Mr Smith"), sign-offs and "my name is".
package privacy

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
)

// Kind names a category of sensitive data.
type Kind string

// The kinds of sensitive data a Redactor can detect.
const (
	// KindEmail is an e-mail address.
	KindEmail Kind = "email"
	// KindPhone is a telephone number in national or international format.
	KindPhone Kind = "phone"
	// KindCard is a payment card number that passes the Luhn check.
	KindCard Kind = "card"
	// KindIBAN is an international bank account number that passes the
	// ISO 13616 mod-97 check.
	KindIBAN Kind = "iban"
	// KindIP is an IPv4 or IPv6 address.
	KindIP Kind = "ip"
	// KindSecret is a password, API key, token or private key.
	KindSecret Kind = "secret"
	// KindNationalID is a US social security number, a UK National
	// Insurance number or a French INSEE (social security) number.
	KindNationalID Kind = "national_id"
	// KindName is a person's name.
	KindName Kind = "name"
	// KindTicketRef is a ticket-specific detail such as a ticket number,
	// an asset tag or a machine host name. It matters when a ticket is
	// turned into general knowledge and is off by default.
	KindTicketRef Kind = "ticket_ref"
)

// AllKinds returns every kind the package knows, in order of precedence:
// when two findings overlap, the kind listed first wins.
func AllKinds() []Kind {
	return []Kind{KindSecret, KindCard, KindIBAN, KindNationalID, KindEmail,
		KindIP, KindPhone, KindTicketRef, KindName}
}

// DefaultKinds returns the kinds enabled when Options.Kinds is empty: all
// kinds except KindTicketRef.
func DefaultKinds() []Kind {
	return slices.DeleteFunc(AllKinds(), func(k Kind) bool { return k == KindTicketRef })
}

// Placeholder returns the text Redact puts in place of a finding of kind k,
// for example "[EMAIL]".
func (k Kind) Placeholder() string {
	return "[" + strings.ToUpper(string(k)) + "]"
}

// precedence returns the rank of k when resolving overlaps; lower wins.
func (k Kind) precedence() int {
	switch k {
	case KindSecret:
		return 0
	case KindCard:
		return 1
	case KindIBAN:
		return 2
	case KindNationalID:
		return 3
	case KindEmail:
		return 4
	case KindIP:
		return 5
	case KindPhone:
		return 6
	case KindTicketRef:
		return 7
	case KindName:
		return 8
	}
	return 9
}

// Finding is one piece of sensitive data found in a text.
type Finding struct {
	// Kind is the category of the data.
	Kind Kind
	// Start and End are byte offsets into the scanned text; Text is
	// text[Start:End].
	Start, End int
	// Text is the sensitive text itself. Do not log or store it where
	// the original text would not be allowed.
	Text string
	// Placeholder is what replaces Text in the output: the kind's
	// placeholder for Find and Redact, the masked hint for Mask.
	Placeholder string
}

// Options configures a Redactor.
type Options struct {
	// Kinds lists the kinds to detect. When empty, DefaultKinds is used.
	Kinds []Kind
	// KnownNames lists people's names known to the caller, such as the
	// requester and the agents of a ticket ("Anna Schmidt"). The full name
	// is matched case-insensitively; each part of two letters or more is
	// also matched on its own, case-sensitively.
	KnownNames []string
}

// Redactor finds and redacts sensitive data. Build one with New; it is safe
// for concurrent use.
type Redactor struct {
	kinds      map[Kind]bool
	pats       *patterns
	names      *nameMatcher
	knownNames []string
	known      *regexp.Regexp
}

// New returns a Redactor configured by opts.
func New(opts Options) *Redactor {
	kinds := opts.Kinds
	if len(kinds) == 0 {
		kinds = DefaultKinds()
	}
	r := &Redactor{kinds: make(map[Kind]bool, len(kinds)), pats: compilePatterns()}
	for _, k := range kinds {
		r.kinds[k] = true
	}
	if r.kinds[KindName] {
		r.names = newNameMatcher()
		r.knownNames = slices.Clone(opts.KnownNames)
		r.known = compileKnownNames(r.knownNames)
	}
	return r
}

// WithKnownNames returns a Redactor that also recognises the given names,
// in addition to those r already knows. It shares r's compiled patterns,
// so it is cheap: build one Redactor with New at start-up and call
// WithKnownNames per ticket with its requester's and agents' names.
func (r *Redactor) WithKnownNames(names ...string) *Redactor {
	c := *r
	if c.names != nil {
		c.knownNames = append(slices.Clone(r.knownNames), names...)
		c.known = compileKnownNames(c.knownNames)
	}
	return &c
}

// Enabled reports whether r detects kind k.
func (r *Redactor) Enabled(k Kind) bool { return r.kinds[k] }

// Find returns the sensitive data in text: non-overlapping findings sorted
// by position. When two candidates overlap, the kind with higher precedence
// (see AllKinds) wins, then the longer one.
func (r *Redactor) Find(text string) []Finding {
	var cands []Finding
	add := func(k Kind, start, end int) {
		if start < 0 || end > len(text) || start >= end || !r.kinds[k] {
			return
		}
		cands = append(cands, Finding{Kind: k, Start: start, End: end,
			Text: text[start:end], Placeholder: k.Placeholder()})
	}
	p := r.pats
	if r.kinds[KindSecret] {
		p.findSecrets(text, add)
	}
	if r.kinds[KindCard] {
		p.findCards(text, add)
	}
	if r.kinds[KindIBAN] {
		p.findIBANs(text, add)
	}
	if r.kinds[KindNationalID] {
		p.findNationalIDs(text, add)
	}
	if r.kinds[KindEmail] {
		p.findEmails(text, add)
	}
	if r.kinds[KindIP] {
		p.findIPs(text, add)
	}
	if r.kinds[KindPhone] {
		p.findPhones(text, add)
	}
	if r.kinds[KindTicketRef] {
		p.findTicketRefs(text, add)
	}
	if r.names != nil {
		r.names.find(text, r.known, add)
	}
	found := resolve(cands)
	if r.kinds[KindSecret] {
		found = repeatSecrets(text, found)
	}
	return found
}

// resolve keeps a non-overlapping subset of cands, preferring kinds of
// higher precedence and then longer spans, and returns it sorted by Start.
func resolve(cands []Finding) []Finding {
	slices.SortStableFunc(cands, func(a, b Finding) int {
		if c := cmp.Compare(a.Kind.precedence(), b.Kind.precedence()); c != 0 {
			return c
		}
		if c := cmp.Compare(b.End-b.Start, a.End-a.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.Start, b.Start)
	})
	var kept []Finding // sorted by Start, non-overlapping
	for _, c := range cands {
		if i, ok := insertionPoint(kept, c.Start, c.End); ok {
			kept = slices.Insert(kept, i, c)
		}
	}
	return kept
}

// insertionPoint returns where a span start-end goes in fs, which is
// sorted by Start and non-overlapping, and whether it fits there without
// overlapping a neighbour.
func insertionPoint(fs []Finding, start, end int) (int, bool) {
	// First finding that ends after start: the only one that can overlap
	// from the left; the one after it must start at or after end.
	i, _ := slices.BinarySearchFunc(fs, start, func(f Finding, s int) int {
		if f.End <= s {
			return -1
		}
		return 1
	})
	if i < len(fs) && fs[i].Start < end {
		return i, false
	}
	return i, true
}

// repeatSecrets adds a secret finding for every further occurrence of a
// secret's text, so that a password quoted once after "password:" is also
// hidden where it is repeated without the keyword.
func repeatSecrets(text string, found []Finding) []Finding {
	seen := map[string]bool{}
	var secrets []string
	for _, f := range found {
		if f.Kind == KindSecret && len(f.Text) >= minSecretLen && !seen[f.Text] {
			seen[f.Text] = true
			secrets = append(secrets, f.Text)
		}
	}
	for _, sec := range secrets {
		for off := 0; off < len(text); {
			i := strings.Index(text[off:], sec)
			if i < 0 {
				break
			}
			s, e := off+i, off+i+len(sec)
			if j, ok := insertionPoint(found, s, e); ok {
				found = slices.Insert(found, j, Finding{Kind: KindSecret, Start: s, End: e,
					Text: sec, Placeholder: KindSecret.Placeholder()})
			}
			off = e
		}
	}
	return found
}

// Redact returns text with every finding replaced by its kind's
// placeholder, together with the findings.
func (r *Redactor) Redact(text string) (string, []Finding) {
	fs := r.Find(text)
	return replace(text, fs), fs
}

// Mask returns text with every finding replaced by a hint that keeps a
// little of the original so a reader can recognise it without learning it:
// the last four digits of a card, the first letter and domain of an e-mail
// address, the last two digits of a phone number, the initials of a name.
// Secrets are never hinted at and are replaced by [SECRET]. The returned
// findings carry the hint in Placeholder.
func (r *Redactor) Mask(text string) (string, []Finding) {
	fs := r.Find(text)
	for i := range fs {
		fs[i].Placeholder = maskFinding(fs[i])
	}
	return replace(text, fs), fs
}

// replace substitutes each finding's Placeholder for its span. The
// findings must be sorted and non-overlapping.
func replace(text string, fs []Finding) string {
	if len(fs) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for _, f := range fs {
		b.WriteString(text[last:f.Start])
		b.WriteString(f.Placeholder)
		last = f.End
	}
	b.WriteString(text[last:])
	return b.String()
}
