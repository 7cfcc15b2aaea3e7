package community

import (
	"bytes"
	"regexp"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
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
