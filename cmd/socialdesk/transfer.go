package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/store"
)

// cmdExport writes the whole database as JSON Lines.
func cmdExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, common := newFlagSet("export", stderr)
	out := fs.String("out", "", "JSON Lines file to write (required; must not exist)")
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
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if os.IsExist(err) {
			return fmt.Errorf("%s already exists; choose a new file name", *out)
		}
		return err
	}
	n, err := db.Export(ctx, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(*out)
		return err
	}
	fmt.Fprintf(stdout, "Exported %d rows to %s\n", n, *out)
	return nil
}

// cmdImport loads a JSON Lines export into an empty database.
func cmdImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, common := newFlagSet("import", stderr)
	in := fs.String("in", "", "JSON Lines file written by export (required)")
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	if *in == "" {
		return fmt.Errorf("--in is required")
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	db, err := common.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Import(ctx, f)
	if err != nil {
		return fmt.Errorf("%s", socialdesk.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "Imported %d rows from %s\n", n, *in)
	return nil
}

// sqliteHeader starts every SQLite database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// cmdRestore copies a SQLite backup into an empty data directory.
func cmdRestore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, common := newFlagSet("restore", stderr)
	from := fs.String("from", "", "SQLite backup file written by backup (required)")
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	if *from == "" {
		return fmt.Errorf("--from is required")
	}
	if common.databaseURL != "" {
		return fmt.Errorf("restore is for SQLite; for PostgreSQL use import or pg_restore")
	}
	src, err := os.Open(*from)
	if err != nil {
		return err
	}
	defer src.Close()
	head := make([]byte, len(sqliteHeader))
	if _, err := io.ReadFull(src, head); err != nil || !bytes.Equal(head, sqliteHeader) {
		return fmt.Errorf("%s is not a SQLite database", *from)
	}
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if err := os.MkdirAll(common.data, 0o700); err != nil {
		return err
	}
	dst := filepath.Join(common.data, "socialdesk.db")
	for _, p := range []string{dst, dst + "-wal", dst + "-shm"} {
		if _, err := os.Stat(p); err == nil {
			return fmt.Errorf("%s already exists; restore only into an empty data directory", p)
		}
	}
	tmp, err := os.CreateTemp(common.data, ".restore-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, src); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// Link rather than rename, so a file created meanwhile is never
	// overwritten.
	if err := os.Link(tmp.Name(), dst); err != nil {
		return fmt.Errorf("restore into %s: %w", dst, err)
	}
	db, err := store.OpenSQLiteFile(ctx, dst)
	if err != nil {
		return fmt.Errorf("the restored database does not open: %w", err)
	}
	var check string
	if err := db.SQL().QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		db.Close()
		return fmt.Errorf("the restored database fails its integrity check: %v %s", err, check)
	}
	db.Close()
	fmt.Fprintf(stdout, "Restored %s into %s\n", *from, dst)
	return nil
}
