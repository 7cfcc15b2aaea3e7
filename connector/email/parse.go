package email

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"io"
	"mime"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // ISO-8859-x, windows-125x and other character sets
	gomail "github.com/emersion/go-message/mail"
	"github.com/microcosm-cc/bluemonday"

	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/connector/email/htmltext"
)

// maxPartBytes caps how much of one MIME part Parse reads, so a hostile
// message cannot exhaust memory.
const maxPartBytes = 25 << 20

// syntheticIDDomain ends the Message-ID that Parse makes up for a message
// that has none.
const syntheticIDDomain = "socialdesk.invalid"

// Parse turns one raw RFC 5322 message into an Inbound. Channel is left
// empty for the caller to fill in.
//
// The Message-ID (without angle brackets) becomes ExternalID; a message
// without one gets a stable made-up id derived from its headers and body.
// In-Reply-To becomes ReplyTo, References the ancestors (nearest last) and
// ThreadID the first reference, or the message's own id when it starts a
// thread. The text/plain body is preferred for Text, with quoted reply
// history ("On ... wrote:" followed by "> " lines) removed; an HTML-only
// message is converted to text. HTML holds the HTML body sanitised with
// bluemonday's UGC policy, or, when quoted history was removed from a plain
// text message, the full text escaped in a <pre> block so the history stays
// readable. Attachments and inline images are returned with their content
// types.
//
// Parse fails only when the header block cannot be read at all; malformed
// individual fields are skipped.
func Parse(raw []byte) (connector.Inbound, error) {
	ent, err := message.Read(bytes.NewReader(raw))
	if ent == nil {
		return connector.Inbound{}, fmt.Errorf("email: read message header: %w", err)
	}
	h := gomail.Header{Header: ent.Header}
	in := connector.Inbound{
		Visibility: connector.Direct,
		Mentioned:  true,
	}

	in.Subject = headerText(h, "Subject")
	in.Author = parseAuthor(h)
	if t, err := h.Date(); err == nil {
		in.SentAt = t
	} else if t, ok := lenientDate(h.Get("Date")); ok {
		in.SentAt = t
	}
	in.ReplyTo = firstMsgID(h, "In-Reply-To")
	in.References = msgIDs(h, "References")
	if in.ReplyTo != "" && (len(in.References) == 0 || in.References[len(in.References)-1] != in.ReplyTo) {
		// Some clients set only In-Reply-To; the parent is the nearest
		// ancestor either way.
		in.References = append(in.References, in.ReplyTo)
	}

	var b bodies
	walkErr := ent.Walk(func(path []int, part *message.Entity, err error) error {
		if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
			return err
		}
		return b.add(part)
	})
	if walkErr != nil && b.empty() {
		// A broken multipart structure: keep whatever header data we have
		// and treat the raw body as text so nothing is silently lost.
		if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
			b.plain = string(raw[i+4:])
		} else if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
			b.plain = string(raw[i+2:])
		}
	}

	in.Attachments = b.attachments
	if b.html != "" {
		in.HTML = sanitizer().Sanitize(b.html)
	}
	full := b.plain
	if strings.TrimSpace(full) == "" && b.html != "" {
		full = htmltext.Convert(b.html)
	}
	full = normaliseNewlines(full)
	in.Text = StripQuoted(full)
	if in.HTML == "" && in.Text != strings.TrimSpace(full) {
		in.HTML = "<pre>" + html.EscapeString(full) + "</pre>"
	}

	id, _ := h.MessageID()
	if id == "" {
		id = syntheticID(h, full)
	}
	in.ExternalID = id
	if len(in.References) > 0 {
		in.ThreadID = in.References[0]
	} else {
		in.ThreadID = id
	}
	return in, nil
}

// bodies collects the parts of a message while walking it.
type bodies struct {
	plain, html string
	attachments []connector.Attachment
}

func (b *bodies) empty() bool {
	return b.plain == "" && b.html == "" && len(b.attachments) == 0
}

// add classifies one MIME part: the first text/plain and text/html parts
// that are not attachments are the body; everything else that is not a
// multipart container is an attachment.
func (b *bodies) add(part *message.Entity) error {
	mediaType, params, err := part.Header.ContentType()
	if err != nil || mediaType == "" {
		mediaType = "text/plain"
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		return nil
	}
	disp, dparams, _ := part.Header.ContentDisposition()
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	if name != "" {
		if dec, err := new(mime.WordDecoder).DecodeHeader(name); err == nil {
			name = dec
		}
	}
	contentID := strings.Trim(part.Header.Get("Content-Id"), "<> \t")

	data, err := io.ReadAll(io.LimitReader(part.Body, maxPartBytes))
	if err != nil && len(data) == 0 {
		// An undecodable part (broken base64, say) is dropped rather than
		// failing the whole message.
		return nil
	}

	isAttachment := disp == "attachment" || (name != "" && disp != "inline") ||
		(contentID != "" && !strings.HasPrefix(mediaType, "text/"))
	if !isAttachment {
		switch mediaType {
		case "text/plain":
			if b.plain == "" {
				b.plain = string(data)
				return nil
			}
		case "text/html":
			if b.html == "" {
				b.html = string(data)
				return nil
			}
		}
		if !strings.HasPrefix(mediaType, "text/") {
			isAttachment = true
		}
	}
	if !isAttachment {
		return nil
	}
	b.attachments = append(b.attachments, connector.Attachment{
		Name:        name,
		ContentType: mediaType,
		Data:        data,
		Inline:      contentID != "" && disp != "attachment",
		ContentID:   contentID,
	})
	return nil
}

// sanitizer returns the policy applied to incoming HTML: bluemonday's UGC
// policy, plus cid: image sources so inline images still resolve.
func sanitizer() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("mailto", "http", "https", "cid")
	return p
}

// headerText returns a header field with RFC 2047 encoded words decoded,
// or the raw value when decoding fails.
func headerText(h gomail.Header, key string) string {
	s, err := h.Text(key)
	if err != nil {
		s = h.Get(key)
	}
	return strings.TrimSpace(s)
}

// parseAuthor reads From, falling back to Sender and to a lenient parse of
// malformed addresses.
func parseAuthor(h gomail.Header) connector.Author {
	for _, key := range []string{"From", "Sender", "Reply-To"} {
		raw := h.Get(key)
		if raw == "" {
			continue
		}
		if addrs, err := h.AddressList(key); err == nil && len(addrs) > 0 {
			return author(addrs[0].Name, addrs[0].Address)
		}
		if a, err := (&mail.AddressParser{WordDecoder: &mime.WordDecoder{}}).Parse(raw); err == nil {
			return author(a.Name, a.Address)
		}
		if m := bareAddress.FindString(raw); m != "" {
			name := strings.TrimSpace(strings.Trim(strings.Replace(raw, m, "", 1), `<>" `))
			return author(name, m)
		}
	}
	return connector.Author{}
}

var bareAddress = regexp.MustCompile(`[A-Za-z0-9._%+\-=']+@[A-Za-z0-9.\-]+`)

func author(name, addr string) connector.Author {
	addr = strings.TrimSpace(addr)
	return connector.Author{
		ID:    strings.ToLower(addr),
		Name:  strings.TrimSpace(name),
		Email: addr,
	}
}

// msgIDs parses a list of message ids, tolerating malformed lists by
// picking out whatever looks like <id>.
func msgIDs(h gomail.Header, key string) []string {
	if ids, err := h.MsgIDList(key); err == nil {
		return ids
	}
	var ids []string
	for _, m := range looseMsgID.FindAllStringSubmatch(h.Get(key), -1) {
		ids = append(ids, m[1])
	}
	return ids
}

var looseMsgID = regexp.MustCompile(`<([^<>\s]+)>`)

func firstMsgID(h gomail.Header, key string) string {
	ids := msgIDs(h, key)
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

// lenientDate tries layouts seen in the wild that net/mail rejects.
func lenientDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, " ("); i > 0 {
		s = s[:i]
	}
	for _, layout := range []string{
		"Mon, 2 Jan 2006 15:04:05 -0700",
		"Mon, 2 Jan 2006 15:04:05 MST",
		"2 Jan 2006 15:04:05 -0700",
		"Mon, 2 Jan 2006 15:04 -0700",
		"Mon Jan 2 15:04:05 2006",
		time.RFC3339,
		"2006-01-02 15:04:05",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// syntheticID makes a stable Message-ID for a message without one, from
// the fields that identify it, so that fetching it twice yields the same
// id.
func syntheticID(h gomail.Header, body string) string {
	sum := sha256.New()
	for _, key := range []string{"From", "To", "Cc", "Date", "Subject"} {
		fmt.Fprintf(sum, "%s:%s\n", key, strings.Join(strings.Fields(h.Get(key)), " "))
	}
	io.WriteString(sum, strings.TrimSpace(body))
	return hex.EncodeToString(sum.Sum(nil)[:16]) + "@" + syntheticIDDomain
}

func normaliseNewlines(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}
