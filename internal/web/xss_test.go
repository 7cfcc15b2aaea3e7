package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/apptest"
	"github.com/socialdesk/socialdesk/internal/browsertest"
	"github.com/socialdesk/socialdesk/internal/desk"
)

// xssPayloads are script-injection attempts. Each one, if it reached the
// page as markup, would create an element with the class xss-probe or the
// attribute data-xss (or a javascript: link), which the detector below
// finds even where the Content-Security-Policy stops the script itself.
var xssPayloads = func() []string {
	base := []string{
		`<script class=xss-probe>window.__xss=1</script>`,
		`<img src=x onerror="window.__xss=1" class=xss-probe>`,
		`"><img src=x onerror=window.__xss=1 class=xss-probe>`,
		`'><svg onload=window.__xss=1 class=xss-probe>`,
		`</textarea><b class=xss-probe>x</b>`,
		`</title><b class=xss-probe>x</b>`,
		`<a href="javascript:window.__xss=1" class=xss-probe>click</a>`,
		`<iframe src="javascript:parent.__xss=1" class=xss-probe></iframe>`,
		`<body onload=window.__xss=1 class=xss-probe>`,
		`<details open ontoggle=window.__xss=1 class=xss-probe>`,
		`<input autofocus onfocus=window.__xss=1 class=xss-probe>`,
		`<video><source onerror=window.__xss=1 class=xss-probe></video>`,
		`<math><mtext></p><b class=xss-probe>m</b></mtext></math>`,
		`<svg><script class=xss-probe>window.__xss=1</script></svg>`,
		`<object data="javascript:window.__xss=1" class=xss-probe></object>`,
		`<embed src="javascript:window.__xss=1" class=xss-probe>`,
		`<form action="javascript:window.__xss=1" class=xss-probe><button>go</button></form>`,
		`<div style="background:url(javascript:window.__xss=1)" data-xss=1>`,
		`<marquee onstart=window.__xss=1 class=xss-probe>`,
		`<style>@import 'javascript:alert(1)';</style><b class=xss-probe>s</b>`,
		`<!--<img src=x class=xss-probe>-->`,
		`<noscript><p title="</noscript><img src=x onerror=window.__xss=1 class=xss-probe>">`,
		`<template><img class=xss-probe></template><img class=xss-probe src=x>`,
		`"onmouseover="window.__xss=1" data-xss="1`,
		`' onfocus='window.__xss=1' data-xss='1`,
		`javascript:window.__xss=1//<b class=xss-probe>`,
		`<base href="javascript:/" class=xss-probe>`,
		`<meta http-equiv="refresh" content="0;url=javascript:window.__xss=1" data-xss=1>`,
		`<link rel=stylesheet href="javascript:x" class=xss-probe>`,
		`<table background="javascript:x" class=xss-probe>`,
		`<isindex action=javascript:x class=xss-probe>`,
		`<keygen autofocus onfocus=window.__xss=1 class=xss-probe>`,
		`<select autofocus onfocus=window.__xss=1 class=xss-probe>`,
		`<textarea autofocus onfocus=window.__xss=1 class=xss-probe>`,
		`<audio src=x onerror=window.__xss=1 class=xss-probe>`,
		`<x contenteditable onblur=window.__xss=1 class=xss-probe>x`,
		`<svg><animate onbegin=window.__xss=1 attributeName=x dur=1s class=xss-probe>`,
		`<svg><a xlink:href="javascript:window.__xss=1" class=xss-probe><text x=20 y=20>x</text></a></svg>`,
		`<scr<script>ipt class=xss-probe>window.__xss=1</scr</script>ipt>`,
		`%3Cb%20class%3Dxss-probe%3E`,
		`&lt;b class=xss-probe&gt;`,
		`\u003cb class=xss-probe\u003e`,
		`<IMG SRC=x ONERROR=window.__xss=1 CLASS=xss-probe>`,
		`<img src=x:alert(1) onerror=eval(src) class=xss-probe>`,
		`<b/class=xss-probe/onclick=window.__xss=1>slash`,
		`<<b class=xss-probe>>double`,
		`{{.}}<b class=xss-probe>{{template}}`,
		"`${window.__xss=1}`<b class=xss-probe>",
		`"];window.__xss=1;//<b class=xss-probe>`,
		`</script><script class=xss-probe>window.__xss=1</script>`,
		`<a href="  javascript:window.__xss=1" data-xss=1>spaces</a>`,
		`<a href="data:text/html,<script>parent.__xss=1</script>" class=xss-probe>data</a>`,
	}
	return base
}()

// detectXSS reports what injected markup or script the page shows.
const detectXSS = `(() => {
  const found = [];
  if (window.__xss) found.push("script ran");
  const probes = document.querySelectorAll(".xss-probe, [data-xss]");
  if (probes.length) found.push(probes.length + " injected element(s): " + probes[0].outerHTML.slice(0, 80));
  for (const a of document.querySelectorAll("a[href], iframe[src], form[action]")) {
    const v = (a.getAttribute("href") || a.getAttribute("src") || a.getAttribute("action") || "").trim().toLowerCase();
    if (v.startsWith("javascript:")) found.push("javascript: URL in " + a.tagName);
  }
  return found.join("; ");
})()`

// TestXSSPayloadsNeverExecute enters every payload in every text field a
// person can fill in, renders every page that shows them in real Chromium,
// and checks that no payload became markup or ran.
func TestXSSPayloadsNeverExecute(t *testing.T) {
	if len(xssPayloads) < 50 {
		t.Fatalf("only %d payloads; the issue asks for at least 50", len(xssPayloads))
	}
	browser := browsertest.New(t)

	// The detector must be able to fail: a deliberately unescaped page
	// (no escaping, no CSP) has to be caught.
	control := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, "<html><body><h1>control</h1>%s</body></html>", xssPayloads[1])
	}))
	defer control.Close()
	browsertest.Do(t, browser, chromedp.Navigate(control.URL), chromedp.WaitVisible(chromedp.CSS("h1")))
	found, err := chromedp.Run(browser, chromedp.Evaluate[string](detectXSS))
	if err != nil || found == "" {
		t.Fatalf("the detector missed a deliberately unescaped payload (%v); this test could never fail", err)
	}

	e := apptest.New(t)
	ctx := t.Context()
	sys := desk.SystemContext(ctx)
	emp, agent := e.As("employee"), e.As("agent")
	var ids []int64
	for i, p := range xssPayloads {
		// Text fields of a ticket, a reply, an internal note and the
		// agent's fields.
		tk, err := e.App.Desk.CreateTicket(emp, desk.NewTicket{Title: fmt.Sprintf("T%d %s", i, p), Description: p, Service: p})
		if err != nil {
			t.Fatalf("payload %d rejected: %v", i, err)
		}
		ids = append(ids, tk.ID)
		if _, err := e.App.Desk.AddMessage(emp, tk.ID, desk.NewMessage{Body: p}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.Desk.AddMessage(agent, tk.ID, desk.NewMessage{Body: p, Internal: true}); err != nil {
			t.Fatal(err)
		}
		cat := p
		if _, err := e.App.Desk.UpdateTicket(agent, tk.ID, socialdesk.TicketUpdate{Category: &cat, Service: &cat}); err != nil {
			t.Fatal(err)
		}
		// People, groups and the audit log show names and sites.
		if i < 10 {
			person := &socialdesk.Person{Email: fmt.Sprintf("x%d@example.com", i), Name: "N " + p, Role: socialdesk.RoleEmployee, Site: p, Devices: []string{p}}
			if err := e.App.Desk.CreatePerson(sys, person, ""); err != nil {
				t.Fatal(err)
			}
			if err := e.App.Desk.CreateGroup(sys, &socialdesk.Group{Name: fmt.Sprintf("G%d %s", i, p), Description: p}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := e.App.Desk.PublishUsagePolicy(e.As("admin"), strings.Join(xssPayloads, "\n\n")); err != nil {
		t.Fatal(err)
	}
	for _, role := range []string{"employee", "agent", "admin"} {
		p := e.People[role]
		e.App.Desk.AckUsagePolicy(socialdesk.NewContextWithUser(ctx, p), 2)
	}

	pages := []string{"/queue", "/queue?state=all", "/portal", "/admin/users", "/admin/groups", "/admin/audit", "/policy", "/admin/policy", "/notifications", "/profile",
		"/queue?q=" + url.QueryEscape(xssPayloads[2]), "/portal/new?title=" + url.QueryEscape(xssPayloads[3]), "/login?next=" + url.QueryEscape(xssPayloads[6])}
	for i, id := range ids {
		pages = append(pages, fmt.Sprintf("/tickets/%d?flash=%s", id, url.QueryEscape(xssPayloads[i])))
	}
	browsertest.Login(t, browser, e.Server.URL, "admin@example.com", apptest.Password)
	checked := 0
	for _, pg := range pages {
		pctx, cancel := context.WithTimeout(browser, 20*time.Second)
		err := chromedp.Do(pctx, chromedp.Navigate(e.Server.URL+pg), chromedp.WaitReady(chromedp.CSS("body")))
		cancel()
		if err != nil {
			state, _ := chromedp.Run(browser, chromedp.Evaluate[string]("document.readyState + ' ' + location.href + ' ' + document.body.innerText.slice(0, 300)"))
			t.Fatalf("%s: %v (%s)", pg, err, state)
		}
		found, err := chromedp.Run(browser, chromedp.Evaluate[string](detectXSS))
		if err != nil {
			t.Fatalf("%s: %v", pg, err)
		}
		if found != "" {
			t.Errorf("%s: %s", pg, found)
		}
		checked++
	}
	// The employee's own view of their tickets.
	empBrowser := browsertest.New(t)
	browsertest.Login(t, empBrowser, e.Server.URL, "employee@example.com", apptest.Password)
	for _, id := range ids[:10] {
		browsertest.Do(t, empBrowser, chromedp.Navigate(fmt.Sprintf("%s/tickets/%d", e.Server.URL, id)), chromedp.WaitReady(chromedp.CSS("body")))
		if found, _ := chromedp.Run(empBrowser, chromedp.Evaluate[string](detectXSS)); found != "" {
			t.Errorf("employee view of ticket %d: %s", id, found)
		}
		checked++
	}
	t.Logf("%d payloads in %d pages: nothing executed or became markup", len(xssPayloads), checked)
}
