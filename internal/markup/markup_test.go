package markup

import (
	"strings"
	"testing"
)

func TestHTMLIsSafe(t *testing.T) {
	r := New()
	cases := []struct{ in, must, mustNot string }{
		{"**bold** and `code`", "<strong>bold</strong>", ""},
		{"<script>alert(1)</script>", "", "<script"},
		{"[x](javascript:alert(1))", "", "javascript:"},
		{"<img src=x onerror=alert(1)>", "", "onerror"},
		{"| a | b |\n|---|---|\n| 1 | 2 |", "<table>", ""},
		{"[site](https://intranet.example/kb)", `rel="nofollow`, ""},
	}
	for _, c := range cases {
		got := string(r.HTML(c.in))
		if c.must != "" && !strings.Contains(got, c.must) {
			t.Errorf("%q -> %q lacks %q", c.in, got, c.must)
		}
		if c.mustNot != "" && strings.Contains(strings.ToLower(got), c.mustNot) {
			t.Errorf("%q -> %q contains %q", c.in, got, c.mustNot)
		}
	}
}

func FuzzMarkdown(f *testing.F) {
	for _, s := range []string{"# h", "<script>x</script>", "[a](javascript:x)", "![i](data:text/html,<script>)", "<a href=\"x\" onclick=\"y\">z</a>"} {
		f.Add(s)
	}
	r := New()
	f.Fuzz(func(t *testing.T, s string) {
		out := strings.ToLower(string(r.HTML(s)))
		for _, bad := range []string{"<script", "javascript:", " onerror=", " onclick=", " onload="} {
			if strings.Contains(out, bad) {
				t.Fatalf("unsafe output for %q: %s", s, out)
			}
		}
	})
}
