package socialdesk

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// TicketType says whether a ticket restores a service or asks for something.
type TicketType string

// Ticket types.
const (
	Incident       TicketType = "incident"
	ServiceRequest TicketType = "request"
)

// Prefix is the prefix of the type's human-readable numbers.
func (t TicketType) Prefix() string {
	if t == ServiceRequest {
		return "REQ"
	}
	return "INC"
}

// ParseTicketType validates a ticket type; empty means incident.
func ParseTicketType(s string) (TicketType, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "incident", "inc":
		return Incident, nil
	case "request", "service_request", "req":
		return ServiceRequest, nil
	}
	return "", FieldError("type", "Unknown ticket type %q. Use incident or request.", s)
}

// State is where a ticket is in its life.
type State string

// Ticket states.
const (
	StateNew        State = "new"
	StateAssigned   State = "assigned"
	StateInProgress State = "in_progress"
	StatePending    State = "pending"
	StateResolved   State = "resolved"
	StateClosed     State = "closed"
)

// States lists every state in workflow order.
var States = []State{StateNew, StateAssigned, StateInProgress, StatePending, StateResolved, StateClosed}

// ParseState validates a state name.
func ParseState(s string) (State, error) {
	st := State(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), " ", "_"))
	if slices.Contains(States, st) {
		return st, nil
	}
	return "", FieldError("state", "Unknown state %q. Use one of new, assigned, in_progress, pending, resolved or closed.", s)
}

// Open reports whether work on the ticket is still to be done.
func (s State) Open() bool { return s != StateResolved && s != StateClosed }

// Label is the state as shown to people.
func (s State) Label() string {
	if s == StateInProgress {
		return "In progress"
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// Level is an impact or urgency rating.
type Level string

// Levels of impact and urgency.
const (
	High   Level = "high"
	Medium Level = "medium"
	Low    Level = "low"
)

// Levels lists the levels from high to low.
var Levels = []Level{High, Medium, Low}

// ParseLevel validates an impact or urgency; field names the input for the
// error message. Empty means medium.
func ParseLevel(field, s string) (Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "high", "h", "1":
		return High, nil
	case "medium", "m", "2", "":
		return Medium, nil
	case "low", "l", "3":
		return Low, nil
	}
	return "", FieldError(field, "Unknown %s %q. Use high, medium or low.", field, s)
}

// Priority is the ITIL priority, 1 (critical) to 5 (planning).
type Priority int

// String renders the priority as "P1" to "P5".
func (p Priority) String() string { return "P" + strconv.Itoa(int(p)) }

// ParsePriority accepts "P3" or "3".
func ParsePriority(s string) (Priority, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "P"))
	if err != nil || n < 1 || n > 5 {
		return 0, FieldError("priority", "Unknown priority %q. Use P1 to P5.", s)
	}
	return Priority(n), nil
}

// Ticket is an incident or a service request in the single queue.
type Ticket struct {
	ID          int64
	Type        TicketType
	Seq         int64 // per-type sequence behind Number
	Title       string
	Description string
	State       State
	Impact      Level
	Urgency     Level
	Priority    Priority
	GroupID     int64 // assignment group; 0 when none
	AssigneeID  int64 // 0 when unassigned
	RequesterID int64
	Category    string
	Service     string
	// Channel is the channel kind the ticket came from ("portal", "email",
	// "slack", "phone", ...). It never changes the priority.
	Channel string
	// ParentID links a report to its major incident.
	ParentID int64
	Major    bool
	// SourceQuestionID links a ticket escalated from a community question.
	SourceQuestionID int64

	CreatedAt  time.Time
	UpdatedAt  time.Time
	ResolvedAt time.Time
	ClosedAt   time.Time

	SLA SLAState
}

// Number is the human-readable ticket number, such as INC-000123.
func (t *Ticket) Number() string { return FormatNumber(t.Type, t.Seq) }

// FormatNumber renders a ticket number from its type and sequence.
func FormatNumber(typ TicketType, seq int64) string {
	return fmt.Sprintf("%s-%06d", typ.Prefix(), seq)
}

// ParseNumber splits "INC-000123" into its type and sequence.
func ParseNumber(s string) (TicketType, int64, bool) {
	prefix, num, ok := strings.Cut(strings.ToUpper(strings.TrimSpace(s)), "-")
	if !ok {
		return "", 0, false
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return "", 0, false
	}
	switch prefix {
	case "INC":
		return Incident, n, true
	case "REQ":
		return ServiceRequest, n, true
	}
	return "", 0, false
}

// SLAState is the stored state of a ticket's two SLA clocks. Durations are
// business time on the SLA calendar.
type SLAState struct {
	ResponseTarget   time.Duration
	ResolutionTarget time.Duration
	ResponseDue      time.Time
	ResolutionDue    time.Time
	RespondedAt      time.Time // first public reply by an agent
	// Paused accumulates business time spent pending on the user;
	// PausedSince is set while the ticket is pending.
	Paused      time.Duration
	PausedSince time.Time
	// Warned and Breached record which escalation steps have fired, so each
	// fires once: bit 0 response, bit 1 resolution.
	Warned   int
	Breached int
	// NextCheck is when the next SLA step (a warning or a breach) falls
	// due; zero when no step is left. The escalation worker scans on it.
	NextCheck time.Time
}

// Clock bits for SLAState.Warned and SLAState.Breached.
const (
	ClockResponse   = 1
	ClockResolution = 2
)

// Message is one entry in a ticket's thread.
type Message struct {
	ID       int64
	TicketID int64
	AuthorID int64
	// Internal notes are visible to staff only.
	Internal bool
	Body     string
	// Channel and ExternalID identify the message on its channel; together
	// they are the idempotency key for inbound messages.
	Channel    string
	ExternalID string
	// Direction is "in" for messages from the requester's side, "out" for
	// replies sent from the desk, "note" for internal notes.
	Direction string
	// DeliveryState tracks outbound replies: "", "queued", "sent", "failed".
	DeliveryState string
	CreatedAt     time.Time
	Attachments   []Attachment
}

// Attachment is a file stored with a message.
type Attachment struct {
	ID          int64
	MessageID   int64
	Name        string
	ContentType string
	Size        int64
	SHA256      string
}

// Event is one entry in a ticket's history: who changed what, and when.
type Event struct {
	ID       int64
	TicketID int64
	ActorID  int64 // 0 for the system
	Field    string
	Old, New string
	At       time.Time
}

// TicketFilter selects tickets for a queue view or the API.
type TicketFilter struct {
	IDs         []int64
	States      []State
	OpenOnly    bool
	Priorities  []Priority
	GroupID     int64
	AssigneeID  int64
	Unassigned  bool
	RequesterID int64
	Channel     string
	ParentID    int64
	// ParentIDs selects tickets linked to any of these major incidents.
	ParentIDs []int64
	// AtRisk selects open tickets with an SLA warning or breach.
	AtRisk bool
	Query  string // matches title or number
	Sort   string // "priority" (default), "created", "updated", "due"
	Offset int
	Limit  int
}

// TicketUpdate holds the changes to make to a ticket; nil fields stay.
type TicketUpdate struct {
	Title       *string
	Description *string
	Type        *TicketType
	State       *State
	Impact      *Level
	Urgency     *Level
	GroupID     *int64
	AssigneeID  *int64
	Category    *string
	Service     *string
	ParentID    *int64
	Major       *bool
}

// IsZero reports whether the update changes nothing.
func (u TicketUpdate) IsZero() bool { return u == TicketUpdate{} }
