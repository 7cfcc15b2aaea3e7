package search

import (
	"slices"
	"testing"
)

func TestContextFromUserAgent(t *testing.T) {
	cases := []struct {
		ua     string
		os     string
		device string
	}{
		{"Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) AppleWebKit/605.1.15", "ipados", "tablet"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X)", "ios", "phone"},
		{"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Mobile Safari/537.36", "android", "phone"},
		{"Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 Safari/537.36", "android", "tablet"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0", "windows", "laptop"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15", "macos", "laptop"},
		{"Mozilla/5.0 (X11; CrOS x86_64 15633.69.0) AppleWebKit/537.36", "chromeos", "laptop"},
		{"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "linux", "laptop"},
		{"curl/8.5.0", "", ""},
	}
	for _, c := range cases {
		got := ContextFromUserAgent(c.ua)
		if c.os == "" {
			if !got.IsZero() {
				t.Errorf("%q: got %+v, want empty", c.ua, got)
			}
			continue
		}
		if !slices.Contains(got.OS, c.os) || !slices.Contains(got.Devices, c.device) {
			t.Errorf("%q: got %+v, want os %s device %s", c.ua, got, c.os, c.device)
		}
	}
}

func TestExtractContext(t *testing.T) {
	known := KnownValues{Sites: []string{"Lyon", "Berlin", "New York"}}
	cases := []struct {
		query   string
		site    string
		role    string
		os      string
		device  string
		cleaned string
	}{
		{"wifi won't connect on my tablet at the Lyon office, I'm visiting", "lyon", "visitor", "", "tablet", "wifi won't connect ,"},
		{"vpn broken on my iPad", "", "", "ipados", "ipad", "vpn broken"},
		{"email setup on my android phone", "", "", "android", "phone", "email setup"},
		{"printer in Berlin jammed", "berlin", "", "", "", "printer jammed"},
		{"badge not working at the new york site", "new york", "", "", "", "badge not working"},
		{"need vpn as a contractor", "", "contractor", "", "", "need vpn"},
		{"my phone won't charge", "", "", "", "phone", "my phone won't charge"},
		{"outlook crashes", "", "", "", "", "outlook crashes"},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			got, cleaned := ExtractContext(c.query, known)
			if got.Site != c.site || got.Role != c.role {
				t.Errorf("site %q role %q, want %q %q", got.Site, got.Role, c.site, c.role)
			}
			if (c.os == "") != (len(got.OS) == 0) || (c.os != "" && !slices.Contains(got.OS, c.os)) {
				t.Errorf("os %v, want %q", got.OS, c.os)
			}
			if (c.device == "") != (len(got.Devices) == 0) || (c.device != "" && !slices.Contains(got.Devices, c.device)) {
				t.Errorf("devices %v, want %q", got.Devices, c.device)
			}
			if cleaned != c.cleaned {
				t.Errorf("cleaned %q, want %q", cleaned, c.cleaned)
			}
			if c.site != "" && got.Sources["site"] != SourceQuery {
				t.Errorf("site source %q", got.Sources["site"])
			}
		})
	}
}

func TestMergeContext(t *testing.T) {
	profile := Context{Site: "Berlin", Role: "employee", OS: []string{"windows"}}
	ua := ContextFromUserAgent("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X)")
	query, _ := ExtractContext("wifi at the Lyon office", KnownValues{Sites: []string{"Lyon"}})
	override := Context{Role: "visitor"}
	got := MergeContext(profile, ua, query, override)
	want := map[string]struct {
		value  string
		source Source
	}{
		"site":   {"lyon", SourceQuery},
		"role":   {"visitor", SourceOverride},
		"os":     {"ios", SourceUserAgent},
		"device": {"phone", SourceUserAgent},
	}
	values := map[string][]string{"site": {got.Site}, "role": {got.Role}, "os": got.OS, "device": got.Devices}
	for k, w := range want {
		if !slices.Contains(values[k], w.value) || got.Sources[k] != w.source {
			t.Errorf("%s = %v from %q, want %q from %q", k, values[k], got.Sources[k], w.value, w.source)
		}
	}
	// A weaker layer never replaces a stronger one, whatever the order of
	// application.
	again := overlay(got, Context{Role: "contractor", Sources: map[string]Source{"role": SourceProfile}}, SourceProfile)
	if again.Role != "visitor" {
		t.Errorf("profile replaced an override: %q", again.Role)
	}
}

func TestSimilarity(t *testing.T) {
	a := "VPN keeps disconnecting every few minutes when working from home"
	cases := []struct {
		b    string
		near bool
	}{
		{"vpn keeps disconnecting every few minutes when working from home!", true},
		{"When working from home the VPN keeps disconnecting every few minutes", true},
		{"VPN keeps disconnecting every few minute when working from home today", true},
		{"Printer on floor 3 is out of toner again", false},
		{"How do I reset my password for the expenses app", false},
	}
	for _, c := range cases {
		if got := NearDuplicate(a, c.b); got != c.near {
			t.Errorf("NearDuplicate(%q) = %v, want %v (similarity %.2f, simhash distance %d)",
				c.b, got, c.near, Similarity(Signature(a), Signature(c.b)), hamming(SimHash(a), SimHash(c.b)))
		}
	}
	same := Similarity(Signature(a), Signature(a))
	other := Similarity(Signature(a), Signature(cases[3].b))
	if same != 1 || other > 0.2 {
		t.Errorf("similarity to itself %.2f, to unrelated %.2f", same, other)
	}
	if Similarity(Signature(""), Signature("")) != 0 {
		t.Error("empty texts should be similar to nothing")
	}
}

func hamming(a, b uint64) int {
	n := 0
	for x := a ^ b; x != 0; x &= x - 1 {
		n++
	}
	return n
}

func TestSimilar(t *testing.T) {
	ix := fixture(t)
	got := ix.Similar("my wireless network at the office does not work", Viewer{}, []string{TypeArticle}, 3)
	if len(got) == 0 || got[0].ID != "wifi" {
		t.Fatalf("Similar = %v, want the wifi article first", got)
	}
	for _, r := range ix.Similar("printer jammed garbage", Viewer{ID: 1}, nil, 10) {
		if r.ID == "t1" || r.ID == "q-spam" {
			t.Errorf("Similar showed %s to a viewer who may not see it", r.ID)
		}
	}
}

func TestTokens(t *testing.T) {
	cases := map[string][]string{
		"Wi-Fi won't connect!":           {"wi", "fi", "wont", "connect"},
		"VPN: error 809 (GlobalProtect)": {"vpn", "error", "809", "globalprotect"},
		"users' 'quoted' Ça marche":      {"users", "quoted", "ça", "marche"},
		"   ":                            nil,
	}
	for in, want := range cases {
		if got := tokens(in, nil); !slices.Equal(got, want) {
			t.Errorf("tokens(%q) = %q, want %q", in, got, want)
		}
	}
}
