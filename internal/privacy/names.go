package privacy

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// Building blocks of the name patterns. A name word starts with an upper
// case letter and ends with a lower case one ("Anna", "O'Brien",
// "Jean-Pierre", "McDonald"), which leaves out acronyms such as "IT".
const (
	nameWord   = `\p{Lu}[\p{L}'’-]*\p{Ll}`
	namePhrase = nameWord + `(?:[ \t]+(?:(?:van|von|de|du|der|den|da|di|le|la|del|ten|ter)[ \t]+)?` + nameWord + `){0,2}`
	titles     = `(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Herr|Frau|Mme|Mlle|Monsieur|Madame|M)\.?`
	greetings  = `(?:Hi|Hello|Hey|Dear|Morning|Good morning|Good afternoon|Good evening|Bonjour|Bonsoir|Salut|Hallo|Guten Morgen|Guten Tag|Liebe|Lieber|Sehr geehrte|Sehr geehrter|Moin|Servus)`
	signOffs   = `(?:Thanks|Thank you|Thanks again|Many thanks|Thanks in advance|Thx|Ta|Cheers|Regards|Best regards|Kind regards|Warm regards|Best wishes|Best|BR|Sincerely|Yours|Cordialement|Bien cordialement|Merci|Merci d'avance|Merci beaucoup|Bien à vous|Bonne journée|Mit freundlichen Grüßen|Mit freundlichen Grüssen|MfG|Viele Grüße|Beste Grüße|Liebe Grüße|Freundliche Grüße|Gruß|Grüße|LG|VG)`
)

// relationWords introduce a person's name: "my colleague Sarah Lee",
// "requested by Tom Baker", "notre stagiaire Lucie Marchand".
const relationWords = `colleague|coworker|co-worker|manager|supervisor|my boss|requested by|reported by|raised by|` +
	`on behalf of|assigned to|new starter|new hire|new joiner|collègue|kollege|kollegin|ask|cc|called|spoke to|` +
	`spoke with|talked to|neighbour|neighbor|husband|wife|partner|son|daughter|brother|sister|friend|intern|` +
	`trainee|apprentice|contractor|consultant|stagiaire|apprenti|apprentie|praktikant|praktikantin|azubi`

// nameStopWords are capitalised words that look like names in the
// heuristics but are not: products, departments, days, months and common
// sentence starters. Known names given by the caller are not filtered.
const nameStopWords = " Team Teams Support Desk Service Services Helpdesk Admin Admins Administrator Hello Thanks Thank Regards Best " +
	"Kind Dear Please Bonjour Merci Cordialement The This That These Those Yes No Ok Okay Windows Microsoft Office Outlook " +
	"Excel Word Powerpoint PowerPoint Teams Skype Zoom Slack Google Chrome Firefox Edge Safari Adobe Acrobat Reader " +
	"SharePoint OneDrive Exchange Azure Intune Okta Citrix Cisco AnyConnect Jira Confluence Salesforce Linux Ubuntu " +
	"Debian Apple Mac MacBook Macbook Iphone Android Samsung Dell Lenovo Brother Canon Epson Xerox Ricoh Logitech " +
	"Printer Laptop Server Ticket Update Updates Error Issue Issues Customer Customers User Users Everyone All There " +
	"Folks Guys Colleagues Sir Madam Zusammen Leute Tous Toutes Again Both Finance Accounting Accounts Sales Marketing " +
	"Legal Payroll Reception Facilities Procurement Operations Security Engineering Management Board Hr Monday Tuesday " +
	"Wednesday Thursday Friday Saturday Sunday January February March April May June July August September October " +
	"November December Lundi Mardi Mercredi Jeudi Vendredi Montag Dienstag Mittwoch Donnerstag Freitag Today Tomorrow " +
	"Yesterday Morning Afternoon Evening Hallo Guten Tag Viele Mit Liebe Grüße Gruß Danke Bitte Sehr Any Anyone Someone " +
	"Network Wifi Wi-Fi Password Account Email Mail Phone Mobile Monitor Screen Keyboard Mouse Vpn Building Floor Room " +
	"London Paris Berlin Munich Lyon Hamburg Manchester Europe France Germany England English French German Spanish " +
	"Italian Dutch Spain Italy Boston Chicago Texas Friend Friends Manager Director Sent From Subject Regarding Re Fwd " +
	"Could Can Would Will Should Did Does Do Is Are Was Were When Where Why How What Who Which Since After Before If Also " +
	"But And Or So Our My Your We It Its There Here Then Now Just Only Still Maybe Perhaps Sorry Quick Urgent Note "

// mailboxWords are e-mail local-part words that name a role mailbox, not a
// person.
const mailboxWords = " info support admin sales contact help helpdesk service servicedesk noreply no reply office team " +
	"security billing accounts accounting finance reception mail webmaster postmaster alerts alert notifications " +
	"compta rh hr it ops devops jobs careers press marketing news newsletter hello london paris berlin "

// commonFirstNames is a built-in list of common first names in English,
// French and German. Names that are also everyday words ("Will", "May",
// "Mark") are left out.
const commonFirstNames = " Aaron Adam Adrian Adrien Agnès Aidan Alain Alan Alex Alexander Alexandra Alexandre Alice Alicia " +
	"Alison Amanda Amélie Amy Andrea Andreas Andrew Angela Anna Anne Annika Anthony Antoine Antonia Arthur Audrey " +
	"Barbara Ben Benjamin Bernard Bernd Brian Camille Carla Carlos Caroline Catherine Charles Charlotte Chloé Chloe " +
	"Chris Christian Christina Christine Christopher Claire Claude Claudia Colin Daniel Daniela David Deborah Denise " +
	"Dennis Dieter Dominique Dorothy Edward Elena Elisabeth Elizabeth Ella Emily Emma Emmanuel Eric Erik Eva Fabian " +
	"Felix Fiona Florian François Françoise Gabriel Gareth Gary George Georges Gérard Gregory Greta Günter Hannah Hans " +
	"Heike Heinz Helen Helena Hélène Henri Henry Isabelle Jacob Jacqueline Jacques James Jan Jana Jane Jason Jean " +
	"Jeanne Jennifer Jens Jessica Joanna Johann Johannes John Jonas Jonathan Joseph Joshua Jörg Judith Julia Julie " +
	"Julien Jürgen Karen Karin Karl Katharina Kathrin Katie Kevin Klaus Laura Laurent Lea Léa Leon Linda Lisa Louis " +
	"Louise Luc Lucas Lucy Lukas Manon Manuel Marc Marcus Margaret Maria Marie Marion Markus Martin Martina Mary " +
	"Mathieu Matthew Matthias Maximilian Melanie Michael Michel Michelle Monika Nadia Nadine Natalie Nathalie Nicolas " +
	"Nicole Niklas Nina Oliver Olivia Olivier Oscar Pascal Patricia Patrick Paul Peter Petra Philippe Pierre Rachel " +
	"Ralf Rebecca Richard Robert Ryan Sabine Sam Samuel Sandra Sarah Sascha Sébastien Simon Sophie Stefan Stefanie " +
	"Stephanie Stephen Steven Susan Susanne Sven Sylvie Thomas Thibault Tim Timothy Tobias Tom Torsten Ursula Valérie " +
	"Vanessa Victor Vincent Virginie Walter Wolfgang Yann Yannick Yvonne Zoe Zoé "

// namePattern is a context pattern for names. Its name phrases are the
// submatches.
type namePattern struct {
	re *regexp.Regexp
	// stems, when set, are the lower-case starts of the pattern's
	// leading words: re is anchored and only tried where a stem occurs.
	stems []string
	// lineStart limits stem hits to the start of a line.
	lineStart bool
	// need, when set, must occur in the text for re to be tried.
	need string
}

// matches returns the submatch indexes of p in text.
func (p namePattern) matches(text, lower string) [][]int {
	if p.need != "" && !strings.Contains(text, p.need) {
		return nil
	}
	if len(p.stems) == 0 {
		return p.re.FindAllStringSubmatchIndex(text, -1)
	}
	var out [][]int
	for _, at := range stemHits(text, lower, p.stems) {
		if p.lineStart && strings.TrimLeft(text[strings.LastIndexByte(text[:at], '\n')+1:at], " \t") != "" {
			continue
		}
		m := p.re.FindStringSubmatchIndex(text[at:min(len(text), at+200)])
		if m == nil {
			continue
		}
		for i := range m {
			if m[i] >= 0 {
				m[i] += at
			}
		}
		out = append(out, m)
	}
	return out
}

// nameMatcher finds person names.
type nameMatcher struct {
	contexts  []namePattern
	phrase    *regexp.Regexp
	lastLine  *regexp.Regexp
	emailUser *regexp.Regexp
	possessed *regexp.Regexp
}

// newNameMatcher compiles the name heuristics.
func newNameMatcher() *nameMatcher {
	mc := regexp.MustCompile
	m := &nameMatcher{
		contexts: []namePattern{
			{re: mc(`(?m)(?:^|[.!?][ \t]+)[ \t]*` + greetings + `[ \t]+(?:` + titles + `[ \t]+)?(` + namePhrase + `)(?:[ \t]+(?:and|&|und|et)[ \t]+(` + namePhrase + `))?[ \t]*(?:[,!:;.\n]|$)`)},
			{re: mc(`\b` + titles + `[ \t]+(` + namePhrase + `)`)},
			{re: mc(`(?m)^[ \t]*` + signOffs + `[ \t]*[,.!]*[ \t]*(?:\r?\n[ \t]*)?(` + namePhrase + `)[ \t]*(?:[,(|–-][^\n]*)?\r?$`)},
			{re: mc(`(?m)^--[ \t]*\r?\n[ \t]*(` + namePhrase + `)[ \t]*\r?$`)},
			{re: mc(`(?m)(?:^|[,.!?][ \t]+)(` + namePhrase + `)[ \t]+here\b`), need: "here"},
			{re: mc(`^(?i:my name is|my name's|i am called|je m'appelle|je me nomme|ich heiße|ich heisse|mein name ist)[ \t]+(` + namePhrase + `)`), stems: []string{"my", "i am", "je m", "ich hei", "mein"}},
			{re: mc(`^(?i:i am|i'm|this is|je suis|ich bin|hier ist|here is|c'est)[ \t]+(` + namePhrase + `)(?:[ \t]*,|[ \t]+(?i:from|in|at|here|speaking|de|du|aus|von|vom)\b)`), stems: []string{"i am", "i'm", "this is", "je suis", "ich bin", "hier ist", "here is", "c'est"}},
			{re: mc(`^(?i:` + relationWords + `)[ \t]*:?[ \t]+(` + namePhrase + `)`), stems: []string{
				"colleague", "coworker", "co-worker", "manager", "supervisor", "my boss", "requested", "reported",
				"raised", "on behalf", "assigned", "new ", "collègue", "kolleg", "ask", "cc", "called", "spoke",
				"talked", "neighbo", "husband", "wife", "partner", "son", "daughter", "brother", "sister", "friend",
				"intern", "trainee", "appren", "contractor", "consultant", "stagiaire", "praktikant", "azubi"}},
			// "Tomasz from the infra team", "Anna in accounting".
			{re: mc(`(` + namePhrase + `)[ \t]+(?:from|in|at|of)[ \t]+(?:the[ \t]+|our[ \t]+)?(?:[\p{L}-]+[ \t]+){0,2}(?:team|department|dept|office|group|desk)\b`), need: " from "},
			{re: mc(`^(?i:from|to|cc|requester|caller|contact|user|employee|name|nom|requested for)[ \t]*:[ \t]*(` + namePhrase + `)`), stems: []string{"from", "to", "cc", "requester", "caller", "contact", "user", "employee", "name", "nom", "requested"}, lineStart: true},
			{re: mc(`(` + namePhrase + `)[ \t]*[<(][^>)\s]+@`), need: "@"},
		},
		phrase:    mc(namePhrase),
		lastLine:  mc(`^[ \t]*(` + namePhrase + `)[ \t]*\r?$`),
		emailUser: mc(`([A-Za-z][A-Za-z._-]*)@[A-Za-z0-9-]+\.`),
		possessed: mc(`['’]s$`),
	}
	return m
}

// compileKnownNames builds one pattern matching any of the names: each
// full name case-insensitively, its usual login forms (jsmith, j.smith,
// john.smith) and each part of two letters or more case-sensitively. It
// returns nil when names is empty.
func compileKnownNames(names []string) *regexp.Regexp {
	var alts []string
	for _, n := range names {
		parts := strings.Fields(n)
		if len(parts) == 0 {
			continue
		}
		quoted := make([]string, len(parts))
		for i, p := range parts {
			quoted[i] = regexp.QuoteMeta(p)
		}
		if len(parts) > 1 {
			first, last := quoted[0], quoted[len(quoted)-1]
			alts = append(alts, `(?i:`+strings.Join(quoted, `[ \t]+`)+`)`,
				// Usual login names: jsmith, j.smith, john.smith.
				`(?i:`+first+`\.`+last+`)`,
				`(?i:`+regexp.QuoteMeta(string([]rune(parts[0])[0]))+`\.?`+last+`)`)
		}
		for i, p := range parts {
			if len([]rune(p)) >= 2 {
				alts = append(alts, quoted[i])
			}
		}
	}
	if len(alts) > 0 {
		// Longest alternatives first so full names win over their parts.
		slices.SortStableFunc(alts, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
		alts = slices.Compact(alts)
		return regexp.MustCompile(strings.Join(alts, "|"))
	}
	return nil
}

// trimPhrase cuts a name phrase at its first stop word and drops a
// trailing possessive "'s", returning the new end offset (or start when
// nothing is left).
func (m *nameMatcher) trimPhrase(text string, start, end int) (int, int) {
	phrase := text[start:end]
	if loc := m.possessed.FindStringIndex(phrase); loc != nil {
		phrase = phrase[:loc[0]]
	}
	// Skip leading stop words, stop at the first later one.
	words := strings.FieldsFunc(phrase, func(r rune) bool { return r == ' ' || r == '\t' })
	cursor := 0
	newStart, newEnd := -1, -1
	for _, w := range words {
		i := strings.Index(phrase[cursor:], w) + cursor
		cursor = i + len(w)
		stop := strings.Contains(nameStopWords, " "+w+" ")
		if newStart < 0 {
			if stop {
				continue
			}
			newStart = i
			newEnd = cursor
			continue
		}
		if stop {
			break
		}
		newEnd = cursor
	}
	if newStart < 0 {
		return start, start
	}
	// A particle such as "de" cannot end a name.
	for {
		tail := phrase[newStart:newEnd]
		sp := strings.LastIndexAny(tail, " \t")
		if sp < 0 || unicode.IsUpper([]rune(tail[sp+1:])[0]) {
			break
		}
		newEnd = newStart + sp
	}
	return start + newStart, start + newEnd
}

// find reports names in text: those matched by known (the caller's list,
// may be nil) and those found by the heuristics.
func (m *nameMatcher) find(text string, known *regexp.Regexp, add addFunc) {
	emit := func(s, e int) {
		s, e = m.trimPhrase(text, s, e)
		if e > s {
			add(KindName, s, e)
		}
	}
	if known != nil {
		for _, loc := range known.FindAllStringIndex(text, -1) {
			if isWordRune(runeBefore(text, loc[0])) || isWordRune(runeAfter(text, loc[1])) {
				continue
			}
			add(KindName, loc[0], loc[1])
		}
	}
	lower := asciiLower(text)
	for _, p := range m.contexts {
		for _, loc := range p.matches(text, lower) {
			for g := 1; 2*g+1 < len(loc); g++ {
				if loc[2*g] >= 0 {
					emit(loc[2*g], loc[2*g+1])
				}
			}
		}
	}
	// A short last line on its own, after other text, is usually a
	// signature.
	trimmed := strings.TrimRight(text, " \t\r\n")
	if nl := strings.LastIndexByte(trimmed, '\n'); nl >= 0 {
		if loc := m.lastLine.FindStringSubmatchIndex(trimmed[nl+1:]); loc != nil {
			emit(nl+1+loc[2], nl+1+loc[3])
		}
	}
	// Words of e-mail local parts ("m.rossi@") name people mentioned
	// nearby ("Marco Rossi").
	var fromEmails []string
	for _, sm := range m.emailUser.FindAllStringSubmatch(text, -1) {
		for _, w := range strings.FieldsFunc(sm[1], func(r rune) bool { return r == '.' || r == '_' || r == '-' }) {
			w = strings.ToLower(w)
			if len(w) >= 3 && !strings.Contains(mailboxWords, " "+w+" ") {
				fromEmails = append(fromEmails, w)
			}
		}
	}
	// Capitalised phrases that start with a common first name or contain
	// a word seen in an e-mail address.
	for _, loc := range m.phrase.FindAllStringIndex(text, -1) {
		if isWordRune(runeBefore(text, loc[0])) || runeBefore(text, loc[0]) == '@' || runeAfter(text, loc[1]) == '@' {
			continue
		}
		phrase := text[loc[0]:loc[1]]
		if slices.ContainsFunc(strings.Fields(phrase), func(w string) bool {
			return slices.Contains(fromEmails, strings.ToLower(w))
		}) {
			emit(loc[0], loc[1])
			continue
		}
		cursor := 0
		for _, w := range strings.Fields(phrase) {
			i := strings.Index(phrase[cursor:], w) + cursor
			cursor = i + len(w)
			if strings.Contains(commonFirstNames, " "+strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "’s")+" ") {
				emit(loc[0]+i, loc[1])
				break
			}
		}
	}
}
