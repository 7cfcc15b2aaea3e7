package email

import (
	"regexp"
	"strings"
)

// attribution matches the line mail clients put above quoted history, such
// as "On Mon, 3 Mar 2025 at 10:00, Ann <ann@example.org> wrote:". Some
// clients wrap it over two lines, so the test is applied to a line joined
// with the next one as well.
var attribution = regexp.MustCompile(`(?i)^(on|le|el|op|il)\s.{3,300}\s(wrote|a écrit|escribió|schreef|ha scritto)\s?:$|^(?i:am)\s.{3,300}\s(?i:schrieb)\s.{1,300}:$`)

// outlookSeparator matches the header block Outlook puts above history.
var outlookSeparator = regexp.MustCompile(`^-{2,}\s*(Original Message|Ursprüngliche Nachricht)\s*-{2,}$`)

// StripQuoted removes quoted reply history from a plain-text body: an
// attribution line ("On ... wrote:") followed by quoted lines, every line
// starting with ">", and an Outlook "Original Message" block with all that
// follows it. Text that is not clearly marked as a quote is kept. Trailing
// blank lines are trimmed.
func StripQuoted(text string) string {
	lines := strings.Split(text, "\n")
	out := make([]string, 0, len(lines))
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], " \t")
		trimmed := strings.TrimSpace(line)
		if outlookSeparator.MatchString(trimmed) {
			break
		}
		if strings.HasPrefix(trimmed, ">") {
			continue
		}
		if n := attributionLen(lines, i); n > 0 {
			i += n - 1
			continue
		}
		out = append(out, line)
	}
	// Collapse the blank lines the removed blocks leave behind.
	joined := strings.Join(out, "\n")
	for strings.Contains(joined, "\n\n\n") {
		joined = strings.ReplaceAll(joined, "\n\n\n", "\n\n")
	}
	return strings.TrimSpace(joined)
}

// attributionLen reports how many lines starting at i form an attribution
// that is followed (after blank lines) by a quoted line, or 0.
func attributionLen(lines []string, i int) int {
	n := 0
	first := strings.TrimSpace(lines[i])
	switch {
	case attribution.MatchString(first):
		n = 1
	case i+1 < len(lines) && attribution.MatchString(first+" "+strings.TrimSpace(lines[i+1])):
		n = 2
	default:
		return 0
	}
	for j := i + n; j < len(lines); j++ {
		t := strings.TrimSpace(lines[j])
		if t == "" {
			continue
		}
		if strings.HasPrefix(t, ">") {
			return n
		}
		return 0
	}
	return 0
}
