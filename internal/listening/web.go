package listening

import (
	"context"
	"embed"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/classify"
	"github.com/socialdesk/socialdesk/internal/httpx"
	"github.com/socialdesk/socialdesk/internal/store"
	"github.com/socialdesk/socialdesk/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Pages serves the listening dashboard, its admin page and the status
// page.
type Pages struct {
	s   *Service
	web *web.Server
}

// NewPages parses the templates into the web server.
func NewPages(s *Service, w *web.Server) (*Pages, error) {
	if err := w.AddTemplates(templates, "templates/*.html"); err != nil {
		return nil, err
	}
	p := &Pages{s: s, web: w}
	w.SetFieldSuggester(p.fieldSuggestion)
	return p, nil
}

// Routes returns the page routes.
func (p *Pages) Routes() []httpx.Route {
	return []httpx.Route{
		{Method: "GET", Pattern: "/listening", Access: "staff", Summary: "Listening dashboard", Handler: p.dashboard},
		{Method: "POST", Pattern: "/listening/posts/{id}/feedback", Access: "staff", Summary: "Correct a post's classification", Handler: p.feedback},
		{Method: "POST", Pattern: "/listening/posts/{id}/apply", Access: "staff", Summary: "Set the classifier's suggested fields on the ticket a post opened", Handler: p.applySuggestions},
		{Method: "POST", Pattern: "/listening/replies/{id}/approve", Access: "staff", Summary: "Send a held acknowledgement", Handler: p.decide(true)},
		{Method: "POST", Pattern: "/listening/replies/{id}/reject", Access: "staff", Summary: "Drop a held acknowledgement", Handler: p.decide(false)},
		{Method: "GET", Pattern: "/admin/listening", Access: "admin", Summary: "Watch rules, outreach, detection and model versions", Handler: p.admin},
		{Method: "POST", Pattern: "/admin/listening/rules", Access: "admin", Summary: "Add a watch rule", Handler: p.addRule},
		{Method: "POST", Pattern: "/admin/listening/rules/{id}/delete", Access: "admin", Summary: "Delete a watch rule", Handler: p.deleteRule},
		{Method: "POST", Pattern: "/admin/listening/config", Access: "admin", Summary: "Save listening settings", Handler: p.saveConfig},
		{Method: "POST", Pattern: "/admin/listening/models/{id}/activate", Access: "admin", Summary: "Roll back to a model version", Handler: p.activate},
		{Method: "POST", Pattern: "/admin/listening/models/update", Access: "admin", Summary: "Apply agents' corrections as a new model version", Handler: p.applyFeedback},
		{Method: "POST", Pattern: "/admin/listening/models/train", Access: "admin", Summary: "Train a model version from an uploaded CSV file", Handler: p.train},
		{Method: "POST", Pattern: "/admin/listening/models/train-tickets", Access: "admin", Summary: "Train a suggestion model version from the desk's resolved tickets", Handler: p.trainFromTickets},
		{Method: "GET", Pattern: "/status", Access: "user", Summary: "Status of major incidents", Handler: p.status},
		{Method: "POST", Pattern: "/status/{id}/update", Access: "staff", Summary: "Post a status update or resolve", Handler: p.postStatus},
		{Method: "POST", Pattern: "/status/{id}/metoo", Access: "user", Summary: "Report being affected by an outage (me too)", Handler: p.meToo},
	}
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, socialdesk.Errorf(socialdesk.ENOTFOUND, "Not found.")
	}
	return id, nil
}

func back(w http.ResponseWriter, r *http.Request, to, flash string) {
	http.Redirect(w, r, to+"?flash="+url.QueryEscape(flash), http.StatusSeeOther)
}

// Bar is one bar of a server-rendered SVG chart.
type Bar struct {
	Label string
	Count int
	Width int // pixels
	Y     int
}

func bars(counts map[string]int) []Bar {
	var out []Bar
	max := 0
	for k, v := range counts {
		out = append(out, Bar{Label: k, Count: v})
		if v > max {
			max = v
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Label < out[j].Label
	})
	if len(out) > 12 {
		out = out[:12]
	}
	for i := range out {
		out[i].Width = 1 + out[i].Count*300/max
		out[i].Y = i * 22
	}
	return out
}

func (p *Pages) dashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActListeningView); err != nil {
		p.web.RenderError(w, r, err)
		return
	}
	since := p.s.desk.Now().Add(-24 * time.Hour)
	posts, err := p.s.db.ListeningPosts(ctx, since, 20000)
	if err != nil {
		p.web.RenderError(w, r, err)
		return
	}
	rules, err := p.s.db.ListeningRules(ctx)
	if err != nil {
		p.web.RenderError(w, r, err)
		return
	}
	ruleName := map[int64]string{}
	for _, ru := range rules {
		ruleName[ru.ID] = ru.Kind + ": " + ru.Value
	}
	byRule := map[string]int{}
	byChannel, total, support, err := p.s.Volume(ctx)
	if err != nil {
		p.web.RenderError(w, r, err)
		return
	}
	for _, po := range posts {
		for _, id := range po.RuleIDs {
			name := ruleName[id]
			if name == "" {
				name = "deleted rule " + strconv.FormatInt(id, 10)
			}
			byRule[name]++
		}
	}
	replies, err := p.s.db.ListeningReplies(ctx, since)
	if err != nil {
		p.web.RenderError(w, r, err)
		return
	}
	states := map[string]int{}
	var held []store.ListeningReply
	for _, re := range replies {
		states[re.State]++
		if re.State == "held" {
			held = append(held, re)
		}
	}
	share := 0.0
	if total > 0 {
		share = float64(support) / float64(total)
	}
	recent := posts
	if len(recent) > 30 {
		recent = recent[:30]
	}
	clusters, err := p.s.EmergingClusters(ctx, 3, 10)
	if err != nil {
		p.web.RenderError(w, r, err)
		return
	}
	data := map[string]any{
		"Now": p.s.desk.Now(), "Total": total, "Kept": len(posts), "Support": support, "Share": share * 100,
		"ByRule": bars(byRule), "ByChannel": bars(byChannel), "RuleHeight": 22*len(bars(byRule)) + 4, "ChannelHeight": 22*len(bars(byChannel)) + 4,
		"Clusters": clusters, "Sent": states["sent"], "Held": held, "Rejected": states["rejected"], "Recent": recent,
		"Categories": p.s.ModelLabels(ModelCategory), "Flash": r.URL.Query().Get("flash"),
	}
	if r.URL.Query().Get("partial") == "live" {
		p.web.RenderFragment(w, r, "listening", "listening-live", data)
		return
	}
	p.web.Render(w, r, http.StatusOK, "listening", "Listening", data)
}

func (p *Pages) feedback(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = p.s.Feedback(r.Context(), id, r.PostFormValue("kind"), r.PostFormValue("category"))
	}
	if err != nil {
		if socialdesk.ErrorCode(err) == socialdesk.EINVALID {
			back(w, r, "/listening", socialdesk.ErrorMessage(err))
			return
		}
		p.web.RenderError(w, r, err)
		return
	}
	back(w, r, "/listening", "Thanks: the correction will train the next model version.")
}

func (p *Pages) decide(approve bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r)
		if err == nil {
			err = p.s.DecideReply(r.Context(), id, approve)
		}
		if err != nil {
			p.web.RenderError(w, r, err)
			return
		}
		msg := "Reply rejected."
		if approve {
			msg = "Reply queued for sending."
		}
		back(w, r, "/listening", msg)
	}
}

func (p *Pages) admin(w http.ResponseWriter, r *http.Request) {
	p.renderAdmin(w, r, http.StatusOK, nil)
}

// renderAdmin shows the settings page. After a refused form (err set),
// the page keeps what was typed, names the problem and marks the field.
func (p *Pages) renderAdmin(w http.ResponseWriter, r *http.Request, status int, err error) {
	ctx := r.Context()
	rules, rerr := p.s.Rules(ctx)
	if rerr != nil {
		p.web.RenderError(w, r, rerr)
		return
	}
	models, rerr := p.s.Models(ctx)
	if rerr != nil {
		p.web.RenderError(w, r, rerr)
		return
	}
	pending, _ := p.s.WaitingCorrections(ctx) // best effort: the page shows 0
	fromTickets, rerr := p.s.TicketTrainingCounts(ctx)
	if rerr != nil {
		p.web.RenderError(w, r, rerr)
		return
	}
	cfg := p.s.Config()
	values := configValues(cfg)
	if err != nil {
		for k, v := range r.PostForm {
			values[k] = v
		}
	}
	channels, rerr := p.channelChoices(ctx, rules, cfg)
	if rerr != nil {
		p.web.RenderError(w, r, rerr)
		return
	}
	var errMsg string
	if err != nil {
		errMsg = socialdesk.ErrorMessage(err)
	}
	p.web.Render(w, r, status, "listening-admin", "Listening settings", map[string]any{
		"Rules": rules, "Models": models, "Config": cfg, "Values": values, "Channels": channels, "Pending": pending,
		"Error": errMsg, "ErrField": socialdesk.ErrorField(err), "Flash": r.URL.Query().Get("flash"),
		"Kinds":           []string{KindKeyword, KindPhrase, KindService, KindHashtag, KindHandle},
		"SuggestionKinds": SuggestionKinds,
		"FromTickets":     fromTickets,
		"TicketLimit":     TicketTrainingLimit,
		"PolicyNames":     []string{ReplyPublic, ReplyPrivate, ReplyReview, ReplyNone},
	})
}

// configValues is the settings form filled in from cfg. A channel's
// reply policy is the field "policy.NAME".
func configValues(cfg Config) url.Values {
	num := func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
	v := url.Values{}
	v.Set("threshold", num(cfg.Threshold))
	v.Set("default_policy", cfg.DefaultPolicy)
	v.Set("ack_text", cfg.AckText)
	v.Set("ack_limit", strconv.Itoa(cfg.AckLimit))
	v.Set("window_minutes", strconv.Itoa(cfg.WindowMinutes))
	v.Set("min_reports", strconv.Itoa(cfg.MinReports))
	v.Set("min_authors", strconv.Itoa(cfg.MinAuthors))
	v.Set("min_channels", strconv.Itoa(cfg.MinChannels))
	v.Set("similarity", num(cfg.Similarity))
	v.Set("trouble_share", num(cfg.Trouble()))
	for ch, pol := range cfg.Policies {
		v.Set(policyField+ch, pol)
	}
	return v
}

// policyField prefixes a channel's name to make the name of its reply
// policy field.
const policyField = "policy."

// channelChoices lists the channels a rule or a reply policy can name,
// sorted: the configured connector instances, the channels posts came in
// on in the last 24 hours, and those that rules and policies name
// already, so that choosing from the list never drops a setting.
func (p *Pages) channelChoices(ctx context.Context, rules []store.ListeningRule, cfg Config) ([]string, error) {
	seen := map[string]bool{}
	configured, err := p.s.db.Channels(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range configured {
		seen[c.Name] = true
	}
	byChannel, _, _, err := p.s.Volume(ctx)
	if err != nil {
		return nil, err
	}
	for ch := range byChannel {
		seen[ch] = true
	}
	for _, r := range rules {
		seen[r.Channel] = true
	}
	for ch := range cfg.Policies {
		seen[ch] = true
	}
	delete(seen, "")
	out := make([]string, 0, len(seen))
	for ch := range seen {
		out = append(out, ch)
	}
	sort.Strings(out)
	return out, nil
}

// adminError shows invalid input on the settings page, with the message
// saying what to fix, and any other error on the error page.
func (p *Pages) adminError(w http.ResponseWriter, r *http.Request, err error) {
	if socialdesk.ErrorCode(err) == socialdesk.EINVALID {
		p.renderAdmin(w, r, http.StatusUnprocessableEntity, err)
		return
	}
	p.web.RenderError(w, r, err)
}

func (p *Pages) addRule(w http.ResponseWriter, r *http.Request) {
	_, err := p.s.AddRule(r.Context(), Rule{Kind: r.PostFormValue("kind"), Value: r.PostFormValue("value"), Channel: r.PostFormValue("channel")})
	if err != nil {
		p.adminError(w, r, err)
		return
	}
	back(w, r, "/admin/listening", "Rule added.")
}

func (p *Pages) deleteRule(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = p.s.DeleteRule(r.Context(), id)
	}
	if err != nil {
		p.web.RenderError(w, r, err)
		return
	}
	back(w, r, "/admin/listening", "Rule deleted.")
}

func (p *Pages) saveConfig(w http.ResponseWriter, r *http.Request) {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(r.Context()), socialdesk.ActAdmin); err != nil {
		p.web.RenderError(w, r, err)
		return
	}
	num := func(name string) int { v, _ := strconv.Atoi(r.PostFormValue(name)); return v }
	th, err := strconv.ParseFloat(r.PostFormValue("threshold"), 64)
	if err != nil {
		th = -1
	}
	// An empty similarity means the default; one that is not a number
	// is refused by Validate.
	sim := 0.0
	if v := strings.TrimSpace(r.PostFormValue("similarity")); v != "" {
		if sim, err = strconv.ParseFloat(v, 64); err != nil {
			sim = -1
		}
	}
	// An empty trouble share means the default, as for the similarity.
	var trouble *float64
	if v := strings.TrimSpace(r.PostFormValue("trouble_share")); v != "" {
		share, err := strconv.ParseFloat(v, 64)
		if err != nil {
			share = -1
		}
		trouble = &share
	}
	cfg := Config{Threshold: th, WindowMinutes: num("window_minutes"), MinReports: num("min_reports"), MinAuthors: num("min_authors"),
		MinChannels: num("min_channels"), Similarity: sim, TroubleShare: trouble, DefaultPolicy: r.PostFormValue("default_policy"), AckText: r.PostFormValue("ack_text"),
		AckLimit: num("ack_limit"), Policies: map[string]string{}}
	// A channel left at the default has no policy of its own.
	for k, v := range r.PostForm {
		if ch, ok := strings.CutPrefix(k, policyField); ok && ch != "" && len(v) > 0 && v[0] != "" {
			cfg.Policies[ch] = v[0]
		}
	}
	if err := p.s.SetConfig(r.Context(), cfg); err != nil {
		p.adminError(w, r, err)
		return
	}
	back(w, r, "/admin/listening", "Settings saved.")
}

func (p *Pages) activate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		if err = socialdesk.Authorize(socialdesk.UserFromContext(r.Context()), socialdesk.ActAdmin); err == nil {
			err = p.s.Rollback(r.Context(), id)
		}
	}
	if err != nil {
		p.web.RenderError(w, r, err)
		return
	}
	back(w, r, "/admin/listening", "Model version "+strconv.FormatInt(id, 10)+" is active.")
}

func (p *Pages) applyFeedback(w http.ResponseWriter, r *http.Request) {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(r.Context()), socialdesk.ActAdmin); err != nil {
		p.web.RenderError(w, r, err)
		return
	}
	var msgs []string
	for _, kind := range modelKinds {
		id, err := p.s.ApplyFeedback(r.Context(), kind)
		switch {
		case socialdesk.ErrorCode(err) == socialdesk.ENOTFOUND:
			msgs = append(msgs, "No "+kind+" model to update; train one first.")
		case err != nil:
			p.web.RenderError(w, r, err)
			return
		case id != 0:
			msgs = append(msgs, "New "+kind+" model version "+strconv.FormatInt(id, 10)+".")
		}
	}
	if len(msgs) == 0 {
		msgs = append(msgs, "No corrections waiting.")
	}
	back(w, r, "/admin/listening", strings.Join(msgs, "\n"))
}

// train trains a model version from a CSV file uploaded on the settings
// page, as `socialdesk listening train` does, and makes it active. A file
// that cannot be read stores nothing.
func (p *Pages) train(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActAdmin); err != nil {
		p.web.RenderError(w, r, err)
		return
	}
	kind := r.PostFormValue("kind")
	textCol := strings.TrimSpace(r.PostFormValue("text_col"))
	labelCol := strings.TrimSpace(r.PostFormValue("label_col"))
	if textCol == "" {
		textCol = "text"
	}
	if labelCol == "" {
		labelCol = "label"
	}
	f, hdr, err := r.FormFile("csv")
	if err != nil {
		p.renderAdmin(w, r, http.StatusUnprocessableEntity, socialdesk.FieldError("csv", "Choose a CSV file to train from (up to 10 MB; use `socialdesk listening train` for larger files)."))
		return
	}
	defer f.Close()
	examples, err := classify.ReadCSV(f, textCol, labelCol)
	if err != nil {
		p.renderAdmin(w, r, http.StatusUnprocessableEntity, socialdesk.FieldError("csv", "Cannot read %s: %s. Fix the file or the column names and upload it again.", hdr.Filename, strings.TrimPrefix(err.Error(), "classify: ")))
		return
	}
	id, err := p.s.Train(ctx, kind, examples, "uploaded "+hdr.Filename)
	if err != nil {
		p.adminError(w, r, err)
		return
	}
	back(w, r, "/admin/listening", fmt.Sprintf("Trained %s model version %d from %d examples; it is now active.", kind, id, len(examples)))
}

func (p *Pages) trainFromTickets(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActAdmin); err != nil {
		p.web.RenderError(w, r, err)
		return
	}
	kind := r.PostFormValue("kind")
	id, n, err := p.s.TrainFromTickets(ctx, kind)
	if err != nil {
		p.adminError(w, r, err)
		return
	}
	back(w, r, "/admin/listening", fmt.Sprintf("Trained %s model version %d from %d resolved tickets; it is now active.", kind, id, n))
}

func (p *Pages) status(w http.ResponseWriter, r *http.Request) {
	current, history, err := p.s.Incidents(r.Context(), 100)
	if err != nil {
		p.web.RenderError(w, r, err)
		return
	}
	staff := socialdesk.Authorize(socialdesk.UserFromContext(r.Context()), socialdesk.ActStatusPost) == nil
	// Each current incident says whether the viewer reported it, so the
	// page offers "me too" only to the others.
	ids := make([]int64, len(current))
	for i, inc := range current {
		ids[i] = inc.Ticket.ID
	}
	mine, err := p.s.desk.MyReports(r.Context(), ids)
	if err != nil {
		mine = nil // the page still shows the outages, with "me too" for each
	}
	p.web.Render(w, r, http.StatusOK, "status", "Status", map[string]any{"Current": current, "History": history, "Staff": staff,
		"Mine": mine, "Flash": r.URL.Query().Get("flash")})
}

// meToo links the viewer to an outage as one more affected person and
// shows them their ticket, where its updates arrive.
func (p *Pages) meToo(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var t *socialdesk.Ticket
	created := false
	if err == nil {
		t, created, err = p.s.desk.MeToo(r.Context(), id)
	}
	if err != nil {
		if socialdesk.ErrorCode(err) == socialdesk.ECONFLICT {
			back(w, r, "/status", socialdesk.ErrorMessage(err))
			return
		}
		p.web.RenderError(w, r, err)
		return
	}
	msg := "You reported this outage already; its updates arrive here."
	if created {
		msg = "Thanks: you are counted as affected, and the outage's updates will arrive here. No need to raise a separate request."
	}
	back(w, r, "/tickets/"+strconv.FormatInt(t.ID, 10), msg)
}

func (p *Pages) postStatus(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		_, err = p.s.PostStatus(r.Context(), id, r.PostFormValue("body"), r.PostFormValue("resolve") != "")
	}
	if err != nil {
		if c := socialdesk.ErrorCode(err); c == socialdesk.EINVALID || c == socialdesk.ECONFLICT {
			back(w, r, "/status", socialdesk.ErrorMessage(err))
			return
		}
		p.web.RenderError(w, r, err)
		return
	}
	back(w, r, "/status", "Update posted and sent to everyone who reported it.")
}
