package socialdesk

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Role is what a person may do in the desk.
type Role string

// Roles, from least to most privileged. Visitors and contractors are
// employees with limited, possibly expiring, access.
const (
	RoleEmployee         Role = "employee"
	RoleContractor       Role = "contractor"
	RoleAgent            Role = "agent"
	RoleKnowledgeManager Role = "knowledge_manager"
	RoleAdmin            Role = "admin"
)

// Roles lists every role in order of privilege.
var Roles = []Role{RoleEmployee, RoleContractor, RoleAgent, RoleKnowledgeManager, RoleAdmin}

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(Roles, r) {
		return r, nil
	}
	return "", FieldError("role", "Unknown role %q. Use one of employee, contractor, agent, knowledge_manager or admin.", s)
}

// IsStaff reports whether the role works tickets (agents and above).
func (r Role) IsStaff() bool {
	return r == RoleAgent || r == RoleKnowledgeManager || r == RoleAdmin
}

// IsReviewer reports whether the role reviews community content and
// publishes knowledge articles (knowledge managers and admins).
func (r Role) IsReviewer() bool {
	return r == RoleKnowledgeManager || r == RoleAdmin
}

// Person is anyone who uses the desk or reaches it through a channel.
type Person struct {
	ID    int64
	Email string
	Name  string
	Role  Role
	Site  string
	// Devices lists the person's devices, such as "iPad" or "Windows laptop".
	Devices []string
	// PreferredChannels lists channel kinds in order of preference.
	PreferredChannels []string
	// GroupIDs are the assignment groups an agent belongs to.
	GroupIDs []int64
	// AccessExpires ends access for contractors and visitors; zero means never.
	AccessExpires time.Time
	Disabled      bool
	CreatedAt     time.Time
	// PasswordHash is empty for people who cannot sign in with a password.
	PasswordHash string
}

// Active reports whether the person may sign in at t.
func (p *Person) Active(t time.Time) bool {
	if p == nil || p.Disabled {
		return false
	}
	return p.AccessExpires.IsZero() || t.Before(p.AccessExpires)
}

// InGroup reports whether the person belongs to the group.
func (p *Person) InGroup(id int64) bool { return p != nil && slices.Contains(p.GroupIDs, id) }

// Validate checks the fields a person must have.
func (p *Person) Validate() error {
	if strings.TrimSpace(p.Name) == "" {
		return FieldError("name", "Name is required.")
	}
	if p.Email != "" && !strings.Contains(p.Email, "@") {
		return FieldError("email", "%q is not an email address.", p.Email)
	}
	if _, err := ParseRole(string(p.Role)); err != nil {
		return err
	}
	return nil
}

// Identity links a person to an account on a channel, such as a Slack user
// id or a Mastodon handle.
type Identity struct {
	PersonID   int64
	Channel    string
	ExternalID string
}

// Group is an assignment group of agents, such as "Service Desk" or "Network".
type Group struct {
	ID          int64
	Name        string
	Description string
	// OnCall marks the group notified of major incidents.
	OnCall bool
}

type contextKey int

const userKey contextKey = 1

// NewContextWithUser returns a copy of ctx that carries the acting person.
func NewContextWithUser(ctx context.Context, p *Person) context.Context {
	return context.WithValue(ctx, userKey, p)
}

// UserFromContext returns the acting person, or nil when nobody is signed in.
func UserFromContext(ctx context.Context) *Person {
	p, _ := ctx.Value(userKey).(*Person)
	return p
}
