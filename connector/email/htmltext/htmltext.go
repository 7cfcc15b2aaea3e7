// Package htmltext turns an HTML fragment or document into readable plain
// text. Connectors use it to fill Inbound.Text when a message arrived only as
// HTML (an HTML-only email, a Mastodon status).
package htmltext

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Convert returns the text of the HTML in s. Paragraphs and other blocks are
// separated by blank lines, <br> becomes a line break, list items start with
// "- ", links whose text differs from their target are followed by the target
// in parentheses (except mentions and hashtags), blockquote lines are prefixed with "> ", and script, style
// and head content is dropped. Whitespace outside <pre> is collapsed. Invalid
// HTML is handled the way a browser would; Convert never fails.
func Convert(s string) string {
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		// html.Parse only fails on reader errors, which a strings.Reader
		// never returns; fall back to the input unchanged.
		return s
	}
	w := &writer{}
	w.walk(doc)
	return w.finish()
}

// writer accumulates text lines while walking the parse tree.
type writer struct {
	lines   []string // finished lines
	cur     strings.Builder
	curPre  string // quote prefix of the current line
	quote   int    // blockquote depth
	pre     int    // <pre> depth
	space   bool   // a space is pending before the next word
	pending int    // line breaks requested before the next text
}

// blockAtoms are elements that start and end on their own lines.
var blockAtoms = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.H1: true, atom.H2: true, atom.H3: true,
	atom.H4: true, atom.H5: true, atom.H6: true, atom.Ul: true, atom.Ol: true,
	atom.Table: true, atom.Tr: true, atom.Blockquote: true, atom.Pre: true,
	atom.Hr: true, atom.Section: true, atom.Article: true, atom.Header: true,
	atom.Footer: true, atom.Dl: true, atom.Dt: true, atom.Dd: true,
	atom.Address: true, atom.Figure: true, atom.Form: true,
}

func (w *writer) walk(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		w.text(n.Data)
		return
	case html.ElementNode:
		switch n.DataAtom {
		case atom.Script, atom.Style, atom.Head, atom.Title, atom.Template, atom.Noscript:
			return
		case atom.Br:
			w.breakLine(1)
			return
		case atom.Img:
			if alt := attr(n, "alt"); alt != "" {
				w.text("[" + alt + "]")
			}
			return
		}
	}

	block := n.Type == html.ElementNode && blockAtoms[n.DataAtom]
	if block {
		w.breakLine(2)
	}
	switch n.DataAtom {
	case atom.Li:
		w.breakLine(1)
		w.startText()
		w.write("- ")
		w.space = false
	case atom.Blockquote:
		w.quote++
		defer func() { w.quote-- }()
	case atom.Pre:
		w.pre++
		defer func() { w.pre-- }()
	case atom.Td, atom.Th:
		if n.PrevSibling != nil {
			w.space = true
		}
	}

	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c)
	}

	if n.DataAtom == atom.A && n.Type == html.ElementNode {
		href := attr(n, "href")
		label := strings.TrimSpace(textOf(n))
		// Mentions (@user) and hashtags (#tag) are links on the fediverse;
		// their targets add nothing for a reader.
		if href != "" && !strings.HasPrefix(href, "#") && label != "" &&
			!strings.HasPrefix(label, "@") && !strings.HasPrefix(label, "#") &&
			strings.TrimPrefix(strings.TrimPrefix(href, "mailto:"), "https://") != strings.TrimPrefix(label, "https://") &&
			!strings.HasSuffix(href, label) {
			w.text(" (" + href + ")")
		}
	}
	if block {
		w.breakLine(2)
	} else if n.DataAtom == atom.Li {
		w.breakLine(1)
	}
}

// text appends character data, collapsing whitespace outside <pre>.
func (w *writer) text(s string) {
	if w.pre > 0 {
		for i, part := range strings.Split(s, "\n") {
			if i > 0 {
				w.flushLine()
			}
			w.startText()
			w.write(part)
		}
		return
	}
	words := strings.Fields(s)
	if len(s) > 0 && isSpace(s[0]) {
		w.space = true
	}
	for i, word := range words {
		if i > 0 {
			w.space = true
		}
		w.startText()
		if w.space && w.cur.Len() > 0 && !strings.HasSuffix(w.cur.String(), " ") {
			w.write(" ")
		}
		w.space = false
		w.write(word)
	}
	if len(s) > 0 && isSpace(s[len(s)-1]) {
		w.space = true
	}
}

// startText emits requested line breaks before new text.
func (w *writer) startText() {
	if w.pending == 0 {
		return
	}
	w.flushLine()
	if w.pending > 1 && len(w.lines) > 0 {
		// A blank separator line keeps the quote marker only inside a quote
		// that continues from the previous line.
		sep, last := strings.TrimRight(w.prefix(), " "), w.lines[len(w.lines)-1]
		if !strings.HasPrefix(last, sep) {
			sep = ""
		}
		if last != sep {
			w.lines = append(w.lines, sep)
		}
	}
	w.pending = 0
	w.space = false
}

// breakLine asks for n line breaks (1: new line, 2: blank line) before the
// next text.
func (w *writer) breakLine(n int) {
	if w.cur.Len() == 0 && len(w.lines) == 0 {
		return
	}
	if n > w.pending {
		w.pending = n
	}
}

// write appends s to the current line, fixing the line's quote prefix when
// the line starts.
func (w *writer) write(s string) {
	if w.cur.Len() == 0 {
		w.curPre = w.prefix()
	}
	w.cur.WriteString(s)
}

func (w *writer) prefix() string {
	return strings.Repeat("> ", w.quote)
}

// flushLine ends the current line.
func (w *writer) flushLine() {
	if w.cur.Len() == 0 {
		return
	}
	w.lines = append(w.lines, strings.TrimRight(w.curPre+w.cur.String(), " "))
	w.cur.Reset()
}

func (w *writer) finish() string {
	w.flushLine()
	out := strings.Join(w.lines, "\n")
	// Trailing whitespace and runs of blank lines left by nested blocks.
	for strings.Contains(out, "\n\n\n") {
		out = strings.ReplaceAll(out, "\n\n\n", "\n\n")
	}
	return strings.TrimSpace(out)
}

func isSpace(b byte) bool {
	return b == ' ' || b == '\n' || b == '\t' || b == '\r' || b == '\f'
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// textOf returns the concatenated text inside n.
func textOf(n *html.Node) string {
	var b strings.Builder
	var visit func(*html.Node)
	visit = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	visit(n)
	return b.String()
}
