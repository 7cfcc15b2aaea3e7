package markup_test

import (
	"sync"
	"testing"

	"github.com/socialdesk/socialdesk/internal/markup"
)

// TestPlainText checks that markdown loses its markup and keeps its words.
func TestPlainText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"## Problem\n\nNo **sound** in *Teams*.", "Problem\nNo sound in Teams."},
		{"Use `corp.example.com` and [the portal](https://portal.example.com).", "Use corp.example.com and the portal."},
		{"1. Start **GlobalProtect**.\n2. Portal: `vpn`.", "Start GlobalProtect.\nPortal: vpn."},
		{"Line one\nline two", "Line one line two"},
		{"See <https://status.example.com>", "See https://status.example.com"},
		{"```\nipconfig /all\n```", "ipconfig /all"},
		{"<script>alert(1)</script>\n\nhello", "hello"},
		{"| a | b |\n|---|---|\n| c | d |", "a\nb\nc\nd"},
		{"", ""},
	} {
		if got := markup.PlainText(c.in); got != c.want {
			t.Errorf("PlainText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// BenchmarkPlainText measures PlainText on a typical answer, against
// copying the same text, the work indexing did before.
func BenchmarkPlainText(b *testing.B) {
	src := "EAP method **PEAP**, phase 2 **MSCHAPV2**, CA certificate **Use system certificates**, domain `corp.example.com`, then your normal sign-in name and password.\n\n1. Open Settings.\n2. Choose [Wi-Fi](https://wiki.example.com/wifi) and CORP-WIFI.\n\nIt works on Android 14 and 15."
	b.Run("copy", func(b *testing.B) {
		for b.Loop() {
			_ = string([]byte(src))
		}
	})
	b.Run("plaintext", func(b *testing.B) {
		for b.Loop() {
			_ = markup.PlainText(src)
		}
	})
}

// TestConcurrentUse: the renderer and PlainText share one parser, which
// the web pages and the search index use from many goroutines at once.
// Under the race detector this fails if the sharing is unsafe; without
// it, it checks that concurrent calls still give the sequential results.
func TestConcurrentUse(t *testing.T) {
	src := "## Problem\n\nThe **VPN** drops; see <https://example.com/vpn>.\n\n| a | b |\n| - | - |\n| 1 | 2 |\n"
	r := markup.New()
	wantHTML, wantText := r.HTML(src), markup.PlainText(src)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if got := r.HTML(src); got != wantHTML {
					t.Errorf("concurrent HTML = %q, want %q", got, wantHTML)
					return
				}
				if got := markup.PlainText(src); got != wantText {
					t.Errorf("concurrent PlainText = %q, want %q", got, wantText)
					return
				}
			}
		})
	}
	wg.Wait()
}
