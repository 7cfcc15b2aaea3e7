package email

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk/connector"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseFixture(t *testing.T, name string) connector.Inbound {
	t.Helper()
	in, err := Parse(readFixture(t, name))
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	// Every email is a direct message to the desk.
	if in.Visibility != connector.Direct || !in.Mentioned {
		t.Errorf("%s: Visibility=%q Mentioned=%v, want direct and true", name, in.Visibility, in.Mentioned)
	}
	return in
}

func eq[T comparable](t *testing.T, field string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %#v, want %#v", field, got, want)
	}
}

func TestParsePlain(t *testing.T) {
	in := parseFixture(t, "plain.eml")
	eq(t, "ExternalID", in.ExternalID, "CAF3x9=plain.1@mail.example.org")
	eq(t, "ThreadID", in.ThreadID, "CAF3x9=plain.1@mail.example.org")
	eq(t, "ReplyTo", in.ReplyTo, "")
	eq(t, "Author.ID", in.Author.ID, "ann.smith@example.org")
	eq(t, "Author.Email", in.Author.Email, "Ann.Smith@Example.org")
	eq(t, "Author.Name", in.Author.Name, "Ann Smith")
	eq(t, "Subject", in.Subject, "Printer on floor 3 is jammed")
	eq(t, "HTML", in.HTML, "")
	if !strings.HasPrefix(in.Text, "Hi,\n\nthe printer next to the kitchen") || !strings.HasSuffix(in.Text, "Thanks,\nAnn") {
		t.Errorf("Text = %q", in.Text)
	}
	want := time.Date(2025, 3, 3, 8, 14, 2, 0, time.UTC)
	if !in.SentAt.Equal(want) {
		t.Errorf("SentAt = %v, want %v", in.SentAt, want)
	}
	if len(in.Attachments) != 0 {
		t.Errorf("Attachments = %d, want 0", len(in.Attachments))
	}
}

func TestParseHTMLOnly(t *testing.T) {
	in := parseFixture(t, "html-only.eml")
	eq(t, "Author.Name", in.Author.Name, "Bob Jones")
	eq(t, "Text", in.Text, "Hello,\n\nmy VPN drops every 10 minutes. The log is on the wiki (https://wiki.example.net/vpn).\n\nBob")
	for _, bad := range []string{"<script", "onclick", "alert", "<style"} {
		if strings.Contains(in.HTML, bad) {
			t.Errorf("sanitised HTML still contains %q: %s", bad, in.HTML)
		}
	}
	if !strings.Contains(in.HTML, `href="https://wiki.example.net/vpn"`) || !strings.Contains(in.HTML, "<b>VPN</b>") {
		t.Errorf("sanitised HTML lost safe markup: %s", in.HTML)
	}
}

func TestParseAlternative(t *testing.T) {
	in := parseFixture(t, "alternative.eml")
	eq(t, "Subject", in.Subject, "Bestellung von Läptops")
	eq(t, "Author.Name", in.Author.Name, "Renée Müller")
	// text/plain is preferred over the HTML part for Text.
	eq(t, "Text", in.Text, "Grüße, bitte zwei neue Laptops für das Team bestellen.")
	if !strings.Contains(in.HTML, "<em>zwei</em>") {
		t.Errorf("HTML = %q, want the HTML alternative", in.HTML)
	}
}

func TestParseAttachment(t *testing.T) {
	in := parseFixture(t, "attachment.eml")
	eq(t, "Text", in.Text, "Please find the invoice attached.")
	if len(in.Attachments) != 1 {
		t.Fatalf("Attachments = %+v, want 1", in.Attachments)
	}
	a := in.Attachments[0]
	eq(t, "Name", a.Name, "invoice-2025-031.pdf")
	eq(t, "ContentType", a.ContentType, "application/pdf")
	eq(t, "Inline", a.Inline, false)
	if !bytes.HasPrefix(a.Data, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(a.Data, []byte("%%EOF\n")) {
		t.Errorf("Data = %q, want the decoded PDF", a.Data)
	}
}

func TestParseInlineImage(t *testing.T) {
	in := parseFixture(t, "inline-image.eml")
	eq(t, "Text", in.Text, "The accounting app shows this error: [image: screenshot]")
	if !strings.Contains(in.HTML, `src="cid:shot1@example.org"`) {
		t.Errorf("HTML lost the cid: image reference: %s", in.HTML)
	}
	if len(in.Attachments) != 1 {
		t.Fatalf("Attachments = %+v, want 1", in.Attachments)
	}
	a := in.Attachments[0]
	eq(t, "ContentType", a.ContentType, "image/png")
	eq(t, "ContentID", a.ContentID, "shot1@example.org")
	eq(t, "Inline", a.Inline, true)
	eq(t, "Name", a.Name, "shot.png")
	if !bytes.HasPrefix(a.Data, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("Data does not start with the PNG signature: %q", a.Data[:8])
	}
}

func TestParseCharsets(t *testing.T) {
	in := parseFixture(t, "iso-8859-1.eml")
	eq(t, "Subject", in.Subject, "Problème de connexion à la messagerie")
	eq(t, "Author.Name", in.Author.Name, "François Léger")
	eq(t, "Text", in.Text, "Bonjour, je n'arrive plus à me connecter. Mot de passe expiré ?\nMerci d'avance, François")

	in = parseFixture(t, "windows-1252.eml")
	eq(t, "Subject", in.Subject, "Quotes in the \u201cshared\u201d drive")
	eq(t, "Text", in.Text, "The \u201cshared\u201d drive costs \u20ac 5 per month \u2013 is that right?")
}

func TestParseReply(t *testing.T) {
	in := parseFixture(t, "reply.eml")
	eq(t, "ExternalID", in.ExternalID, "CAF3x9=reply.2@mail.example.org")
	eq(t, "ReplyTo", in.ReplyTo, "desk.1042.1@desk.example")
	if want := []string{"CAF3x9=plain.1@mail.example.org", "desk.1042.1@desk.example"}; !slices.Equal(in.References, want) {
		t.Errorf("References = %q, want %q", in.References, want)
	}
	eq(t, "ThreadID", in.ThreadID, "CAF3x9=plain.1@mail.example.org")
	// The attribution (wrapped over two lines) and the quote are gone from
	// Text but kept in HTML.
	eq(t, "Text", in.Text, "It works again, thank you!")
	for _, keep := range []string{"we cleared the jam", "wrote:", "&gt; Hi Ann,"} {
		if !strings.Contains(in.HTML, keep) {
			t.Errorf("HTML lost %q: %s", keep, in.HTML)
		}
	}
}

func TestParseMalformed(t *testing.T) {
	in := parseFixture(t, "malformed.eml")
	eq(t, "Author.ID", in.Author.ID, "frank@example.org")
	eq(t, "Text", in.Text, "The headers of this message are broken but the body is readable.")
	if want := []string{"ok.ref@example.org"}; !slices.Equal(in.References, want) {
		t.Errorf("References = %q, want %q", in.References, want)
	}
	if in.ExternalID == "" {
		t.Error("ExternalID is empty")
	}
	if !strings.Contains(in.Subject, "unterminated") {
		t.Errorf("Subject = %q, want the raw text kept", in.Subject)
	}
	if !in.SentAt.IsZero() {
		t.Errorf("SentAt = %v, want zero for an unparsable date", in.SentAt)
	}
}

func TestParseSynthesisesStableID(t *testing.T) {
	raw := readFixture(t, "no-message-id.eml")
	a, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(a.ExternalID, "@"+syntheticIDDomain) || len(a.ExternalID) < 32 {
		t.Fatalf("ExternalID = %q, want a made-up id", a.ExternalID)
	}
	// The same message, with an extra trace header and CRLF line ends as
	// another fetch might return it, gets the same id.
	again := append([]byte("Received: from relay.example by mx\r\n"), bytes.ReplaceAll(raw, []byte("\n"), []byte("\r\n"))...)
	b, err := Parse(again)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "ExternalID of refetched message", b.ExternalID, a.ExternalID)
	// A different body gives a different id.
	c, err := Parse(bytes.Replace(raw, []byte("sets no"), []byte("omits the"), 1))
	if err != nil {
		t.Fatal(err)
	}
	if c.ExternalID == a.ExternalID {
		t.Error("different messages got the same made-up id")
	}
}

func TestParseRejectsGarbage(t *testing.T) {
	if _, err := Parse([]byte("no header block here")); err == nil {
		t.Error("Parse accepted a message without a header block")
	}
}

func TestStripQuoted(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"none", "Just text.\n", "Just text."},
		{"attribution", "Thanks!\n\nOn Tue, Mar 4, 2025 at 9:00 AM Desk <d@x> wrote:\n> old\n> older\n", "Thanks!"},
		{"german", "Danke\n\nAm 04.03.2025 um 09:00 schrieb Desk <d@x>:\n> alt\n", "Danke"},
		{"interleaved", "> question one\nanswer one\n> question two\nanswer two", "answer one\nanswer two"},
		{"outlook", "Done.\n\n-----Original Message-----\nFrom: Desk\nSent: today\n\nold text", "Done."},
		{"unquoted attribution kept", "On Monday he wrote:\nthe lights are off", "On Monday he wrote:\nthe lights are off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := StripQuoted(tt.in); got != tt.want {
				t.Errorf("StripQuoted(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".eml") {
			f.Add(readFixture(f, e.Name()))
		}
	}
	f.Add([]byte("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: multipart/alternative; boundary=y\r\n\r\n--y\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		in, err := Parse(raw)
		if err != nil {
			return
		}
		if in.ExternalID == "" {
			t.Error("parsed message has no ExternalID")
		}
	})
}
