package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/socialdesk/socialdesk/connector"
)

// errNoRecipient is returned by Send when the reply has no address.
var errNoRecipient = errors.New("email: reply has no recipient address")

// sendTimeout bounds one SMTP conversation when ctx has no deadline.
const sendTimeout = 2 * time.Minute

// Send mails a plain-text reply from the desk's From address. The message
// threads in the recipient's mail client: the subject gets a "Re: " prefix,
// In-Reply-To is msg.ReplyTo and References lists msg.ThreadID (the
// thread's first message) and msg.ReplyTo. To is msg.To.Email, or msg.To.ID
// when that is empty. Send returns the new message's Message-ID without
// angle brackets. It implements connector.Sender.
func (c *Connector) Send(ctx context.Context, msg connector.Outbound) (string, error) {
	if c.cfg.SMTPAddr == "" {
		return "", errors.New("email: no SMTPAddr configured")
	}
	to := msg.To.Email
	if to == "" {
		to = msg.To.ID
	}
	if to == "" {
		return "", errNoRecipient
	}
	raw, id, err := c.compose(msg, to, time.Now())
	if err != nil {
		return "", err
	}
	if err := c.submit(ctx, to, raw); err != nil {
		return "", err
	}
	c.log.Debug("sent reply", "message_id", id, "in_reply_to", msg.ReplyTo)
	return id, nil
}

// compose builds the RFC 5322 reply and returns it with its Message-ID.
func (c *Connector) compose(msg connector.Outbound, to string, now time.Time) ([]byte, string, error) {
	from, err := parseAddress(c.cfg.From)
	if err != nil {
		return nil, "", fmt.Errorf("email: bad From address: %w", err)
	}
	var h gomail.Header
	h.SetDate(now)
	h.SetAddressList("From", []*gomail.Address{from})
	h.SetAddressList("To", []*gomail.Address{{Name: msg.To.Name, Address: to}})
	h.SetSubject(ReplySubject(msg.Subject))
	if err := h.GenerateMessageIDWithHostname(domainOf(from.Address)); err != nil {
		return nil, "", fmt.Errorf("email: generate Message-ID: %w", err)
	}
	id, err := h.MessageID()
	if err != nil {
		return nil, "", fmt.Errorf("email: read generated Message-ID: %w", err)
	}
	if msg.ReplyTo != "" {
		h.SetMsgIDList("In-Reply-To", []string{msg.ReplyTo})
		refs := []string{}
		if msg.ThreadID != "" && msg.ThreadID != msg.ReplyTo {
			refs = append(refs, msg.ThreadID)
		}
		refs = append(refs, msg.ReplyTo)
		h.SetMsgIDList("References", refs)
	}
	h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})

	var buf bytes.Buffer
	w, err := gomail.CreateSingleInlineWriter(&buf, h)
	if err != nil {
		return nil, "", fmt.Errorf("email: write header: %w", err)
	}
	body := strings.ReplaceAll(msg.Text, "\r\n", "\n")
	body = strings.ReplaceAll(body, "\n", "\r\n")
	if _, err := w.Write([]byte(body)); err != nil {
		return nil, "", fmt.Errorf("email: write body: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("email: write body: %w", err)
	}
	return buf.Bytes(), id, nil
}

// submit hands raw to the SMTP server for delivery to rcpt.
func (c *Connector) submit(ctx context.Context, rcpt string, raw []byte) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, sendTimeout)
		defer cancel()
	}
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", c.cfg.SMTPAddr)
	if err != nil {
		return fmt.Errorf("email: connect to %s: %w", c.cfg.SMTPAddr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	var cl *smtp.Client
	switch c.cfg.TLS {
	case TLSNone:
		cl = smtp.NewClient(conn)
	case TLSStartTLS:
		cl, err = smtp.NewClientStartTLS(conn, c.tlsConfig(c.cfg.SMTPAddr))
	default:
		cl = smtp.NewClient(tls.Client(conn, c.tlsConfig(c.cfg.SMTPAddr)))
	}
	if err != nil {
		conn.Close()
		return fmt.Errorf("email: start TLS with %s: %w", c.cfg.SMTPAddr, err)
	}
	defer cl.Close()
	if c.cfg.SMTPUser != "" {
		if err := cl.Auth(sasl.NewPlainClient("", c.cfg.SMTPUser, c.cfg.SMTPPassword)); err != nil {
			return fmt.Errorf("email: SMTP auth as %s: %w", c.cfg.SMTPUser, err)
		}
	}
	if err := cl.SendMail(c.from, []string{rcpt}, bytes.NewReader(raw)); err != nil {
		return fmt.Errorf("email: send to %s: %w", rcpt, err)
	}
	if err := cl.Quit(); err != nil {
		c.log.Debug("SMTP QUIT failed", "err", err)
	}
	return nil
}

// ReplySubject returns the subject of a reply to subject: "Re: " is added
// unless it already starts with "Re:" in any case.
func ReplySubject(subject string) string {
	s := strings.TrimSpace(subject)
	if len(s) >= 3 && strings.EqualFold(s[:3], "re:") {
		return s
	}
	if s == "" {
		return "Re: your message"
	}
	return "Re: " + s
}

func parseAddress(s string) (*gomail.Address, error) {
	return gomail.ParseAddress(s)
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 && i < len(addr)-1 {
		return addr[i+1:]
	}
	return "localhost"
}
