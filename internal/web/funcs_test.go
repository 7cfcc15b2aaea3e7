package web

import "testing"

// TestCountWords checks the template function that writes a number with
// its noun in the right form.
func TestCountWords(t *testing.T) {
	count := (&Server{}).funcs()["count"].(func(int, string, string) string)
	for n, want := range map[int]string{0: "0 answers", 1: "1 answer", 2: "2 answers", 12: "12 answers"} {
		if got := count(n, "answer", "answers"); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}
