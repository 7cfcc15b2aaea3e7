package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/desk"
)

func cmdUserAdd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, common := newFlagSet("user add", stderr)
	email := fs.String("email", "", "email address (required)")
	name := fs.String("name", "", "full name (required)")
	role := fs.String("role", "employee", "employee, contractor, agent, knowledge_manager or admin")
	site := fs.String("site", "", "the person's site")
	generate := fs.Bool("generate-password", false, "generate a password instead of reading it from stdin")
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	if *email == "" || *name == "" {
		return fmt.Errorf("--email and --name are required")
	}
	r, err := socialdesk.ParseRole(*role)
	if err != nil {
		return fmt.Errorf("%s", socialdesk.ErrorMessage(err))
	}
	pw := ""
	if !*generate {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			return fmt.Errorf("read password from stdin: %w", err)
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	generated := pw == ""
	if generated {
		pw = desk.RandomToken(15)
	}
	a, err := common.openApp(ctx, appConfig())
	if err != nil {
		return err
	}
	defer a.Close()
	p := &socialdesk.Person{Email: *email, Name: *name, Role: r, Site: *site}
	if err := a.Desk.CreatePerson(desk.SystemContext(ctx), p, pw); err != nil {
		return fmt.Errorf("%s", socialdesk.ErrorMessage(err))
	}
	if generated {
		fmt.Fprintf(stdout, "Created %s (%s) with password: %s\n", p.Email, p.Role, pw)
	} else {
		fmt.Fprintf(stdout, "Created %s (%s).\n", p.Email, p.Role)
	}
	return nil
}

func cmdTokenCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, common := newFlagSet("token create", stderr)
	email := fs.String("email", "", "whose token (required)")
	name := fs.String("name", "cli", "a label for the token")
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	if *email == "" {
		return fmt.Errorf("--email is required")
	}
	a, err := common.openApp(ctx, appConfig())
	if err != nil {
		return err
	}
	defer a.Close()
	p, err := a.DB.PersonByEmail(ctx, *email)
	if err != nil {
		return fmt.Errorf("no user with email %s; add one with `socialdesk user add`", *email)
	}
	tok, err := a.Desk.CreateToken(desk.SystemContext(ctx), p.ID, *name)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}

func cmdMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, common := newFlagSet("migrate", stderr)
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	db, err := common.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintln(stdout, "The database schema is up to date.")
	return nil
}

func cmdBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, common := newFlagSet("backup", stderr)
	out := fs.String("out", "", "file to write the backup to (required; must not exist)")
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out is required")
	}
	db, err := common.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, *out); err != nil {
		return fmt.Errorf("%s", socialdesk.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "Backup written to %s\n", *out)
	return nil
}
