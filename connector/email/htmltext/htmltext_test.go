package htmltext

import "testing"

func TestConvert(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"paragraphs", "<p>Hello   <b>world</b></p><p>Second\nline</p>", "Hello world\n\nSecond line"},
		{"br", "one<br>two<br/>three", "one\ntwo\nthree"},
		{"list", "<ul><li>a</li><li>b</li></ul>", "- a\n- b"},
		{"link", `<p>See <a href="https://example.org/x">the docs</a>.</p>`, "See the docs (https://example.org/x)."},
		{"link same as text", `<a href="https://example.org">https://example.org</a>`, "https://example.org"},
		{"mastodon mention", `<p><span class="h-card"><a href="https://h.example/@desk" class="u-url mention">@<span>desk</span></a></span> printer is broken</p>`, "@desk printer is broken"},
		{"hashtag", `<a href="https://h.example/tags/vpn" class="mention hashtag">#<span>vpn</span></a> down`, "#vpn down"},
		{"script dropped", "<script>alert(1)</script><style>p{}</style>text", "text"},
		{"blockquote", "<p>Answer</p><blockquote><p>question</p></blockquote>", "Answer\n\n> question"},
		{"pre", "<pre>a  b\n  c</pre>", "a  b\n  c"},
		{"entities", "<p>Fish &amp; chips &lt;3</p>", "Fish & chips <3"},
		{"broken", "<p>unclosed <b>bold", "unclosed bold"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Convert(tt.in); got != tt.want {
				t.Errorf("Convert(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
