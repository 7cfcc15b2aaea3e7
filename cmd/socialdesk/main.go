// Command socialdesk runs the socialdesk service desk and its
// administration commands. Run `socialdesk help` for the list.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "socialdesk:", err)
		os.Exit(1)
	}
}

const usage = `socialdesk: a self-hosted IT service desk.

Usage:
  socialdesk serve [--addr HOST:PORT] [--data DIR] [--database-url URL] [--demo]
  socialdesk user add --email E --name N --role R [--site S]   (password from stdin, or generated)
  socialdesk token create --email E [--name N]                 (prints the token only)
  socialdesk migrate                                           (bring the schema up to date)
  socialdesk backup --out FILE                                 (online copy of the SQLite database)
  socialdesk restore --from FILE                               (SQLite backup into an empty data dir)
  socialdesk export --out FILE.jsonl                           (every table as JSON Lines)
  socialdesk import --in FILE.jsonl                            (into an empty database, SQLite or PostgreSQL)
  socialdesk channel add --name N --kind K --config JSON       (connector instance; secrets stored encrypted)
  socialdesk channel list | channel remove --name N
  socialdesk listening train --csv FILE [--text-col C --label-col C --kind support|category]

Every command takes --data DIR (default ./data) or --database-url postgres://...
Every flag can also be set with an environment variable: --database-url is
SOCIALDESK_DATABASE_URL, --addr is SOCIALDESK_ADDR, and so on.
`

// run is the whole program; tests call it with their own arguments and
// environment.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, getenv, stdout, stderr)
	case "user":
		if len(rest) == 0 || rest[0] != "add" {
			return fmt.Errorf("usage: socialdesk user add --email E --name N --role R")
		}
		return cmdUserAdd(ctx, rest[1:], getenv, stdin, stdout, stderr)
	case "token":
		if len(rest) == 0 || rest[0] != "create" {
			return fmt.Errorf("usage: socialdesk token create --email E")
		}
		return cmdTokenCreate(ctx, rest[1:], getenv, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, rest, getenv, stdout, stderr)
	case "backup":
		return cmdBackup(ctx, rest, getenv, stdout, stderr)
	case "restore":
		return cmdRestore(ctx, rest, getenv, stdout, stderr)
	case "export":
		return cmdExport(ctx, rest, getenv, stdout, stderr)
	case "import":
		return cmdImport(ctx, rest, getenv, stdout, stderr)
	case "channel":
		return cmdChannel(ctx, rest, getenv, stdin, stdout, stderr)
	case "listening":
		return cmdListening(ctx, rest, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}
