package cli

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/runtime/botlog"
	"github.com/celltonomy/celltonomy/runtime/protopkg"
)

// Limits on the datasets `cell protocol check` reads from --datasets DIR.
const (
	maxCheckDatasets     = 1000
	maxCheckDatasetBytes = 64 << 20
	maxCheckTotalBytes   = 256 << 20
)

// protocolCheck is the output of `cell protocol check`.
type protocolCheck struct {
	Log      string `json:"log"`
	Conforms bool   `json:"conforms"`
	// Violation is the first rule the run breaks, when it does not
	// conform.
	Violation *violationJSON `json:"violation,omitempty"`
	// Replayed is true when the BotSpec is simulated and the run was
	// replayed (only when every other rule holds).
	Replayed bool   `json:"replayed"`
	NodeKey  string `json:"node_key"`
	Head     string `json:"head"`
	// NodeKeyFromLog is true when no --node-key was given and the log's
	// own key was trusted; HeadFromLog likewise for --head.
	NodeKeyFromLog bool   `json:"node_key_from_log"`
	HeadFromLog    bool   `json:"head_from_log"`
	ProtocolSHA256 string `json:"protocol_sha256"`
	BotSpec        string `json:"botspec"`
	Datasets       int    `json:"datasets"`
}

type violationJSON struct {
	Instruction int    `json:"instruction"` // -1 when none
	Warp        string `json:"warp,omitempty"`
	Rule        string `json:"rule"`
	Detail      string `json:"detail"`
	Text        string `json:"text"`
}

type protocolCheckFlags struct {
	protocol, botspec, datasets string
	params                      []string
	head, nodeKey, seed         string
}

func newProtocolCheckCmd(g *globals) *cobra.Command {
	var f protocolCheckFlags
	cmd := &cobra.Command{
		Use:   "check LOG --protocol FILE --botspec FILE --datasets DIR [--param K=V]... [--head HEX] [--node-key HEX]",
		Short: "Check a bot run's event log against its protocol, BotSpec and datasets: conforms, or the first violation",
		Long: `check is the conformance check of a delivered protocol run (fabrication.md,
"The conformance check"), as the buyer's client and drawn verifiers run it.
LOG is the run's signed event log; --protocol the protocol as validate reads
it (filled with --param), --botspec the BotSpec the bid named and --datasets
the directory holding the delivered datasets, and nothing else.

The rules, in order: signature (chain, node key, head), schema, start
(BotSpec id, protocol hash), missing-warp, order, params, outcome, device,
duration, time-constraint, clock, dataset, shipment. For a simulated BotSpec
the run is then replayed on the simulator, which must reproduce the log and
the datasets byte for byte (rule replay; --seed also ties it to an order's
seed).

Without --node-key the key the log names is trusted and without --head its
own head: the check then says the log is consistent, not who wrote it.
It prints "conforms" or the first violation and exits 1.`,
		Example: `  cell run examples/protocols/lambda-digest-gel --param ENZYME=EcoRI --out run/
  cell protocol check run/eventlog --protocol run/protocol.json --botspec run/botspec.json --datasets run/datasets`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runProtocolCheck(g, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.protocol, "protocol", "", "the protocol: a template FILE, DIR/protocol.json or a protocol package (required)")
	fl.StringVar(&f.botspec, "botspec", "", "the BotSpec JSON file the run names (required)")
	fl.StringVar(&f.datasets, "datasets", "", "directory holding the delivered datasets (required)")
	fl.StringArrayVarP(&f.params, "param", "p", nil, "parameter as KEY=VALUE, filling {{KEY}} (repeatable)")
	fl.StringVar(&f.head, "head", "", "the delivered event-log head, 64 hex digits (default: the log's own)")
	fl.StringVar(&f.nodeKey, "node-key", "", "the provider node's ed25519 public key, 64 hex digits (default: the key the log names)")
	fl.StringVar(&f.seed, "seed", "", "the seed the run must have used, 64 hex digits (default: the log's own)")
	for _, name := range []string{"protocol", "botspec", "datasets"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

func runProtocolCheck(g *globals, logPath string, f protocolCheckFlags) error {
	ps, err := pairs("--param", f.params)
	if err != nil {
		return err
	}
	head, err := hex32("--head", f.head)
	if err != nil {
		return err
	}
	key, err := hex32("--node-key", f.nodeKey)
	if err != nil {
		return err
	}
	seed, err := hex32("--seed", f.seed)
	if err != nil {
		return err
	}
	l, err := protopkg.Open(f.protocol, ps)
	if err != nil {
		return err
	}
	s, specID, err := readBotSpec(f.botspec)
	if err != nil {
		return err
	}
	datasets, err := readDatasets(f.datasets)
	if err != nil {
		return err
	}
	v := protocolCheck{Log: logPath, ProtocolSHA256: hex.EncodeToString(l.Hash[:]), BotSpec: specID.String(), Datasets: len(datasets)}
	file, err := os.Open(logPath)
	if err != nil {
		return err
	}
	defer file.Close()
	log, err := protopkg.ReadLog(file)
	if err == nil {
		in := protopkg.CheckInput{CheckInput: botlog.CheckInput{Log: log, Protocol: l.Protocol, ProtocolHash: l.Hash, BotSpec: s, Datasets: datasets}, Seed: seed}
		in.NodeKey, v.NodeKeyFromLog = log.NodeKey, key == nil
		if key != nil {
			in.NodeKey = key[:]
		}
		in.Head, v.HeadFromLog = log.Head(), head == nil
		if head != nil {
			in.Head = *head
		}
		v.NodeKey, v.Head = hex.EncodeToString(in.NodeKey), hex.EncodeToString(in.Head[:])
		err = protopkg.Check(in)
		v.Replayed = err == nil && s.Simulated
	}
	var viol *botlog.Violation
	switch {
	case err == nil:
		v.Conforms = true
	case errors.As(err, &viol):
		v.Violation = &violationJSON{Instruction: viol.Instruction, Warp: viol.Warp, Rule: viol.Rule, Detail: viol.Detail, Text: viol.Error()}
	default:
		return fmt.Errorf("the check could not run: %w", err)
	}
	if g.output == outputJSON {
		if err := g.json("protocol-check", v); err != nil {
			return err
		}
	} else {
		printProtocolCheck(g, v)
	}
	if !v.Conforms {
		return &ExitError{Code: 1}
	}
	return nil
}

func printProtocolCheck(g *globals, v protocolCheck) {
	if v.Violation != nil {
		fmt.Fprintf(g.stdout, "violation: %s\n", v.Violation.Text)
		return
	}
	how := "checked"
	if v.Replayed {
		how = "checked and replayed on the simulator"
	}
	fmt.Fprintf(g.stdout, "conforms: %s, %s against BotSpec %s, %d datasets\n", v.Log, how, v.BotSpec, v.Datasets)
	if v.NodeKeyFromLog || v.HeadFromLog {
		fmt.Fprintf(g.stderr, "cell: signed by the key the log names (%s), head %s: give --node-key and --head to tie it to a node and a delivery\n", v.NodeKey, v.Head)
	}
}

// hex32 parses an optional 64-hex-digit flag value; "" gives nil.
func hex32(flag, s string) (*[32]byte, error) {
	if s == "" {
		return nil, nil
	}
	var out [32]byte
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(out) {
		return nil, &usageError{fmt.Errorf("%s: must be %d hex digits", flag, 2*len(out))}
	}
	copy(out[:], b)
	return &out, nil
}

// readDatasets reads the regular files of dir by name, within the limits
// above; a subdirectory or any other entry is refused.
func readDatasets(dir string) (map[string][]byte, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("--datasets: %w", err)
	}
	if len(ents) > maxCheckDatasets {
		return nil, fmt.Errorf("--datasets %s: %d entries, over the limit of %d", dir, len(ents), maxCheckDatasets)
	}
	out := map[string][]byte{}
	var total int64
	for _, e := range ents {
		if !e.Type().IsRegular() {
			return nil, fmt.Errorf("--datasets %s: %s is not a regular file: the directory holds the datasets only", dir, e.Name())
		}
		data, err := readLimited(filepath.Join(dir, e.Name()), maxCheckDatasetBytes)
		if err != nil {
			return nil, err
		}
		if total += int64(len(data)); total > maxCheckTotalBytes {
			return nil, fmt.Errorf("--datasets %s: over %d bytes in all", dir, maxCheckTotalBytes)
		}
		out[e.Name()] = data
	}
	return out, nil
}
