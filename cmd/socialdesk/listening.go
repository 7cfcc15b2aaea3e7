package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/app"
	"github.com/socialdesk/socialdesk/internal/classify"
	"github.com/socialdesk/socialdesk/internal/desk"
	"github.com/socialdesk/socialdesk/internal/listening"
)

const listeningUsage = `usage:
  socialdesk listening train --csv FILE [--text-col text] [--label-col label] [--kind support|category|service|impact|urgency]
  socialdesk listening train --from-tickets --kind category|service|impact|urgency`

// cmdListening trains the listening classifiers. Each training stores a
// new model version in the database and makes it active; older versions
// stay available for rollback on /admin/listening.
func cmdListening(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "train" {
		return fmt.Errorf("%s", listeningUsage)
	}
	fs, common := newFlagSet("listening train", stderr)
	csvPath := fs.String("csv", "", "CSV file with a header row (required unless --from-tickets)")
	fromTickets := fs.Bool("from-tickets", false, "train a suggestion model from the desk's resolved and closed tickets instead of a file")
	textCol := fs.String("text-col", "text", "text column; join columns with + (title+body)")
	labelCol := fs.String("label-col", "label", "label column; for support models 1 means a support request")
	kind := fs.String("kind", listening.ModelSupport, "support (1 = support request), or a ticket field to suggest: category, service, impact or urgency (labels high, medium, low)")
	if err := parse(fs, args[1:], getenv); err != nil {
		return err
	}
	if !listening.ValidKind(*kind) {
		return fmt.Errorf("--kind must be support, category, service, impact or urgency\n%s", listeningUsage)
	}
	if *fromTickets {
		if *csvPath != "" {
			return fmt.Errorf("give either --csv or --from-tickets, not both\n%s", listeningUsage)
		}
		a, err := common.openApp(ctx, app.Config{SecretKey: getenv("SOCIALDESK_SECRET_KEY")})
		if err != nil {
			return err
		}
		defer a.Close()
		id, n, err := a.Listening.TrainFromTickets(desk.SystemContext(ctx), *kind)
		if err != nil {
			return fmt.Errorf("%s", socialdesk.ErrorMessage(err))
		}
		fmt.Fprintf(stdout, "Trained %s model version %d from %d resolved tickets; it is now active.\n", *kind, id, n)
		printNote(ctx, a, stdout, id)
		return nil
	}
	if *csvPath == "" {
		return fmt.Errorf("--csv or --from-tickets is required\n%s", listeningUsage)
	}
	f, err := os.Open(*csvPath)
	if err != nil {
		return fmt.Errorf("open training data: %w", err)
	}
	defer f.Close()
	examples, err := classify.ReadCSV(f, *textCol, *labelCol)
	if err != nil {
		return fmt.Errorf("read %s: %w", *csvPath, err)
	}
	a, err := common.openApp(ctx, app.Config{SecretKey: getenv("SOCIALDESK_SECRET_KEY")})
	if err != nil {
		return err
	}
	defer a.Close()
	id, err := a.Listening.Train(desk.SystemContext(ctx), *kind, examples, "trained from "+*csvPath)
	if err != nil {
		return fmt.Errorf("%s", socialdesk.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "Trained %s model version %d from %d examples; it is now active.\n", *kind, id, len(examples))
	printNote(ctx, a, stdout, id)
	return nil
}

// printNote prints the note of model version id, which gives its score on
// a held-out tenth when it was trained from enough examples.
func printNote(ctx context.Context, a *app.App, stdout io.Writer, id int64) {
	models, err := a.Listening.Models(ctx)
	if err != nil {
		return // the model is trained and active; the note is a courtesy
	}
	for _, m := range models {
		if m.ID == id {
			fmt.Fprintf(stdout, "Version %d: %s\n", id, m.Note)
		}
	}
}
