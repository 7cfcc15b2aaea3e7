package demo_test

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// unlabelled lists the form controls of a page that have no accessible
// name: an input, select or textarea without a label (around it, or
// naming its id) and without aria-label or aria-labelledby, and a button
// without text or aria-label. A screen reader announces such a control
// only as "edit text" or "button".
func unlabelled(page string) []string {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return []string{"the page does not parse: " + err.Error()}
	}
	labelFor := map[string]bool{}
	var controls []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "label":
				if f := attr(n, "for"); f != "" {
					labelFor[f] = true
				}
			case "input", "select", "textarea", "button":
				controls = append(controls, n)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	var out []string
	for _, n := range controls {
		if attr(n, "aria-label") != "" || attr(n, "aria-labelledby") != "" {
			continue
		}
		switch typ := attr(n, "type"); {
		case n.Data == "input" && (typ == "hidden" || typ == "submit" && attr(n, "value") != ""):
			continue
		case n.Data == "button":
			if strings.TrimSpace(textOf(n)) == "" {
				out = append(out, describe(n))
			}
			continue
		}
		if labelFor[attr(n, "id")] && attr(n, "id") != "" || inside(n, "label") {
			continue
		}
		out = append(out, describe(n))
	}
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func inside(n *html.Node, tag string) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.Data == tag {
			return true
		}
	}
	return false
}

func textOf(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(textOf(c))
	}
	return b.String()
}

func describe(n *html.Node) string {
	return fmt.Sprintf("<%s name=%q id=%q type=%q>", n.Data, attr(n, "name"), attr(n, "id"), attr(n, "type"))
}

// TestUnlabelled checks the label check itself on small pages.
func TestUnlabelled(t *testing.T) {
	for _, c := range []struct {
		page string
		want int
	}{
		{`<label for="q">Search</label><input id="q" name="q">`, 0},
		{`<label>Search <input name="q"></label>`, 0},
		{`<input name="q" aria-label="Search">`, 0},
		{`<input type="hidden" name="csrf"><button>Send</button><input type="submit" value="Go">`, 0},
		{`<input name="q">`, 1},
		{`<label for="other">Other</label><select id="q"></select><textarea></textarea>`, 2},
		{`<button><svg></svg></button>`, 1},
	} {
		if got := unlabelled(c.page); len(got) != c.want {
			t.Errorf("%s: %v, want %d unlabelled", c.page, got, c.want)
		}
	}
}
