package finder_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/finder"
	"github.com/socialdesk/socialdesk/internal/search"
)

type apiResult struct {
	Results []struct {
		Type, ID, Title string
		Reasons         []string
	}
	Total    int
	SearchID int64 `json:"search_id"`
	Context  struct {
		Site    string
		Devices []string
		OS      []string
		Sources map[string]string
	}
}

func get(t *testing.T, e *apptest.Env, role, q string, ua string) (apiResult, int) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.Server.URL+"/api/v1/search?"+q, nil)
	req.Header.Set("Authorization", "Bearer "+e.Tokens[role])
	if ua != "" {
		req.Header.Set("User-Agent", ua)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out apiResult
	json.NewDecoder(resp.Body).Decode(&out)
	return out, resp.StatusCode
}

func TestSearchAPIContextPermissionsAndLog(t *testing.T) {
	e := apptest.New(t)
	e.StartWorkers()
	f := e.App.Finder
	// Two answers to the same problem; which one fits depends on the device.
	f.Upsert(search.Doc{Type: search.TypeArticle, ID: "1", Title: "Wi-Fi on iPad: forget the network and rejoin CORP-WIFI", Body: "Settings, Wi-Fi, forget this network, then join again with your new password.", Verified: true,
		Applies: search.Applicability{OS: []string{"ipados", "ios"}}})
	f.Upsert(search.Doc{Type: search.TypeArticle, ID: "2", Title: "Wi-Fi on Android: forget the network and rejoin CORP-WIFI", Body: "Settings, Network, Wi-Fi, forget, then join again with your new password.", Verified: true,
		Applies: search.Applicability{OS: []string{"android"}}})
	f.SetURL(search.TypeArticle, func(id string) string { return "/kb/" + id })

	ipadUA := "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
	res, code := get(t, e, "employee", "q="+url.QueryEscape("wireless wont conect"), ipadUA)
	if code != 200 || len(res.Results) == 0 || res.Results[0].ID != "1" {
		t.Fatalf("iPad user: %d %+v", code, res)
	}
	if res.Context.Sources["os"] != "user-agent" && res.Context.Sources["os"] != "useragent" && !strings.Contains(res.Context.Sources["os"], "agent") {
		t.Errorf("the OS should come from the User-Agent: %+v", res.Context)
	}
	// The search page says where each part of the context came from.
	if _, _, page := e.NewSession(t, "employee").Do("GET", "/search?q="+url.QueryEscape("wireless on my android phone"), nil); !strings.Contains(page, `<span class="hint">device from query text; os from query text; role from profile; site from profile</span>`) {
		t.Errorf("the search page does not list the context's sources:\n%s", page)
	}
	res, _ = get(t, e, "employee", "q="+url.QueryEscape("wireless wont conect on my android phone"), ipadUA)
	if len(res.Results) == 0 || res.Results[0].ID != "2" {
		t.Fatalf("words in the query should beat the User-Agent: %+v", res.Results)
	}
	res, _ = get(t, e, "employee", "q=wifi&context="+url.QueryEscape("os:android"), ipadUA)
	if len(res.Results) == 0 || res.Results[0].ID != "2" {
		t.Fatalf("an explicit context should win: %+v", res.Results)
	}
	// A site named in the query is recognised once the index knows the
	// organisation's sites, and wins over the profile.
	if err := f.RefreshSites(t.Context()); err != nil {
		t.Fatal(err)
	}
	e.App.DB.SQL().Exec(`UPDATE people SET site = 'Berlin' WHERE email = 'admin@example.com'`)
	if err := f.RefreshSites(t.Context()); err != nil {
		t.Fatal(err)
	}
	res, _ = get(t, e, "employee", "q="+url.QueryEscape("wifi not working at the Berlin office"), "")
	if res.Context.Site != "berlin" || res.Context.Sources["site"] != "query text" {
		t.Fatalf("the site in the query was not recognised: %+v", res.Context)
	}
	// Tickets: agents find any, requesters their own, others none.
	tk, err := e.App.Desk.CreateTicket(e.As("employee"), desk.NewTicket{Title: "Printer on floor 3 prints blank pages", Description: "toner was replaced"})
	if err != nil {
		t.Fatal(err)
	}
	// The index follows the change broadcast; the bound is wide so that a
	// loaded machine running the race detector does not fail.
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, _ = get(t, e, "agent", "q=blank+pages+printer", "")
		if len(res.Results) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(res.Results) == 0 || res.Results[0].Type != "ticket" || res.Results[0].ID != fmt.Sprint(tk.ID) {
		t.Fatalf("a new ticket was not searchable after 10 s: %+v", res.Results)
	}
	if res, _ := get(t, e, "employee", "q=blank+pages+printer", ""); len(res.Results) != 1 {
		t.Fatalf("the requester should find their own ticket: %+v", res.Results)
	}
	if res, _ := get(t, e, "employee2", "q=blank+pages+printer", ""); len(res.Results) != 0 {
		t.Fatalf("another employee found someone else's ticket: %+v", res.Results)
	}
	// Errors and anonymous access.
	if _, code := get(t, e, "employee", "q=", ""); code != 422 {
		t.Errorf("empty query: %d", code)
	}
	if _, code := get(t, e, "employee", "q=x&context=planet:mars", ""); code != 422 {
		t.Errorf("bad context: %d", code)
	}
	req, _ := http.NewRequest("GET", e.Server.URL+"/api/v1/search?q=wifi", nil)
	if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != 401 {
		t.Errorf("anonymous search: %d", resp.StatusCode)
	}
	// Every search is logged, including those that found nothing.
	get(t, e, "employee", "q=zxqv+frobnicator", "")
	log, _ := e.App.DB.SearchLog(t.Context(), time.Now().Add(-time.Minute), 100)
	var empty int
	for _, l := range log {
		if l.Results == 0 && l.Query == "zxqv frobnicator" {
			empty++
		}
	}
	if empty != 1 {
		t.Fatalf("the empty search was not logged once: %+v", log)
	}
}

func TestDeviceContext(t *testing.T) {
	cases := map[string]string{
		"iPad":           "ipad,tablet|ipados",
		"iPhone 15":      "iphone,phone|ios",
		"Android phone":  "phone|android",
		"Windows laptop": "laptop|windows",
		"MacBook Pro":    "laptop|macos",
		"Chromebook":     "laptop|chromeos",
	}
	for in, want := range cases {
		c := finder.DeviceContext(in)
		got := strings.Join(c.Devices, ",") + "|" + strings.Join(c.OS, ",")
		if got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
	c, err := finder.ParseContext("site:Lyon, role:visitor, device:tablet, os:iOS")
	if err != nil || c.Site != "lyon" || c.Role != "visitor" || c.Devices[0] != "tablet" || c.OS[0] != "ios" {
		t.Fatalf("ParseContext = %+v %v", c, err)
	}
	if finder.FormatContext(c) != "site:lyon,role:visitor,device:tablet,os:ios" {
		t.Fatalf("FormatContext = %s", finder.FormatContext(c))
	}
}
