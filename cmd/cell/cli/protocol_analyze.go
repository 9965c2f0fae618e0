package cli

import (
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/runtime/protopkg"
)

// protocolAnalysis is the output of `cell protocol analyze`.
type protocolAnalysis struct {
	File           string                `json:"file"`
	ProtocolSHA256 string                `json:"protocol_sha256"` // SHA-256 of the filled protocol
	Params         map[string]string     `json:"params"`
	Instructions   int                   `json:"instructions"`
	Requirements   protocol.Requirements `json:"requirements"`
	Consumables    []consumableJSON      `json:"consumables"`
	Reagents       []reagentJSON         `json:"reagents"`
	// The rest is set with --botspec; Unmet names the first requirement
	// the bot does not meet, and then there is no plan.
	BotSpec    string     `json:"botspec,omitempty"`
	Unmet      string     `json:"unmet,omitempty"`
	Plan       []warpJSON `json:"plan,omitempty"`
	MakespanMs int64      `json:"makespan_ms,omitempty"`
	Price      *priceJSON `json:"price,omitempty"`
}

type consumableJSON struct {
	Type  string `json:"type"`
	Count int    `json:"count"`
}

type reagentJSON struct {
	ResourceID string `json:"resource_id"`
	VolumeNL   int64  `json:"volume_nl"`
	Uses       int    `json:"uses"`
}

type warpJSON struct {
	Instruction int               `json:"instruction"`
	Op          string            `json:"op"`
	Warp        string            `json:"warp"`
	Device      string            `json:"device"`
	Params      map[string]string `json:"params"`
	StartMs     int64             `json:"start_ms"`    // on the bot's clock, warps one after another
	DurationMs  int64             `json:"duration_ms"` // nominal, or the protocol's own when fixed
	Fixed       bool              `json:"fixed"`
	Dataset     string            `json:"dataset,omitempty"`
}

type priceJSON struct {
	TotalUcell int64           `json:"total_ucell"`
	Lines      []priceLineJSON `json:"lines"`
}

type priceLineJSON struct {
	reagentJSON
	UnitPriceUcell int64 `json:"unit_price_ucell"`
	PriceUcell     int64 `json:"price_ucell"`
}

func newProtocolAnalyzeCmd(g *globals) *cobra.Command {
	var params []string
	var botspec string
	cmd := &cobra.Command{
		Use:   "analyze FILE|DIR [--botspec FILE] [--param K=V]...",
		Short: "Print what a protocol takes: requirements, consumables, reagents and, on a bot, its warp plan, makespan and price",
		Long: `analyze loads a protocol as validate does (FILE, DIR/protocol.json, or a
protocol package: a .cellpkg file or a directory with a cell.toml, whose
parameter defaults then apply) and prints its requirements, the new
containers it consumes and the reagents it takes (nL provisioned or
dispensed, uses of a gel ladder).

With --botspec it also prints the plan on that bot: each instruction's warps
(device commands) with the device that runs them, their parameters and
durations (the BotSpec's nominal timing, or the protocol's own for an
incubation, a thermocycle, a spin or a gel run), the makespan (warps one
after another) and a price estimate: the reagents at the bot's inventory
prices, a floor for a bid (containers, device time and margin are not
priced). A bot that does not cover the protocol is named with its first
unmet requirement (exit 1).`,
		Example: `  cell protocol analyze runtime/protopkg/testdata/lambda-digest --param ENZYME=EcoRI --botspec examples/botspecs/simlab.json`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ps, err := pairs("--param", params)
			if err != nil {
				return err
			}
			l, err := protopkg.Open(args[0], ps)
			if err != nil {
				return err
			}
			var s *protocol.BotSpec
			if botspec != "" {
				if s, _, err = readBotSpec(botspec); err != nil {
					return err
				}
			}
			a, err := protopkg.Analyze(l, s)
			if err != nil && !errors.Is(err, protocol.ErrNotCovered) {
				return err
			}
			v := analysisJSON(args[0], l, a, err)
			if g.output == outputJSON {
				if err := g.json("protocol-analysis", v); err != nil {
					return err
				}
			} else if err := printAnalysis(g, v); err != nil {
				return err
			}
			if v.Unmet != "" {
				return &ExitError{Code: 1}
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVarP(&params, "param", "p", nil, "parameter as KEY=VALUE, filling {{KEY}} (repeatable)")
	cmd.Flags().StringVar(&botspec, "botspec", "", "a BotSpec JSON file: plan the run on that bot, its makespan and price")
	return cmd
}

func analysisJSON(file string, l *protopkg.Loaded, a *protopkg.Analysis, unmet error) protocolAnalysis {
	v := protocolAnalysis{
		File: file, ProtocolSHA256: hex.EncodeToString(l.Hash[:]), Params: l.Params, Instructions: len(l.Protocol.Instructions),
		Requirements: a.Requirements, Consumables: []consumableJSON{}, Reagents: []reagentJSON{},
	}
	if v.Params == nil {
		v.Params = map[string]string{}
	}
	for _, c := range a.Consumables {
		v.Consumables = append(v.Consumables, consumableJSON{Type: c.Type, Count: c.Count})
	}
	for _, r := range a.Reagents {
		v.Reagents = append(v.Reagents, reagentJSON{ResourceID: r.ResourceID, VolumeNL: r.VolumeNL, Uses: r.Uses})
	}
	if a.BotSpec != (protocol.BotSpecID{}) {
		v.BotSpec = a.BotSpec.String()
	}
	if unmet != nil {
		v.Unmet = unmet.Error()
		return v
	}
	var at int64
	for _, w := range a.Plan {
		params := map[string]string{}
		for _, p := range w.Params {
			params[p.Key] = p.Value
		}
		v.Plan = append(v.Plan, warpJSON{Instruction: w.Instruction, Op: w.Op, Warp: w.Warp, Device: w.Device, Params: params,
			StartMs: at, DurationMs: w.Duration, Fixed: w.Fixed, Dataset: w.Dataset})
		at += w.Duration
	}
	v.MakespanMs = a.MakespanMs
	if a.Price != nil {
		v.Price = &priceJSON{TotalUcell: a.Price.TotalUcell, Lines: []priceLineJSON{}}
		for _, p := range a.Price.Lines {
			v.Price.Lines = append(v.Price.Lines, priceLineJSON{
				reagentJSON:    reagentJSON{ResourceID: p.ResourceID, VolumeNL: p.VolumeNL, Uses: p.Uses},
				UnitPriceUcell: p.UnitPriceUcell, PriceUcell: p.PriceUcell,
			})
		}
	}
	return v
}

func printAnalysis(g *globals, v protocolAnalysis) error {
	fmt.Fprintf(g.stdout, "%s: %d instructions, protocol sha256 %s\n", v.File, v.Instructions, v.ProtocolSHA256)
	printRequirements(g, v.Requirements)
	var cons, reag []string
	for _, c := range v.Consumables {
		cons = append(cons, fmt.Sprintf("%d × %s", c.Count, c.Type))
	}
	for _, r := range v.Reagents {
		reag = append(reag, r.ResourceID+" "+reagentAmount(r))
	}
	fmt.Fprintf(g.stdout, "consumables:     %s\n", orDash(strings.Join(cons, ", ")))
	fmt.Fprintf(g.stdout, "reagents:        %s\n", orDash(strings.Join(reag, ", ")))
	switch {
	case v.BotSpec == "":
		_, err := fmt.Fprintln(g.stdout, "plan, makespan and price: give a bot with --botspec FILE")
		return err
	case v.Unmet != "":
		_, err := fmt.Fprintf(g.stdout, "not covered by BotSpec %s: %s\n", v.BotSpec, v.Unmet)
		return err
	}
	fmt.Fprintf(g.stdout, "\nplan on BotSpec %s: %d warps\n", v.BotSpec, len(v.Plan))
	w := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "  start\tduration\tinstruction\twarp\tdevice\tparameters")
	for _, p := range v.Plan {
		d := msText(p.DurationMs)
		if p.Fixed {
			d += " (protocol)"
		}
		var ps []string
		for _, k := range slices.Sorted(maps.Keys(p.Params)) {
			ps = append(ps, k+"="+p.Params[k])
		}
		fmt.Fprintf(w, "  %s\t%s\t%d %s\t%s\t%s\t%s\n", msText(p.StartMs), d, p.Instruction, p.Op, p.Warp, p.Device, strings.Join(ps, " "))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "makespan:        %s (%d ms)\n", msText(v.MakespanMs), v.MakespanMs)
	if v.Price == nil {
		return nil
	}
	fmt.Fprintf(g.stdout, "price estimate:  %d ucell (reagents at the bot's prices per started µL or per use; containers, device time and margin not priced)\n", v.Price.TotalUcell)
	w = tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "  reagent\tamount\tunit price\tprice")
	for _, p := range v.Price.Lines {
		fmt.Fprintf(w, "  %s\t%s\t%d ucell\t%d ucell\n", p.ResourceID, reagentAmount(p.reagentJSON), p.UnitPriceUcell, p.PriceUcell)
	}
	return w.Flush()
}

// reagentAmount is "5000 nL", "1 use" or "5000 nL + 1 use".
func reagentAmount(r reagentJSON) string {
	var parts []string
	if r.VolumeNL != 0 || r.Uses == 0 {
		parts = append(parts, fmt.Sprintf("%d nL", r.VolumeNL))
	}
	switch r.Uses {
	case 0:
	case 1:
		parts = append(parts, "1 use")
	default:
		parts = append(parts, fmt.Sprintf("%d uses", r.Uses))
	}
	return strings.Join(parts, " + ")
}

// msText writes a duration in ms as Go does ("1h2m3s", "250ms"), or in
// ms when it is too long for a time.Duration.
func msText(ms int64) string {
	if ms > math.MaxInt64/int64(time.Millisecond) || ms < 0 {
		return fmt.Sprintf("%d ms", ms)
	}
	return (time.Duration(ms) * time.Millisecond).String()
}
