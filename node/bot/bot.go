package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/runtime/botlog"
	"github.com/celltonomy/celltonomy/runtime/labsim"
	"github.com/celltonomy/celltonomy/spec"
)

// Architecture is the architecture tag a node with at least one bot
// announces: the BOX tag of protocol packages.
const Architecture = spec.ArchAutoprotocol1

// Job is one protocol run a driver executes: the order's protocol, filled
// with the order's parameters and validated, on the bot its BotSpec
// describes.
type Job struct {
	// OrderID is the order's id; PackageID the package id of its
	// protocol package (with the BotSpec id, they make the simulator's
	// seed).
	OrderID   uint64
	PackageID [32]byte
	// Protocol is the filled, validated protocol; Filled its bytes and
	// ProtocolHash their SHA-256 (the run's log names it).
	Protocol     *protocol.Protocol
	ProtocolHash [32]byte
	Filled       []byte
	// BotSpec is the bot's BotSpec and BotSpecID its id; the run's log
	// names it.
	BotSpec   *protocol.BotSpec
	BotSpecID protocol.BotSpecID
	// Label is the shipping label's id, recorded in the log's ship.pack
	// event when the protocol stores containers; "" lets the driver
	// choose one.
	Label string
	// Fault is "" or a fault the node injects on purpose, for tests:
	// FaultSkipStep.
	Fault string
	// Progress, when not nil, is called as instructions complete: done of
	// total instructions (0 ≤ done ≤ total).
	Progress func(done, total int)
	// Speedup, for a simulated bot, is how many times faster than its
	// own clock the run is paced (3600: one bot hour per wall second);
	// 0 runs it as fast as it computes. A real bot's driver ignores it.
	Speedup uint32
}

// FaultSkipStep makes the bot skip one warp of the plan: the log it
// returns then fails the conformance check (runtime/botlog's
// missing-warp rule).
const FaultSkipStep = labsim.FaultSkipStep

// Dataset is one file a run produced: its file name (e.g. "gel.png")
// and its bytes.
type Dataset struct {
	Name string
	Data []byte
}

// Driver runs jobs on one kind of bot. It is what a bot integration
// implements: Run executes one job on the bot, calls j.Progress after
// each instruction, and returns the run's events and datasets, or an
// error when the bot could not run the job (nothing to deliver). Run
// must return once ctx is done. A Driver is safe for concurrent use.
type Driver interface {
	// Name is the driver's name in node.toml ([[bots]] driver).
	Name() string
	// Run executes j.
	Run(ctx context.Context, j Job) (*Outcome, error)
}

// registry holds the drivers by name.
var registry = map[string]Driver{}

func register(d Driver) { registry[d.Name()] = d }

// Names returns the names of the registered drivers, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Lookup returns the driver named name; an error names the known ones.
func Lookup(name string) (Driver, error) {
	if d, ok := registry[name]; ok {
		return d, nil
	}
	return nil, fmt.Errorf("unknown driver %q (known: %s)", name, strings.Join(Names(), ", "))
}

// Bot is one of the node's bots: its BotSpec, the BotSpec's id and the
// driver that runs it.
type Bot struct {
	Spec   *protocol.BotSpec
	ID     protocol.BotSpecID
	Driver Driver
	// Speedup is the [[bots]] entry's speedup, passed to every Job.
	Speedup uint32
}

// Load reads the BotSpec file at path (at most protocol.MaxBotSpecBytes
// bytes), validates it (protocol.ParseBotSpec) and looks the driver up.
// Errors name the file or the driver.
func Load(path, driver string) (*Bot, error) {
	d, err := Lookup(driver)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, protocol.MaxBotSpecBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s, err := protocol.ParseBotSpec(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	id, err := s.ID()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Bot{Spec: s, ID: id, Driver: d}, nil
}

// NotCoveredError says that none of a node's bots covers a protocol: the
// first unmet requirement of each bot, in the node's order.
type NotCoveredError struct {
	// Unmet holds, per bot, its BotSpec's name and id and its first unmet
	// requirement.
	Unmet []Unmet
}

// Unmet is one bot's first unmet requirement.
type Unmet struct {
	Name string
	ID   protocol.BotSpecID
	Err  *protocol.UnmetError
}

// Error names each bot and its first unmet requirement, e.g.
// `BotSpec simlab (58e2e830…): op thermocycle: no device of the bot runs it`.
func (e *NotCoveredError) Error() string {
	if len(e.Unmet) == 0 {
		return "the node has no bot"
	}
	parts := make([]string, len(e.Unmet))
	for i, u := range e.Unmet {
		parts[i] = fmt.Sprintf("BotSpec %s (%s…): %v", u.Name, u.ID.String()[:8], u.Err)
	}
	return strings.Join(parts, "; ")
}

// Is makes a NotCoveredError match protocol.ErrNotCovered.
func (e *NotCoveredError) Is(target error) bool { return target == protocol.ErrNotCovered }

// Select returns the first of bots whose BotSpec covers req
// (protocol.Covers), or a *NotCoveredError.
func Select(bots []*Bot, req protocol.Requirements) (*Bot, error) {
	e := &NotCoveredError{}
	for _, b := range bots {
		err := protocol.Covers(b.Spec, req)
		if err == nil {
			return b, nil
		}
		var u *protocol.UnmetError
		if !errors.As(err, &u) {
			u = &protocol.UnmetError{Requirement: "botspec", Reason: err.Error()}
		}
		e.Unmet = append(e.Unmet, Unmet{Name: b.Spec.Name, ID: b.ID, Err: u})
	}
	return nil, e
}

// Outcome is what a driver returns of a run: the run's events (which the
// node appends, Run.Steps, to the job's signed event log) and its
// datasets, sorted by name, whose names and hashes the run's data warps
// record.
type Outcome struct {
	Run      *botlog.Run
	Datasets []Dataset
}
