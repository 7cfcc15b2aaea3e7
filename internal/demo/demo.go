// Package demo loads realistic demo data into an empty desk: groups,
// people of every role, and a queue of tickets in every state, so that a
// new install can be explored at once.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/app"
	"github.com/socialdesk/socialdesk/internal/desk"
)

// Login is a demo account printed at start-up.
type Login struct {
	Email, Password, Role string
}

// Password is the password of every demo account.
const Password = "demo-password"

type person struct {
	name, email string
	role        socialdesk.Role
	site        string
	devices     []string
	groups      []string
}

var people = []person{
	{"Ada Admin", "admin@example.com", socialdesk.RoleAdmin, "Paris", []string{"Windows laptop"}, nil},
	{"Alex Agent", "agent@example.com", socialdesk.RoleAgent, "Paris", []string{"Windows laptop", "iPhone"}, []string{"Service Desk"}},
	{"Noor Network", "noor@example.com", socialdesk.RoleAgent, "Lyon", []string{"MacBook"}, []string{"Network", "Duty Managers"}},
	{"Kim Knowledge", "km@example.com", socialdesk.RoleKnowledgeManager, "Paris", []string{"MacBook"}, []string{"Service Desk"}},
	{"Emma Employee", "employee@example.com", socialdesk.RoleEmployee, "Lyon", []string{"Windows laptop", "Android phone"}, nil},
	{"Jonas Weber", "jonas@example.com", socialdesk.RoleEmployee, "Berlin", []string{"MacBook", "iPad"}, nil},
	{"Priya Shah", "priya@example.com", socialdesk.RoleEmployee, "London", []string{"Windows laptop", "iPhone"}, nil},
	{"Carlos Contractor", "contractor@example.com", socialdesk.RoleContractor, "Lyon", []string{"Linux laptop"}, nil},
}

var groups = []socialdesk.Group{
	{Name: "Service Desk", Description: "First line: every new ticket lands here"},
	{Name: "Network", Description: "Wi-Fi, VPN, firewalls and the WAN"},
	{Name: "Workplace", Description: "Laptops, phones, printers and meeting rooms"},
	{Name: "Identity & Access", Description: "Accounts, passwords, MFA and SSO"},
	{Name: "Duty Managers", Description: "On call for major incidents and P1/P2 breaches", OnCall: true},
}

type ticket struct {
	typ, title, desc, impact, urgency, channel, service string
	requester                                           string
	state                                               socialdesk.State
	group                                               string
	reply                                               string
}

var tickets = []ticket{
	{"incident", "VPN keeps dropping every few minutes", "Since this morning the VPN disconnects every 5-10 minutes when I work from home. Reconnecting works but the call drops.", "medium", "high", "slack", "VPN", "jonas@example.com", socialdesk.StateInProgress, "Network", "We see this on the Lyon concentrator too. Could you send the time of the last drop?"},
	{"incident", "Cannot print to the 3rd floor printer", "The printer shows as offline on my laptop. Others can print.", "low", "medium", "portal", "Printing", "employee@example.com", socialdesk.StateNew, "", ""},
	{"request", "New laptop for a starter on Monday", "Please prepare a standard Windows laptop for Lina Martin, starting Monday in Finance.", "low", "low", "email", "Laptops", "priya@example.com", socialdesk.StateAssigned, "Workplace", ""},
	{"incident", "Outlook asks for my password again and again", "After the MFA change Outlook keeps prompting for the password on my Mac.", "low", "high", "portal", "Email", "jonas@example.com", socialdesk.StatePending, "Identity & Access", "Please remove the old account from Keychain and sign in again; tell us if it still asks."},
	{"incident", "Wi-Fi won't connect on my tablet at the Lyon office", "I'm visiting Lyon this week and my iPad doesn't join CORP-WIFI, it says incorrect password.", "low", "medium", "mastodon", "Wi-Fi", "jonas@example.com", socialdesk.StateNew, "", ""},
	{"incident", "Shared drive S: is very slow", "Opening any file on S: takes a minute since yesterday afternoon.", "medium", "medium", "phone", "File shares", "priya@example.com", socialdesk.StateInProgress, "Service Desk", "Looking at the file server now."},
	{"request", "Access to the Finance SharePoint site", "I need read access to the Finance reporting site for the audit.", "low", "low", "portal", "SharePoint", "contractor@example.com", socialdesk.StateNew, "", ""},
	{"incident", "Teams calls have no sound", "Since the update I hear nothing in Teams calls; the headset works elsewhere.", "low", "high", "chat", "Teams", "employee@example.com", socialdesk.StateResolved, "Workplace", "Teams picked the wrong audio device after the update; selecting the headset in Settings > Devices fixed it."},
	{"incident", "Payroll system down for the whole of HR", "Nobody in HR can open the payroll application: error 503.", "high", "high", "webhook", "Payroll", "priya@example.com", socialdesk.StateInProgress, "Duty Managers", "We are on it; the application server restarted at 09:12 and is coming back."},
	{"request", "Install Visual Studio Code", "I need VS Code for the data project.", "low", "low", "portal", "Software", "contractor@example.com", socialdesk.StateClosed, "Workplace", "Installed from the company portal."},
	{"incident", "Phone won't sync mail after reset", "I reset my Android phone and now mail doesn't sync.", "low", "medium", "email", "Mobile", "employee@example.com", socialdesk.StateNew, "", ""},
	{"incident", "Meeting room screen in Berlin shows no signal", "Room Spree: the screen says no signal with HDMI and with the dongle.", "medium", "medium", "walk-up", "Meeting rooms", "jonas@example.com", socialdesk.StateAssigned, "Workplace", ""},
}

// Load fills an empty desk with the demo data and returns the accounts. It
// does nothing and returns nil logins if anyone exists already.
func Load(ctx context.Context, svc *desk.Service) ([]Login, error) {
	sys := desk.SystemContext(ctx)
	existing, err := svc.People(sys, "")
	if err != nil {
		return nil, err
	}
	if len(existing) > 0 {
		return nil, nil
	}
	groupID := map[string]int64{}
	for _, g := range groups {
		g := g
		if err := svc.CreateGroup(sys, &g); err != nil {
			return nil, err
		}
		groupID[g.Name] = g.ID
	}
	byEmail := map[string]*socialdesk.Person{}
	var logins []Login
	for _, p := range people {
		np := &socialdesk.Person{Email: p.email, Name: p.name, Role: p.role, Site: p.site, Devices: p.devices, PreferredChannels: []string{"portal", "email"}}
		for _, g := range p.groups {
			np.GroupIDs = append(np.GroupIDs, groupID[g])
		}
		if p.role == socialdesk.RoleContractor {
			np.AccessExpires = time.Now().AddDate(0, 6, 0)
		}
		if err := svc.CreatePerson(sys, np, Password); err != nil {
			return nil, err
		}
		byEmail[p.email] = np
		logins = append(logins, Login{Email: p.email, Password: Password, Role: string(p.role)})
	}
	agent := byEmail["agent@example.com"]
	for _, t := range tickets {
		asRequester := socialdesk.NewContextWithUser(ctx, byEmail[t.requester])
		created, err := svc.CreateTicket(asRequester, desk.NewTicket{Type: t.typ, Title: t.title, Description: t.desc, Impact: t.impact, Urgency: t.urgency, Channel: t.channel, Service: t.service})
		if err != nil {
			return nil, fmt.Errorf("demo ticket %q: %w", t.title, err)
		}
		asAgent := socialdesk.NewContextWithUser(ctx, agent)
		var u socialdesk.TicketUpdate
		if g, ok := groupID[t.group]; ok {
			u.GroupID = &g
		}
		if t.state != socialdesk.StateNew {
			id := agent.ID
			u.AssigneeID = &id
		}
		if !u.IsZero() {
			if _, err := svc.UpdateTicket(asAgent, created.ID, u); err != nil {
				return nil, err
			}
		}
		if t.reply != "" {
			if _, err := svc.AddMessage(asAgent, created.ID, desk.NewMessage{Body: t.reply}); err != nil {
				return nil, err
			}
		}
		if t.state != socialdesk.StateNew && t.state != socialdesk.StateAssigned {
			st := t.state
			if _, err := svc.UpdateTicket(asAgent, created.ID, socialdesk.TicketUpdate{State: &st}); err != nil {
				return nil, err
			}
		}
	}
	// A backlog so the queue, filters and paging have something to show.
	subjects := []string{"Password reset", "Laptop battery drains fast", "Cannot open PDF attachments", "Request a second monitor", "Calendar not syncing", "Badge does not open the door", "Software licence renewal", "Browser shows certificate warning"}
	levels := []string{"high", "medium", "low"}
	rng := rand.New(rand.NewPCG(1, 2))
	emps := []string{"employee@example.com", "jonas@example.com", "priya@example.com", "contractor@example.com"}
	for i := range 40 {
		req := byEmail[emps[rng.IntN(len(emps))]]
		_, err := svc.CreateTicket(socialdesk.NewContextWithUser(ctx, req), desk.NewTicket{
			Type: []string{"incident", "request"}[rng.IntN(2)], Title: fmt.Sprintf("%s (%d)", subjects[rng.IntN(len(subjects))], i+1),
			Impact: levels[rng.IntN(3)], Urgency: levels[rng.IntN(3)], Channel: []string{"portal", "email", "phone", "slack"}[rng.IntN(4)],
		})
		if err != nil {
			return nil, err
		}
	}
	return logins, nil
}

// LoadApp loads every part of the demo into an empty desk, as
// `serve --demo` does: the accounts and queue (Load), listening
// (LoadListening), community content (LoadCommunity), and the search
// index over all of it. It returns nil logins, and loads nothing, when
// the desk has people already.
func LoadApp(ctx context.Context, a *app.App) ([]Login, error) {
	logins, err := Load(ctx, a.Desk)
	if err != nil || logins == nil {
		return nil, err
	}
	if err := LoadListening(ctx, a.Listening, a.Ingest.Deliver); err != nil {
		return nil, fmt.Errorf("listening demo data: %w", err)
	}
	if err := LoadCommunity(ctx, a.Desk, a.Community); err != nil {
		return nil, fmt.Errorf("community demo data: %w", err)
	}
	if err := a.Finder.Build(ctx); err != nil {
		return nil, fmt.Errorf("index demo data: %w", err)
	}
	return logins, nil
}
