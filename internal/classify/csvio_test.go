package classify

import (
	"strings"
	"testing"
)

// FuzzReadCSV reads arbitrary bytes as a training file, as an upload on
// the listening settings page does: it must never panic, and what it
// accepts has a label on every example.
func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"text,label\nmy vpn is down,1\nlunch,0\n",
		"\ufefftitle,body,category\n\"a, b\",\"c\"\"d\",net\n",
		"text,label\n\"unterminated,1\n",
		"text,label\nonly one field\n",
		"label,text\n,empty label\n",
		"",
	} {
		f.Add(s, "text", "label")
	}
	f.Add("title,body,category\nx,y,z\n", "title+body", "category")
	f.Fuzz(func(t *testing.T, data, textCol, labelCol string) {
		ex, err := ReadCSV(strings.NewReader(data), textCol, labelCol)
		if err != nil {
			if ex != nil {
				t.Fatalf("an error with %d examples", len(ex))
			}
			return
		}
		for i, e := range ex {
			if strings.TrimSpace(e.Label) == "" || e.Label != strings.TrimSpace(e.Label) {
				t.Fatalf("example %d has label %q", i, e.Label)
			}
		}
	})
}
