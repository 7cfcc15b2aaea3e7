package privacy

import (
	"slices"
	"strings"
)

// Action is what a Policy does with a finding.
type Action string

// The actions a Policy can take.
const (
	// ActionAllow leaves the finding in the text.
	ActionAllow Action = "allow"
	// ActionRedact replaces the finding with its placeholder, e.g. [EMAIL].
	ActionRedact Action = "redact"
	// ActionMask replaces the finding with a partial hint (see Redactor.Mask).
	ActionMask Action = "mask"
	// ActionBlock rejects the whole text.
	ActionBlock Action = "block"
)

// Group gathers kinds that a policy usually treats alike.
type Group string

// The kind groups.
const (
	// GroupCredentials holds KindSecret.
	GroupCredentials Group = "credentials"
	// GroupFinancial holds KindCard and KindIBAN.
	GroupFinancial Group = "financial"
	// GroupGovernmentID holds KindNationalID.
	GroupGovernmentID Group = "government_id"
	// GroupContact holds KindEmail, KindPhone and KindName.
	GroupContact Group = "contact"
	// GroupNetwork holds KindIP.
	GroupNetwork Group = "network"
	// GroupTicket holds KindTicketRef.
	GroupTicket Group = "ticket"
)

// Group returns the group k belongs to.
func (k Kind) Group() Group {
	switch k {
	case KindSecret:
		return GroupCredentials
	case KindCard, KindIBAN:
		return GroupFinancial
	case KindNationalID:
		return GroupGovernmentID
	case KindIP:
		return GroupNetwork
	case KindTicketRef:
		return GroupTicket
	default:
		return GroupContact
	}
}

// Policy chooses an action for each finding. The action for a kind is
// looked up in Kinds, then in Groups, and is Default otherwise. The zero
// Policy allows everything.
type Policy struct {
	// Kinds overrides the action for single kinds.
	Kinds map[Kind]Action
	// Groups sets the action for groups of kinds.
	Groups map[Group]Action
	// Default applies to kinds not listed; empty means ActionAllow.
	Default Action
}

// ActionFor returns the action p takes for kind k.
func (p Policy) ActionFor(k Kind) Action {
	if a, ok := p.Kinds[k]; ok && a != "" {
		return a
	}
	if a, ok := p.Groups[k.Group()]; ok && a != "" {
		return a
	}
	if p.Default != "" {
		return p.Default
	}
	return ActionAllow
}

// PublicPolicy suits text visible to anyone, such as a published
// knowledge article or a reply on a public channel: credentials block the
// text, everything else personal is redacted. Ticket references are only
// redacted when the Redactor detects KindTicketRef, which is off by
// default.
func PublicPolicy() Policy {
	return Policy{
		Groups: map[Group]Action{
			GroupCredentials:  ActionBlock,
			GroupFinancial:    ActionRedact,
			GroupGovernmentID: ActionRedact,
			GroupContact:      ActionRedact,
			GroupNetwork:      ActionRedact,
			GroupTicket:       ActionRedact,
		},
	}
}

// CustomerPolicy suits a message between a requester and the service desk:
// credentials are redacted (agents never need a password in clear),
// payment cards and IBANs masked, government IDs redacted, contact details
// and addresses allowed because they are usually the point of the message.
func CustomerPolicy() Policy {
	return Policy{
		Groups: map[Group]Action{
			GroupCredentials:  ActionRedact,
			GroupFinancial:    ActionMask,
			GroupGovernmentID: ActionRedact,
			GroupContact:      ActionAllow,
			GroupNetwork:      ActionAllow,
			GroupTicket:       ActionAllow,
		},
	}
}

// InternalNotePolicy suits notes visible to agents only: credentials are
// blocked so they never land in the ticket history, payment data masked,
// the rest allowed.
func InternalNotePolicy() Policy {
	return Policy{
		Groups: map[Group]Action{
			GroupCredentials:  ActionBlock,
			GroupFinancial:    ActionMask,
			GroupGovernmentID: ActionMask,
		},
		Default: ActionAllow,
	}
}

// kindNoun describes kind k to a message author.
func kindNoun(k Kind) string {
	switch k {
	case KindSecret:
		return "a password or access key"
	case KindCard:
		return "a payment card number"
	case KindIBAN:
		return "a bank account number (IBAN)"
	case KindNationalID:
		return "a national identity or social security number"
	case KindEmail:
		return "an e-mail address"
	case KindPhone:
		return "a phone number"
	case KindIP:
		return "an IP address"
	case KindName:
		return "a person's name"
	case KindTicketRef:
		return "a ticket number or machine name"
	default:
		return "sensitive data"
	}
}

// Apply runs r over text and applies p to each finding. When any finding
// is to be blocked, out is empty, blocked is true and reason tells the
// author in plain words what to remove; findings lists every finding in
// either case. Otherwise out is text with the redactions and masks applied,
// and findings carry the text that replaced them in Placeholder (for
// allowed findings, Placeholder equals Text).
func (p Policy) Apply(r *Redactor, text string) (out string, findings []Finding, blocked bool, reason string) {
	findings = r.Find(text)
	var blockedKinds []Kind
	for i := range findings {
		f := &findings[i]
		switch p.ActionFor(f.Kind) {
		case ActionBlock:
			if !slices.Contains(blockedKinds, f.Kind) {
				blockedKinds = append(blockedKinds, f.Kind)
			}
		case ActionRedact:
			f.Placeholder = f.Kind.Placeholder()
		case ActionMask:
			f.Placeholder = maskFinding(*f)
		default:
			f.Placeholder = f.Text
		}
	}
	if len(blockedKinds) > 0 {
		return "", findings, true, blockReason(blockedKinds)
	}
	return replace(text, findings), findings, false, ""
}

// blockReason builds the sentence shown to an author whose message was
// blocked, for example "Your message contains what looks like a password
// or access key. Remove it and send again."
func blockReason(kinds []Kind) string {
	slices.SortFunc(kinds, func(a, b Kind) int { return a.precedence() - b.precedence() })
	nouns := make([]string, len(kinds))
	for i, k := range kinds {
		nouns[i] = kindNoun(k)
	}
	var list string
	switch len(nouns) {
	case 1:
		list = nouns[0]
	default:
		list = strings.Join(nouns[:len(nouns)-1], ", ") + " and " + nouns[len(nouns)-1]
	}
	pronoun := "it"
	if len(nouns) > 1 {
		pronoun = "them"
	}
	return "Your message contains what looks like " + list + ". Remove " + pronoun + " and send again."
}
