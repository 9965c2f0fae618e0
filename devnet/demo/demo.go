// Package demo runs the main jobs of Celltonomy end to end, as `cell demo`
// shows them: a fresh devnet in a temporary directory (a validator and two
// fulfillment nodes, node 1 with the simulated lab as its bot, the example
// packages registered), a buyer who orders, as `cell order run` would,
// first the compute digest of phage λ (examples/digest) and then the lab
// protocol lambda-digest-gel (examples/protocols), which the bot runs, and
// the devnet stopped and removed afterwards.
//
// Both orders cut λ with the same enzyme, so the demo sets the fragments
// the compute package found next to the species and bands of the gel the
// bot ran (Result.Rows): the simulator cuts the same sequence with the
// same rules (bio/restriction), and the two agree.
//
// Use:
//
//	res, err := demo.Run(ctx, demo.Options{Enzyme: "EcoRI", Say: printf})
//
// Run reports its progress through Options.Say and returns everything
// that happened in a Result.
package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/celltonomy/celltonomy/client/order"
	"github.com/celltonomy/celltonomy/devnet"
	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/runtime/labsim"
	"github.com/celltonomy/celltonomy/runtime/protopkg"
)

// MaxPrice is the most the demo's buyer pays for each order: 5000 ucell.
const MaxPrice = 5000

// DefaultEnzyme is the enzyme of a demo given none.
const DefaultEnzyme = "EcoRI"

// ProtocolExample is the example protocol package the demo orders
// (examples/protocols/lambda-digest-gel), with its parameter ENZYME.
const ProtocolExample = "lambda-digest-gel"

// Options are what a demo orders.
type Options struct {
	// Enzyme is the restriction enzyme of both orders: the ENZYMES
	// parameter of the digest and the ENZYME parameter of
	// lambda-digest-gel. The simulated lab stocks EcoRI, BamHI and
	// HindIII; empty: DefaultEnzyme.
	Enzyme string
	// Genome is the FASTA file the compute digest cuts; empty:
	// examples/data/lambda.fa next to the example package, the sequence
	// of the simulated lab's lambda-dna (another genome's fragments differ
	// from the gel's).
	Genome string
	// Keep keeps the demo's directory (the devnet's home, its log and the
	// results) instead of removing it.
	Keep bool
	// Say, if set, receives a line of progress for people at each stage
	// (printf-style, without the newline).
	Say func(format string, args ...any)
}

// Result is what a demo did.
type Result struct {
	// Dir is the demo's temporary directory, removed unless Kept
	// (Options.Keep).
	Dir  string
	Kept bool
	// Enzyme is the enzyme both orders used.
	Enzyme string
	// Devnet is the devnet that ran, stopped by the time Run returns.
	Devnet *devnet.Devnet
	// Steps are the compute order's steps, as `cell order run` shows them.
	Steps []order.Step
	// Order is the compute order's result: stdout, heights, cost,
	// reputation.
	Order *order.Result
	// ProtocolSteps and Protocol are the same for the protocol order;
	// Protocol.Protocol holds the bot's run: its instruction timeline,
	// the conformance check, the gel.
	ProtocolSteps []order.Step
	Protocol      *order.Result
	// Fragments are the lengths (bp) of the compute digest's fragments
	// (its fragments.json), in start order.
	Fragments []int
	// Rows set the compute fragments next to the gel's sample lane,
	// longest first.
	Rows []Row
	// GelImage and Label are where the gel image (PNG) and the shipping
	// label (PNG, the completion code as a QR code) were written, under
	// Dir/out ("" when the run wrote none). They are removed with Dir
	// unless Options.Keep.
	GelImage, Label string
	// Elapsed is the demo's wall time, start of the devnet to its stop.
	Elapsed time.Duration
}

// Row is one DNA species of the digest, as the compute package and the
// gel each show it.
type Row struct {
	// FragmentBP is the fragment's length from the compute digest, bp (0:
	// the gel has a species the compute digest has not).
	FragmentBP int `json:"fragment_bp"`
	// SpeciesBP is the exact length of the gel lane's species, bp (the
	// simulated truth; 0: the gel lacks the fragment).
	SpeciesBP int `json:"species_bp"`
	// BandBP is the size of the band holding the species as read from the
	// ladder, bp (0: the species shows no band); Merged the number of
	// species in that band (species closer than the gel's resolution
	// merge).
	BandBP int64 `json:"band_bp"`
	Merged int   `json:"merged"`
}

// Run starts a devnet, orders the compute digest and the lambda-digest-gel
// protocol, and stops the devnet. Errors, before the devnet starts: the
// example's module was not built (make examples), the genome cannot be
// read, the enzyme is not one the simulated lab stocks; then: the devnet
// does not start or stop, or an order does not complete (the error names
// the devnet's log).
func Run(ctx context.Context, o Options) (*Result, error) {
	say := o.Say
	if say == nil {
		say = func(string, ...any) {}
	}
	if o.Enzyme == "" {
		o.Enzyme = DefaultEnzyme
	}
	dirs := devnet.DefaultPackageDirs()
	if len(dirs) == 0 {
		return nil, errors.New("examples/digest/digest.wasm not found: run make demo (or make examples) in the repository")
	}
	protoDir := filepath.Join(dirs[0], "..", "protocols", ProtocolExample)
	if !slices.Contains(dirs, protoDir) {
		return nil, fmt.Errorf("%s not found next to examples/digest", protoDir)
	}
	if o.Genome == "" {
		o.Genome = filepath.Join(dirs[0], "..", "data", "lambda.fa")
	}
	if _, err := os.Stat(o.Genome); err != nil {
		return nil, fmt.Errorf("genome: %w", err)
	}
	params := map[string]string{"ENZYME": o.Enzyme}
	if err := covered(protoDir, params); err != nil {
		return nil, err
	}
	home, err := os.MkdirTemp("", "cell-demo-")
	if err != nil {
		return nil, err
	}
	if !o.Keep {
		defer os.RemoveAll(home)
	}
	logf, err := os.Create(filepath.Join(home, "devnet.log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	log.SetOutput(logf) // the databases' standard-logger lines
	defer log.SetOutput(os.Stderr)

	say("starting a devnet in %s: one validator, two fulfillment nodes, node %d with a simulated bot …", home, devnet.BotNode)
	start := time.Now()
	d, err := devnet.Start(ctx, devnet.Options{Home: filepath.Join(home, "devnet"), Nodes: 2,
		RPCPort: -1, P2PPort: -1, NodePort: -1, MinerPort: -1, Packages: dirs, Log: logf})
	if err != nil {
		return nil, err
	}
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		return d.Stop()
	}
	defer stop()
	say("devnet %s up in %.1f s: chain RPC %s", d.ChainID, time.Since(start).Seconds(), d.RPC)
	for _, n := range d.Nodes {
		say("  %s  %s  operator %s", n.Name, n.Endpoint, n.Operator)
		for _, b := range n.Bots {
			say("  %s  runs the bot %s (BotSpec %s, driver %s)", n.Name, b.Name, b.ID, b.Driver)
		}
	}
	for _, p := range d.Packages {
		say("  package %s %s  %s", p.Name, p.Version, p.ID)
	}
	key, err := d.Key(devnet.KeyBuyer)
	if err != nil {
		return nil, err
	}
	b, err := order.NewBuyer(ctx, d.Client, key)
	if err != nil {
		return nil, err
	}
	out := filepath.Join(home, "out")
	res := &Result{Dir: home, Kept: o.Keep, Enzyme: o.Enzyme, Devnet: d}
	progress := func(steps *[]order.Step) func(order.Step) {
		return func(s order.Step) {
			*steps = append(*steps, s)
			if s.Kind != order.StepJob || s.JobState != "" {
				say("  %s", s)
			}
		}
	}

	say("\n1. the buyer %s orders the compute digest of %s with %s (package digest):", d.Buyer, filepath.Base(o.Genome), o.Enzyme)
	res.Order, err = b.Run(ctx, order.Request{
		Package:  d.Packages[0].ID.String(),
		Inputs:   map[string]string{"genome": o.Genome},
		Params:   map[string]string{"ENZYMES": o.Enzyme},
		MaxPrice: MaxPrice,
		OutDir:   out,
		Progress: progress(&res.Steps),
	})
	if err != nil {
		return nil, fmt.Errorf("the compute order did not complete: %w (devnet log: %s)", err, logf.Name())
	}
	if res.Fragments, err = fragments(filepath.Join(res.Order.OutputDir, "outputs", "fragments.json")); err != nil {
		return nil, err
	}

	say("\n2. the buyer orders the lab protocol %s with ENZYME=%s, run by the bot of node %d:", ProtocolExample, o.Enzyme, devnet.BotNode)
	res.Protocol, err = b.Run(ctx, order.Request{
		Package:  protoDir,
		Params:   params,
		MaxPrice: MaxPrice,
		OutDir:   out,
		Progress: progress(&res.ProtocolSteps),
	})
	if err != nil {
		return nil, fmt.Errorf("the protocol order did not complete: %w (devnet log: %s)", err, logf.Name())
	}
	if p := res.Protocol.Protocol; p != nil {
		res.Label = p.LabelFile
		if len(p.Gels) > 0 {
			g := p.Gels[0]
			if img := filepath.Join(res.Protocol.OutputDir, "outputs", g.Dataref+".png"); exists(img) {
				res.GelImage = img
			}
			if len(g.Lanes) > 1 {
				res.Rows = Compare(res.Fragments, g.Lanes[1])
			}
		}
	}
	if err := stop(); err != nil {
		return nil, err
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// covered fills the protocol of the package in dir with params and checks
// that the simulated lab covers it (protocol.Covers), so that an enzyme
// the lab does not stock is refused before the devnet starts rather than
// left without a bid.
func covered(dir string, params map[string]string) error {
	l, err := protopkg.Open(dir, params)
	if err != nil {
		return fmt.Errorf("%s: %w", ProtocolExample, err)
	}
	if err := protocol.Covers(labsim.SimlabBotSpec(), l.Requirements); err != nil {
		return fmt.Errorf("%s with ENZYME=%s: the simulated lab cannot run it: %w", ProtocolExample, params["ENZYME"], err)
	}
	return nil
}

// fragments reads the fragment lengths of a digest's fragments.json.
func fragments(path string) ([]int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("the compute order's fragments: %w", err)
	}
	var r struct {
		Fragments []struct {
			Length int `json:"length"`
		} `json:"fragments"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make([]int, len(r.Fragments))
	for i, f := range r.Fragments {
		out[i] = f.Length
	}
	return out, nil
}

// Compare sets fragment lengths (bp, any order) next to a gel lane's
// species and bands, longest first: row i pairs the i-th longest fragment
// with the i-th species of the lane (species are longest first), and the
// band that holds that species (bands, from the top, hold their Species
// count of consecutive species; the species a gel does not show, too
// faint or run off, are the shortest, at the bottom). A fragment or
// species without a partner has 0 on the other side.
func Compare(frags []int, lane labsim.GelLane) []Row {
	fs := slices.Clone(frags)
	slices.SortFunc(fs, func(a, b int) int { return b - a })
	// band[i] is the band of species i, -1 when it shows none.
	band := make([]int, len(lane.Species))
	for i := range band {
		band[i] = -1
	}
	k := 0
	for bi, b := range lane.Bands {
		for j := 0; j < b.Species && k < len(band); j++ {
			band[k] = bi
			k++
		}
	}
	rows := make([]Row, max(len(fs), len(lane.Species)))
	for i := range rows {
		if i < len(fs) {
			rows[i].FragmentBP = fs[i]
		}
		if i < len(lane.Species) {
			rows[i].SpeciesBP = lane.Species[i].BP
			if bi := band[i]; bi >= 0 {
				rows[i].BandBP, rows[i].Merged = lane.Bands[bi].SizeBP, lane.Bands[bi].Species
			}
		}
	}
	return rows
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
