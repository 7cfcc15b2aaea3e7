package community

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// renderer turns user markdown into HTML: goldmark renders it (raw HTML in
// the source is dropped) and bluemonday's UGC policy, extended for videos,
// sanitises the result.
type renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

var mediaURL = regexp.MustCompile(`^(/kb-media/\d+|https?://[^\s"'<>]+)$`)

func newRenderer() *renderer {
	p := bluemonday.UGCPolicy()
	p.AllowElements("video", "source")
	p.AllowAttrs("controls").Matching(regexp.MustCompile(`^(|controls)$`)).OnElements("video")
	p.AllowAttrs("src").Matching(mediaURL).OnElements("video", "source")
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^video/[a-z0-9.+-]+$`)).OnElements("source")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^redacted$`)).OnElements("mark")
	return &renderer{md: goldmark.New(goldmark.WithExtensions(extension.GFM)), policy: p}
}

func (r *renderer) render(src string) string {
	var buf bytes.Buffer
	if err := r.md.Convert([]byte(src), &buf); err != nil {
		return r.policy.Sanitize("<p>" + src + "</p>")
	}
	return r.policy.Sanitize(buf.String())
}

// PlainText returns the words of a markdown text without its markup
// (headings, emphasis, code marks, link targets), one line per block:
// what search indexes and shows as a snippet.
func PlainText(src string) string {
	source := []byte(src)
	doc := plainParser.Parser().Parse(text.NewReader(source))
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

// plainParser parses markdown for PlainText, with the same extensions as
// the renderer.
var plainParser = goldmark.New(goldmark.WithExtensions(extension.GFM))
