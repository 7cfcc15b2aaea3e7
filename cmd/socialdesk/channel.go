package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/socialdesk/socialdesk"
	"github.com/socialdesk/socialdesk/internal/app"
	"github.com/socialdesk/socialdesk/internal/desk"
)

const channelUsage = `usage:
  socialdesk channel add --name N --kind K --config JSON [--disabled]
  socialdesk channel list
  socialdesk channel remove --name N`

// cmdChannel manages connector instances. Secrets in the configuration are
// stored encrypted and never printed back; list masks them.
func cmdChannel(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%s", channelUsage)
	}
	sub, rest := args[0], args[1:]
	fs, common := newFlagSet("channel "+sub, stderr)
	var name, kind, config *string
	var disabled *bool
	switch sub {
	case "add":
		name = fs.String("name", "", "channel name, used in /hooks/NAME (required)")
		kind = fs.String("kind", "", "connector kind, such as webhook or slack (required)")
		config = fs.String("config", "", "JSON configuration; '-' reads it from stdin (required)")
		disabled = fs.Bool("disabled", false, "add the channel switched off")
	case "remove":
		name = fs.String("name", "", "channel name (required)")
	case "list":
	default:
		return fmt.Errorf("unknown channel command %q\n%s", sub, channelUsage)
	}
	if err := parse(fs, rest, getenv); err != nil {
		return err
	}
	open := func() (*app.App, error) {
		return common.openApp(ctx, app.Config{SecretKey: getenv("SOCIALDESK_SECRET_KEY")})
	}
	sys := desk.SystemContext(ctx)
	switch sub {
	case "add":
		if *name == "" || *kind == "" || *config == "" {
			return fmt.Errorf("--name, --kind and --config are required\n%s", channelUsage)
		}
		cfg := *config
		if cfg == "-" {
			b, err := io.ReadAll(io.LimitReader(stdin, 1<<20))
			if err != nil {
				return fmt.Errorf("read configuration from stdin: %w", err)
			}
			cfg = string(b)
		}
		a, err := open()
		if err != nil {
			return err
		}
		defer a.Close()
		if err := a.Channels.Add(sys, *name, *kind, cfg, !*disabled); err != nil {
			return fmt.Errorf("%s", socialdesk.ErrorMessage(err))
		}
		fmt.Fprintf(stdout, "Added %s channel %q.\n", *kind, *name)
	case "remove":
		if *name == "" {
			return fmt.Errorf("--name is required\n%s", channelUsage)
		}
		a, err := open()
		if err != nil {
			return err
		}
		defer a.Close()
		if err := a.Channels.Remove(sys, *name); err != nil {
			return fmt.Errorf("%s", socialdesk.ErrorMessage(err))
		}
		fmt.Fprintf(stdout, "Removed channel %q.\n", *name)
	case "list":
		a, err := open()
		if err != nil {
			return err
		}
		defer a.Close()
		list, err := a.Channels.List(sys)
		if err != nil {
			return fmt.Errorf("%s", socialdesk.ErrorMessage(err))
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tKIND\tENABLED\tSTATUS\tCONFIG")
		for _, c := range list {
			fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\n", c.Name, c.Kind, c.Enabled, c.Health.Status, c.Config)
		}
		return tw.Flush()
	}
	return nil
}
