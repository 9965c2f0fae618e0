package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/runtime/protopkg"
)

// protocolValidation is the output of `cell protocol validate`.
type protocolValidation struct {
	File         string                `json:"file"`
	Instructions int                   `json:"instructions"`
	Refs         int                   `json:"refs"`
	Requirements protocol.Requirements `json:"requirements"`
	// BotSpec and Covered are set with --botspec: the bot's id and
	// whether it covers the requirements (Unmet names the first one
	// that it does not).
	BotSpec string `json:"botspec,omitempty"`
	Covered *bool  `json:"covered,omitempty"`
	Unmet   string `json:"unmet,omitempty"`
}

func newProtocolCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "protocol", Short: "Lab protocols (an Autoprotocol subset): check them before ordering"}
	cmd.AddCommand(newProtocolValidateCmd(g), newProtocolAnalyzeCmd(g), newProtocolCheckCmd(g))
	return cmd
}

func newProtocolValidateCmd(g *globals) *cobra.Command {
	var params []string
	var botspec string
	cmd := &cobra.Command{
		Use:   "validate FILE|DIR [--param K=V]... [--botspec FILE]",
		Short: "Fill a protocol's {{PARAM}}s, parse and validate it, print its requirements and whether a bot covers them",
		Long: `validate reads a protocol template (FILE, or DIR/protocol.json; or a protocol
package, a .cellpkg file or a directory with a cell.toml, whose parameter
defaults apply), fills its {{PARAM}} placeholders from --param, and checks it as a node would before it
bids: the Autoprotocol subset of the fabrication spec, exactly (unknown ops
and fields refused), then its refs, wells, volumes, cover and seal states and
time constraints. It prints what the protocol requires: ops, container
types, storage, resources and the ranges of temperature (m°C), duration
(ms), volume (nL) and acceleration (g). With --botspec it also says whether
that bot covers them, or names the first requirement it does not (exit 1).
An error names the instruction and the field.`,
		Example: `  cell protocol validate protocol/testdata/lambda-digest.json --param ENZYME=EcoRI --botspec examples/botspecs/simlab.json`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ps, err := pairs("--param", params)
			if err != nil {
				return err
			}
			v, err := validateProtocol(args[0], ps, botspec)
			if err != nil {
				return err
			}
			if g.output == outputJSON {
				if err := g.json("protocol-validation", v); err != nil {
					return err
				}
			} else {
				printProtocolValidation(g, v)
			}
			if v.Covered != nil && !*v.Covered {
				return &ExitError{Code: 1}
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVarP(&params, "param", "p", nil, "parameter as KEY=VALUE, filling {{KEY}} (repeatable)")
	cmd.Flags().StringVar(&botspec, "botspec", "", "a BotSpec JSON file: say whether the bot covers the protocol")
	return cmd
}

// validateProtocol loads the protocol at path (a template file, a
// directory holding protocol.json, or a protocol package) filled with
// params, and checks it against the BotSpec in the file botspec when that
// is not "".
func validateProtocol(path string, params map[string]string, botspec string) (*protocolValidation, error) {
	l, err := protopkg.Open(path, params)
	if err != nil {
		return nil, err
	}
	p := l.Protocol
	v := &protocolValidation{File: path, Instructions: len(p.Instructions), Refs: len(p.Refs), Requirements: l.Requirements}
	if botspec == "" {
		return v, nil
	}
	s, id, err := readBotSpec(botspec)
	if err != nil {
		return nil, err
	}
	covered := true
	v.BotSpec = id.String()
	if err := protocol.Covers(s, v.Requirements); err != nil {
		if !errors.Is(err, protocol.ErrNotCovered) {
			return nil, err
		}
		covered, v.Unmet = false, err.Error()
	}
	v.Covered = &covered
	return v, nil
}

// readBotSpec reads and validates the BotSpec in the file path, the value
// of a --botspec flag.
func readBotSpec(path string) (*protocol.BotSpec, protocol.BotSpecID, error) {
	data, err := readLimited(path, protocol.MaxBotSpecBytes)
	if err != nil {
		return nil, protocol.BotSpecID{}, err
	}
	s, err := protocol.ParseBotSpec(data)
	if err != nil {
		return nil, protocol.BotSpecID{}, fmt.Errorf("--botspec %s: %w", path, err)
	}
	id, err := s.ID()
	if err != nil {
		return nil, protocol.BotSpecID{}, fmt.Errorf("--botspec %s: %w", path, err)
	}
	return s, id, nil
}

// readLimited reads the file at path, refusing one longer than limit
// bytes before reading it.
func readLimited(path string, limit int) ([]byte, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: no such file", path)
	}
	if err != nil {
		return nil, err
	}
	if st.Size() > int64(limit) {
		return nil, fmt.Errorf("%s: %d bytes, over the limit of %d", path, st.Size(), limit)
	}
	return os.ReadFile(path)
}

func printProtocolValidation(g *globals, v *protocolValidation) {
	fmt.Fprintf(g.stdout, "%s: valid, %d instructions, %d refs\n", v.File, v.Instructions, v.Refs)
	printRequirements(g, v.Requirements)
	switch {
	case v.Covered == nil:
	case *v.Covered:
		fmt.Fprintf(g.stdout, "covered by BotSpec %s\n", v.BotSpec)
	default:
		fmt.Fprintf(g.stdout, "not covered by BotSpec %s: %s\n", v.BotSpec, v.Unmet)
	}
}

// printRequirements prints a protocol's requirements, one kind a line.
func printRequirements(g *globals, r protocol.Requirements) {
	fmt.Fprintf(g.stdout, "ops:             %s\n", orDash(strings.Join(r.Ops, ", ")))
	fmt.Fprintf(g.stdout, "container types: %s\n", orDash(strings.Join(r.ContainerTypes, ", ")))
	fmt.Fprintf(g.stdout, "storage:         %s\n", orDash(strings.Join(r.Storage, ", ")))
	fmt.Fprintf(g.stdout, "resources:       %s\n", orDash(strings.Join(r.Resources, ", ")))
	for _, x := range []struct {
		name, unit string
		r          protocol.Range
	}{{"temperature", "m°C", r.Temperature}, {"duration", "ms", r.Duration}, {"volume", "nL", r.Volume}, {"acceleration", "g", r.Acceleration}} {
		if x.r.Set {
			fmt.Fprintf(g.stdout, "%-16s %d to %d %s\n", x.name+":", x.r.Min, x.r.Max, x.unit)
		}
	}
}
