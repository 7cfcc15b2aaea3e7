package privacy

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// minSecretLen is the shortest value accepted as a secret after a keyword
// such as "password:". Shorter values are too likely to be prose.
const minSecretLen = 4

// addFunc records a candidate finding of kind k spanning text[start:end].
type addFunc func(k Kind, start, end int)

// tokenPattern is a secret format recognised on its own. When group is
// non-zero only that submatch is the secret.
type tokenPattern struct {
	re    *regexp.Regexp
	group int
	// hints are lower-case substrings of which at least one must occur
	// in the lower-cased text for the pattern to be tried; none means
	// always try.
	hints []string
	// strict asks acceptSecretValue to require a password-looking
	// value.
	strict bool
}

// patterns holds the compiled regular expressions of every detector
// except names. It is immutable after compilePatterns.
type patterns struct {
	tokens       []tokenPattern
	keywordSep   *regexp.Regexp
	keywordIs    *regexp.Regexp
	keywordLoose *regexp.Regexp
	pronounIs    *regexp.Regexp
	passwordNear *regexp.Regexp
	card         *regexp.Regexp
	refCue       *regexp.Regexp
	iban         *regexp.Regexp
	ssn          *regexp.Regexp
	ssnKeyword   *regexp.Regexp
	ukNI         *regexp.Regexp
	insee        *regexp.Regexp
	email        *regexp.Regexp
	ipv4         *regexp.Regexp
	ipv6         *regexp.Regexp
	phone        *regexp.Regexp
	phoneNANP    *regexp.Regexp
	phoneCue     *regexp.Regexp
	dateLike     *regexp.Regexp
	ssnShape     *regexp.Regexp
	ticketRefs   []*regexp.Regexp
}

// secretKeywords are the words after which a value is taken as a secret.
// They may carry a prefix joined by "_", "." or "-" (DB_PASSWORD,
// smtp.pass); findSecrets rejects a match glued to a preceding letter.
const secretKeywords = `(?:password|passwort|passwd|passphrase|pwd|kennwort|mot de passe|mdp|secret|client[_-]?secret|api[_ -]?key|apikey|access[_-]?key|secret[_-]?key|account[_-]?key|shared[_-]?access[_-]?key|token|access[_-]?token|auth[_-]?token|refresh[_-]?token|pin|pass|pw|credentials?)`

func compilePatterns() *patterns {
	mc := regexp.MustCompile
	return &patterns{
		tokens: []tokenPattern{
			{re: mc(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\z)`), hints: []string{"private key"}},
			{re: mc(`\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b`), hints: []string{"akia", "asia", "abia", "acca"}},
			{re: mc(`\bgh[pousr]_[A-Za-z0-9]{36,255}\b`), hints: []string{"gh"}},
			{re: mc(`\bgithub_pat_[A-Za-z0-9_]{22,255}\b`), hints: []string{"github_pat_"}},
			{re: mc(`\bglpat-[A-Za-z0-9_-]{20,}`), hints: []string{"glpat-"}},
			{re: mc(`\bxox[abposr]-[A-Za-z0-9-]{10,}`), hints: []string{"xox"}},
			{re: mc(`\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}\b`), hints: []string{"k_live_", "k_test_"}},
			{re: mc(`\bAIza[0-9A-Za-z_-]{35}`), hints: []string{"aiza"}},
			{re: mc(`\bsk-(?:proj-)?[A-Za-z0-9_-]{32,}`), hints: []string{"sk-"}},
			{re: mc(`\bnpm_[A-Za-z0-9]{36}\b`), hints: []string{"npm_"}},
			{re: mc(`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`), hints: []string{"eyj"}},
			// BitLocker recovery keys: eight groups of six digits.
			{re: mc(`\b\d{6}(?:-\d{6}){7}\b`)},
			// Credentials in a URL: scheme://user:password@host.
			{re: mc(`\b[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\s:/@]{1,64}:([^\s@/]{1,128})@[^\s@]`), group: 1, hints: []string{"://"}},
			// "login admin / S3cret", "user: bob / pw".
			{re: mc(`(?i)\b(?:login|log-in|user(?:name)?|credentials?|creds)[ \t]*:?[ \t]+[^\s/]{1,64}[ \t]+/[ \t]+([^\s/"'<>,;]{4,128})(?:[\s,;]|$)`), group: 1, hints: []string{"login", "log-in", "user", "cred"}, strict: true},
			{re: mc(`(?i)\bbearer\s+([A-Za-z0-9._~+/-]{16,}=*)`), group: 1, hints: []string{"bearer"}},
		},
		keywordSep:   mc(`^(?i)` + secretKeywords + `\b["']?[ \t]*(?:\([^)\n]{0,30}\)[ \t]*)?(?::=|=>|[:=])[ \t]*["'` + "`" + `]?([^\s"'` + "`" + `<>,;\[\]]+)`),
		keywordIs:    mc(`^(?i)(?:password|passwort|passwd|passphrase|pwd|kennwort|mot de passe|pin|secret|token|api key)\b(?:[ \t]+(?:for|of|to|on)[ \t]+[^\n.,:;]{1,30}?)?[ \t]+(?:is|was|est|ist|lautet|(?:has been |was |is )?(?:set|reset|changed) to)(?:[ \t]+(?:now|still|currently|temporarily|just))?[ \t]*:?[ \t]+["'` + "`" + `]?([^\s"'` + "`" + `<>,;\[\]]+)`),
		pronounIs:    mc(`(?i)\b(?:the new one|new one|the old one|old one|it|the new|new)[ \t]+(?:is|was|will be|is now)[ \t]*:?[ \t]+["'` + "`" + `]?([^\s"'` + "`" + `<>,;\[\]]+)`),
		passwordNear: mc(`(?i)\b(?:password|passwort|passwd|kennwort|mot de passe|pwd|passphrase)\b`),
		keywordLoose: mc(`^(?i)(?:api[ _-]?key|token|secret|access[ _-]?key|password|passphrase)\b[^\n]{0,40}?[ \t"']([A-Za-z0-9+/_.-]{20,200}={0,2})`),
		card:         mc(`\b\d(?:[ -]?\d){12,18}\b`),
		refCue:       mc(`(?i)\b(?:case|order|ref|reference|ticket|invoice|transaction|tracking|shipment|serial|po|job|id|no\.|nr\.?|n°)[ \t#:.-]*$`),
		iban:         mc(`\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,32}\b`),
		ssn:          mc(`\b(\d{3})([- ])(\d{2})([- ])(\d{4})\b`),
		ssnKeyword:   mc(`(?i)\b(?:ssn|social security(?: number| no\.?)?)[ \t:#]*(\d{9})\b`),
		ukNI:         mc(`\b([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b`),
		insee:        mc(`\b([12])[ ]?(\d{2})[ ]?(\d{2})[ ]?(\d{2}|2[ABab])[ ]?(\d{3})[ ]?(\d{3})[ ]?(\d{2})\b`),
		email:        mc(`[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}\b`),
		ipv4:         mc(`\b(?:\d{1,3}\.){3}\d{1,3}\b`),
		ipv6:         mc(`(?i)(?:[0-9a-f]{0,4}:){2,7}(?:[0-9a-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?:%[0-9a-z]+)?`),
		phone:        mc(`(?:\+[ \t]?(?:\(\d{1,5}\)[ \t]?)?|\(\d{1,5}\)[ \t]?|\b)\d(?:(?:[ \t.\-/]|[ \t]?\(\d{1,4}\)[ \t]?)?\d){5,16}(?:[ \t]*(?:ext\.?|x|#)[ \t]*\d{1,5})?\b`),
		phoneNANP:    mc(`^(?:\+?1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}\b`),
		phoneCue:     mc(`(?i)(?:phone|tel\.?|tél\.?|telephone|téléphone|telefon|mobile|mobil|handy|portable|cell|cellphone|call(?: me)?|ring(?: me)?|reach me|fax|whatsapp|extension|ext\.?|hotline)\b[^\n\d+]{0,20}$`),
		dateLike:     mc(`^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})(?:$|[ \t])`),
		ssnShape:     mc(`^\d{3}-\d{2}-\d{4}$`),
		ticketRefs: []*regexp.Regexp{
			mc(`\b(?:INC|REQ|RITM|CHG|PRB|TASK|SCTASK|TKT|SR|CASE|HD|TICKET)[-#]?\d{3,10}\b`),
			mc(`\b(?:LAPTOP|DESKTOP|PC|WS|NB|LT|SRV|SVR|HOST|MAC|WKS|VM|PRN|PRT)-[A-Z0-9][A-Z0-9-]{2,14}\b`),
			mc(`\b(?:ASSET|AST|TAG)[-#]?\d{3,10}\b`),
			mc(`\b[a-z0-9][a-z0-9-]{0,62}(?:\.[a-z0-9-]{1,63})*\.(?:corp|local|lan|internal|intra|intranet)\b`),
		},
	}
}

// secretStopWords are values that follow a password keyword in ordinary
// prose ("the password is expired") and are never secrets.
const secretStopWords = " a an the my your his her our their its this that it is not no none null nil n/a na tbd " +
	"wrong incorrect correct expired expiring expires working required needed reset changed change same blank " +
	"empty missing invalid valid locked too very still also being been ok okay fine different case sensitive " +
	"and or for of in on at to with policy manager field prompt complexity length protected saved stored " +
	"rejected accepted unknown forgotten lost weak strong set long short please here there below above " +
	"attached sent provided available visible hidden requested asked correctly wrongly again now " +
	"secret password token key pin true false yes null undefined xxx xxxx *** **** ... "

// placeholderWords lists upper-cased placeholder texts; values equal to one
// of them are earlier redactions, not secrets.
const placeholderWords = " [EMAIL] [PHONE] [CARD] [IBAN] [IP] [SECRET] [NATIONAL_ID] [NAME] [TICKET_REF] SECRET REDACTED "

// acceptSecretValue reports whether v, found after a password keyword, is
// plausibly a secret. strict asks for password-looking values, used for
// "password is X" where X is often an ordinary word.
func acceptSecretValue(v string, strict bool) bool {
	if len(v) < minSecretLen || len(v) > 512 {
		return false
	}
	lower := strings.ToLower(v)
	if strings.Contains(secretStopWords, " "+lower+" ") {
		return false
	}
	if strings.Contains(placeholderWords, " "+strings.ToUpper(v)+" ") {
		return false
	}
	if strings.Trim(v, "*x.•-_") == "" {
		return false
	}
	if strict {
		return charClasses(v) >= 2 || len(v) >= 12
	}
	return true
}

// trimValue removes sentence punctuation that follows a value.
func trimValue(text string, start, end int) int {
	for end > start {
		switch text[end-1] {
		case '.', ',', ';', ')', ':', '?':
			end--
			continue
		}
		break
	}
	return end
}

// secretStems are lower-case stems with which every password keyword
// starts; the keyword patterns are only tried where one occurs.
const secretStems = "pass pw kennwort mot mdp secret client api access account shared token auth refresh pin credential"

// containsAny reports whether s contains any of subs.
func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// asciiLower lower-cases ASCII letters only, so byte offsets stay those
// of s.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// stemHits returns the sorted offsets where one of stems starts in lower
// and is not glued to a preceding letter ("bypass", "rapid").
func stemHits(text, lower string, stems []string) []int {
	var hits []int
	for _, st := range stems {
		for off := 0; ; {
			i := strings.Index(lower[off:], st)
			if i < 0 {
				break
			}
			pos := off + i
			if !unicode.IsLetter(runeBefore(text, pos)) {
				hits = append(hits, pos)
			}
			off = pos + len(st)
		}
	}
	slices.Sort(hits)
	return slices.Compact(hits)
}

// keywordWindow is how far after a keyword its value may end.
const keywordWindow = 320

func (p *patterns) findSecrets(text string, add addFunc) {
	lower := asciiLower(text)
	for _, tp := range p.tokens {
		if len(tp.hints) > 0 && !containsAny(lower, tp.hints) {
			continue
		}
		for _, m := range tp.re.FindAllStringSubmatchIndex(text, -1) {
			s, e := m[0], m[1]
			if tp.group > 0 {
				s, e = m[2*tp.group], m[2*tp.group+1]
			}
			if s < 0 || e-s < minSecretLen {
				continue
			}
			if tp.strict {
				e = trimValue(text, s, e)
				if !acceptSecretValue(text[s:e], true) {
					continue
				}
			}
			add(KindSecret, s, e)
		}
	}
	// The keyword patterns are anchored and run at each keyword: much
	// cheaper than scanning the whole text with large alternations.
	for _, at := range stemHits(text, lower, strings.Fields(secretStems)) {
		window := text[at:min(len(text), at+keywordWindow)]
		if m := p.keywordSep.FindStringSubmatchIndex(window); m != nil {
			s, e := at+m[2], trimValue(text, at+m[2], at+m[3])
			if acceptSecretValue(text[s:e], false) {
				add(KindSecret, s, e)
			}
		}
		if m := p.keywordIs.FindStringSubmatchIndex(window); m != nil {
			s, e := at+m[2], trimValue(text, at+m[2], at+m[3])
			if acceptSecretValue(text[s:e], true) {
				add(KindSecret, s, e)
			}
		}
		if m := p.keywordLoose.FindStringSubmatchIndex(window); m != nil {
			s, e := at+m[2], trimValue(text, at+m[2], at+m[3])
			v := text[s:e]
			if entropy(v) >= 3.5 && charClasses(v) >= 2 && acceptSecretValue(v, false) {
				add(KindSecret, s, e)
			}
		}
	}
	// "I changed my password, the new one is X".
	if !containsAny(lower, []string{"pass", "pwd", "kennwort", "mot de passe"}) {
		return
	}
	for _, m := range p.pronounIs.FindAllStringSubmatchIndex(text, -1) {
		s, e := m[2], trimValue(text, m[2], m[3])
		if p.passwordNear.MatchString(text[max(0, m[0]-100):m[0]]) && acceptSecretValue(text[s:e], true) {
			add(KindSecret, s, e)
		}
	}
}

func (p *patterns) findCards(text string, add addFunc) {
	for _, m := range p.card.FindAllStringIndex(text, -1) {
		s, e := m[0], m[1]
		raw := text[s:e]
		d := digitsOf(raw)
		if len(d) < 13 || len(d) > 19 || !strings.ContainsAny(d[:1], "23456") {
			continue
		}
		if strings.Contains(raw, " ") && strings.Contains(raw, "-") {
			continue
		}
		if allSame(d) || !luhnValid(d) || !cardBrandValid(d) {
			continue
		}
		// An unbroken number right after "order", "case", "ref"... is
		// a reference that happens to pass the Luhn check.
		if !strings.ContainsAny(raw, " -") && p.refCue.MatchString(text[max(0, s-30):s]) {
			continue
		}
		add(KindCard, s, e)
	}
}

func (p *patterns) findIBANs(text string, add addFunc) {
	for _, m := range p.iban.FindAllStringIndex(text, -1) {
		s := m[0]
		// The pattern may run into following upper-case words; take
		// exactly the country's length when it is known, otherwise the
		// longest prefix that validates.
		var ends []int
		n := 0
		for i := s; i < m[1]; i++ {
			if text[i] == ' ' {
				continue
			}
			n++
			if n >= 15 {
				ends = append(ends, i+1)
			}
		}
		want := ibanLength(text[s : s+2])
		for j := len(ends) - 1; j >= 0; j-- {
			e := ends[j]
			if want != 0 && j+15 != want {
				continue
			}
			if e < len(text) && isWordRune(runeAfter(text, e)) {
				continue
			}
			if ibanValid(strings.ReplaceAll(text[s:e], " ", "")) {
				add(KindIBAN, s, e)
				break
			}
		}
	}
}

func (p *patterns) findNationalIDs(text string, add addFunc) {
	for _, m := range p.ssn.FindAllStringSubmatchIndex(text, -1) {
		if text[m[4]:m[5]] != text[m[8]:m[9]] {
			continue // mixed separators
		}
		if ssnValid(text[m[2]:m[3]], text[m[6]:m[7]], text[m[10]:m[11]]) {
			add(KindNationalID, m[0], m[1])
		}
	}
	for _, m := range p.ssnKeyword.FindAllStringSubmatchIndex(text, -1) {
		d := text[m[2]:m[3]]
		if ssnValid(d[:3], d[3:5], d[5:]) {
			add(KindNationalID, m[2], m[3])
		}
	}
	for _, m := range p.ukNI.FindAllStringSubmatchIndex(text, -1) {
		if ukNIValid(text[m[2]:m[3]]) {
			add(KindNationalID, m[0], m[1])
		}
	}
	for _, m := range p.insee.FindAllStringSubmatchIndex(text, -1) {
		var body strings.Builder
		for g := 1; g <= 6; g++ {
			body.WriteString(text[m[2*g]:m[2*g+1]])
		}
		if inseeValid(body.String(), text[m[14]:m[15]]) {
			add(KindNationalID, m[0], m[1])
		}
	}
}

func (p *patterns) findEmails(text string, add addFunc) {
	for _, m := range p.email.FindAllStringIndex(text, -1) {
		add(KindEmail, m[0], m[1])
	}
}

func (p *patterns) findIPs(text string, add addFunc) {
	for _, m := range p.ipv4.FindAllStringIndex(text, -1) {
		s, e := m[0], m[1]
		// Part of a longer dotted number, or a "v1.2.3.4" version.
		if b := runeBefore(text, s); b == '.' || b == 'v' || b == 'V' {
			continue
		}
		if e+1 < len(text) && text[e] == '.' && text[e+1] >= '0' && text[e+1] <= '9' {
			continue
		}
		if _, err := netip.ParseAddr(text[s:e]); err == nil {
			add(KindIP, s, e)
		}
	}
	for _, m := range p.ipv6.FindAllStringIndex(text, -1) {
		s, e := m[0], m[1]
		if b := runeBefore(text, s); isWordRune(b) || b == ':' || b == '.' {
			continue
		}
		if a := runeAfter(text, e); isWordRune(a) || a == ':' {
			continue
		}
		// Trailing colon from prose ("address fe80::1: unreachable").
		cand := text[s:e]
		if hex := strings.Count(cand, ":"); hex < 2 || len(strings.Trim(cand, ":")) < 2 {
			continue
		}
		addr, err := netip.ParseAddr(cand)
		if err != nil || !addr.Is6() {
			continue
		}
		add(KindIP, s, e)
	}
}

func (p *patterns) findPhones(text string, add addFunc) {
	for _, m := range p.phone.FindAllStringIndex(text, -1) {
		s, e := m[0], m[1]
		if b := runeBefore(text, s); unicode.IsLetter(b) || strings.ContainsRune("-_#/.:@", b) {
			continue
		}
		if a := runeAfter(text, e); isWordRune(a) || a == '@' {
			continue
		}
		if e+1 < len(text) && (text[e] == '.' || text[e] == ':' || text[e] == '-' || text[e] == '/') &&
			text[e+1] >= '0' && text[e+1] <= '9' {
			continue
		}
		cand := text[s:e]
		d := digitsOf(cand)
		if i := strings.IndexAny(strings.ToLower(cand), "x#"); i >= 0 {
			d = digitsOf(cand[:i])
		} else if i := strings.Index(strings.ToLower(cand), "ext"); i >= 0 {
			d = digitsOf(cand[:i])
		}
		if len(d) < 7 || len(d) > 15 || allSame(d) {
			continue
		}
		// SSN-shaped (3-2-4) numbers are never phone numbers.
		if p.dateLike.MatchString(cand) || p.ssnShape.MatchString(cand) || strings.Count(cand, ".") == 3 && !strings.Contains(cand, " ") {
			continue
		}
		intl := cand[0] == '+' || strings.HasPrefix(cand, "00") && len(d) >= 10
		paren := strings.HasPrefix(cand, "(")
		nanp := p.phoneNANP.MatchString(cand)
		trunk := cand[0] == '0' && len(d) >= 9 && len(d) <= 12 && strings.ContainsAny(cand, " .-/()")
		cue := p.phoneCue.MatchString(text[max(0, s-40):s])
		if intl && len(d) >= 8 || paren && len(d) >= 9 || nanp || trunk || cue && len(d) >= 8 {
			add(KindPhone, s, e)
		}
	}
}

func (p *patterns) findTicketRefs(text string, add addFunc) {
	for _, re := range p.ticketRefs {
		for _, m := range re.FindAllStringIndex(text, -1) {
			add(KindTicketRef, m[0], m[1])
		}
	}
}
