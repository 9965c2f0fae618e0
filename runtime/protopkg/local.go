package protopkg

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/runtime/eventlog"
	"github.com/celltonomy/celltonomy/runtime/labsim"
	"github.com/celltonomy/celltonomy/spec"
)

// Files a local run writes to its output directory.
const (
	// LocalProtocolFile is the filled protocol (Loaded.Filled).
	LocalProtocolFile = "protocol.json"
	// LocalBotSpecFile is the BotSpec's canonical JSON.
	LocalBotSpecFile = "botspec.json"
	// LocalLogFile is the run's signed event log (eventlog's stored form).
	LocalLogFile = "eventlog"
	// LocalDatasetsDir holds the datasets, one file each.
	LocalDatasetsDir = "datasets"
)

// Local is a run of a protocol package on the local simulator, as
// `cell run` makes it: no chain, no node, no order.
type Local struct {
	// Package is the protocol package; Params fill it (Load).
	Package *spec.Package
	Params  map[string]string
	// BotSpec is the simulated bot (validated; Simulated must be true).
	BotSpec *protocol.BotSpec
	// Seed is the run's seed; nil means labsim.SeedFor(0, package id,
	// BotSpec id), the seed of an order 0.
	Seed *[32]byte
	// Key signs the event log; nil means LocalKey(seed).
	Key ed25519.PrivateKey
	// Stock is the bot's DNA stock; nil means labsim.SimlabStock().
	Stock []labsim.Material
	// Fault is passed to the simulator (labsim.Input.Fault): "" for an
	// honest run, labsim.FaultSkipStep for a run whose log misses a warp,
	// as a faulty bot's would (tests of the conformance check).
	Fault string
	// OutputDir, when not "", receives LocalProtocolFile,
	// LocalBotSpecFile, LocalLogFile and LocalDatasetsDir; it is created
	// if missing and must be empty.
	OutputDir string
}

// LocalResult is a finished local run.
type LocalResult struct {
	// Loaded is the filled package.
	Loaded *Loaded
	// BotSpec is the BotSpec's id; Seed the run's seed.
	BotSpec protocol.BotSpecID
	Seed    [32]byte
	// NodeKey is the public key that signed the log.
	NodeKey ed25519.PublicKey
	// Sim is the simulator's result: the run, datasets, gels,
	// absorbance reads and the models' notes.
	Sim *labsim.Result
	// Log is the signed event log; Head its head.
	Log  *eventlog.Log
	Head [32]byte
}

// LocalKey returns the key that signs a local run's log when none is
// given: an ed25519 key derived from the seed, SHA-256("celltonomy local
// run key" ‖ seed) as its seed. It is no secret: a local run's log proves
// nothing about who ran it, only what the simulator did.
func LocalKey(seed [32]byte) ed25519.PrivateKey {
	h := sha256.Sum256(append([]byte("celltonomy local run key"), seed[:]...))
	return ed25519.NewKeyFromSeed(h[:])
}

// RunLocal loads l.Package with l.Params, runs it on the simulated bot
// l.BotSpec (labsim.Run), signs the run's events into an event log and,
// with l.OutputDir, writes the files. It returns the errors of Load, an
// error for a BotSpec that is not simulated, the errors of labsim.Run (a
// *labsim.StepError naming the instruction the bot refuses, an error
// matching protocol.ErrNotCovered when the bot cannot run the protocol)
// and I/O errors naming the path.
func RunLocal(l Local) (*LocalResult, error) {
	if l.BotSpec == nil || !l.BotSpec.Simulated {
		return nil, errors.New("the local simulator runs only a simulated BotSpec (\"simulated\": true)")
	}
	loaded, err := Load(l.Package, l.Params)
	if err != nil {
		return nil, err
	}
	specID, err := l.BotSpec.ID()
	if err != nil {
		return nil, err
	}
	seed := labsim.SeedFor(0, l.Package.ID(), specID)
	if l.Seed != nil {
		seed = *l.Seed
	}
	key := l.Key
	if key == nil {
		key = LocalKey(seed)
	}
	stock := l.Stock
	if stock == nil {
		stock = labsim.SimlabStock()
	}
	if l.OutputDir != "" {
		if err := emptyDir(l.OutputDir); err != nil {
			return nil, err
		}
	}
	sim, err := labsim.Run(labsim.Input{Protocol: loaded.Protocol, ProtocolHash: loaded.Hash, BotSpec: l.BotSpec, Seed: seed, Stock: stock, Fault: l.Fault})
	if err != nil {
		return nil, err
	}
	pkgID := l.Package.ID()
	w := eventlog.New(key, []byte("local-run/"+pkgID.String()))
	if err := sim.Run.AppendTo(w); err != nil {
		return nil, fmt.Errorf("event log: %w", err)
	}
	res := &LocalResult{Loaded: loaded, BotSpec: specID, Seed: seed, NodeKey: key.Public().(ed25519.PublicKey), Sim: sim, Log: w.Log(), Head: w.Head()}
	if l.OutputDir != "" {
		if err := res.write(l.OutputDir, l.BotSpec); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// emptyDir creates dir if missing and refuses it when it holds anything.
func emptyDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(ents) > 0 {
		return fmt.Errorf("%s: output directory is not empty", dir)
	}
	return nil
}

func (r *LocalResult) write(dir string, s *protocol.BotSpec) error {
	canon, err := s.Canonical()
	if err != nil {
		return err
	}
	var logBytes bytes.Buffer
	if _, err := r.Log.WriteTo(&logBytes); err != nil {
		return err
	}
	files := []struct {
		name string
		data []byte
	}{{LocalProtocolFile, r.Loaded.Filled}, {LocalBotSpecFile, canon}, {LocalLogFile, logBytes.Bytes()}}
	for _, d := range r.Sim.Datasets {
		if filepath.Base(d.Name) != d.Name || d.Name == "." || d.Name == ".." {
			return fmt.Errorf("dataset %q: not a file name", d.Name)
		}
		files = append(files, struct {
			name string
			data []byte
		}{filepath.Join(LocalDatasetsDir, d.Name), d.Data})
	}
	if err := os.Mkdir(filepath.Join(dir, LocalDatasetsDir), 0o755); err != nil {
		return err
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
