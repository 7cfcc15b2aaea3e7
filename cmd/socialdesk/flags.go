package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/socialdesk/socialdesk/internal/app"
	"github.com/socialdesk/socialdesk/internal/store"
)

// commonFlags are the flags every command shares.
type commonFlags struct {
	data        string
	databaseURL string
}

// newFlagSet returns a flag set with the common flags registered.
func newFlagSet(name string, stderr io.Writer) (*flag.FlagSet, *commonFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &commonFlags{}
	fs.StringVar(&c.data, "data", "data", "directory for the SQLite database and files")
	fs.StringVar(&c.databaseURL, "database-url", "", "PostgreSQL URL (postgres://...); overrides --data")
	return fs, c
}

// parse parses args, then fills every flag not given on the command line
// from its SOCIALDESK_* environment variable.
func parse(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		env := "SOCIALDESK_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(env); v != "" {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%s=%q: %w", env, v, e)
			}
		}
	})
	return err
}

func (c *commonFlags) openStore(ctx context.Context) (*store.DB, error) {
	return store.Open(ctx, c.databaseURL, c.data)
}

func (c *commonFlags) openApp(ctx context.Context, cfg app.Config) (*app.App, error) {
	cfg.DataDir, cfg.DatabaseURL = c.data, c.databaseURL
	return app.Open(ctx, cfg)
}

// appConfig is the configuration for commands that do not serve.
func appConfig() app.Config { return app.Config{} }
