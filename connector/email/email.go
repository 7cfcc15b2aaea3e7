// Package email is the socialdesk connector for email: it reads a mailbox
// over IMAP and sends replies over SMTP.
//
// Incoming mail is fetched by UID. Each unseen message is parsed (see Parse),
// handed to the Sink, and only after the Sink returns nil is it marked \Seen
// on the server and the position saved in the Cursor. Stream keeps the
// connection open and waits with IMAP IDLE; servers without IDLE are polled
// every PollInterval. Poll does a single pass for pipelines that schedule
// polling themselves.
package email

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/socialdesk/socialdesk/connector"
)

// TLSMode says how the connector secures its IMAP and SMTP connections.
type TLSMode string

// TLS modes.
const (
	// TLSNone sends everything in clear text. Only for local test servers.
	TLSNone TLSMode = "none"
	// TLSStartTLS connects in clear text and upgrades with STARTTLS.
	TLSStartTLS TLSMode = "starttls"
	// TLSImplicit speaks TLS from the first byte (IMAPS port 993,
	// submissions port 465).
	TLSImplicit TLSMode = "tls"
)

// DefaultPollInterval is how often a server without IDLE is polled when
// Config.PollInterval is zero.
const DefaultPollInterval = time.Minute

// Config configures an email connector.
type Config struct {
	// Name is the connector instance name (the channel).
	Name string

	// IMAPAddr is host:port of the IMAP server; IMAPUser and IMAPPassword
	// log in to it. Mailbox is the folder to read, INBOX by default.
	IMAPAddr     string
	IMAPUser     string
	IMAPPassword string
	Mailbox      string

	// TLS applies to both IMAP and SMTP; empty means TLSImplicit.
	TLS TLSMode
	// InsecureSkipVerify disables certificate checks. Only for tests.
	InsecureSkipVerify bool

	// SMTPAddr is host:port of the submission server. SMTPUser and
	// SMTPPassword authenticate with PLAIN when set.
	SMTPAddr     string
	SMTPUser     string
	SMTPPassword string
	// From is the desk's address, as in "Help Desk <help@example.org>".
	From string

	// PollInterval is how often to poll when the server lacks IDLE, and
	// the longest Stream waits in IDLE before checking again.
	PollInterval time.Duration

	// Cursor keeps the mailbox's UIDVALIDITY and the last delivered UID
	// between runs. When nil the position lives in memory only, and the
	// \Seen flag alone prevents redelivery after a restart.
	Cursor connector.Cursor
}

// Connector is an email connector. It implements connector.Connector,
// connector.Streamer, connector.Poller and connector.Sender. Its methods
// may be called from several goroutines, though running Stream and Poll at
// the same time on one mailbox is pointless.
type Connector struct {
	cfg  Config
	from string // bare address parsed from cfg.From
	log  *slog.Logger

	mu  sync.Mutex
	pos position // in-memory position when cfg.Cursor is nil
}

var (
	_ connector.Connector = (*Connector)(nil)
	_ connector.Streamer  = (*Connector)(nil)
	_ connector.Poller    = (*Connector)(nil)
	_ connector.Sender    = (*Connector)(nil)
)

// New checks cfg, fills in defaults and returns a connector. A nil logger
// discards log output.
func New(cfg Config, logger *slog.Logger) (*Connector, error) {
	if cfg.Name == "" {
		return nil, errors.New("email: config needs a Name")
	}
	if cfg.Mailbox == "" {
		cfg.Mailbox = "INBOX"
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSImplicit
	}
	switch cfg.TLS {
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		return nil, fmt.Errorf("email: unknown TLS mode %q (want none, starttls or tls)", cfg.TLS)
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.IMAPAddr == "" && cfg.SMTPAddr == "" {
		return nil, errors.New("email: config needs an IMAPAddr or an SMTPAddr")
	}
	c := &Connector{cfg: cfg, log: logger}
	if cfg.SMTPAddr != "" {
		if cfg.From == "" {
			return nil, errors.New("email: sending needs a From address")
		}
		a, err := parseAddress(cfg.From)
		if err != nil {
			return nil, fmt.Errorf("email: bad From address %q: %w", cfg.From, err)
		}
		c.from = a.Address
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("connector", "email", "channel", cfg.Name)
	return c, nil
}

// Kind returns "email".
func (c *Connector) Kind() string { return "email" }

// Name returns the instance name from the config.
func (c *Connector) Name() string { return c.cfg.Name }

// tlsConfig returns the TLS settings for a connection to addr.
func (c *Connector) tlsConfig(addr string) *tls.Config {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	return &tls.Config{
		ServerName:         strings.Trim(host, "[]"),
		InsecureSkipVerify: c.cfg.InsecureSkipVerify, //nolint:gosec // only set by tests
		MinVersion:         tls.VersionTLS12,
	}
}
