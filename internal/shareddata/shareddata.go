// Package shareddata finds the public research data sets that tests and
// evaluations read: ../shared/data beside the module root. They are not
// part of the repository; tests that need them skip when they are absent.
package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// Root returns the data folder, or "" when it cannot be found. It looks
// beside every enclosing module root, innermost first, so that nested
// modules (benchmarks with their own go.mod) find it too.
func Root() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			data := filepath.Join(dir, "..", "shared", "data")
			if _, err := os.Stat(filepath.Join(data, "README.md")); err == nil {
				return data
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Dir returns the data folder joined with the path elements, or skips the
// test with a message when the data is not there.
func Dir(t testing.TB, elem ...string) string {
	t.Helper()
	root := Root()
	if root == "" {
		t.Skip("the shared data sets (../shared/data beside the module) are not here; these tests need them")
	}
	p := filepath.Join(append([]string{root}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared data %s is missing: %v", p, err)
	}
	return p
}
