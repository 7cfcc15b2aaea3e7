package web

import (
	"fmt"
	"net/url"
	"slices"
	"time"
)

func contains(list []string, v string) bool { return slices.Contains(list, v) }

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// ago renders a past time relative to now, such as "5 min ago".
func ago(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}

// when renders an absolute time in UTC.
func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("Mon 2 Jan 2006 15:04 UTC")
}

// fmtDuration renders a duration in hours and minutes, with a sign.
func fmtDuration(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	h, m := int(d.Hours()), int(d.Minutes())%60
	if h >= 48 {
		return fmt.Sprintf("%s%dd %dh", sign, h/24, h%24)
	}
	if h > 0 {
		return fmt.Sprintf("%s%dh %02dm", sign, h, m)
	}
	return fmt.Sprintf("%s%dm", sign, m)
}
