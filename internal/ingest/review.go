package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/connector"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// Held lists the messages waiting for their author to be linked to a
// person. Staff only.
func (p *Pipeline) Held(ctx context.Context) ([]*store.HeldMessage, error) {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActChannelReview); err != nil {
		return nil, err
	}
	return p.db.HeldMessages(ctx, "", "", 500)
}

// LinkAuthor links the author of held message heldID to an existing
// person, or, when personID is 0, to a new contractor named name (with
// email when given), and then releases every message held for that author
// into the queue, oldest first. It returns how many were released. Staff
// only.
func (p *Pipeline) LinkAuthor(ctx context.Context, heldID, personID int64, name, email string) (int, error) {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActChannelReview); err != nil {
		return 0, err
	}
	h, err := p.db.HeldMessage(ctx, heldID)
	if err != nil {
		return 0, err
	}
	// The author may be known already (a reply waiting for its parent):
	// then there is nothing to link, only to release.
	if _, err := p.db.PersonByIdentity(ctx, h.Kind, h.AuthorID); err == nil {
		return p.Release(ctx, h.Kind, h.AuthorID)
	} else if socialdesk.ErrorCode(err) != socialdesk.ENOTFOUND {
		return 0, err
	}
	if personID == 0 {
		if strings.TrimSpace(name) == "" {
			name = h.AuthorName
		}
		if strings.TrimSpace(name) == "" {
			name = h.AuthorID
		}
		if email == "" {
			email = h.AuthorEmail
		}
		np := &socialdesk.Person{Name: strings.TrimSpace(name), Email: strings.TrimSpace(email), Role: socialdesk.RoleContractor}
		if err := p.desk.CreatePerson(desk.SystemContext(ctx), np, ""); err != nil {
			return 0, err
		}
		personID = np.ID
	} else if _, err := p.db.Person(ctx, personID); err != nil {
		return 0, socialdesk.FieldError("person", "That person does not exist; pick one from the list or create a contractor.")
	}
	if err := p.db.AddIdentity(ctx, socialdesk.Identity{PersonID: personID, Channel: h.Kind, ExternalID: h.AuthorID}); err != nil {
		return 0, err
	}
	p.desk.Audit(ctx, "channel.link_author", fmt.Sprintf("%s:%s", h.Kind, h.AuthorID), fmt.Sprintf("person %d", personID))
	return p.Release(ctx, h.Kind, h.AuthorID)
}

// Release delivers every held message of an author who is now linked to a
// person, oldest first, and marks each released; then it releases the
// replies (by known authors) that were waiting for those messages. A
// message that fails stays held and the error is returned. Staff only.
func (p *Pipeline) Release(ctx context.Context, kind, authorID string) (int, error) {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActChannelReview); err != nil {
		return 0, err
	}
	held, err := p.db.HeldMessages(ctx, kind, authorID, 10000)
	if err != nil {
		return 0, err
	}
	n, err := p.releaseAll(ctx, held, true)
	if err != nil {
		return n, err
	}
	// Replies waiting for what was just released, and replies to those.
	for {
		waiting, err := p.db.HeldMessages(ctx, "", "", 10000)
		if err != nil {
			return n, err
		}
		m, err := p.releaseAll(ctx, waiting, false)
		n += m
		if err != nil || m == 0 {
			return n, err
		}
	}
}

// releaseAll delivers held messages and marks the delivered ones released.
// Messages still waiting for a held parent stay held; so do messages of
// authors still unknown, unless strict (then that is an error).
func (p *Pipeline) releaseAll(ctx context.Context, held []*store.HeldMessage, strict bool) (int, error) {
	n := 0
	for _, h := range held {
		var msg connector.Inbound
		if err := json.Unmarshal([]byte(h.Payload), &msg); err != nil {
			return n, fmt.Errorf("held message %d: %w", h.ID, err)
		}
		_, err := p.deliver(ctx, msg, true)
		switch {
		case errors.Is(err, errParentHeld):
			continue
		case !strict && socialdesk.ErrorCode(err) == socialdesk.ECONFLICT:
			continue // author still unknown
		case err != nil:
			return n, err
		}
		if err := p.db.ReleaseHeld(ctx, h.ID); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
