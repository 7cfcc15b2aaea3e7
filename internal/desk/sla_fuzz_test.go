package desk_test

import (
	"testing"

	"github.com/socialdesk/socialdesk/internal/desk"
)

// FuzzParseSLAPolicy parses arbitrary SLA settings, as the admin's JSON
// editor and form send them: it must never panic, and a policy it accepts
// encodes to settings that parse back to the same policy.
func FuzzParseSLAPolicy(f *testing.F) {
	f.Add(desk.DefaultSLAPolicy().ConfigJSON())
	f.Add(`{"calendar":{"timezone":"Europe/Paris","days":{"mon":{"open":"08:30","close":"18:00"},"Saturday":{"open":"10:00","close":"12:00"}},"holidays":["2026-12-25"]},` +
		`"targets":{"1":{"response":"15m","resolution":"4h"},"2":{"response":"30m","resolution":"8h"},"3":{"response":"4h","resolution":"24h"},"4":{"response":"8h","resolution":"40h"},"5":{"response":"16h","resolution":"80h"}},` +
		`"warn_at":-1,"escalation":[{"on":"breach","clock":"response","priorities":[1],"action":"reassign","group":"Network"}]}`)
	f.Add(`{"calendar":{"timezone":"Mars/Olympus","days":{"mon":{"open":"17:00","close":"09:00"}}},"targets":{}}`)
	f.Add(`{"targets":{"1":{"response":"5h","resolution":"4h"}},"warn_at":1.5}`)
	f.Add(`{"calendar": `)
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := desk.ParseSLAPolicy([]byte(raw))
		if err != nil {
			return
		}
		out := p.ConfigJSON()
		again, err := desk.ParseSLAPolicy([]byte(out))
		if err != nil {
			t.Fatalf("accepted settings encode to settings that are refused: %v\n%s", err, out)
		}
		if again.ConfigJSON() != out {
			t.Fatalf("settings changed in a round trip:\n%s\n%s", out, again.ConfigJSON())
		}
	})
}
