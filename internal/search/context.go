package search

import (
	"regexp"
	"slices"
	"strings"
)

// Source says where a context value came from. Later sources override
// earlier ones: profile < user agent < query text < explicit override.
type Source string

// Context sources, weakest first.
const (
	SourceProfile   Source = "profile"
	SourceUserAgent Source = "user agent"
	SourceQuery     Source = "query text"
	SourceOverride  Source = "override"
)

var sourceRank = map[Source]int{"": 0, SourceProfile: 1, SourceUserAgent: 2, SourceQuery: 3, SourceOverride: 4}

// Context describes the searcher's situation. Values are lower case:
// OS is one of windows, macos, ios, ipados, android, linux, chromeos;
// Devices holds phone, tablet, laptop or desktop, and may also name a
// product such as "ipad" or "iphone".
type Context struct {
	Site, Role  string
	Devices, OS []string
	// Sources records where each value came from, keyed by "site",
	// "role", "device" and "os". It may be nil.
	Sources map[string]Source
}

// IsZero reports whether the context holds no values.
func (c Context) IsZero() bool {
	return c.Site == "" && c.Role == "" && len(c.Devices) == 0 && len(c.OS) == 0
}

// KnownValues lists the organisation's own vocabulary for context
// extraction.
type KnownValues struct {
	// Sites are the organisation's site names, such as "Lyon" or "Berlin HQ".
	Sites []string
}

// MergeContext layers contexts from weakest to strongest source; a
// non-empty value in a stronger layer replaces the weaker one. The
// result records which source each value came from.
func MergeContext(profile, userAgent, query, override Context) Context {
	out := Context{Sources: map[string]Source{}}
	layers := []struct {
		c Context
		s Source
	}{{profile, SourceProfile}, {userAgent, SourceUserAgent}, {query, SourceQuery}, {override, SourceOverride}}
	for _, l := range layers {
		out = overlay(out, l.c, l.s)
	}
	return out
}

// overlay puts the values of top over base, recording source s for them
// unless top carries its own sources.
func overlay(base, top Context, s Source) Context {
	src := func(key string) Source {
		if top.Sources != nil && top.Sources[key] != "" {
			return top.Sources[key]
		}
		return s
	}
	if base.Sources == nil {
		base.Sources = map[string]Source{}
	} else {
		base.Sources = maps(base.Sources)
	}
	set := func(key string) bool {
		ns := src(key)
		if sourceRank[ns] < sourceRank[base.Sources[key]] {
			return false
		}
		base.Sources[key] = ns
		return true
	}
	if top.Site != "" && set("site") {
		base.Site = strings.ToLower(top.Site)
	}
	if top.Role != "" && set("role") {
		base.Role = strings.ToLower(top.Role)
	}
	if len(top.Devices) > 0 && set("device") {
		base.Devices = lowerAll(top.Devices)
	}
	if len(top.OS) > 0 && set("os") {
		base.OS = lowerAll(top.OS)
	}
	return base
}

func maps(m map[string]Source) map[string]Source {
	c := make(map[string]Source, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func lowerAll(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		s = strings.ToLower(strings.TrimSpace(s))
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// ContextFromUserAgent guesses operating system and device class from a
// browser User-Agent header. Unknown agents give an empty Context.
func ContextFromUserAgent(ua string) Context {
	u := strings.ToLower(ua)
	var c Context
	switch {
	case strings.Contains(u, "ipad"):
		c.OS, c.Devices = []string{"ipados"}, []string{"tablet", "ipad"}
	case strings.Contains(u, "iphone") || strings.Contains(u, "ipod"):
		c.OS, c.Devices = []string{"ios"}, []string{"phone", "iphone"}
	case strings.Contains(u, "android"):
		c.OS = []string{"android"}
		if strings.Contains(u, "mobile") {
			c.Devices = []string{"phone"}
		} else {
			c.Devices = []string{"tablet"}
		}
	case strings.Contains(u, "cros"):
		c.OS, c.Devices = []string{"chromeos"}, []string{"laptop"}
	case strings.Contains(u, "windows phone"):
		c.OS, c.Devices = []string{"windows"}, []string{"phone"}
	case strings.Contains(u, "windows"):
		c.OS, c.Devices = []string{"windows"}, []string{"laptop", "desktop"}
	case strings.Contains(u, "macintosh") || strings.Contains(u, "mac os x"):
		c.OS, c.Devices = []string{"macos"}, []string{"laptop", "desktop"}
	case strings.Contains(u, "linux") || strings.Contains(u, "x11"):
		c.OS, c.Devices = []string{"linux"}, []string{"laptop", "desktop"}
	}
	return c
}

// deviceWords maps words people use for their device to device values
// and, where implied, an operating system.
var deviceWords = []struct {
	re      *regexp.Regexp
	devices []string
	os      string
}{
	{regexp.MustCompile(`\bipads?\b`), []string{"tablet", "ipad"}, "ipados"},
	{regexp.MustCompile(`\biphones?\b`), []string{"phone", "iphone"}, "ios"},
	{regexp.MustCompile(`\b(macbook|imac|mac)\b`), []string{"laptop"}, "macos"},
	{regexp.MustCompile(`\bchromebook\b`), []string{"laptop"}, "chromeos"},
	{regexp.MustCompile(`\b(android|galaxy|pixel|samsung)\s+(phone|mobile|smartphone)\b`), []string{"phone"}, "android"},
	{regexp.MustCompile(`\b(android|galaxy|samsung)\s+tablet\b`), []string{"tablet"}, "android"},
	{regexp.MustCompile(`\b(phone|mobile|smartphone|cell)\b`), []string{"phone"}, ""},
	{regexp.MustCompile(`\btablets?\b`), []string{"tablet"}, ""},
	{regexp.MustCompile(`\b(laptop|notebook)\b`), []string{"laptop"}, ""},
	{regexp.MustCompile(`\b(desktop|workstation|pc)\b`), []string{"desktop"}, ""},
}

var osWords = []struct {
	re *regexp.Regexp
	os string
}{
	{regexp.MustCompile(`\bandroid\b`), "android"},
	{regexp.MustCompile(`\b(ios|iphone)\b`), "ios"},
	{regexp.MustCompile(`\bipados\b`), "ipados"},
	{regexp.MustCompile(`\b(macos|mac os|os x|osx)\b`), "macos"},
	{regexp.MustCompile(`\bwindows( ?1[01])?\b`), "windows"},
	{regexp.MustCompile(`\b(linux|ubuntu|fedora|debian)\b`), "linux"},
	{regexp.MustCompile(`\bchrome ?os\b`), "chromeos"},
}

// phrases that name the context rather than the problem; they are removed
// from the cleaned query.
var (
	reOnMy     = regexp.MustCompile(`\b(on|from|with|using) (my|our|the|a|an) (new |work |personal |company |own )?((android|galaxy|samsung|pixel) )?(ipad|iphone|macbook|mac|chromebook|phone|mobile|smartphone|tablet|laptop|notebook|desktop|pc|workstation)s?\b`)
	reVisitor  = regexp.MustCompile(`\b(i'?m|i am|as an?|im) (visiting|visitor|guest|contractor|external|consultant|temp|intern)\b|\b(visiting|as a visitor|as a guest|as a contractor)\b`)
	roleByWord = map[string]string{"visiting": "visitor", "visitor": "visitor", "guest": "visitor", "contractor": "contractor", "external": "contractor", "consultant": "contractor", "temp": "contractor", "intern": "employee"}
)

// extractor holds compiled site patterns for ExtractContext.
type extractor struct {
	sites []sitePattern
}

type sitePattern struct {
	name string
	re   *regexp.Regexp
}

func newExtractor(known KnownValues) *extractor {
	x := &extractor{}
	for _, site := range known.Sites {
		s := regexp.QuoteMeta(strings.ToLower(strings.TrimSpace(site)))
		if s == "" {
			continue
		}
		re := regexp.MustCompile(`\b(at|in|from|to|near) (the )?` + s + `( office| site| campus| hq| building)?\b|\b` + s + ` (office|site|campus|hq|building)\b`)
		x.sites = append(x.sites, sitePattern{strings.ToLower(strings.TrimSpace(site)), re})
	}
	return x
}

// ExtractContext finds context phrases in a query, such as "on my iPad",
// "my android phone", "at the Lyon office", "in Lyon", "I'm visiting" or
// "as a contractor". It returns the context found (sources marked as
// query text) and the query with the context-only phrases removed.
// Device words that are also the subject ("my phone won't charge") stay in
// the cleaned query.
func ExtractContext(query string, known KnownValues) (Context, string) {
	return newExtractor(known).extract(query)
}

func (x *extractor) extract(query string) (Context, string) {
	q := " " + strings.ToLower(query) + " "
	var c Context
	c.Sources = map[string]Source{}
	for _, dw := range deviceWords {
		if dw.re.MatchString(q) {
			for _, d := range dw.devices {
				if !slices.Contains(c.Devices, d) {
					c.Devices = append(c.Devices, d)
				}
			}
			if dw.os != "" && !slices.Contains(c.OS, dw.os) {
				c.OS = append(c.OS, dw.os)
			}
		}
	}
	for _, ow := range osWords {
		if ow.re.MatchString(q) && !slices.Contains(c.OS, ow.os) {
			c.OS = append(c.OS, ow.os)
		}
	}
	if len(c.Devices) > 0 {
		c.Sources["device"] = SourceQuery
	}
	if len(c.OS) > 0 {
		c.Sources["os"] = SourceQuery
	}
	cleaned := reOnMy.ReplaceAllString(q, " ")
	for _, sp := range x.sites {
		if sp.re.MatchString(cleaned) {
			c.Site = sp.name
			c.Sources["site"] = SourceQuery
			cleaned = sp.re.ReplaceAllString(cleaned, " ")
			break
		}
	}
	if m := reVisitor.FindStringSubmatch(cleaned); m != nil {
		for _, w := range strings.Fields(m[0]) {
			if r, ok := roleByWord[w]; ok {
				c.Role = r
			}
		}
		if c.Role != "" {
			c.Sources["role"] = SourceQuery
		}
		cleaned = reVisitor.ReplaceAllString(cleaned, " ")
	}
	return c, strings.Join(strings.Fields(cleaned), " ")
}
