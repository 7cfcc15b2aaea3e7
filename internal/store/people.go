package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"

	"github.com/socialdesk/socialdesk"
)

const personColumns = `id, COALESCE(email, ''), name, role, site, devices, preferred_channels, access_expires, disabled, password_hash, created_at`

func scanPerson(row interface{ Scan(...any) error }) (*socialdesk.Person, error) {
	var p socialdesk.Person
	var role, devices, prefs string
	var expires, created int64
	var disabled int
	if err := row.Scan(&p.ID, &p.Email, &p.Name, &role, &p.Site, &devices, &prefs, &expires, &disabled, &p.PasswordHash, &created); err != nil {
		return nil, err
	}
	p.Role = socialdesk.Role(role)
	json.Unmarshal([]byte(devices), &p.Devices)
	json.Unmarshal([]byte(prefs), &p.PreferredChannels)
	p.AccessExpires = fromMicros(expires)
	p.Disabled = disabled != 0
	p.CreatedAt = fromMicros(created)
	return &p, nil
}

func jsonList(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func nullEmail(e string) any {
	e = strings.ToLower(strings.TrimSpace(e))
	if e == "" {
		return nil
	}
	return e
}

// CreatePerson stores a new person and sets p.ID. It returns ECONFLICT when
// the email is taken.
func (db *DB) CreatePerson(ctx context.Context, p *socialdesk.Person) error {
	if p.CreatedAt.IsZero() {
		p.CreatedAt = db.now().UTC()
	}
	p.Email = strings.ToLower(strings.TrimSpace(p.Email))
	return db.inTx(ctx, func(tx *sql.Tx) error {
		id, err := db.insert(ctx, tx, `INSERT INTO people (email, name, role, site, devices, preferred_channels, access_expires, disabled, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			nullEmail(p.Email), p.Name, string(p.Role), p.Site, jsonList(p.Devices), jsonList(p.PreferredChannels), toMicros(p.AccessExpires), boolInt(p.Disabled), p.PasswordHash, toMicros(p.CreatedAt))
		if isUniqueViolation(err) {
			return socialdesk.FieldError("email", "Someone already uses %s.", p.Email)
		} else if err != nil {
			return err
		}
		p.ID = id
		return db.setGroups(ctx, tx, id, p.GroupIDs)
	})
}

// UpdatePerson saves every field of p except the password hash and the
// creation time.
func (db *DB) UpdatePerson(ctx context.Context, p *socialdesk.Person) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `UPDATE people SET email = ?, name = ?, role = ?, site = ?, devices = ?, preferred_channels = ?, access_expires = ?, disabled = ? WHERE id = ?`,
			nullEmail(p.Email), p.Name, string(p.Role), p.Site, jsonList(p.Devices), jsonList(p.PreferredChannels), toMicros(p.AccessExpires), boolInt(p.Disabled), p.ID)
		if isUniqueViolation(err) {
			return socialdesk.FieldError("email", "Someone already uses %s.", p.Email)
		} else if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return socialdesk.Errorf(socialdesk.ENOTFOUND, "Person not found.")
		}
		return db.setGroups(ctx, tx, p.ID, p.GroupIDs)
	})
}

func (db *DB) setGroups(ctx context.Context, tx *sql.Tx, personID int64, groups []int64) error {
	if _, err := db.exec(ctx, tx, `DELETE FROM group_members WHERE person_id = ?`, personID); err != nil {
		return err
	}
	for _, g := range groups {
		if _, err := db.exec(ctx, tx, `INSERT INTO group_members (group_id, person_id) VALUES (?, ?)`, g, personID); err != nil {
			return notFound(err, "Group")
		}
	}
	return nil
}

// SetPassword replaces a person's password hash.
func (db *DB) SetPassword(ctx context.Context, id int64, hash string) error {
	_, err := db.exec(ctx, db.w, `UPDATE people SET password_hash = ? WHERE id = ?`, hash, id)
	return err
}

func (db *DB) loadGroups(ctx context.Context, p *socialdesk.Person) error {
	return db.attachGroups(ctx, []*socialdesk.Person{p}, ` WHERE person_id = ?`, p.ID)
}

// Person returns the person with the id, or ENOTFOUND.
func (db *DB) Person(ctx context.Context, id int64) (*socialdesk.Person, error) {
	p, err := scanPerson(db.queryRow(ctx, db.db, `SELECT `+personColumns+` FROM people WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "Person")
	}
	return p, db.loadGroups(ctx, p)
}

// PersonByEmail returns the person with the email address, or ENOTFOUND.
func (db *DB) PersonByEmail(ctx context.Context, email string) (*socialdesk.Person, error) {
	p, err := scanPerson(db.queryRow(ctx, db.db, `SELECT `+personColumns+` FROM people WHERE email = ?`, strings.ToLower(strings.TrimSpace(email))))
	if err != nil {
		return nil, notFound(err, "Person")
	}
	return p, db.loadGroups(ctx, p)
}

// People lists people ordered by name; role filters when not empty.
func (db *DB) People(ctx context.Context, role socialdesk.Role) ([]*socialdesk.Person, error) {
	if role == "" {
		return db.selectPeople(ctx, "")
	}
	return db.selectPeople(ctx, ` WHERE role = ?`, string(role))
}

// PeopleByIDs returns the people with the ids, by id, in two queries (the
// people, then their groups); ids that name nobody have no entry.
func (db *DB) PeopleByIDs(ctx context.Context, ids []int64) (map[int64]*socialdesk.Person, error) {
	out := map[int64]*socialdesk.Person{}
	if len(ids) == 0 {
		return out, nil
	}
	list, err := db.selectPeople(ctx, ` WHERE id IN (`+placeholders(len(ids))+`)`, idArgs(ids)...)
	if err != nil {
		return nil, err
	}
	for _, p := range list {
		out[p.ID] = p
	}
	return out, nil
}

// PeopleNamed lists the people whose name is name, ignoring case, ordered
// by id. Names are not unique, so there may be several. SQLite's lower()
// folds ASCII letters only, so a name with other letters is matched in Go
// over the ids and names of everyone, which both stores answer alike.
func (db *DB) PeopleNamed(ctx context.Context, name string) ([]*socialdesk.Person, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, nil
	}
	where, args := ` WHERE lower(name) = lower(?)`, []any{name}
	if !isASCII(name) {
		ids, err := db.idsNamed(ctx, name)
		if err != nil || len(ids) == 0 {
			return nil, err
		}
		where, args = ` WHERE id IN (`+placeholders(len(ids))+`)`, idArgs(ids)
	}
	out, err := db.selectPeople(ctx, where, args...)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *socialdesk.Person) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// idsNamed returns the ids of the people whose name equals name under
// Unicode case folding.
func (db *DB) idsNamed(ctx context.Context, name string) ([]int64, error) {
	rows, err := db.query(ctx, db.db, `SELECT id, name FROM people`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		var n string
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		if strings.EqualFold(n, name) {
			ids = append(ids, id)
		}
	}
	return ids, rows.Err()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// selectPeople reads the people that match where (empty for everyone),
// ordered by name, and their groups: two queries, not one per person,
// since the busiest pages list people.
func (db *DB) selectPeople(ctx context.Context, where string, args ...any) ([]*socialdesk.Person, error) {
	rows, err := db.query(ctx, db.db, `SELECT `+personColumns+` FROM people`+where+` ORDER BY name, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*socialdesk.Person
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	groupWhere := ""
	if where != "" {
		groupWhere = ` WHERE person_id IN (SELECT id FROM people` + where + `)`
	}
	if err := db.attachGroups(ctx, out, groupWhere, args...); err != nil {
		return nil, err
	}
	return out, nil
}

// attachGroups sets the groups of people from one query over the group
// memberships that match where, which must cover all of them.
func (db *DB) attachGroups(ctx context.Context, people []*socialdesk.Person, where string, args ...any) error {
	rows, err := db.query(ctx, db.db, `SELECT person_id, group_id FROM group_members`+where+` ORDER BY person_id, group_id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	groups := map[int64][]int64{}
	for rows.Next() {
		var person, group int64
		if err := rows.Scan(&person, &group); err != nil {
			return err
		}
		groups[person] = append(groups[person], group)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, p := range people {
		p.GroupIDs = groups[p.ID]
	}
	return nil
}

// AddIdentity links a channel account to a person. Linking the same account
// to the same person again is a no-op; to another person it is ECONFLICT.
func (db *DB) AddIdentity(ctx context.Context, id socialdesk.Identity) error {
	_, err := db.exec(ctx, db.w, `INSERT INTO identities (channel, external_id, person_id) VALUES (?, ?, ?) ON CONFLICT (channel, external_id) DO NOTHING`, id.Channel, id.ExternalID, id.PersonID)
	if err != nil {
		return err
	}
	owner, err := db.PersonByIdentity(ctx, id.Channel, id.ExternalID)
	if err != nil {
		return err
	}
	if owner.ID != id.PersonID {
		return socialdesk.Errorf(socialdesk.ECONFLICT, "That %s account already belongs to %s.", id.Channel, owner.Name)
	}
	return nil
}

// PersonByIdentity finds the person behind a channel account, or ENOTFOUND.
func (db *DB) PersonByIdentity(ctx context.Context, channel, externalID string) (*socialdesk.Person, error) {
	p, err := scanPerson(db.queryRow(ctx, db.db, `SELECT p.id, COALESCE(p.email, ''), p.name, p.role, p.site, p.devices, p.preferred_channels, p.access_expires, p.disabled, p.password_hash, p.created_at FROM identities i JOIN people p ON p.id = i.person_id WHERE i.channel = ? AND i.external_id = ?`, channel, externalID))
	if err != nil {
		return nil, notFound(err, "Person")
	}
	return p, db.loadGroups(ctx, p)
}

// Identities lists a person's channel accounts.
func (db *DB) Identities(ctx context.Context, personID int64) ([]socialdesk.Identity, error) {
	rows, err := db.query(ctx, db.db, `SELECT channel, external_id, person_id FROM identities WHERE person_id = ? ORDER BY channel, external_id`, personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []socialdesk.Identity
	for rows.Next() {
		var i socialdesk.Identity
		if err := rows.Scan(&i.Channel, &i.ExternalID, &i.PersonID); err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// CreateGroup stores a new assignment group and sets g.ID.
func (db *DB) CreateGroup(ctx context.Context, g *socialdesk.Group) error {
	id, err := db.insert(ctx, db.w, `INSERT INTO assignment_groups (name, description, on_call) VALUES (?, ?, ?)`, g.Name, g.Description, boolInt(g.OnCall))
	if isUniqueViolation(err) {
		return socialdesk.FieldError("name", "A group named %q exists already.", g.Name)
	} else if err != nil {
		return err
	}
	g.ID = id
	return nil
}

// UpdateGroup saves a group's name, description and on-call flag.
func (db *DB) UpdateGroup(ctx context.Context, g *socialdesk.Group) error {
	_, err := db.exec(ctx, db.w, `UPDATE assignment_groups SET name = ?, description = ?, on_call = ? WHERE id = ?`, g.Name, g.Description, boolInt(g.OnCall), g.ID)
	if isUniqueViolation(err) {
		return socialdesk.FieldError("name", "A group named %q exists already.", g.Name)
	}
	return err
}

// Groups lists all assignment groups by name.
func (db *DB) Groups(ctx context.Context) ([]*socialdesk.Group, error) {
	rows, err := db.query(ctx, db.db, `SELECT id, name, description, on_call FROM assignment_groups ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*socialdesk.Group
	for rows.Next() {
		var g socialdesk.Group
		var oncall int
		if err := rows.Scan(&g.ID, &g.Name, &g.Description, &oncall); err != nil {
			return nil, err
		}
		g.OnCall = oncall != 0
		out = append(out, &g)
	}
	return out, rows.Err()
}

// GroupMembers lists the ids of a group's members.
func (db *DB) GroupMembers(ctx context.Context, groupID int64) ([]int64, error) {
	rows, err := db.query(ctx, db.db, `SELECT person_id FROM group_members WHERE group_id = ? ORDER BY person_id`, groupID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
