// Package markup renders user-written markdown to safe HTML: goldmark turns
// markdown into HTML and bluemonday's user-content policy removes anything
// that could run script or load from elsewhere.
package markup

import (
	"bytes"
	"html/template"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// markdown parses and renders for both Renderer and PlainText, so that
// the HTML and the plain text of a body see the same markdown: CommonMark
// with GitHub-flavoured tables, strikethrough and autolinks. goldmark is
// safe for concurrent use.
var markdown = goldmark.New(goldmark.WithExtensions(extension.GFM))

// Renderer turns markdown into sanitised HTML. It is safe for concurrent use.
type Renderer struct {
	policy *bluemonday.Policy
}

// New returns a renderer with GitHub-flavoured tables, strikethrough and
// autolinks; raw HTML in the markdown is dropped.
func New() *Renderer {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return &Renderer{policy: p}
}

// HTML renders markdown to sanitised HTML ready for a template.
func (r *Renderer) HTML(src string) template.HTML {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src))
	}
	return template.HTML(r.policy.SanitizeBytes(buf.Bytes()))
}

// PlainText returns the words of a markdown text without its markup
// (headings, emphasis, code marks, link targets), one line per block:
// what search indexes and shows as a snippet.
func PlainText(src string) string {
	source := []byte(src)
	doc := markdown.Parser().Parse(text.NewReader(source))
	var b strings.Builder
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			if n.Type() == ast.TypeBlock && b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
				b.WriteByte('\n')
			}
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Text:
			b.Write(n.Segment.Value(source))
			if n.SoftLineBreak() || n.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(n.Value)
		case *ast.AutoLink:
			b.Write(n.URL(source))
			return ast.WalkSkipChildren, nil
		case *ast.CodeBlock, *ast.FencedCodeBlock:
			lines := n.Lines()
			for i := range lines.Len() {
				seg := lines.At(i)
				b.Write(seg.Value(source))
			}
			return ast.WalkSkipChildren, nil
		case *ast.RawHTML, *ast.HTMLBlock:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return strings.TrimSpace(b.String())
}
