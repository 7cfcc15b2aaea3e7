package email

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/socialdesk/socialdesk/connector"
)

// position is how far the connector has read a mailbox: the mailbox's
// UIDVALIDITY and the highest UID delivered (and marked seen) in it.
type position struct {
	validity uint32
	uid      imap.UID
}

// cursorKey names the Cursor entry for the configured mailbox.
func (c *Connector) cursorKey() string { return "imap:" + c.cfg.Mailbox }

// loadPosition reads the saved position; a missing or unreadable entry
// means "from the start".
func (c *Connector) loadPosition(ctx context.Context) (position, error) {
	if c.cfg.Cursor == nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.pos, nil
	}
	v, err := c.cfg.Cursor.Load(ctx, c.cursorKey())
	if err != nil {
		return position{}, fmt.Errorf("email: load cursor: %w", err)
	}
	validity, uid, ok := strings.Cut(v, "/")
	if !ok {
		return position{}, nil
	}
	pv, err1 := strconv.ParseUint(validity, 10, 32)
	pu, err2 := strconv.ParseUint(uid, 10, 32)
	if err1 != nil || err2 != nil {
		c.log.Warn("ignoring malformed cursor", "value", v)
		return position{}, nil
	}
	return position{validity: uint32(pv), uid: imap.UID(pu)}, nil
}

func (c *Connector) savePosition(ctx context.Context, p position) error {
	if c.cfg.Cursor == nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.pos = p
		return nil
	}
	v := strconv.FormatUint(uint64(p.validity), 10) + "/" + strconv.FormatUint(uint64(p.uid), 10)
	if err := c.cfg.Cursor.Save(ctx, c.cursorKey(), v); err != nil {
		return fmt.Errorf("email: save cursor: %w", err)
	}
	return nil
}

// dial connects and logs in to the IMAP server. The client is closed when
// ctx ends, which unblocks any command in flight.
func (c *Connector) dial(ctx context.Context, handler *imapclient.UnilateralDataHandler) (*imapclient.Client, func(), error) {
	if c.cfg.IMAPAddr == "" {
		return nil, nil, errors.New("email: no IMAPAddr configured")
	}
	opts := &imapclient.Options{
		TLSConfig:             c.tlsConfig(c.cfg.IMAPAddr),
		UnilateralDataHandler: handler,
	}
	var (
		cl  *imapclient.Client
		err error
	)
	switch c.cfg.TLS {
	case TLSNone:
		cl, err = imapclient.DialInsecure(c.cfg.IMAPAddr, opts)
	case TLSStartTLS:
		cl, err = imapclient.DialStartTLS(c.cfg.IMAPAddr, opts)
	default:
		cl, err = imapclient.DialTLS(c.cfg.IMAPAddr, opts)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("email: connect to %s: %w", c.cfg.IMAPAddr, err)
	}
	stop := context.AfterFunc(ctx, func() { cl.Close() })
	closeFn := func() {
		stop()
		cl.Close()
	}
	if err := cl.Login(c.cfg.IMAPUser, c.cfg.IMAPPassword).Wait(); err != nil {
		closeFn()
		return nil, nil, fmt.Errorf("email: log in as %s: %w", c.cfg.IMAPUser, err)
	}
	return cl, closeFn, nil
}

// Poll connects, delivers every unseen message newer than the saved
// position and disconnects. It implements connector.Poller.
func (c *Connector) Poll(ctx context.Context, sink connector.Sink) error {
	cl, closeFn, err := c.dial(ctx, nil)
	if err != nil {
		return err
	}
	defer closeFn()
	sel, err := cl.Select(c.cfg.Mailbox, &imap.SelectOptions{}).Wait()
	if err != nil {
		return fmt.Errorf("email: select %s: %w", c.cfg.Mailbox, err)
	}
	if err := c.pass(ctx, cl, sel.UIDValidity, sink); err != nil {
		return err
	}
	if err := cl.Logout().Wait(); err != nil {
		c.log.Debug("logout failed", "err", err)
	}
	return nil
}

// Stream delivers new mail until ctx ends or the connection fails. After
// each pass it waits with IDLE for the server to announce new messages, or
// sleeps PollInterval when the server has no IDLE. It implements
// connector.Streamer; a nil return means ctx ended.
func (c *Connector) Stream(ctx context.Context, sink connector.Sink) error {
	wake := make(chan struct{}, 1)
	notify := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	handler := &imapclient.UnilateralDataHandler{
		Mailbox: func(data *imapclient.UnilateralDataMailbox) {
			if data.NumMessages != nil {
				notify()
			}
		},
	}
	cl, closeFn, err := c.dial(ctx, handler)
	if err != nil {
		return err
	}
	defer closeFn()

	sel, err := cl.Select(c.cfg.Mailbox, &imap.SelectOptions{}).Wait()
	if err != nil {
		return streamErr(ctx, fmt.Errorf("email: select %s: %w", c.cfg.Mailbox, err))
	}
	canIdle := cl.Caps().Has(imap.CapIdle)
	if !canIdle {
		c.log.Info("server has no IDLE; polling", "interval", c.cfg.PollInterval)
	}
	for {
		if err := c.pass(ctx, cl, sel.UIDValidity, sink); err != nil {
			return streamErr(ctx, err)
		}
		if canIdle {
			if err := c.idle(ctx, cl, wake); err != nil {
				return streamErr(ctx, err)
			}
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(c.cfg.PollInterval):
		}
	}
}

// idle runs one IDLE command until the server reports a change in the
// mailbox size, PollInterval passes, or ctx ends.
func (c *Connector) idle(ctx context.Context, cl *imapclient.Client, wake <-chan struct{}) error {
	cmd, err := cl.Idle()
	if err != nil {
		return fmt.Errorf("email: idle: %w", err)
	}
	timer := time.NewTimer(c.cfg.PollInterval)
	defer timer.Stop()
	select {
	case <-wake:
	case <-timer.C:
	case <-ctx.Done():
	case <-cl.Closed():
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("email: end idle: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("email: idle: %w", err)
	}
	return nil
}

// streamErr hides the connection error caused by ctx ending.
func streamErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// pass delivers, in UID order, every unseen message after the saved
// position. Each message is fetched without setting \Seen, delivered, then
// marked \Seen, then the position is saved. A Sink error ends the pass
// with the message still unseen, so the next pass offers it again.
func (c *Connector) pass(ctx context.Context, cl *imapclient.Client, validity uint32, sink connector.Sink) error {
	pos, err := c.loadPosition(ctx)
	if err != nil {
		return err
	}
	if pos.validity != validity {
		if pos.validity != 0 {
			c.log.Warn("UIDVALIDITY changed; rescanning unseen mail", "old", pos.validity, "new", validity)
		}
		pos = position{validity: validity}
	}

	criteria := &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}
	if pos.uid > 0 {
		var set imap.UIDSet
		set.AddRange(pos.uid+1, 0) // pos.uid+1:*
		criteria.UID = []imap.UIDSet{set}
	}
	data, err := cl.UIDSearch(criteria, nil).Wait()
	if err != nil {
		return fmt.Errorf("email: search: %w", err)
	}
	// "n:*" matches the highest UID even when it is below n, so filter.
	uids := slices.DeleteFunc(data.AllUIDs(), func(u imap.UID) bool { return u <= pos.uid })
	slices.Sort(uids)

	section := &imap.FetchItemBodySection{Peek: true}
	for _, uid := range uids {
		if err := ctx.Err(); err != nil {
			return err
		}
		msgs, err := cl.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{
			UID:         true,
			BodySection: []*imap.FetchItemBodySection{section},
		}).Collect()
		if err != nil {
			return fmt.Errorf("email: fetch uid %d: %w", uid, err)
		}
		if len(msgs) == 0 {
			continue // expunged meanwhile
		}
		raw := msgs[0].FindBodySection(section)
		in, err := Parse(raw)
		if err != nil {
			// Unreadable: leave it unseen for a person to look at, but
			// move past it so it does not block the mailbox.
			c.log.Error("skipping unparsable message", "uid", uid, "err", err)
		} else {
			in.Channel = c.cfg.Name
			rcpt, err := sink.Deliver(ctx, in)
			if err != nil {
				return fmt.Errorf("email: deliver uid %d (%s): %w", uid, in.ExternalID, err)
			}
			c.log.Debug("delivered", "uid", uid, "message_id", in.ExternalID, "ticket", rcpt.TicketID, "duplicate", rcpt.Duplicate)
			err = cl.Store(imap.UIDSetNum(uid), &imap.StoreFlags{
				Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen},
			}, nil).Close()
			if err != nil {
				return fmt.Errorf("email: mark uid %d seen: %w", uid, err)
			}
		}
		pos.uid = uid
		if err := c.savePosition(ctx, pos); err != nil {
			return err
		}
	}
	if len(uids) == 0 && pos.uid == 0 {
		// Remember the UIDVALIDITY even when nothing was delivered.
		return c.savePosition(ctx, pos)
	}
	return nil
}
