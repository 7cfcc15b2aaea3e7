package listening

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/classify"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/search"
	"github.com/socialdesk/socialdesk/internal/store"
)

// Incident is a major incident with its status updates, for /status.
type Incident struct {
	Ticket   *socialdesk.Ticket
	Updates  []store.StatusUpdate
	Reports  int
	Resolved bool
}

// Incidents lists major incidents, current ones first, with updates.
func (s *Service) Incidents(ctx context.Context, limit int) (current, history []Incident, err error) {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActStatusView); err != nil {
		return nil, nil, err
	}
	ts, err := s.db.MajorIncidents(ctx, limit)
	if err != nil {
		return nil, nil, err
	}
	// Everyone opens this page during an outage: the updates and the
	// report counts of all incidents are read in one query each.
	ids := make([]int64, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	ups, err := s.db.StatusUpdatesOf(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	counts, err := s.db.ReportCounts(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	for _, t := range ts {
		inc := Incident{Ticket: t, Updates: ups[t.ID], Reports: counts[t.ID], Resolved: !t.State.Open()}
		if inc.Resolved {
			history = append(history, inc)
		} else {
			current = append(current, inc)
		}
	}
	return current, history, nil
}

// MaxStatus is the longest status update accepted.
const MaxStatus = 4000

// PostStatus adds a status update to a major incident, indexes the status
// post for search and, on resolution, resolves the incident. Every
// reporter (each child ticket) gets the update as an outbound reply on
// their own channel.
func (s *Service) PostStatus(ctx context.Context, ticketID int64, body string, resolve bool) (int64, error) {
	actor := socialdesk.UserFromContext(ctx)
	if err := socialdesk.Authorize(actor, socialdesk.ActStatusPost); err != nil {
		return 0, err
	}
	body = strings.TrimSpace(body)
	if body == "" {
		return 0, socialdesk.FieldError("body", "Write the update people will read.")
	}
	if len(body) > MaxStatus {
		return 0, socialdesk.FieldError("body", "Keep the update under %d characters.", MaxStatus)
	}
	body = s.desk.Redact(body)
	t, err := s.db.Ticket(ctx, ticketID)
	if err != nil {
		return 0, err
	}
	if !t.Major {
		return 0, socialdesk.Errorf(socialdesk.EINVALID, "%s is not a major incident.", t.Number())
	}
	if !t.State.Open() {
		return 0, socialdesk.Errorf(socialdesk.ECONFLICT, "%s is already resolved.", t.Number())
	}
	id, err := s.db.AddStatusUpdate(ctx, store.StatusUpdate{TicketID: t.ID, AuthorID: actor.ID, Body: body, Resolved: resolve})
	if err != nil {
		return 0, err
	}
	if resolve {
		st := socialdesk.StateResolved
		if _, err := s.desk.UpdateTicket(ctx, t.ID, socialdesk.TicketUpdate{State: &st}); err != nil {
			s.log.Warn("listening: could not resolve incident", "ticket", t.Number(), "err", err)
		}
	}
	s.index(ctx, t)
	// Tell every reporter; the first update (from the desk itself while
	// the incident opens) has no children yet.
	children, _, err := s.db.Tickets(ctx, socialdesk.TicketFilter{ParentID: t.ID, Limit: 10000})
	if err != nil {
		return id, err
	}
	prefix := "Update on " + t.Number() + ": "
	if resolve {
		prefix = "Resolved (" + t.Number() + "): "
	}
	for _, c := range children {
		if _, err := s.desk.AddMessage(ctx, c.ID, desk.NewMessage{Body: prefix + body}); err != nil {
			s.log.Warn("listening: could not send status to reporter", "ticket", c.Number(), "err", err)
		}
	}
	return id, nil
}

// index puts the incident's status post in search.
func (s *Service) index(ctx context.Context, t *socialdesk.Ticket) {
	if s.opts.Index == nil {
		return
	}
	ups, err := s.db.StatusUpdates(ctx, t.ID)
	if err != nil {
		return
	}
	var body []string
	at := t.UpdatedAt
	for _, u := range ups {
		body = append(body, u.CreatedAt.Format(time.RFC3339)+" "+u.Body)
		at = u.CreatedAt
	}
	s.opts.Index.Upsert(search.Doc{Type: search.TypeStatus, ID: strconv.FormatInt(t.ID, 10), Title: t.Title, Body: strings.Join(body, "\n"), UpdatedAt: at})
}

// StatusDocs returns the status posts for the search index at start-up.
func (s *Service) StatusDocs(ctx context.Context) ([]search.Doc, error) {
	ts, err := s.db.MajorIncidents(ctx, 1000)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	all, err := s.db.StatusUpdatesOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	var docs []search.Doc
	for _, t := range ts {
		ups := all[t.ID]
		if len(ups) == 0 {
			continue
		}
		var body []string
		for _, u := range ups {
			body = append(body, u.Body)
		}
		docs = append(docs, search.Doc{Type: search.TypeStatus, ID: strconv.FormatInt(t.ID, 10), Title: t.Title, Body: strings.Join(body, "\n"), UpdatedAt: ups[len(ups)-1].CreatedAt})
	}
	return docs, nil
}

// Feedback records an agent's correction of a post ("not", "is" a support
// request, or "category" with the right one) as a training example.
func (s *Service) Feedback(ctx context.Context, postID int64, kind, category string) error {
	actor := socialdesk.UserFromContext(ctx)
	if err := socialdesk.Authorize(actor, socialdesk.ActListeningView); err != nil {
		return err
	}
	p, err := s.db.ListeningPost(ctx, postID)
	if err != nil {
		return err
	}
	f := store.ListeningFeedback{PostID: p.ID, PersonID: actor.ID, Text: p.Text}
	switch kind {
	case "not":
		f.Kind, f.Label = ModelSupport, "0"
	case "is":
		f.Kind, f.Label = ModelSupport, "1"
	case "category":
		category = strings.TrimSpace(category)
		if category == "" || len(category) > 100 {
			return socialdesk.FieldError("category", "Give the right category.")
		}
		f.Kind, f.Label = ModelCategory, category
	default:
		return socialdesk.FieldError("kind", "The correction is not, is or category.")
	}
	_, err = s.db.AddListeningFeedback(ctx, f)
	return err
}

// WaitingCorrections counts the corrections that ApplyFeedback would use
// for every kind of model: agents' clicks on the dashboard, and the ticket
// fields left different from the suggestions (for active models only).
func (s *Service) WaitingCorrections(ctx context.Context) (int, error) {
	n := 0
	for _, kind := range modelKinds {
		pending, err := s.db.PendingListeningFeedback(ctx, kind)
		if err != nil {
			return 0, err
		}
		n += len(pending)
		if s.hasSuggestionModel(kind) {
			c, err := s.db.CountTicketCorrections(ctx, kind)
			if err != nil {
				return 0, err
			}
			n += c
		}
	}
	return n, nil
}

// ApplyFeedback continues training the active model of a kind on the
// pending corrections (Model.Update) and stores the result as a new
// version. It returns the new version id, or 0 when nothing was pending.
//
// For a suggestion model it first takes, as corrections, the fields that
// agents left different from the suggestions on resolved and closed
// tickets (store.AddTicketCorrections), when a model of the kind is active.
// A correction whose label the model does not know (a new service, say) is
// marked applied without teaching it; such a label needs a new training
// (TrainFromTickets).
func (s *Service) ApplyFeedback(ctx context.Context, kind string) (int64, error) {
	if s.hasSuggestionModel(kind) {
		if _, err := s.db.AddTicketCorrections(ctx, kind); err != nil {
			return 0, err
		}
	}
	pending, err := s.db.PendingListeningFeedback(ctx, kind)
	if err != nil || len(pending) == 0 {
		return 0, err
	}
	row, err := s.db.ActiveListeningModel(ctx, kind)
	if err != nil {
		return 0, err
	}
	m := new(classify.Model)
	if err := m.UnmarshalBinary(row.Model); err != nil {
		return 0, err
	}
	var ex []classify.Example
	var ids []int64
	known := map[string]bool{}
	for _, l := range m.Labels() {
		known[l] = true
	}
	for _, f := range pending {
		ids = append(ids, f.ID)
		if known[f.Label] {
			ex = append(ex, classify.Example{Text: f.Text, Label: f.Label})
		}
	}
	if len(ex) > 0 {
		if err := m.Update(ex, 5); err != nil {
			return 0, err
		}
	}
	blob, err := m.MarshalBinary()
	if err != nil {
		return 0, err
	}
	id, err := s.db.AddListeningModelFromFeedback(ctx, store.ListeningModel{Kind: kind, Model: blob, Examples: row.Examples + len(ex),
		Note: "version " + strconv.FormatInt(row.ID, 10) + " updated with " + strconv.Itoa(len(ex)) + " correction(s)"}, ids)
	if err != nil {
		return 0, err
	}
	s.desk.Audit(ctx, "listening.update", "model:"+strconv.FormatInt(id, 10), kind)
	return id, s.ReloadModels(ctx)
}
