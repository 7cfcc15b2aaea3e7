package socialdesk

import "time"

// Action is something a person may or may not do. All permission checks go
// through Authorize or AuthorizeTicket, so the rules live in one place and
// the stores and handlers stay free of them.
type Action string

// Actions checked by the service layer.
const (
	ActTicketCreate   Action = "ticket.create"    // raise a ticket for oneself
	ActTicketView     Action = "ticket.view"      // see one ticket
	ActTicketViewAll  Action = "ticket.view_all"  // see the whole queue
	ActTicketReply    Action = "ticket.reply"     // add a public message
	ActTicketNote     Action = "ticket.note"      // add an internal note
	ActTicketUpdate   Action = "ticket.update"    // change fields, assign, link
	ActTicketOnBehalf Action = "ticket.on_behalf" // raise for someone else, log a call
	ActPeopleView     Action = "people.view"      // look up colleagues
	ActAdmin          Action = "admin"            // users, groups, matrix, SLA, channels
	ActAuditView      Action = "audit.view"

	ActCommunityView     Action = "community.view"      // read questions and published articles
	ActQuestionAsk       Action = "question.ask"        // ask a community question
	ActAnswerPost        Action = "answer.post"         // answer or comment
	ActVote              Action = "community.vote"      // vote up or down
	ActFlag              Action = "community.flag"      // flag an answer for policy or security
	ActAnswerVerify      Action = "answer.verify"       // give the "Verified by IT" mark
	ActQuestionClose     Action = "question.close"      // close as a duplicate
	ActModerate          Action = "community.moderate"  // restore or remove quarantined content
	ActArticleWrite      Action = "article.write"       // draft, edit, submit for review
	ActArticlePublish    Action = "article.publish"     // publish or retire
	ActArticleFromSource Action = "article.from_source" // turn a ticket or answer into a draft
	// ActChannelReview links unknown channel authors to people and
	// releases their held messages.
	ActChannelReview Action = "channel.review"
	// ActAnalytics opens the analytics pages and their CSV exports.
	ActAnalytics Action = "analytics.view"
	// ActExport dumps or loads the whole database.
	ActExport Action = "data.export"
	// ActListeningView opens the listening dashboard, corrects the
	// classifier and approves or rejects held acknowledgements.
	ActListeningView Action = "listening.view"
	// ActStatusView reads the status page of major incidents.
	ActStatusView Action = "status.view"
	// ActStatusPost posts updates on a major incident and resolves it.
	ActStatusPost Action = "status.post"
)

// communityActions are open to every active signed-in person.
var communityActions = map[Action]bool{
	ActCommunityView: true, ActQuestionAsk: true, ActAnswerPost: true, ActVote: true, ActFlag: true,
}

// staffKnowledgeActions are for agents, knowledge managers and admins.
var staffKnowledgeActions = map[Action]bool{
	ActAnswerVerify: true, ActQuestionClose: true, ActArticleWrite: true, ActArticleFromSource: true,
}

// reviewerActions are for knowledge managers and admins.
var reviewerActions = map[Action]bool{ActModerate: true, ActArticlePublish: true}

var staffActions = map[Action]bool{
	ActTicketViewAll: true, ActTicketNote: true, ActTicketUpdate: true,
	ActTicketOnBehalf: true, ActPeopleView: true, ActChannelReview: true, ActAnalytics: true,
	ActListeningView: true, ActStatusPost: true,
}

// Authorize reports whether p may perform a, which is not about one
// particular ticket. It returns EUNAUTHORIZED when p is nil or no longer
// active, and EFORBIDDEN when the role may not.
func Authorize(p *Person, a Action) error {
	if p == nil || !p.Active(time.Now()) {
		return Errorf(EUNAUTHORIZED, "Sign in to continue.")
	}
	switch {
	case a == ActTicketCreate || a == ActTicketView || a == ActTicketReply || a == ActStatusView:
		return nil
	case communityActions[a]:
		return nil
	case staffKnowledgeActions[a] && p.Role.IsStaff():
		return nil
	case reviewerActions[a] && p.Role.IsReviewer():
		return nil
	case staffActions[a] && p.Role.IsStaff():
		return nil
	case (a == ActAdmin || a == ActAuditView || a == ActExport) && p.Role == RoleAdmin:
		return nil
	}
	return Errorf(EFORBIDDEN, "Your role (%s) may not do this. Ask an administrator if you need it.", p.Role)
}

// AuthorizeTicket reports whether p may perform a on t. A requester may see
// and reply to their own tickets only; another person's ticket is reported as
// not found so its existence does not leak.
func AuthorizeTicket(p *Person, a Action, t *Ticket) error {
	if err := Authorize(p, a); err != nil {
		return err
	}
	if p.Role.IsStaff() {
		return nil
	}
	if t.RequesterID != p.ID {
		return Errorf(ENOTFOUND, "Ticket not found.")
	}
	return nil
}
