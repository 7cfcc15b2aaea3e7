package markup

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
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

// unsafeMarkup returns what in rendered HTML could run script: script or
// style elements, event-handler attributes, or javascript: and data: URLs.
func unsafeMarkup(out string) string {
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "style", "iframe", "object", "embed", "base", "meta", "link", "form":
				return "<" + tok.Data + ">"
			}
			for _, a := range tok.Attr {
				v := strings.ToLower(strings.TrimSpace(a.Val))
				if strings.HasPrefix(strings.ToLower(a.Key), "on") || a.Key == "style" {
					return "attribute " + a.Key
				}
				if (a.Key == "href" || a.Key == "src") && (strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "data:") || strings.HasPrefix(v, "vbscript:")) {
					return a.Key + "=" + v
				}
			}
		}
	}
}

func FuzzMarkdown(f *testing.F) {
	for _, s := range []string{"# h", "<script>x</script>", "[a](javascript:x)", "![i](data:text/html,<script>)", "<a href=\"x\" onclick=\"y\">z</a>", "0 onclick="} {
		f.Add(s)
	}
	r := New()
	f.Fuzz(func(t *testing.T, s string) {
		out := string(r.HTML(s))
		if bad := unsafeMarkup(out); bad != "" {
			t.Fatalf("unsafe output (%s) for %q: %s", bad, s, out)
		}
	})
}

func TestUnsafeMarkupDetector(t *testing.T) {
	for _, bad := range []string{`<img src=x onerror=alert(1)>`, `<a href="javascript:x">a</a>`, `<script>x</script>`} {
		if unsafeMarkup(bad) == "" {
			t.Errorf("the detector misses %s", bad)
		}
	}
	if unsafeMarkup(`<p>0 onclick=</p>`) != "" {
		t.Error("plain text that mentions onclick is not markup")
	}
}
