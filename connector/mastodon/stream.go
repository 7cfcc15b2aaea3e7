package mastodon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/socialdesk/socialdesk/connector"
)

// pageLimit is how many items one polling request asks for.
const pageLimit = 40

// Cursor keys. Notifications are tracked by notification id, each hashtag
// by the id of the last status seen on its timeline.
const notificationsKey = "notifications"

func tagKey(tag string) string { return "tag:" + strings.ToLower(tag) }

func (c *Connector) loadCursor(ctx context.Context, key string) (string, error) {
	if c.cfg.Cursor == nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.mem[key], nil
	}
	v, err := c.cfg.Cursor.Load(ctx, key)
	if err != nil {
		return "", fmt.Errorf("mastodon: load cursor %s: %w", key, err)
	}
	return v, nil
}

// advance saves id as the position of key when it is past the saved one.
func (c *Connector) advance(ctx context.Context, key, id string) error {
	cur, err := c.loadCursor(ctx, key)
	if err != nil {
		return err
	}
	if cur != "" && compareIDs(id, cur) <= 0 {
		return nil
	}
	if c.cfg.Cursor == nil {
		c.mu.Lock()
		c.mem[key] = id
		c.mu.Unlock()
		return nil
	}
	if err := c.cfg.Cursor.Save(ctx, key, id); err != nil {
		return fmt.Errorf("mastodon: save cursor %s: %w", key, err)
	}
	return nil
}

// Poll delivers mentions of the desk from the notifications endpoint and
// posts on each hashtag's timeline that are newer than the saved ids,
// oldest first, saving each id after the Sink accepts it. On the very first
// run (no saved id) it delivers the newest page. It implements
// connector.Poller.
func (c *Connector) Poll(ctx context.Context, sink connector.Sink) error {
	deskID, err := c.deskAccountID(ctx)
	if err != nil {
		return err
	}
	err = c.pollPages(ctx, notificationsKey, "/api/v1/notifications", url.Values{"types[]": {"mention"}}, sink, deskID)
	if err != nil {
		return err
	}
	for _, t := range c.cfg.Hashtags {
		if err := c.pollPages(ctx, tagKey(t), "/api/v1/timelines/tag/"+url.PathEscape(t), nil, sink, deskID); err != nil {
			return err
		}
	}
	return nil
}

// pollItem is one entry of a polled page: its ordering id and its status.
type pollItem struct {
	id string
	st *status
}

// pollPages pages forward from the saved id with min_id until the server
// has nothing newer.
func (c *Connector) pollPages(ctx context.Context, key, path string, query url.Values, sink connector.Sink, deskID string) error {
	for {
		since, err := c.loadCursor(ctx, key)
		if err != nil {
			return err
		}
		q := url.Values{"limit": {strconv.Itoa(pageLimit)}}
		for k, v := range query {
			q[k] = v
		}
		if since != "" {
			q.Set("min_id", since)
		}
		var items []pollItem
		if key == notificationsKey {
			var ns []notification
			if err := c.call(ctx, http.MethodGet, path, q, nil, nil, &ns); err != nil {
				return err
			}
			for _, n := range ns {
				if n.Type == "mention" && n.Status != nil && n.ID != "" {
					items = append(items, pollItem{id: n.ID, st: n.Status})
				}
			}
		} else {
			var ss []status
			if err := c.call(ctx, http.MethodGet, path, q, nil, nil, &ss); err != nil {
				var apiErr *APIError
				if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound {
					// GoToSocial answers 404 for a tag nobody has used yet.
					return nil
				}
				return err
			}
			for i := range ss {
				if ss[i].ID != "" && ss[i].Reblog == nil {
					items = append(items, pollItem{id: ss[i].ID, st: &ss[i]})
				}
			}
		}
		// Servers answer newest first; deliver oldest first.
		slices.SortFunc(items, func(a, b pollItem) int { return compareIDs(a.id, b.id) })
		delivered := 0
		for _, it := range items {
			if since != "" && compareIDs(it.id, since) <= 0 {
				continue
			}
			if err := c.deliver(ctx, key, it.id, it.st, sink, deskID); err != nil {
				return err
			}
			delivered++
		}
		if since == "" || delivered == 0 || len(items) < pageLimit {
			return nil
		}
	}
}

// deliver hands one status to the sink and then advances key to id.
// Statuses written by the desk itself are skipped.
func (c *Connector) deliver(ctx context.Context, key, id string, st *status, sink connector.Sink, deskID string) error {
	if st.Account.ID != deskID {
		in := toInbound(c.cfg.Name, deskID, st)
		if key == notificationsKey {
			in.Mentioned = true
		}
		if in.ThreadID == "" {
			in.ThreadID = c.threadRoot(ctx, st.ID)
		}
		if _, err := sink.Deliver(ctx, in); err != nil {
			return fmt.Errorf("mastodon: deliver status %s: %w", st.ID, err)
		}
		c.log.Debug("delivered", "status", st.ID, "key", key)
	}
	return c.advance(ctx, key, id)
}

// threadRoot returns the id of the first status of the conversation id
// belongs to, or "" when the server does not say.
func (c *Connector) threadRoot(ctx context.Context, id string) string {
	var thread struct {
		Ancestors []status `json:"ancestors"`
	}
	if err := c.call(ctx, http.MethodGet, "/api/v1/statuses/"+url.PathEscape(id)+"/context", nil, nil, nil, &thread); err != nil {
		c.log.Debug("no thread context", "status", id, "err", err)
		return ""
	}
	if len(thread.Ancestors) == 0 {
		return ""
	}
	return thread.Ancestors[0].ID
}

// stream names one streaming subscription and the cursor key its events
// advance.
type stream struct {
	query url.Values
	key   string
}

// Stream opens the user stream (for mention notifications) and one stream
// per hashtag, polls once to catch up on what arrived while the connector
// was down, then delivers streamed events until ctx ends or a connection
// fails. It also polls every PollInterval, for servers that do not stream
// everything. Events at or before the saved ids are skipped, so the catch-up
// poll and the stream never deliver the same item twice. It implements
// connector.Streamer; a nil return means ctx ended.
func (c *Connector) Stream(ctx context.Context, sink connector.Sink) error {
	deskID, err := c.deskAccountID(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	streams := []stream{{query: url.Values{"stream": {"user"}}, key: notificationsKey}}
	for _, t := range c.cfg.Hashtags {
		streams = append(streams, stream{query: url.Values{"stream": {"hashtag"}, "tag": {t}}, key: tagKey(t)})
	}
	type keyed struct {
		key string
		ev  streamEvent
	}
	events := make(chan keyed, 64)
	errc := make(chan error, len(streams))

	// Connect every stream before the catch-up poll so nothing falls in
	// the gap between them.
	var conns []*websocket.Conn
	defer func() {
		for _, conn := range conns {
			conn.CloseNow()
		}
	}()
	for _, s := range streams {
		conn, err := c.dialStream(ctx, s.query)
		if err != nil {
			return err
		}
		conns = append(conns, conn)
		go func(conn *websocket.Conn, key string) {
			for {
				_, data, err := conn.Read(ctx)
				if err != nil {
					errc <- fmt.Errorf("mastodon: stream %s: %w", key, err)
					return
				}
				ev, ok, err := parseStreamMessage(data)
				if err != nil {
					c.log.Warn("ignoring bad stream message", "key", key, "err", err)
					continue
				}
				if !ok {
					continue
				}
				select {
				case events <- keyed{key, ev}:
				case <-ctx.Done():
					return
				}
			}
		}(conn, s.key)
	}

	if err := c.Poll(ctx, sink); err != nil {
		return streamErr(ctx, err)
	}
	ticker := time.NewTicker(c.cfg.PollInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
			if err := c.Poll(ctx, sink); err != nil {
				return streamErr(ctx, err)
			}
		case err := <-errc:
			return streamErr(ctx, err)
		case k := <-events:
			cur, err := c.loadCursor(ctx, k.key)
			if err != nil {
				return err
			}
			if cur != "" && compareIDs(k.ev.ID, cur) <= 0 {
				continue // already delivered by the catch-up poll
			}
			if err := c.deliver(ctx, k.key, k.ev.ID, k.ev.Status, sink, deskID); err != nil {
				return streamErr(ctx, err)
			}
		}
	}
}

// dialStream opens one streaming WebSocket. The token goes in the
// access_token query parameter, which Mastodon and GoToSocial both accept
// for WebSockets, and in the Authorization header.
func (c *Connector) dialStream(ctx context.Context, query url.Values) (*websocket.Conn, error) {
	base := c.cfg.StreamingURL
	if base == "" {
		base = c.base.String()
	}
	u, err := url.Parse(strings.TrimRight(base, "/") + "/api/v1/streaming")
	if err != nil {
		return nil, fmt.Errorf("mastodon: streaming URL: %w", err)
	}
	switch u.Scheme {
	case "https":
		u.Scheme = "wss"
	case "http":
		u.Scheme = "ws"
	}
	q := url.Values{"access_token": {c.cfg.AccessToken}}
	for k, v := range query {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	hc := &http.Client{Transport: c.client.Transport}
	conn, resp, err := websocket.Dial(ctx, u.String(), &websocket.DialOptions{
		HTTPClient: hc,
		HTTPHeader: http.Header{"Authorization": {"Bearer " + c.cfg.AccessToken}},
	})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("mastodon: open stream %s: %d: %w", query.Get("stream"), resp.StatusCode, err)
		}
		return nil, fmt.Errorf("mastodon: open stream %s: %w", query.Get("stream"), err)
	}
	conn.SetReadLimit(4 << 20)
	return conn, nil
}

// streamErr hides the connection error caused by ctx ending.
func streamErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}
