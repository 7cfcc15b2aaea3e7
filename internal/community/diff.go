package community

import "strings"

// DiffLine is one line of a line diff: Op is ' ' (same), '-' (only in the
// old text) or '+' (only in the new text).
type DiffLine struct {
	Op   byte
	Text string
}

// Diff compares two texts line by line using a longest common subsequence.
// Texts over 2,000 lines are compared as one removal and one addition.
func Diff(oldText, newText string) []DiffLine {
	a, b := strings.Split(oldText, "\n"), strings.Split(newText, "\n")
	if len(a)*len(b) > 4_000_000 {
		var out []DiffLine
		for _, l := range a {
			out = append(out, DiffLine{'-', l})
		}
		for _, l := range b {
			out = append(out, DiffLine{'+', l})
		}
		return out
	}
	// lcs[i][j] is the LCS length of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []DiffLine
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			out = append(out, DiffLine{' ', a[i]})
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, DiffLine{'-', a[i]})
			i++
		default:
			out = append(out, DiffLine{'+', b[j]})
			j++
		}
	}
	for ; i < len(a); i++ {
		out = append(out, DiffLine{'-', a[i]})
	}
	for ; j < len(b); j++ {
		out = append(out, DiffLine{'+', b[j]})
	}
	return out
}

// Sign returns the line's marker as text: " ", "-" or "+".
func (d DiffLine) Sign() string { return string(d.Op) }

// Class names the change for styling: "same", "del" or "add".
func (d DiffLine) Class() string {
	switch d.Op {
	case '-':
		return "del"
	case '+':
		return "add"
	}
	return "same"
}
