package search

import (
	"bufio"
	_ "embed"
	"strconv"
	"strings"
)

//go:embed synonyms.txt
var shippedSynonyms string

// synGroup is one group of interchangeable words or phrases.
type synGroup struct {
	members []string   // as written, for explanations
	stems   [][]string // analysed members, same order
}

// synonyms holds groups and a lookup from the first stem of each member
// phrase to the (group, member) pairs that start with it. It is rebuilt,
// never mutated, so readers may use it without locks once published.
type synonyms struct {
	groups []synGroup
	first  map[string][]synRef
}

type synRef struct{ group, member int }

// synMatch is one synonym phrase found in a token stream.
type synMatch struct {
	group, member int
	start, end    int // token positions [start, end)
}

// groupTerm is the index term that stands for a whole synonym group.
func groupTerm(g int) string { return "\x00g" + strconv.Itoa(g) }

// isGroupTerm reports whether t is a synonym group term.
func isGroupTerm(t string) bool { return strings.HasPrefix(t, "\x00g") }

// ShippedSynonyms returns the synonym groups shipped with the index (the
// defaults every index starts with).
func ShippedSynonyms() [][]string { return parseSynonyms(shippedSynonyms) }

// parseSynonyms reads groups in the synonyms.txt format: one group per
// line, members separated by commas, # starts a comment line.
func parseSynonyms(text string) [][]string {
	var out [][]string
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var g []string
		for _, m := range strings.Split(line, ",") {
			if m = strings.TrimSpace(m); m != "" {
				g = append(g, m)
			}
		}
		if len(g) > 1 {
			out = append(out, g)
		}
	}
	return out
}

// withGroups returns a copy of s extended with the given groups.
func (s *synonyms) withGroups(a *analyzer, groups [][]string) *synonyms {
	n := &synonyms{first: make(map[string][]synRef)}
	if s != nil {
		n.groups = append(n.groups, s.groups...)
	}
	for _, g := range groups {
		sg := synGroup{}
		for _, m := range g {
			st := a.allTerms(m)
			if len(st) == 0 {
				continue
			}
			sg.members = append(sg.members, strings.ToLower(m))
			sg.stems = append(sg.stems, st)
		}
		if len(sg.members) > 1 {
			n.groups = append(n.groups, sg)
		}
	}
	for gi, g := range n.groups {
		for mi, st := range g.stems {
			n.first[st[0]] = append(n.first[st[0]], synRef{gi, mi})
		}
	}
	return n
}

// find returns every synonym member phrase occurring in toks (stemmed,
// stopwords kept).
func (s *synonyms) find(toks []string, out []synMatch) []synMatch {
	if s == nil {
		return out
	}
	for i, t := range toks {
		for _, r := range s.first[t] {
			st := s.groups[r.group].stems[r.member]
			if i+len(st) > len(toks) {
				continue
			}
			ok := true
			for j := 1; j < len(st); j++ {
				if toks[i+j] != st[j] {
					ok = false
					break
				}
			}
			if ok {
				out = append(out, synMatch{r.group, r.member, i, i + len(st)})
			}
		}
	}
	return out
}

// memberIn returns the first member of group g found in toks when the
// member skip itself is not there, or "". It names the synonym a document
// matched through.
func (s *synonyms) memberIn(g, skip int, toks []string) string {
	found := ""
	for _, m := range s.find(toks, nil) {
		if m.group != g {
			continue
		}
		if m.member == skip {
			return ""
		}
		if found == "" {
			found = s.groups[g].members[m.member]
		}
	}
	return found
}
