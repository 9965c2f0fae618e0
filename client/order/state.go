package order

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/celltonomy/celltonomy/internal/atomicfile"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
)

// HexBytes are bytes written as hex in JSON.
type HexBytes []byte

// MarshalText implements encoding.TextMarshaler.
func (h HexBytes) MarshalText() ([]byte, error) { return hex.AppendEncode(nil, h), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (h *HexBytes) UnmarshalText(b []byte) error {
	v, err := hex.AppendDecode(nil, b)
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// State is what a buyer keeps of one of its orders between the steps that
// need it, so that a buyer whose process ends can go on where it stopped:
// the secrets it committed to on chain and the provider's signature it
// may have to show. Buyer keeps it in StateDir/ORDER_ID.json (see
// StatePath), written durably before the transaction that depends on it.
type State struct {
	// OrderID is the order's id.
	OrderID uint64 `json:"order"`
	// InputReceipt is the provider node's input receipt: its ed25519
	// signature (64 bytes) of market.InputReceiptBytes(chain id, order
	// id, input root), checked against the contract's node key when it
	// was kept. It is posted on chain only when needed (see the package
	// documentation, "Input receipts").
	InputReceipt HexBytes `json:"input_receipt,omitempty"`
	// Seeds is the seed chain of the order's latest dispute of a compute
	// package (NewSeedChain): Seeds[0] is the commitment posted with the
	// dispute, Seeds[k] the seed revealed in round k.
	Seeds []HexBytes `json:"seeds,omitempty"`
	// Rating is the rating the buyer committed to when it closed the
	// order, until it reveals it.
	Rating *SavedRating `json:"rating,omitempty"`
	// Plan is what the buyer asked of the order, kept when Run created it
	// so that Attach can go on where Run stopped.
	Plan *Plan `json:"plan,omitempty"`
}

// Plan is the part of a Request that the steps after the order's
// creation need: Attach reads it to resume an order Run left.
type Plan struct {
	// Inputs maps each input name to an absolute host path, to upload
	// once the order is awarded.
	Inputs map[string]string `json:"inputs,omitempty"`
	// OutDir, Stars, DisputeOutcome, DisputeStake, NoWaitFinal and
	// OnFailure are the Request's.
	OutDir         string                  `json:"out_dir,omitempty"`
	Stars          *uint32                 `json:"stars,omitempty"`
	DisputeOutcome ledgerpb.DisputeOutcome `json:"dispute_outcome,omitempty"`
	DisputeStake   uint64                  `json:"dispute_stake,omitempty"`
	NoWaitFinal    bool                    `json:"no_wait_final,omitempty"`
	OnFailure      OnFailure               `json:"on_failure,omitempty"`
}

// SavedRating is a committed rating: the stars (0 to 5) and the 32-byte
// salt of market.RatingCommitment.
type SavedRating struct {
	Stars uint32   `json:"stars"`
	Salt  HexBytes `json:"salt"`
}

// clone returns a deep copy of s.
func (s *State) clone() *State {
	c := &State{OrderID: s.OrderID, InputReceipt: slices.Clone(s.InputReceipt)}
	for _, seed := range s.Seeds {
		c.Seeds = append(c.Seeds, slices.Clone(seed))
	}
	if s.Rating != nil {
		c.Rating = &SavedRating{Stars: s.Rating.Stars, Salt: slices.Clone(s.Rating.Salt)}
	}
	if p := s.Plan; p != nil {
		cp := *p
		cp.Inputs = maps.Clone(p.Inputs)
		if p.Stars != nil {
			stars := *p.Stars
			cp.Stars = &stars
		}
		c.Plan = &cp
	}
	return c
}

// StatePath is the file of order id's State under dir: dir/ID.json.
func StatePath(dir string, id uint64) string {
	return filepath.Join(dir, strconv.FormatUint(id, 10)+".json")
}

// LoadState reads the State of order id under dir; an order without a
// file has an empty State (only OrderID set). A file that does not
// decode, or holds another order, is an error naming it.
func LoadState(dir string, id uint64) (*State, error) {
	path := StatePath(dir, id)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &State{OrderID: id}, nil
	}
	if err != nil {
		return nil, err
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if s.OrderID != id {
		return nil, fmt.Errorf("%s: holds order %d, not %d", path, s.OrderID, id)
	}
	return &s, nil
}

// SaveState writes s under dir (created with mode 0700) durably, mode
// 0600 (internal/atomicfile): the file holds secrets.
func SaveState(dir string, s *State) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("state of order %d: %w", s.OrderID, err)
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(StatePath(dir, s.OrderID), append(data, '\n'), 0o600)
}

// NewSeedChain returns a new seed chain for a dispute of at most rounds
// rounds (the chain's max_dispute_rounds): chain[rounds] is random,
// chain[k−1] = market.SeedHash(chain[k]), so chain[0] is the commitment
// posted with the dispute (MsgOpenDispute.seed_commitment) and chain[k]
// the seed revealed in round k (MsgRevealDisputeSeed). Nobody can derive
// a later seed from the ones revealed, and the buyer cannot change them
// once committed.
func NewSeedChain(rounds uint32) ([]HexBytes, error) {
	if rounds == 0 {
		return nil, errors.New("seed chain: at least one round")
	}
	chain := make([]HexBytes, rounds+1)
	last := make([]byte, market.HashSize)
	if _, err := rand.Read(last); err != nil {
		return nil, err
	}
	chain[rounds] = last
	for k := rounds; k > 0; k-- {
		h := market.SeedHash(chain[k])
		chain[k-1] = h[:]
	}
	return chain, nil
}

// state returns the local state of order id: from StateDir, or from
// memory without one.
func (b *Buyer) state(id uint64) (*State, error) {
	if b.StateDir != "" {
		return LoadState(b.StateDir, id)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if s, ok := b.mem[id]; ok {
		return s.clone(), nil
	}
	return &State{OrderID: id}, nil
}

// saveState keeps s: in StateDir, or in memory without one.
func (b *Buyer) saveState(s *State) error {
	if b.StateDir != "" {
		return SaveState(b.StateDir, s)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.mem == nil {
		b.mem = map[uint64]*State{}
	}
	b.mem[s.OrderID] = s.clone()
	return nil
}

// updateState applies f to the state of order id and keeps it.
func (b *Buyer) updateState(id uint64, f func(*State)) error {
	s, err := b.state(id)
	if err != nil {
		return err
	}
	f(s)
	return b.saveState(s)
}

// forget removes the local state of order id, once the order needs
// nothing of it any more.
func (b *Buyer) forget(id uint64) {
	if b.StateDir != "" {
		os.Remove(StatePath(b.StateDir, id))
		return
	}
	b.mu.Lock()
	delete(b.mem, id)
	b.mu.Unlock()
}
