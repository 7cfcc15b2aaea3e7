package sso

import (
	"testing"

	"github.com/socialdesk/socialdesk"
)

func TestMapRole(t *testing.T) {
	mapping, err := ParseRoleGroups("admin=it-admins, agent=it-agents|helpdesk, contractor=contractors, knowledge_manager=kb")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		groups []string
		want   socialdesk.Role
	}{
		{nil, socialdesk.RoleEmployee},
		{[]string{"sales"}, socialdesk.RoleEmployee},
		{[]string{"contractors"}, socialdesk.RoleContractor},
		{[]string{"helpdesk"}, socialdesk.RoleAgent},
		{[]string{"contractors", "helpdesk"}, socialdesk.RoleAgent},
		{[]string{"kb", "it-agents"}, socialdesk.RoleKnowledgeManager},
		{[]string{"it-admins", "contractors"}, socialdesk.RoleAdmin},
	}
	for _, c := range cases {
		if got := MapRole(c.groups, mapping); got != c.want {
			t.Errorf("MapRole(%v) = %s, want %s", c.groups, got, c.want)
		}
	}
	for _, bad := range []string{"admin", "wizard=x"} {
		if _, err := ParseRoleGroups(bad); err == nil {
			t.Errorf("ParseRoleGroups(%q) accepted", bad)
		}
	}
}

func TestIdentityFromClaims(t *testing.T) {
	p := &Provider{cfg: Config{GroupsClaim: "groups", RoleGroups: map[socialdesk.Role][]string{socialdesk.RoleAgent: {"helpdesk"}}}}
	id, err := p.identity("sub1", map[string]any{"email": "ana@example.com", "email_verified": true, "name": "Ana", "groups": []any{"helpdesk", "x"}})
	if err != nil || id.Role != socialdesk.RoleAgent || id.Email != "ana@example.com" || id.Name != "Ana" || len(id.Groups) != 2 {
		t.Fatalf("identity = %+v, %v", id, err)
	}
	if _, err := p.identity("s", map[string]any{"email": "x@example.com", "email_verified": false}); err == nil {
		t.Fatal("an unverified email was accepted")
	}
	if _, err := p.identity("s", map[string]any{"name": "no email"}); err == nil {
		t.Fatal("a token without email was accepted")
	}
}
