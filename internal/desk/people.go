package desk

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// System is the acting person for work the desk does itself: the command
// line, scheduled jobs and connectors.
var System = &socialdesk.Person{ID: 0, Name: "socialdesk", Role: socialdesk.RoleAdmin}

// SystemContext returns ctx acting as the desk itself.
func SystemContext(ctx context.Context) context.Context {
	return socialdesk.NewContextWithUser(ctx, System)
}

// MinPassword is the shortest password accepted.
const MinPassword = 10

// HashPassword hashes a password with bcrypt.
func HashPassword(pw string) (string, error) {
	if len(pw) < MinPassword {
		return "", socialdesk.FieldError("password", "Use a password of at least %d characters.", MinPassword)
	}
	if len(pw) > 72 {
		return "", socialdesk.FieldError("password", "Use a password of at most 72 bytes.")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	return string(h), err
}

// RandomToken returns a URL-safe random string with n bytes of entropy.
func RandomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns the hex SHA-256 of a token; only hashes are stored.
func HashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// CreatePerson adds a person, hashing the password when one is given.
// Admin only.
func (s *Service) CreatePerson(ctx context.Context, p *socialdesk.Person, password string) error {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActAdmin); err != nil {
		return err
	}
	p.Email = strings.ToLower(strings.TrimSpace(p.Email))
	p.Name = strings.TrimSpace(p.Name)
	if err := p.Validate(); err != nil {
		return err
	}
	if password != "" {
		h, err := HashPassword(password)
		if err != nil {
			return err
		}
		p.PasswordHash = h
	}
	if err := s.db.CreatePerson(ctx, p); err != nil {
		return err
	}
	s.audit(ctx, "admin.user_create", p.Email, string(p.Role))
	return nil
}

// UpdatePerson saves a person's profile. People may edit their own site,
// devices and preferred channels; everything else is for admins.
func (s *Service) UpdatePerson(ctx context.Context, p *socialdesk.Person) error {
	actor := socialdesk.UserFromContext(ctx)
	old, err := s.db.Person(ctx, p.ID)
	if err != nil {
		return err
	}
	if err := socialdesk.Authorize(actor, socialdesk.ActAdmin); err != nil {
		if actor == nil || actor.ID != p.ID {
			return err
		}
		// Self-service: only the profile fields.
		old.Site, old.Devices, old.PreferredChannels = p.Site, p.Devices, p.PreferredChannels
		return s.db.UpdatePerson(ctx, old)
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if err := s.db.UpdatePerson(ctx, p); err != nil {
		return err
	}
	if old.Role != p.Role || old.Disabled != p.Disabled {
		s.audit(ctx, "admin.permission_change", p.Email, string(old.Role)+" -> "+string(p.Role)+map[bool]string{true: " (disabled)", false: ""}[p.Disabled])
	} else {
		s.audit(ctx, "admin.user_update", p.Email, "")
	}
	return nil
}

// SetPassword replaces a person's password. People may change their own;
// admins anyone's.
func (s *Service) SetPassword(ctx context.Context, id int64, pw string) error {
	actor := socialdesk.UserFromContext(ctx)
	if actor == nil || (actor.ID != id && socialdesk.Authorize(actor, socialdesk.ActAdmin) != nil) {
		return socialdesk.Errorf(socialdesk.EFORBIDDEN, "You may only change your own password.")
	}
	h, err := HashPassword(pw)
	if err != nil {
		return err
	}
	if err := s.db.SetPassword(ctx, id, h); err != nil {
		return err
	}
	s.audit(ctx, "auth.password_change", "", "")
	return nil
}

// Authenticate checks an email and password. It returns EUNAUTHORIZED for
// any mismatch without saying which part was wrong.
func (s *Service) Authenticate(ctx context.Context, email, password string) (*socialdesk.Person, error) {
	bad := socialdesk.Errorf(socialdesk.EUNAUTHORIZED, "Wrong email or password.")
	p, err := s.db.PersonByEmail(ctx, email)
	if err != nil {
		// Spend the same time as a real check so timing does not reveal
		// which emails exist.
		bcrypt.CompareHashAndPassword([]byte("$2a$10$7EqJtq98hPqEX7fNZaFWoOhi5BWX4Z0Dv1Z7BvR4C/5tcdvQ0o6nS"), []byte(password))
		return nil, bad
	}
	if p.PasswordHash == "" || bcrypt.CompareHashAndPassword([]byte(p.PasswordHash), []byte(password)) != nil {
		return nil, bad
	}
	if !p.Active(s.Now()) {
		return nil, socialdesk.Errorf(socialdesk.EUNAUTHORIZED, "Your access has ended. Ask the service desk to renew it.")
	}
	return p, nil
}

// CreateToken issues an API token for a person and returns it; only its
// hash is kept. The person may issue their own; admins anyone's.
func (s *Service) CreateToken(ctx context.Context, personID int64, name string) (string, error) {
	actor := socialdesk.UserFromContext(ctx)
	if actor == nil || (actor.ID != personID && socialdesk.Authorize(actor, socialdesk.ActAdmin) != nil) {
		return "", socialdesk.Errorf(socialdesk.EFORBIDDEN, "You may only create tokens for yourself.")
	}
	tok := "sd_" + RandomToken(24)
	if _, err := s.db.CreateToken(ctx, personID, name, HashToken(tok)); err != nil {
		return "", err
	}
	s.audit(ctx, "auth.token_create", "", name)
	return tok, nil
}

// PersonByToken resolves an API token to its active owner.
func (s *Service) PersonByToken(ctx context.Context, tok string) (*socialdesk.Person, error) {
	p, err := s.db.PersonByToken(ctx, HashToken(tok))
	if err != nil || !p.Active(s.Now()) {
		return nil, socialdesk.Errorf(socialdesk.EUNAUTHORIZED, "The API token is not valid. Create a new one with `socialdesk token create`.")
	}
	return p, nil
}

// SessionTTL is how long a browser session lasts.
const SessionTTL = 12 * time.Hour

// StartSession creates a browser session and returns the cookie token and
// the CSRF token.
func (s *Service) StartSession(ctx context.Context, p *socialdesk.Person) (token, csrf string, err error) {
	token, csrf = RandomToken(32), RandomToken(24)
	now := s.Now()
	err = s.db.CreateSession(ctx, store.Session{TokenHash: HashToken(token), PersonID: p.ID, CSRF: csrf, CreatedAt: now, ExpiresAt: now.Add(SessionTTL)})
	if err == nil {
		s.audit(socialdesk.NewContextWithUser(ctx, p), "auth.sign_in", p.Email, "")
	}
	return token, csrf, err
}

// Session resolves a session cookie to its person and CSRF token.
func (s *Service) Session(ctx context.Context, token string) (*socialdesk.Person, string, error) {
	sess, err := s.db.Session(ctx, HashToken(token), s.Now())
	if err != nil {
		return nil, "", socialdesk.Errorf(socialdesk.EUNAUTHORIZED, "Your session has ended. Sign in again.")
	}
	p, err := s.db.Person(ctx, sess.PersonID)
	if err != nil || !p.Active(s.Now()) {
		return nil, "", socialdesk.Errorf(socialdesk.EUNAUTHORIZED, "Your session has ended. Sign in again.")
	}
	return p, sess.CSRF, nil
}

// EndSession signs a browser session out.
func (s *Service) EndSession(ctx context.Context, token string) error {
	s.audit(ctx, "auth.sign_out", "", "")
	return s.db.DeleteSession(ctx, HashToken(token), s.Now())
}

// People lists people, for staff.
func (s *Service) People(ctx context.Context, role socialdesk.Role) ([]*socialdesk.Person, error) {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActPeopleView); err != nil {
		return nil, err
	}
	return s.db.People(ctx, role)
}

// Staff lists the agents, knowledge managers and administrators, ordered
// by name: the people work can be assigned to.
func (s *Service) Staff(ctx context.Context) ([]*socialdesk.Person, error) {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActPeopleView); err != nil {
		return nil, err
	}
	var out []*socialdesk.Person
	for _, role := range []socialdesk.Role{socialdesk.RoleAgent, socialdesk.RoleKnowledgeManager, socialdesk.RoleAdmin} {
		ps, err := s.db.People(ctx, role)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	slices.SortStableFunc(out, func(a, b *socialdesk.Person) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// Names returns the people with the ids, by id, to name them on a page:
// the authors of a ticket's messages, its requester, the actors of its
// history. Staff get each whole record; anyone else signed in gets id,
// name and role only, what the community pages show of everyone.
func (s *Service) Names(ctx context.Context, ids []int64) (map[int64]*socialdesk.Person, error) {
	actor := socialdesk.UserFromContext(ctx)
	if actor == nil {
		return nil, socialdesk.Errorf(socialdesk.EUNAUTHORIZED, "Sign in to continue.")
	}
	people, err := s.db.PeopleByIDs(ctx, ids)
	if err != nil || socialdesk.Authorize(actor, socialdesk.ActPeopleView) == nil {
		return people, err
	}
	for id, p := range people {
		if id != actor.ID {
			people[id] = &socialdesk.Person{ID: p.ID, Name: p.Name, Role: p.Role}
		}
	}
	return people, nil
}

// FindPerson finds one person by email address or full name, for staff who
// log a call on someone's behalf. Case does not matter. Names are not
// unique: a name that several people share is refused with their email
// addresses, so that the caller can be told apart, not guessed.
func (s *Service) FindPerson(ctx context.Context, who string) (*socialdesk.Person, error) {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActPeopleView); err != nil {
		return nil, err
	}
	who = strings.TrimSpace(who)
	if who == "" {
		return nil, socialdesk.Errorf(socialdesk.EINVALID, "Enter an email address or a full name.")
	}
	notFound := socialdesk.Errorf(socialdesk.ENOTFOUND, "Nobody is called or has the email %s. Check the spelling, or add them under Admin > Users.", who)
	if strings.Contains(who, "@") {
		p, err := s.db.PersonByEmail(ctx, who)
		if socialdesk.ErrorCode(err) == socialdesk.ENOTFOUND {
			return nil, notFound
		}
		return p, err
	}
	people, err := s.db.PeopleNamed(ctx, who)
	switch {
	case err != nil:
		return nil, err
	case len(people) == 0:
		return nil, notFound
	case len(people) > 1:
		emails := make([]string, len(people))
		for i, p := range people {
			emails[i] = cmp.Or(p.Email, "no email, id "+strconv.FormatInt(p.ID, 10))
		}
		return nil, socialdesk.Errorf(socialdesk.EINVALID, "%d people are called %s (%s). Enter the caller's email address instead.", len(people), people[0].Name, strings.Join(emails, ", "))
	}
	return people[0], nil
}

// Person returns a person: oneself, or anyone for staff.
func (s *Service) Person(ctx context.Context, id int64) (*socialdesk.Person, error) {
	actor := socialdesk.UserFromContext(ctx)
	if actor == nil {
		return nil, socialdesk.Errorf(socialdesk.EUNAUTHORIZED, "Sign in to continue.")
	}
	if actor.ID != id {
		if err := socialdesk.Authorize(actor, socialdesk.ActPeopleView); err != nil {
			return nil, err
		}
	}
	return s.db.Person(ctx, id)
}

// Groups lists the assignment groups.
func (s *Service) Groups(ctx context.Context) ([]*socialdesk.Group, error) {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActTicketView); err != nil {
		return nil, err
	}
	return s.db.Groups(ctx)
}

// CreateGroup adds an assignment group. Admin only.
func (s *Service) CreateGroup(ctx context.Context, g *socialdesk.Group) error {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActAdmin); err != nil {
		return err
	}
	g.Name = strings.TrimSpace(g.Name)
	if g.Name == "" {
		return socialdesk.FieldError("name", "Give the group a name.")
	}
	if err := s.db.CreateGroup(ctx, g); err != nil {
		return err
	}
	s.audit(ctx, "admin.group_create", g.Name, "")
	return nil
}

// AuditLog lists audit entries, newest first. Admin only.
func (s *Service) AuditLog(ctx context.Context, actionPrefix string, limit, offset int) ([]store.AuditEntry, error) {
	if err := socialdesk.Authorize(socialdesk.UserFromContext(ctx), socialdesk.ActAuditView); err != nil {
		return nil, err
	}
	return s.db.AuditLog(ctx, actionPrefix, limit, offset)
}

// ExternalIdentity is a person as a single sign-on provider describes them.
type ExternalIdentity struct {
	Provider string
	Subject  string
	Email    string
	Name     string
	Role     socialdesk.Role
}

// SignInExternal finds or creates the person a single sign-on provider
// vouched for. On first sign-in the person is created with the role mapped
// from the provider's claims; later sign-ins apply role changes from the
// provider, except that a local break-glass admin (one with a password)
// keeps admin. It returns EUNAUTHORIZED for disabled or expired people.
func (s *Service) SignInExternal(ctx context.Context, id ExternalIdentity) (*socialdesk.Person, error) {
	sys := SystemContext(ctx)
	p, err := s.db.PersonByEmail(ctx, id.Email)
	switch {
	case socialdesk.ErrorCode(err) == socialdesk.ENOTFOUND:
		p = &socialdesk.Person{Email: id.Email, Name: id.Name, Role: id.Role, PreferredChannels: []string{"portal", "email"}}
		if err := p.Validate(); err != nil {
			return nil, err
		}
		if err := s.db.CreatePerson(ctx, p); err != nil {
			return nil, err
		}
		s.audit(sys, "auth.sso_user_created", p.Email, string(p.Role)+" via "+id.Provider)
	case err != nil:
		return nil, err
	default:
		if p.Role != id.Role && !(p.Role == socialdesk.RoleAdmin && p.PasswordHash != "") {
			old := p.Role
			p.Role = id.Role
			if err := s.db.UpdatePerson(ctx, p); err != nil {
				return nil, err
			}
			s.audit(sys, "admin.permission_change", p.Email, string(old)+" -> "+string(p.Role)+" from "+id.Provider+" claims")
		}
	}
	if err := s.db.AddIdentity(ctx, socialdesk.Identity{PersonID: p.ID, Channel: "sso:" + id.Provider, ExternalID: id.Subject}); err != nil && socialdesk.ErrorCode(err) != socialdesk.ECONFLICT {
		return nil, err
	}
	if !p.Active(s.Now()) {
		return nil, socialdesk.Errorf(socialdesk.EUNAUTHORIZED, "Your access has ended. Ask the service desk to renew it.")
	}
	return p, nil
}
