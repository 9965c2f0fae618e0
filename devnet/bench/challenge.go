package bench

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"iter"
	"math/big"
	"math/bits"
	"math/rand/v2"
	"os"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/app"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/query"
	ledgerrep "github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/miner"
	"github.com/celltonomy/celltonomy/reputation"
)

// ChallengeOptions of a challenge run.
type ChallengeOptions struct {
	// Entries is the number of entries of cycle 0's reputation log, all
	// granted at genesis; at least 1.
	Entries int
	// ForgedAt, when not nil, is the update (0 … N − 1, N the cycle's
	// updates) that the forged replay gets wrong; nil: DefaultForgedAt(N).
	ForgedAt *uint64
}

// ChallengeResult is the outcome of a challenge run. Times are wall
// times in seconds.
type ChallengeResult struct {
	// Entries, Users and Skills describe cycle 0: its log entries, the
	// users and the skills they were granted in.
	Entries int `json:"entries"`
	Users   int `json:"users"`
	Skills  int `json:"skills"`
	// Updates is N, the updates of cycle 0 (its log's, no decays), and
	// Leaves the leaves of the honest state after it.
	Updates uint64 `json:"updates"`
	Leaves  uint64 `json:"leaves"`
	// SearchBound is ⌈log₂(N + 1)⌉, the most steps of the binary search;
	// SearchSteps the steps it took.
	SearchBound int `json:"search_bound"`
	SearchSteps int `json:"search_steps"`
	// ForgedAt is the update the forged replay got wrong, and Disputed the
	// update the search ended at: the same, or the run fails.
	ForgedAt uint64 `json:"forged_at"`
	Disputed uint64 `json:"disputed"`
	// Txs counts the challenge transactions sent by kind
	// (confirm_justification, challenge_search, respond_to_challenge), and
	// TotalTxs all of them; Refused those that failed, by kind: only the
	// forged side's response, which its own tree refutes.
	Txs      map[string]int `json:"txs"`
	TotalTxs int            `json:"total_txs"`
	Refused  map[string]int `json:"refused"`
	// CloseHeight is the block whose hook closed the submission window
	// into the challenge, AcceptHeight the block whose hook accepted the
	// root, and Blocks the difference.
	CloseHeight  int64 `json:"close_height"`
	AcceptHeight int64 `json:"accept_height"`
	Blocks       int64 `json:"blocks"`
	// ResponseWindows counts the steps the challenge waited for, each with
	// a response window of WindowBlocks blocks: CONFIRM_JRH, each SEARCH
	// step and RESPOND. TargetWindows is 2·⌈log₂ N⌉ + 6 and WithinTarget
	// whether ResponseWindows is at most that.
	ResponseWindows int    `json:"response_windows"`
	WindowBlocks    uint64 `json:"window_blocks"`
	TargetWindows   int    `json:"target_windows"`
	WithinTarget    bool   `json:"within_target"`
	// Accepted is "honest" (the run fails otherwise); the roots are in hex.
	Accepted     string `json:"accepted"`
	HonestRoot   string `json:"honest_root"`
	ForgedRoot   string `json:"forged_root"`
	AcceptedRoot string `json:"accepted_root"`
	// GenesisSeconds is InitChain, with the grants; FetchSeconds reading
	// the skills and the log back through the queries; HonestReplaySeconds
	// and ForgedReplaySeconds the replays, justification trees and their
	// roots included.
	GenesisSeconds      float64 `json:"genesis_seconds"`
	FetchSeconds        float64 `json:"fetch_seconds"`
	HonestReplaySeconds float64 `json:"honest_replay_seconds"`
	ForgedReplaySeconds float64 `json:"forged_replay_seconds"`
	// ChallengeSeconds runs from the start of the close block to the
	// commit of the acceptance block: the blocks and the building of the
	// answers (AnswerSeconds, mostly the responses' replay up to the
	// disputed update).
	ChallengeSeconds float64 `json:"challenge_seconds"`
	AnswerSeconds    float64 `json:"answer_seconds"`
	// MaxBlockSeconds is the longest block from the close block to the
	// acceptance block (ProcessProposal, FinalizeBlock and Commit), at
	// MaxBlockHeight.
	MaxBlockSeconds float64 `json:"max_block_seconds"`
	MaxBlockHeight  int64   `json:"max_block_height"`
}

// Parameters of the challenge chain.
const (
	challengeChainID = "bench-challenge"
	// challengeWindow is mining_response_window_blocks: each step may be
	// answered up to this many blocks after it began (both sides answer
	// at the next block).
	challengeWindow = 3
	// challengeMinStake is min_miner_stake; each miner stakes 50 entries.
	challengeMinStake = 1_000_000
	challengeEntries  = 50
)

// DefaultForgedAt returns the update a challenge run forges when
// ChallengeOptions.ForgedAt is nil: a pseudo-random update of the n
// updates of the cycle, the same for the same n (from sha256("celltonomy
// bench challenge" ‖ n)). n must be at least 1.
func DefaultForgedAt(n uint64) uint64 {
	h := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("celltonomy bench challenge"), n))
	return binary.BigEndian.Uint64(h[:8]) % n
}

// ChallengeUsers returns the number of users that the genesis of a
// challenge run of entries grants reputation to: one per ten entries, at
// least 2.
func ChallengeUsers(entries int) int { return max(2, entries/10) }

// ChallengeSkills returns the skills of the genesis of a challenge run:
// chain.GenesisSkills, then under compute and protocol each five skills
// sN, each with four tN, each with two uN (compute/s0/t0/u0 has three
// ancestors, so a grant in it is 8 updates): 141 skills.
func ChallengeSkills() []string {
	skills := chain.GenesisSkills()
	for _, root := range []string{ledgerrep.SkillCompute, ledgerrep.SkillProtocol} {
		for s := range 5 {
			sp := fmt.Sprintf("%s/s%d", root, s)
			skills = append(skills, sp)
			for t := range 4 {
				tp := fmt.Sprintf("%s/t%d", sp, t)
				skills = append(skills, tp)
				for u := range 2 {
					skills = append(skills, fmt.Sprintf("%s/u%d", tp, u))
				}
			}
		}
	}
	return skills
}

// ChallengeGrants returns the grants of the genesis of a challenge run:
// entries grants, each to one of users users (sha256("bench user" ‖
// i)[:20]) in one of skills, drawn from a fixed seed; the amounts are 1
// to 10^6, and every hundredth is 2^64 to 2^100, which no uint64 holds.
// No total reaches 2^127 − 1 below 2^26 grants, so no update is capped:
// a forged value, one more than the honest one, stays wrong after every
// later update of its key, and the forged root differs from the honest
// one.
func ChallengeGrants(entries, users int, skills []string) []*ledgerpb.ReputationGrant {
	r := rand.New(rand.NewPCG(1, 2))
	addrs := make([]string, users)
	for i := range addrs {
		h := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("bench user"), uint64(i)))
		addrs[i] = address.Address(h[:address.Size]).String()
	}
	out := make([]*ledgerpb.ReputationGrant, entries)
	for i := range out {
		amount := fmt.Sprint(r.Int64N(1_000_000) + 1)
		if i%100 == 99 {
			hi := new(big.Int).SetUint64(r.Uint64()>>28 | 1) // below 2^36
			amount = hi.Lsh(hi, 64).Add(hi, new(big.Int).SetUint64(r.Uint64())).String()
		}
		out[i] = &ledgerpb.ReputationGrant{Address: addrs[r.IntN(users)], Skill: skills[r.IntN(len(skills))], Amount: amount}
	}
	return out
}

// RunChallenge measures the challenge-response of reputation mining
// (ledger/reputation: "Challenges") on the ledger's real Application over
// an IAVL tree on disk, driven through ABCI as RunDue drives it; see the
// package doc.
func RunChallenge(ctx context.Context, o ChallengeOptions) (ChallengeResult, error) {
	if o.Entries < 1 {
		return ChallengeResult{}, fmt.Errorf("bench challenge: entries: must be at least 1, got %d", o.Entries)
	}
	dir, err := os.MkdirTemp("", "cell-bench-challenge-")
	if err != nil {
		return ChallengeResult{}, err
	}
	defer os.RemoveAll(dir)
	db, err := chain.OpenDB(dir)
	if err != nil {
		return ChallengeResult{}, err
	}
	defer db.Close()
	ledger, err := chain.NewApplication(db, challengeChainID)
	if err != nil {
		return ChallengeResult{}, err
	}
	c := &challengeRun{driver: driver{app: ledger}, o: o}
	if err := c.run(ctx); err != nil {
		return c.res, fmt.Errorf("bench challenge: %w", err)
	}
	return c.res, nil
}

type challengeRun struct {
	driver
	o   ChallengeOptions
	res ChallengeResult
	fee uint64
}

// side is a miner and the defense of the root it submitted.
type side struct {
	name    string
	acc     *account
	defense *ledgerrep.Defense
	claim   []byte // its submission's root, hence its claim
	honest  bool
}

func (c *challengeRun) run(ctx context.Context) error {
	o := c.o
	p := params.Default()
	p.ReputationCycleBlocks = 2
	p.MiningWindowBlocks = 2
	p.MiningResponseWindowBlocks = challengeWindow
	p.MinMinerStake = challengeMinStake
	p.MinerMinStakedCycles = 0
	c.fee = p.MinFee
	skills := ChallengeSkills()
	users := ChallengeUsers(o.Entries)
	c.res = ChallengeResult{Entries: o.Entries, Users: users, Skills: len(skills), WindowBlocks: challengeWindow,
		Txs: map[string]int{}, Refused: map[string]int{}}

	val := labelKey("bench-validator", 0)
	valAcc := newAccount(val)
	sides := []*side{
		{name: "honest", acc: newAccount(labelKey("bench-miner", 0)), honest: true},
		{name: "forged", acc: newAccount(labelKey("bench-miner", 1))},
	}
	stake := uint64(challengeEntries * challengeMinStake)
	g := &ledgerpb.Genesis{
		Params: p,
		Accounts: []*ledgerpb.GenesisAccount{
			{Address: valAcc.addr.String(), Balance: 10_000_000_000},
			{Address: sides[0].acc.addr.String(), Balance: stake + 1_000*c.fee},
			{Address: sides[1].acc.addr.String(), Balance: stake + 1_000*c.fee},
		},
		Validators: []*ledgerpb.GenesisValidator{{
			Operator: valAcc.addr.String(), ConsensusPubkey: val.Public().(ed25519.PublicKey), SelfBond: 1_000_000_000, Moniker: "bench",
		}},
		Skills:     skills,
		Reputation: &ledgerpb.ReputationGenesis{Grants: ChallengeGrants(o.Entries, users, skills)},
	}
	appState, err := app.EncodeGenesis(g)
	if err != nil {
		return err
	}
	t0 := time.Now()
	if _, err := c.app.InitChain(ctx, &abci.InitChainRequest{ChainId: challengeChainID, AppStateBytes: appState, InitialHeight: 1}); err != nil {
		return err
	}
	c.res.GenesisSeconds = time.Since(t0).Seconds()

	// Height 1: both miners stake; height 2 freezes cycle 0, whose
	// submission window is [3, 4].
	var txs [][]byte
	for _, s := range sides {
		tx, err := s.acc.sign(challengeChainID, c.fee, &ledgerpb.Msg{Sum: &ledgerpb.Msg_StakeMiner{StakeMiner: &ledgerpb.MsgStakeMiner{Amount: stake}}})
		if err != nil {
			return err
		}
		txs = append(txs, tx)
	}
	if _, err := c.mustBlock(ctx, txs); err != nil {
		return err
	}
	if _, err := c.mustBlock(ctx, nil); err != nil {
		return err
	}
	var ms ledgerpb.MiningStatus
	if err := c.query(ctx, query.Mining, nil, &ms); err != nil {
		return err
	}
	if !ms.Mining || ms.MiningCycle != 0 {
		return fmt.Errorf("height %d: cycle 0 is not being mined: %v", c.height, &ms)
	}

	if err := c.replay(ctx, sides); err != nil {
		return err
	}
	if ms.Updates != c.res.Updates {
		return fmt.Errorf("the ledger counts %d updates in cycle 0, the replay %d", ms.Updates, c.res.Updates)
	}
	if c.res.ForgedRoot == c.res.HonestRoot {
		return fmt.Errorf("forged at update %d, a value later updates overwrite: the forged replay ends on the honest root", c.res.ForgedAt)
	}
	if err := c.submit(ctx, sides, ms.WindowStart, ms.WindowEnd); err != nil {
		return err
	}
	return c.challenge(ctx, sides)
}

// replay reads the skills and cycle 0's log back through the ledger's
// queries, as a miner does (miner.FetchLog), and replays it twice:
// honestly, and forged at ForgedAt.
func (c *challengeRun) replay(ctx context.Context, sides []*side) error {
	src := appSource{c}
	t0 := time.Now()
	recs, err := src.Skills(ctx)
	if err != nil {
		return err
	}
	skills := &reputation.SkillTree{}
	for _, s := range recs {
		if id, err := skills.Add(s.GetParent()); err != nil || id != s.GetId() {
			return fmt.Errorf("skill %d: added as %d: %v", s.GetId(), id, err)
		}
	}
	log, err := miner.FetchLog(ctx, src, 0)
	if err != nil {
		return err
	}
	decay, err := src.Decay(ctx)
	if err != nil {
		return err
	}
	c.res.FetchSeconds = time.Since(t0).Seconds()
	if len(log) != c.o.Entries {
		return fmt.Errorf("cycle 0 has %d log entries, want %d", len(log), c.o.Entries)
	}
	n := log.NUpdates()
	c.res.Updates = n
	c.res.SearchBound = bits.Len64(n) // ⌈log₂(n + 1)⌉
	c.res.TargetWindows = 2*bits.Len64(n-1) + 6
	at := DefaultForgedAt(n)
	if c.o.ForgedAt != nil {
		at = *c.o.ForgedAt
	}
	if at >= n {
		return fmt.Errorf("forged at update %d: cycle 0 has updates 0 to %d", at, n-1)
	}
	c.res.ForgedAt = at

	for _, s := range sides {
		t0 := time.Now()
		var res *reputation.Result
		if s.honest {
			res, err = reputation.Replay(nil, skills, decay, log)
		} else {
			res, err = reputation.ReplayForged(nil, skills, decay, log, at)
		}
		if err != nil {
			return fmt.Errorf("%s replay: %w", s.name, err)
		}
		res.Justification.Root()
		secs := time.Since(t0).Seconds()
		s.defense = &ledgerrep.Defense{Cycle: 0, Skills: skills, Params: decay, Log: log, Result: res}
		s.claim = res.Root[:]
		if s.honest {
			c.res.HonestReplaySeconds, c.res.HonestRoot, c.res.Leaves = secs, hex.EncodeToString(s.claim), res.NLeaves
		} else {
			c.res.ForgedReplaySeconds, c.res.ForgedRoot = secs, hex.EncodeToString(s.claim)
		}
	}
	return nil
}

// submit has each side submit its root at the first block of the window
// [start, end] at which one of its entries is eligible.
func (c *challengeRun) submit(ctx context.Context, sides []*side, start, end int64) error {
	done := make([]bool, len(sides))
	for c.height < end {
		if c.height+1 < start {
			if _, err := c.mustBlock(ctx, nil); err != nil {
				return err
			}
			continue
		}
		target := ledgerrep.Target(c.height+1, start, end)
		var txs [][]byte
		for i, s := range sides {
			if done[i] {
				continue
			}
			for e := uint64(1); e <= challengeEntries; e++ {
				h := ledgerrep.EligibilityHash(s.acc.addr, e, s.claim)
				if new(big.Int).SetBytes(h[:]).Cmp(target) >= 0 {
					continue
				}
				res := s.defense.Result
				jrh := res.Justification.Root()
				tx, err := s.acc.sign(challengeChainID, c.fee, &ledgerpb.Msg{Sum: &ledgerpb.Msg_SubmitRootHash{SubmitRootHash: &ledgerpb.MsgSubmitRootHash{
					Cycle: 0, Root: res.Root[:], NLeaves: res.NLeaves, Jrh: jrh[:], EntryIndex: e}}})
				if err != nil {
					return err
				}
				txs = append(txs, tx)
				done[i] = true
				break
			}
		}
		if _, err := c.mustBlock(ctx, txs); err != nil {
			return err
		}
	}
	for i, s := range sides {
		if !done[i] {
			return fmt.Errorf("the %s miner found no eligible entry in the window [%d, %d]", s.name, start, end)
		}
	}
	return nil
}

// challenge runs blocks from the window's close until a root is
// accepted; at each block both sides answer what their challenge awaits.
func (c *challengeRun) challenge(ctx context.Context, sides []*side) error {
	start := time.Now()
	// At most 1 + ⌈log₂(N + 1)⌉ + 1 steps of one block each, the close
	// and the acceptance, with slack.
	limit := int64(c.res.SearchBound+2)*challengeWindow + 10
	for n := int64(0); ; n++ {
		if n > limit {
			return fmt.Errorf("no root accepted %d blocks after height %d", limit, c.res.CloseHeight)
		}
		var ms ledgerpb.MiningStatus
		if err := c.query(ctx, query.Mining, nil, &ms); err != nil {
			return err
		}
		if n > 0 && ms.GetAccepted() != nil {
			break
		}
		if n > 0 && !ms.Challenging {
			return fmt.Errorf("height %d: neither challenging nor accepted: %v", c.height, &ms)
		}
		txs, kinds, who, err := c.answers(&ms, sides)
		if err != nil {
			return err
		}
		b, err := c.block(ctx, txs)
		if err != nil {
			return err
		}
		if n == 0 {
			var now ledgerpb.MiningStatus
			if err := c.query(ctx, query.Mining, nil, &now); err != nil {
				return err
			}
			if !now.Challenging {
				return fmt.Errorf("height %d: the window closed without a challenge: %v", b.height, &now)
			}
			c.res.CloseHeight = b.height
		}
		if s := b.seconds(); s > c.res.MaxBlockSeconds {
			c.res.MaxBlockSeconds, c.res.MaxBlockHeight = s, b.height
		}
		evs := b.res.Events
		for i, r := range b.res.TxResults {
			c.res.Txs[kinds[i]]++
			c.res.TotalTxs++
			if r.Code != 0 {
				if who[i].honest {
					return fmt.Errorf("height %d: the honest answer %s refused: code %d (%s): %s", b.height, kinds[i], r.Code, r.Codespace, r.Log)
				}
				c.res.Refused[kinds[i]]++
			}
			evs = append(evs, r.Events...)
		}
		for _, e := range client.Events(events, evs) {
			switch e.(type) {
			case ledgerrep.EventChallengeOpened, ledgerrep.EventChallengeStep:
				c.res.ResponseWindows++
			case ledgerrep.EventRootAccepted:
				c.res.AcceptHeight = b.height
			}
		}
	}
	c.res.ChallengeSeconds = time.Since(start).Seconds()
	c.res.Blocks = c.res.AcceptHeight - c.res.CloseHeight
	c.res.WithinTarget = c.res.ResponseWindows <= c.res.TargetWindows

	var root ledgerpb.ReputationRoot
	if err := c.query(ctx, query.ReputationRoot, nil, &root); err != nil {
		return err
	}
	c.res.AcceptedRoot = hex.EncodeToString(root.Root)
	for _, s := range sides {
		if c.res.AcceptedRoot == hex.EncodeToString(s.claim) {
			c.res.Accepted = s.name
		}
	}
	if c.res.Accepted != "honest" {
		return fmt.Errorf("accepted root %s at height %d is not the honest root %s", c.res.AcceptedRoot, c.res.AcceptHeight, c.res.HonestRoot)
	}
	if c.res.Disputed != c.res.ForgedAt {
		return fmt.Errorf("the search ended at update %d, the forged one is %d", c.res.Disputed, c.res.ForgedAt)
	}
	return nil
}

// answers returns, for every open challenge of the status, each side's
// answer to its step, signed by its miner, with its kind and side.
func (c *challengeRun) answers(ms *ledgerpb.MiningStatus, sides []*side) (txs [][]byte, kinds []string, who []*side, err error) {
	claims := map[uint32]*ledgerpb.Claim{}
	for _, cl := range ms.Claims {
		claims[cl.Id] = cl
	}
	for _, ch := range ms.Challenges {
		if ch.Step == ledgerpb.ChallengeStep_CHALLENGE_STEP_DECIDED {
			continue
		}
		if ch.Step == ledgerpb.ChallengeStep_CHALLENGE_STEP_RESPOND {
			c.res.Disputed, c.res.SearchSteps = ch.Lo-1, int(ch.SearchSteps)
		}
		for i, sd := range ch.Sides {
			cl, opp := claims[sd.Claim], claims[ch.Sides[1-i].Claim]
			if cl == nil || opp == nil {
				return nil, nil, nil, fmt.Errorf("challenge %d of round %d: claims %d and %d not in the status", ch.Index, ch.Round, sd.Claim, ch.Sides[1-i].Claim)
			}
			var s *side
			for _, x := range sides {
				if x.defense.Claims(cl) {
					s = x
				}
			}
			if s == nil {
				return nil, nil, nil, fmt.Errorf("claim %d is neither side's", cl.Id)
			}
			t0 := time.Now()
			m, err := s.defense.Answer(ch, cl.Id, opp)
			c.res.AnswerSeconds += time.Since(t0).Seconds()
			if err != nil {
				return nil, nil, nil, fmt.Errorf("the %s side's answer: %w", s.name, err)
			}
			if m == nil {
				continue
			}
			tx, err := s.acc.sign(challengeChainID, c.fee, m)
			if err != nil {
				return nil, nil, nil, err
			}
			txs, kinds, who = append(txs, tx), append(kinds, msgKind(m)), append(who, s)
		}
	}
	return txs, kinds, who, nil
}

// msgKind names a challenge message as ledger/doc.go does.
func msgKind(m *ledgerpb.Msg) string {
	switch m.Sum.(type) {
	case *ledgerpb.Msg_ConfirmJustification:
		return "confirm_justification"
	case *ledgerpb.Msg_ProveLeafCount:
		return "prove_leaf_count"
	case *ledgerpb.Msg_ChallengeSearch:
		return "challenge_search"
	case *ledgerpb.Msg_RespondToChallenge:
		return "respond_to_challenge"
	}
	return fmt.Sprintf("%T", m.Sum)
}

// query runs one of the ledger's queries (ledger/query) on the last
// committed state: req is the path's request (nil: none), reply its
// response.
func (c *challengeRun) query(ctx context.Context, path string, req, reply proto.Message) error {
	return ask(ctx, func(ctx context.Context, path string, data []byte) (*abci.QueryResponse, error) {
		return c.app.Query(ctx, &abci.QueryRequest{Path: path, Data: data})
	}, path, req, reply)
}

// appSource is the miner.Source of the run's Application: the ledger's
// queries, answered in process.
type appSource struct{ c *challengeRun }

func (s appSource) Skills(ctx context.Context) ([]*ledgerpb.Skill, error) {
	var out []*ledgerpb.Skill
	req := &ledgerpb.SkillsRequest{Page: &ledgerpb.PageRequest{}}
	for {
		var res ledgerpb.SkillsResponse
		if err := s.c.query(ctx, query.Skills, req, &res); err != nil {
			return nil, err
		}
		out = append(out, res.Skills...)
		if len(res.GetPage().GetNextKey()) == 0 {
			return out, nil
		}
		req.Page.Key = res.Page.NextKey
	}
}

func (s appSource) Log(ctx context.Context, cycle uint64) iter.Seq2[*ledgerpb.ReputationLogResponse, error] {
	return func(yield func(*ledgerpb.ReputationLogResponse, error) bool) {
		req := &ledgerpb.ReputationLogRequest{Cycle: &cycle, Page: &ledgerpb.PageRequest{}}
		for {
			res := &ledgerpb.ReputationLogResponse{}
			err := s.c.query(ctx, query.ReputationLog, req, res)
			if !yield(res, err) || err != nil || len(res.GetPage().GetNextKey()) == 0 {
				return
			}
			req.Page.Key = res.Page.NextKey
		}
	}
}

func (s appSource) Decay(ctx context.Context) (reputation.Params, error) {
	var p ledgerpb.Params
	if err := s.c.query(ctx, query.Params, nil, &p); err != nil {
		return reputation.Params{}, err
	}
	return reputation.Params{DecayNumerator: p.DecayNumerator, DecayDenominator: p.DecayDenominator}, nil
}
