package listening

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// term is one content word of a post: the hash of its stem (used
// everywhere in the detector) and the word as written, lower-cased (shown
// on the dashboard as a cluster's words: "dropping", not its stem "dropp").
type term struct {
	h    uint64
	word string
}

// Word flags, looked up once per word in wordFlags.
const (
	// stopWord words are dropped before clustering: they say nothing
	// about what is broken. Words such as "not" are dropped too; the
	// classifier keeps them.
	stopWord = 1 << iota
	// troubleWord words say that something is wrong: failures, negations
	// and inability, and the words people use when a problem persists. An
	// outage is a burst of people describing trouble; a burst of
	// congratulations, a farewell or an all-hands is not, however unusual
	// its words (DetectorOptions.TroubleShare). Written from general
	// English and IT usage, not taken from the data.
	troubleWord
)

// wordFlags maps a lower-case word (apostrophes dropped) to its flags.
var wordFlags = func() map[string]uint8 {
	m := map[string]uint8{}
	for _, w := range strings.Fields(`a an and are as at be been but by for from has have had he her hi hello his
	i im is it its of on or our she so that the their them then there these they this to was we were what when
	where which who will with you your me my please thanks thank can do does did am any also just get got us here
	all if into about some than too very via re not no dont doesnt cant isnt wont again still now today anyone
	else keeps keep any why how help know one out up down going been being yes would could should guys hey ok`) {
		m[w] |= stopWord
	}
	for _, w := range strings.Fields(`not no never nothing cannot cant dont doesnt didnt isnt arent wasnt werent
	wont wouldnt couldnt hasnt havent hadnt unable
	down outage outages offline broken broke break breaks error errors fail fails failed failing failure
	failures crash crashes crashed crashing freeze freezes freezing frozen froze hang hangs hanging hung
	stuck slow slower slowly sluggish lag lags lagging laggy drop drops dropped dropping disconnect
	disconnects disconnected disconnecting disconnection timeout timeouts timed bug bugs buggy glitch
	glitches glitchy issue issues problem problems wrong missing lost lose losing unavailable unreachable
	unresponsive dead died loop loops looping denied reject rejects rejected blocked locked lockout
	expired invalid corrupt corrupted jam jammed stopped stops keeps kept again still help urgent
	annoying frustrating terrible awful useless sucks ugh`) {
		m[w] |= troubleWord
	}
	return m
}()

var apostrophes = strings.NewReplacer("'", "", "’", "")

// fnv64 hashes s with FNV-1a.
func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// normWord folds a lower-case word to a crude stem so that "syncing",
// "synced" and "sync" meet, and cuts long words to seven bytes so that
// most one-letter typos at the end of a long word still match.
func normWord(w string) string {
	for _, suf := range []string{"ing", "ed", "es", "s"} {
		if len(w) > len(suf)+2 && strings.HasSuffix(w, suf) {
			w = w[:len(w)-len(suf)]
			break
		}
	}
	if len(w) > 7 {
		w = w[:7]
	}
	return w
}

// placeholderEnd returns the end of the placeholder ("[" upper-case
// letters and underscores "]", as privacy.Redact writes them) that starts
// at text[i], or 0 when there is none.
func placeholderEnd(text string, i int) int {
	j := i + 1
	for j < len(text) && j-i <= 20 && (text[j] >= 'A' && text[j] <= 'Z' || text[j] == '_') {
		j++
	}
	if j-i < 3 || j >= len(text) || text[j] != ']' {
		return 0
	}
	return j + 1
}

// appendTerms appends the distinct content terms of text to out, at most
// max of them. Handles, links and numbers are skipped. trouble is true
// when a word of text (before max was reached) is a troubleWord.
func appendTerms(out []term, text string, max int) (_ []term, trouble bool) {
	i := 0
	for i < len(text) && len(out) < max {
		r, n := utf8.DecodeRuneInString(text[i:])
		if r == '[' {
			// A redaction placeholder such as [EMAIL] says that an address
			// was there, not what the post is about: posts that mention
			// an email address must not cluster with "email is down".
			if j := placeholderEnd(text, i); j > 0 {
				i = j
				continue
			}
		}
		if r == '@' {
			// skip a handle
			j := i + n
			for j < len(text) {
				r2, n2 := utf8.DecodeRuneInString(text[j:])
				if !isWord(r2) {
					break
				}
				j += n2
			}
			i = j
			continue
		}
		if !isWord(r) {
			i += n
			continue
		}
		j := i
		for j < len(text) {
			r2, n2 := utf8.DecodeRuneInString(text[j:])
			if !isWord(r2) && r2 != '\'' && r2 != '’' {
				break
			}
			j += n2
		}
		raw := text[i:j]
		i = j
		if strings.HasPrefix(raw, "http") && i < len(text) && text[i] == ':' {
			// skip a link up to the next space
			for i < len(text) && text[i] != ' ' {
				i++
			}
			continue
		}
		w := raw
		if strings.ContainsAny(w, "'’") {
			w = apostrophes.Replace(w)
		}
		w = strings.ToLower(w)
		flags := wordFlags[w]
		if flags&troubleWord != 0 {
			trouble = true
		}
		if len(w) < 3 || flags&stopWord != 0 || isNumber(w) {
			continue
		}
		h := fnv64(normWord(w))
		dup := false
		for _, t := range out {
			if t.h == h {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, term{h: h, word: w})
		}
	}
	return out, trouble
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// isNumber reports whether w holds a digit: numbers, versions and build
// ids say which release someone runs, not what is broken, and many
// people answering "which version?" must not look like an outage.
func isNumber(w string) bool {
	for _, r := range w {
		if unicode.IsDigit(r) {
			return true
		}
	}
	return false
}
