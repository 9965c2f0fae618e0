package cli

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/client/config"
)

// newConfigCmd is `cell config …`: the configuration file and its
// profiles (package client/config).
func newConfigCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show and change the configuration: profiles of home, node, signing key and miner",
		Long: `The configuration file ~/.cell/config.toml names the active profile and holds
profiles, each setting any of:

  home    the cell home: keys, orders, caches and chain data
  node    CometBFT RPC URL of the chain node that commands talk to
  key     keyring key that signs: the default --from of tx and order commands
  miner   URL of a reputation miner's HTTP API (cell rep show --miner)

Each setting takes the first of: its flag (--home, --node, --from, --miner);
its environment variable (CELL_HOME, CELL_NODE, CELL_KEY, CELL_MINER); the
selected profile, which is --profile, else CELL_PROFILE, else the file's
active profile, else "default"; the built-in default (home ~/.cell; node
the RPC address in the home's CometBFT config, else http://127.0.0.1:26657;
key and miner the command's own).

The active profile is set aside when --home or CELL_HOME names another home
than its own, so that --home DIR alone talks to DIR's node with DIR's keys; a
profile named by --profile or CELL_PROFILE always applies.

cell devnet writes the profile "devnet" and makes a new devnet's active.`,
		Example: `  cell config show
  cell config set node http://10.0.0.5:26657 --profile lab
  cell config set key alice --profile lab
  cell config use lab
  cell config use default`,
		Annotations: map[string]string{noConfig: ""},
	}
	cmd.AddCommand(newConfigShowCmd(g), newConfigSetCmd(g), newConfigUseCmd(g))
	return cmd
}

// configShowJSON is `cell config show --output json`.
type configShowJSON struct {
	config.Resolved
	// Active is the profile the file makes active.
	Active   string                     `json:"active"`
	Profiles map[string]config.Settings `json:"profiles"`
}

func newConfigShowCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "show [--profile P]",
		Short: "Print the settings in effect, where each came from, and the profiles",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, f, err := g.resolveConfig(cmd)
			if err != nil {
				return err
			}
			profiles := map[string]config.Settings{config.DefaultProfile: {}}
			for _, n := range f.Names() {
				profiles[n] = f.Profiles[n]
			}
			if g.output == outputJSON {
				return g.json("config", configShowJSON{Resolved: r, Active: f.Active(), Profiles: profiles})
			}
			return printConfig(g, r, f)
		},
	}
}

func printConfig(g *globals, r config.Resolved, f *config.File) error {
	w := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	file := r.File
	if _, err := os.Stat(file); err != nil {
		file += " (none yet)"
	}
	fmt.Fprintf(w, "file\t%s\n", file)
	fmt.Fprintf(w, "profile\t%s\t%s\n", r.Profile.Value, r.Profile.Source)
	for _, k := range config.Keys() {
		v := r.Get(k)
		value := v.Value
		if value == "" {
			value = "-"
		}
		source := v.Source
		if k == config.Key && v.Value == "" {
			source = "default: each command's own --from (buyer for order, validator for tx)"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", k, value, source)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if r.SetAside != "" {
		fmt.Fprintf(g.stdout, "profile %s is set aside: %s\n", r.Profile.Value, r.SetAside)
	}
	names := []string{config.DefaultProfile}
	for _, n := range f.Names() {
		if n != config.DefaultProfile {
			names = append(names, n)
		}
	}
	for i, n := range names {
		if n == f.Active() {
			names[i] = n + " (active)"
		}
	}
	_, err := fmt.Fprintf(g.stdout, "profiles: %s\n", strings.Join(names, ", "))
	return err
}

// configProfileJSON is `cell config set|use --output json`.
type configProfileJSON struct {
	File     string          `json:"file"`
	Profile  string          `json:"profile"`
	Active   string          `json:"active"`
	Settings config.Settings `json:"settings"`
}

func newConfigSetCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "set KEY VALUE [--profile P]",
		Short: "Set home, node, key or miner in a profile (default: the selected one), creating the profile if needed",
		Long: `set sets KEY to VALUE in the profile --profile (else CELL_PROFILE, else the
active profile), adding the profile when it is new. KEY is home (made
absolute; the directory need not exist), node or miner (an http(s) URL), or
key (a keyring key name, which need not exist yet). An empty VALUE removes
the key from the profile. The file is rewritten: comments in it are lost.`,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			value, err := config.Normalize(args[0], args[1])
			if err != nil {
				return &usageError{err}
			}
			path := config.Path(baseDir())
			var name string
			f, err := config.Update(path, func(f *config.File) error {
				name = f.Select(g.profile, os.Getenv).Value
				return f.Set(name, args[0], value)
			})
			if err != nil {
				return err
			}
			s, _ := f.Lookup(name)
			if g.output == outputJSON {
				return g.json("config-profile", configProfileJSON{File: path, Profile: name, Active: f.Active(), Settings: s})
			}
			if value == "" {
				fmt.Fprintf(g.stderr, "cell: profile %s: %s removed (%s)\n", name, args[0], path)
			} else {
				fmt.Fprintf(g.stderr, "cell: profile %s: %s = %s (%s)\n", name, args[0], value, path)
			}
			return nil
		},
	}
}

func newConfigUseCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "use PROFILE",
		Short: "Make PROFILE the active profile; it must exist (\"default\" always does)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := config.Path(baseDir())
			f, err := config.Update(path, func(f *config.File) error { return f.Use(args[0]) })
			if err != nil {
				return err
			}
			s, _ := f.Lookup(args[0])
			if g.output == outputJSON {
				return g.json("config-profile", configProfileJSON{File: path, Profile: args[0], Active: f.Active(), Settings: s})
			}
			fmt.Fprintf(g.stderr, "cell: profile %s is active (%s)\n", args[0], path)
			if p := os.Getenv(config.EnvProfile); p != "" && p != args[0] {
				fmt.Fprintf(g.stderr, "cell: %s=%s still selects profile %s in this shell\n", config.EnvProfile, p, p)
			}
			return nil
		},
	}
}
