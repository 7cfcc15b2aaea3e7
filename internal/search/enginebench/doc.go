// Package enginebench compares the search engine of internal/search with
// Bleve on the same generated documents and queries in the same run. It is
// a separate module so that Bleve stays out of the main module; run it by
// hand (see engines_test.go).
package enginebench
