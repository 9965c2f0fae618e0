// Package demo runs the main job of Celltonomy end to end, as `cell demo`
// shows it: a fresh devnet in a temporary directory (a validator and two
// fulfillment nodes, the example digest package registered), a buyer who
// orders the restriction digest of a genome as `cell order run` would, and
// the devnet stopped and removed afterwards.
//
// Use:
//
//	res, err := demo.Run(ctx, demo.Options{Enzymes: "EcoRI", Say: printf})
//
// Run reports its progress through Options.Say and returns everything
// that happened in a Result.
package demo

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/celltonomy/celltonomy/client/order"
	"github.com/celltonomy/celltonomy/devnet"
)

// MaxPrice is the most the demo's buyer pays for the order: 5000 ucell.
const MaxPrice = 5000

// Options are what a demo orders.
type Options struct {
	// Enzymes is the ENZYMES parameter of the digest, e.g. "EcoRI" or
	// "EcoRI,BamHI"; empty: "EcoRI".
	Enzymes string
	// Genome is the FASTA file to digest; empty: examples/data/lambda.fa
	// next to the example package.
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
	// Dir is the demo's temporary directory (removed unless Options.Keep).
	Dir string
	// Devnet is the devnet that ran, stopped by the time Run returns.
	Devnet *devnet.Devnet
	// Steps are the order's steps, as `cell order run` shows them.
	Steps []order.Step
	// Order is the order's result: stdout, heights, cost, reputation.
	Order *order.Result
	// Elapsed is the demo's wall time, start of the devnet to its stop.
	Elapsed time.Duration
}

// Run starts a devnet, orders the digest, and stops the devnet. Errors:
// the example's module was not built (make examples), the genome cannot
// be read, the devnet does not start or stop, or the order does not
// complete (the error names the devnet's log).
func Run(ctx context.Context, o Options) (*Result, error) {
	say := o.Say
	if say == nil {
		say = func(string, ...any) {}
	}
	if o.Enzymes == "" {
		o.Enzymes = "EcoRI"
	}
	dirs := devnet.DefaultPackageDirs()
	if len(dirs) == 0 {
		return nil, errors.New("examples/digest/digest.wasm not found: run make demo (or make examples) in the repository")
	}
	if o.Genome == "" {
		o.Genome = filepath.Join(dirs[0], "..", "data", "lambda.fa")
	}
	if _, err := os.Stat(o.Genome); err != nil {
		return nil, fmt.Errorf("genome: %w", err)
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

	say("starting a devnet in %s: one validator, two fulfillment nodes …", home)
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
	say("\nthe buyer %s orders the %s digest of %s:", d.Buyer, o.Enzymes, filepath.Base(o.Genome))
	res := &Result{Dir: home, Devnet: d}
	res.Order, err = b.Run(ctx, order.Request{
		Package:  d.Packages[0].ID.String(),
		Inputs:   map[string]string{"genome": o.Genome},
		Params:   map[string]string{"ENZYMES": o.Enzymes},
		MaxPrice: MaxPrice,
		OutDir:   filepath.Join(home, "out"),
		Progress: func(s order.Step) {
			res.Steps = append(res.Steps, s)
			if s.Kind != order.StepJob || s.JobState != "" {
				say("  %s", s)
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("the demo order did not complete: %w (devnet log: %s)", err, logf.Name())
	}
	if err := stop(); err != nil {
		return nil, err
	}
	res.Elapsed = time.Since(start)
	return res, nil
}
