package bench

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	iavldb "github.com/cosmos/iavl/db"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/ledger/app"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/reputation"
)

// ScaleState describes a seeded state of one size, as kept under
// ScaleOptions.Dir (DIR/scale-S/state.json beside the chain home
// DIR/scale-S/base, whose data/ledger.db holds it).
type ScaleState struct {
	// Format is the version of the seeding that wrote the state
	// (scaleStateFormat); a state of another format is refused.
	Format      int     `json:"format"`
	Scale       float64 `json:"scale"`
	Accounts    int     `json:"accounts"`
	Orders      int     `json:"open_orders"`
	Nodes       int     `json:"nodes"`
	Delegations int     `json:"delegations"`
	LogEntries  int     `json:"reputation_log_entries"`
	// Height is the height of the seeded state.
	Height int64 `json:"height"`
	// AppHash is the state's app hash at Height (hex).
	AppHash string `json:"app_hash"`
	// SeedSeconds is the time the seeding took; CompactSeconds the time
	// to compact the seeded database and collect the seeding's garbage.
	SeedSeconds    float64 `json:"seed_seconds"`
	CompactSeconds float64 `json:"compact_seconds"`
	// DiskBytes is the size of the seeded database once compacted.
	DiskBytes int64 `json:"disk_bytes"`
	// Reused is true when this run opened a state seeded by an earlier
	// run (not stored).
	Reused bool `json:"-"`
}

// scaleStateFormat is the version of the seeding: a change of what the
// base state holds increments it.
const scaleStateFormat = 2

// ScaleChainID is the chain id of the seeded states.
const ScaleChainID = "bench-scale"

// ScaleValidatorKey is the consensus (and operator) key of the seeded
// states' only validator, derived from a fixed label: anyone can run a
// validator on a kept state.
func ScaleValidatorKey() ed25519.PrivateKey { return labelKey("scale-validator", 0) }

// ScaleFunderKey is the key of the seeded states' funder, the account
// that funded every background account and keeps
// scaleWorkFunds ucell for the measured blocks and any other use.
func ScaleFunderKey() ed25519.PrivateKey { return labelKey("scale-funder", 0) }

// scaleWorkFunds is the funder's balance beyond the background accounts'
// funds, in ucell: the accounts of each run's measured blocks are funded
// from it.
const scaleWorkFunds = 1 << 50

// scaleStateDir is the directory of the state of scale s under dir.
func scaleStateDir(dir string, s float64) string {
	return filepath.Join(dir, fmt.Sprintf("scale-%g", s))
}

// openScaleState returns the state of scale s under dir, seeding it into
// dir/scale-S/base first unless an earlier run did (state.json is written
// last: a seeding cut short is started again). Errors: a kept state of
// another format or size, or a failed seeding.
func openScaleState(ctx context.Context, dir string, s float64, o ScaleOptions) (ScaleState, error) {
	sd := scaleStateDir(dir, s)
	meta := filepath.Join(sd, "state.json")
	want := ScaleState{Format: scaleStateFormat, Scale: s, Accounts: scaled(ScaleAccounts, s), Orders: scaled(ScaleOrders, s),
		Nodes: scaled(ScaleNodes, s), Delegations: scaled(ScaleDelegations, s), LogEntries: scaled(ScaleLogEntries, s)}
	if b, err := os.ReadFile(meta); err == nil {
		var st ScaleState
		if err := json.Unmarshal(b, &st); err != nil {
			return st, fmt.Errorf("%s: %w", meta, err)
		}
		if st.Format != want.Format || st.Accounts != want.Accounts || st.Orders != want.Orders || st.Nodes != want.Nodes ||
			st.Delegations != want.Delegations || st.LogEntries != want.LogEntries {
			return st, fmt.Errorf("%s: a state of format %d with %d accounts, want format %d with %d: remove %s to seed again",
				meta, st.Format, st.Accounts, want.Format, want.Accounts, sd)
		}
		st.Reused = true
		return st, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return want, err
	}
	if want.Orders+want.Nodes > want.Accounts || want.Delegations > want.Accounts {
		return want, fmt.Errorf("scale %v: too small a state for its orders, nodes and delegations", s)
	}
	if err := os.RemoveAll(sd); err != nil {
		return want, err
	}
	st, err := seedScaleState(ctx, filepath.Join(sd, "base"), want, o)
	if err != nil {
		return st, err
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return st, err
	}
	return st, os.WriteFile(meta, append(b, '\n'), 0o644)
}

// seedScaleState seeds st's state into the ledger database of the home
// dir, compacts it and closes it.
func seedScaleState(ctx context.Context, home string, st ScaleState, o ScaleOptions) (ScaleState, error) {
	db, err := chain.OpenStateDB(home, o.State)
	if err != nil {
		return st, err
	}
	defer db.Close()
	ledger, err := chain.OpenApplication(db, ScaleChainID, o.State)
	if err != nil {
		return st, err
	}
	r := &scaleRun{o: o, driver: driver{app: ledger}, state: st}
	start := time.Now()
	if err := r.seedBase(ctx); err != nil {
		return st, err
	}
	st.SeedSeconds = time.Since(start).Seconds()
	st.Height = r.height
	info, err := ledger.Info(ctx, &abci.InfoRequest{})
	if err != nil {
		return st, err
	}
	st.AppHash = fmt.Sprintf("%X", info.LastBlockAppHash)
	// The seeding wrote the whole state in a few minutes: LevelDB would
	// still be compacting it, in the background, during the measured
	// blocks, and the seeding's garbage would make the collector run
	// more. A validator's state grew over months; measure it settled.
	start = time.Now()
	if err := compactState(db); err != nil {
		return st, fmt.Errorf("compact the seeded state: %w", err)
	}
	runtime.GC()
	debug.FreeOSMemory()
	st.CompactSeconds = time.Since(start).Seconds()
	st.DiskBytes = dirSize(home)
	return st, nil
}

// compactState compacts the whole LevelDB database under db, which
// rewrites its files with the database's current options.
func compactState(db iavldb.DB) error {
	if w, ok := db.(*iavldb.Wrapper); ok {
		if c, ok := w.DB.(interface {
			ForceCompact(start, limit []byte) error
		}); ok {
			return c.ForceCompact(nil, nil)
		}
	}
	return nil
}

// seedBase seeds the background state: everything but what the measured
// blocks need, which each run adds to its copy (seedWork), so that a kept
// state serves runs of any --repeat and --work.
func (r *scaleRun) seedBase(ctx context.Context) error {
	sz := r.state
	p := params.Default()
	val := ScaleValidatorKey()
	valAcc := newAccount(val)
	funder := newAccount(ScaleFunderKey())
	author := newAccount(labelKey("scale-author", 0))
	accounts := []*ledgerpb.GenesisAccount{
		{Address: valAcc.addr.String(), Balance: 10_000_000_000},
		{Address: funder.addr.String(), Balance: uint64(sz.Accounts)*scaleBalance + scaleWorkFunds},
		{Address: author.addr.String(), Balance: 100 * p.MinFee},
	}
	appState, err := chain.LedgerGenesis(accounts, []*ledgerpb.GenesisValidator{{
		Operator: valAcc.addr.String(), ConsensusPubkey: val.Public().(ed25519.PublicKey), SelfBond: 1_000_000_000, Moniker: "scale",
	}}, p)
	if err != nil {
		return err
	}
	if _, err := r.app.InitChain(ctx, &abci.InitChainRequest{ChainId: ScaleChainID, AppStateBytes: appState, InitialHeight: 1}); err != nil {
		return err
	}
	r.p = p

	// Each step seeds a chunk of messages, then a block commits it.
	steps := []struct {
		what string
		n    int
		one  func(s *app.Seeder, i int) error
	}{
		{"accounts", sz.Accounts, func(s *app.Seeder, i int) error {
			return s.Run(funder.addr, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Send{Send: &ledgerpb.MsgSend{To: scaleAddress(i).Bytes(), Amount: scaleBalance}}})
		}},
		{"package", 1, func(s *app.Seeder, _ int) error {
			reg, _, err := registerPackage(author)
			if err != nil {
				return err
			}
			return s.Run(author.addr, marketMsg(reg))
		}},
		{"nodes", sz.Nodes, func(s *app.Seeder, i int) error {
			return r.announce(s, i, r.nodeOf(i))
		}},
		{"delegations", sz.Delegations, func(s *app.Seeder, i int) error {
			return s.Run(scaleAddress(i), &ledgerpb.Msg{Sum: &ledgerpb.Msg_Delegate{Delegate: &ledgerpb.MsgDelegate{Validator: valAcc.addr.Bytes(), Amount: scaleDelegated}}})
		}},
		{"orders", sz.Orders, func(s *app.Seeder, i int) error {
			return r.order(s, scaleAddress(i), uint64(i), uint64(scaleFar+i%4_000), 100, r.nodeOf(i%sz.Nodes))
		}},
		{"reputation log", sz.LogEntries, func(s *app.Seeder, i int) error {
			return s.AppendReputation(scaleAddress(i%sz.Accounts), reputation.SkillBuyer, big.NewInt(int64(1+i%1_000)))
		}},
	}
	for _, st := range steps {
		for start := 0; start < st.n; start += scaleChunk {
			if err := ctx.Err(); err != nil {
				return err
			}
			end := min(start+scaleChunk, st.n)
			if err := r.app.Seed(func(s *app.Seeder) error {
				for i := start; i < end; i++ {
					if err := st.one(s, i); err != nil {
						return fmt.Errorf("seed %s %d: %w", st.what, i, err)
					}
				}
				return nil
			}); err != nil {
				return err
			}
			if _, err := r.mustBlock(ctx, nil); err != nil {
				return err
			}
			r.o.Progress("scale %g: seeded %s %d/%d (height %d)", sz.Scale, st.what, end, st.n, r.height)
		}
	}
	return nil
}

// seedWork seeds, in the working version of a copy of a seeded state,
// what the measured blocks need; the next block commits it. The senders
// of the transfers and the buyers and nodes of the measured orders are
// funded by the funder (and the nodes announced); Repeat × Work orders
// have bid windows that end at awardAt, awardAt+1, …, after the empty
// and transfer blocks; each has its own buyer and one bid, from a node
// of its own, and a delivery window of Repeat+1 blocks, which no
// delivery meets: the deadlines of award block k's orders pass Repeat+1
// blocks later, after the last award block.
func (r *scaleRun) seedWork() error {
	p, w, rep := r.p, r.o.Work, r.o.Repeat
	funder := newAccount(ScaleFunderKey()).addr
	r.orders = uint64(r.state.Orders)
	seedAt := r.height + 1
	r.awardAt = seedAt + 2*int64(rep) + 1
	deliveryWindow := uint64(rep + 1)
	send := func(s *app.Seeder, to []byte, amount uint64) error {
		return s.Run(funder, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Send{Send: &ledgerpb.MsgSend{To: to, Amount: amount}}})
	}
	return r.app.Seed(func(s *app.Seeder) error {
		for j := range w {
			a := newAccount(labelKey("scale-sender", j))
			r.senders = append(r.senders, a)
			if err := send(s, a.addr.Bytes(), uint64(rep+1)*(p.MinFee+1)); err != nil {
				return fmt.Errorf("seed sender %d: %w", j, err)
			}
			if err := send(s, workBuyer(j).Bytes(), uint64(rep)*(scaleMaxPrice+p.MinPoStake)); err != nil {
				return fmt.Errorf("seed buyer %d: %w", j, err)
			}
			if err := send(s, workNode(j).operator.Bytes(), uint64(rep)*market.RequiredBidStake(scalePrice, p)); err != nil {
				return fmt.Errorf("seed operator %d: %w", j, err)
			}
			if err := r.announce(s, r.state.Nodes+j, workNode(j)); err != nil {
				return fmt.Errorf("seed work node %d: %w", j, err)
			}
		}
		for k := range rep {
			for j := range w {
				n := k*w + j
				if err := r.order(s, workBuyer(j), uint64(ScaleOrders*10+n), uint64(r.awardAt+int64(k)-seedAt), deliveryWindow, workNode(j)); err != nil {
					return fmt.Errorf("seed award order %d: %w", n, err)
				}
			}
		}
		return nil
	})
}

// cloneState makes dst a copy of the home src's ledger database, for one
// run to write its blocks to while src keeps the seeded state. LevelDB
// never changes a table file (.ldb) once written: it writes new ones and
// unlinks the ones it no longer needs. So tables are hard links to the
// seeded ones (copies where links fail), which costs neither time nor
// disk, and the files LevelDB appends to (the journal, the manifest,
// CURRENT, LOG) are copied.
func cloneState(src, dst string) error {
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case d.Name() == "LOCK":
			return nil
		case strings.HasSuffix(d.Name(), ".ldb") || strings.HasSuffix(d.Name(), ".sst"):
			if os.Link(path, to) == nil {
				return nil
			}
		}
		return copyFile(path, to)
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// scalePackageID is the id of the package every seeded order orders
// (registerPackage's).
func scalePackageID() []byte {
	id := sha256.Sum256([]byte("celltonomy bench package"))
	return id[:]
}
