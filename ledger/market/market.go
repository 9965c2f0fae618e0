package market

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/big"
	"math/bits"
	"slices"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/internal/codec"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/ledger/store"
	"github.com/celltonomy/celltonomy/spec"
)

// EscrowAccount is the name of the module account that holds what the
// orders hold: max prices, prices, PO stakes and bid stakes.
const EscrowAccount = "escrow"

// Limits and sizes of the market's fields.
const (
	// HashSize is the size of every root, head, commitment and salt.
	HashSize = 32
	// MaxParams bounds the parameters of an order.
	MaxParams = 32
	// MaxParamKeyBytes bounds a parameter's key (at least 1 byte).
	MaxParamKeyBytes = 64
	// MaxParamValueBytes bounds a parameter's value.
	MaxParamValueBytes = 256
	// MinCompletionCodeBytes and MaxCompletionCodeBytes bound a
	// completion code.
	MinCompletionCodeBytes = 16
	MaxCompletionCodeBytes = 64
	// MaxStars is the highest rating.
	MaxStars = reputation.MaxStars
	// NoRevealPenaltyDivisor: a side that does not reveal its rating loses
	// price / NoRevealPenaltyDivisor of the reputation it earns.
	NoRevealPenaltyDivisor = 20
)

// Bank is what the market needs of the bank module.
type Bank interface {
	MoveToModule(st store.KVStore, ev *event.Log, from address.Address, module string, amount uint64) error
	MoveFromModule(st store.KVStore, ev *event.Log, module string, to address.Address, amount uint64) error
	MoveBetweenModules(st store.KVStore, ev *event.Log, from, to string, amount uint64) error
	ModuleBalance(st store.KVStore, name string) uint64
}

// Registry is what the market needs of the registry module.
type Registry interface {
	Package(st store.KVStore, id []byte) *ledgerpb.Package
	Node(st store.KVStore, nodeKey []byte) *ledgerpb.Node
	Active(st store.KVStore, p *ledgerpb.Params, nodeKey []byte, height int64) bool
	Offering(st store.KVStore, vendor address.Address, packageID []byte) *ledgerpb.Offering
	// SharesNode reports whether accounts a and b are linked through a
	// node key (registry.Keeper.SharesNode).
	SharesNode(st store.KVStore, a, b address.Address, nodeKey []byte) bool
}

// Reputation is what the market needs of the reputation module.
type Reputation interface {
	SkillID(st store.KVStore, path string) (uint64, bool)
	Append(st store.KVStore, ev *event.Log, colony, user address.Address, skill uint64, amount *big.Int) (bool, error)
	// ProvenReputation checks a reputation proof of user in skill of
	// colony against the accepted reputation root and returns the
	// proven reputation (reputation.Keeper.ProvenReputation).
	ProvenReputation(st store.KVStore, op, field string, p *ledgerpb.ReputationProof, colony, user address.Address, skill uint64) (*big.Int, error)
}

// Keeper is the market module; it holds only configuration.
type Keeper struct {
	bank       Bank
	registry   Registry
	reputation Reputation
	treasury   string
	colony     address.Address
	buyerSkill string
	fees       FeeCollector
}

// FeeCollector charges the network fee of a payout (ledger/mint's
// CollectModuleFee: burned, to the validators' rewards and to the treasury by
// fee_burn_bps and fee_validator_bps). Whitepaper: "Tokenomics (mint,
// spend, burn)".
type FeeCollector interface {
	// CollectModuleFee takes amount ucell from the module account module
	// and splits it; the module holds at least amount.
	CollectModuleFee(st store.KVStore, ev *event.Log, p *ledgerpb.Params, module string, amount uint64) error
}

// WithFees returns the market with the network fee of every payout
// collected by f instead of moved whole to the treasury.
func (k Keeper) WithFees(f FeeCollector) Keeper {
	k.fees = f
	return k
}

// New returns the market over bank (which must know EscrowAccount,
// VerifierAccount, CreditAccount and the treasury module account), the registry and the reputation log. Fees and
// slashed stakes go to the module account treasury; reputation is
// appended in colony, the buyer's in the skill buyerSkill.
func New(bank Bank, registry Registry, reputation Reputation, treasury string, colony address.Address, buyerSkill string) Keeper {
	return Keeper{bank: bank, registry: registry, reputation: reputation, treasury: treasury, colony: colony, buyerSkill: buyerSkill}
}

// Order returns the order with the id, or nil.
func (k Keeper) Order(st store.KVStore, id uint64) *ledgerpb.Order {
	b := st.Get(OrderKey(id))
	if b == nil {
		return nil
	}
	o := &ledgerpb.Order{}
	codec.MustUnmarshal(b, o)
	return o
}

// Bids returns the bids on an order, ordered by provider.
func (k Keeper) Bids(st store.KVStore, id uint64) []*ledgerpb.Bid {
	prefix := BidPrefix(id)
	var out []*ledgerpb.Bid
	it := st.Iterator(prefix, store.PrefixEnd(prefix))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		b := &ledgerpb.Bid{}
		codec.MustUnmarshal(it.Value(), b)
		out = append(out, b)
	}
	return out
}

// OrderIDs returns up to limit ids >= start under an index prefix
// (BuyerPrefix, ProviderPrefix, StatePrefix), in id order, and the next id
// after them (0 if none).
func (k Keeper) OrderIDs(st store.KVStore, prefix []byte, start uint64, limit int) ([]uint64, uint64) {
	var ids []uint64
	it := st.Iterator(store.Key(prefix, store.Uint64(start)), store.PrefixEnd(prefix))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		id, err := store.ParseUint64(it.Key()[len(it.Key())-8:])
		if err != nil {
			panic(fmt.Sprintf("market: corrupt index key %x", it.Key()))
		}
		if len(ids) == limit {
			return ids, id
		}
		ids = append(ids, id)
	}
	return ids, 0
}

// BidHash returns the tie-breaker of a bid (market.md: "Award"):
// sha256(order id (8, big-endian) ‖ provider (20) ‖ price (8, big-endian)
// ‖ node key (32)).
func BidHash(id uint64, provider address.Address, price uint64, nodeKey []byte) [32]byte {
	return sha256.Sum256(store.Key(store.Uint64(id), provider[:], store.Uint64(price), nodeKey))
}

// CompletionCommitment returns sha256(order id (8, big-endian) ‖ code),
// which a provider posts in MsgDeliver.
func CompletionCommitment(id uint64, code []byte) [32]byte {
	return sha256.Sum256(store.Key(store.Uint64(id), code))
}

// RatingCommitment returns sha256(order id (8, big-endian) ‖ stars (1
// byte) ‖ salt (32)), the commitment to a rating.
func RatingCommitment(id uint64, stars uint8, salt []byte) [32]byte {
	return sha256.Sum256(store.Key(store.Uint64(id), []byte{stars}, salt))
}

// RequiredBidStake returns the smallest bid stake the chain accepts for a
// price, in ucell: max(min_bid_stake, MinBidStake(price,
// bid_stake_ratio_bps)). The absolute floor makes a dust bid that wins
// and never delivers cost real stake (market hardening: a 1-ucell bid won
// every award).
func RequiredBidStake(price uint64, p *ledgerpb.Params) uint64 {
	return max(p.MinBidStake, MinBidStake(price, p.BidStakeRatioBps))
}

// MinBidStake returns the stake proportional to a price:
// ceil(ratio_bps × price / 10000). RequiredBidStake adds the absolute
// floor.
func MinBidStake(price uint64, ratioBps uint32) uint64 {
	hi, lo := bits.Mul64(price, uint64(ratioBps))
	lo, c := bits.Add64(lo, 9_999, 0)
	hi += c
	q, _ := bits.Div64(hi, lo, 10_000) // ratio <= 10000: q <= price
	return q
}

// share returns floor(amount × bps / 10000); bps <= 10000.
func share(amount uint64, bps uint32) uint64 {
	hi, lo := bits.Mul64(amount, uint64(bps))
	q, _ := bits.Div64(hi, lo, 10_000)
	return q
}

func add(a, b uint64) (uint64, bool) {
	s, c := bits.Add64(a, b, 0)
	return s, c == 0
}

// Held returns what an order holds in escrow, in ucell: max price + PO
// stake + the bid stakes while OPEN; price + PO stake + bid stake (or
// vendor stake) while AWARDED or DELIVERED, plus the dispute stake and the
// domain votes' stakes while DISPUTED; what litigation froze while
// RESOLVED; nothing in any other state.
func Held(o *ledgerpb.Order, bids []*ledgerpb.Bid) uint64 {
	switch o.State {
	case ledgerpb.OrderState_ORDER_STATE_OPEN:
		v := o.MaxPrice + o.PoStake
		for _, b := range bids {
			v += b.Stake
		}
		return v
	case ledgerpb.OrderState_ORDER_STATE_AWARDED, ledgerpb.OrderState_ORDER_STATE_DELIVERED:
		c := o.Contract
		return c.Price + o.PoStake + c.BidStake
	case ledgerpb.OrderState_ORDER_STATE_DISPUTED:
		c := o.Contract
		v := c.Price + o.PoStake + c.BidStake + o.Dispute.Stake
		for _, dv := range o.Dispute.Votes {
			v += dv.Stake
		}
		return v
	case ledgerpb.OrderState_ORDER_STATE_RESOLVED:
		return o.Dispute.Frozen
	}
	return 0
}

func checkHash(op, field string, b []byte) error {
	if len(b) != HashSize {
		return ErrInvalidHash.Errorf("%s: %s: must be %d bytes, got %d", op, field, HashSize, len(b))
	}
	return nil
}

func checkParams(op string, ps []*ledgerpb.OrderParam) error {
	if len(ps) > MaxParams {
		return ErrInvalidParams.Errorf("%s: params: %d: at most %d", op, len(ps), MaxParams)
	}
	for i, p := range ps {
		if len(p.Key) < 1 || len(p.Key) > MaxParamKeyBytes {
			return ErrInvalidParams.Errorf("%s: params[%d].key: %d bytes: must be 1 to %d", op, i, len(p.Key), MaxParamKeyBytes)
		}
		if len(p.Value) > MaxParamValueBytes {
			return ErrInvalidParams.Errorf("%s: params[%d].value: %d bytes: at most %d", op, i, len(p.Value), MaxParamValueBytes)
		}
		if i > 0 && ps[i-1].Key >= p.Key {
			return ErrInvalidParams.Errorf("%s: params[%d].key %q: keys must be sorted and unique", op, i, p.Key)
		}
	}
	return nil
}

func checkWindow(op, field string, v, max uint64) error {
	if v < 1 || v > max {
		return ErrInvalidWindow.Errorf("%s: %s %d: must be 1 to %d blocks", op, field, v, max)
	}
	return nil
}

// ValidateCreateOrder checks a MsgCreateOrder against the params, without
// other state: 32-byte package id and input root (ErrInvalidHash), the
// parameters (ErrInvalidParams), a max price of at least min_price
// (ErrInvalidPrice),
// po_stake >= min_po_stake (ErrStakeTooLow), max price + PO stake within
// uint64 (ErrOverflow), windows of 1 to their max param
// (ErrInvalidWindow), replication 1 (ErrInvalidReplication).
func ValidateCreateOrder(m *ledgerpb.MsgCreateOrder, p *ledgerpb.Params) error {
	const op = "create_order"
	if err := checkHash(op, "package_id", m.PackageId); err != nil {
		return err
	}
	if err := checkHash(op, "input_root", m.InputRoot); err != nil {
		return err
	}
	if err := checkParams(op, m.Params); err != nil {
		return err
	}
	if m.MaxPrice < p.MinPrice {
		return ErrInvalidPrice.Errorf("%s: max_price %d ucell: must be at least min_price %d ucell", op, m.MaxPrice, p.MinPrice)
	}
	if m.PoStake < p.MinPoStake {
		return ErrStakeTooLow.Errorf("%s: po_stake %d ucell: must be at least min_po_stake %d ucell", op, m.PoStake, p.MinPoStake)
	}
	if _, ok := add(m.MaxPrice, m.PoStake); !ok {
		return ErrOverflow.Errorf("%s: max_price %d + po_stake %d overflows", op, m.MaxPrice, m.PoStake)
	}
	if err := checkWindow(op, "bid_window", m.BidWindow, p.MaxBidWindow); err != nil {
		return err
	}
	if err := checkWindow(op, "delivery_window", m.DeliveryWindow, p.MaxDeliveryWindow); err != nil {
		return err
	}
	if err := checkWindow(op, "confirm_window", m.ConfirmWindow, p.MaxConfirmWindow); err != nil {
		return err
	}
	if m.Replication != 1 {
		return ErrInvalidReplication.Errorf("%s: replication %d: must be 1", op, m.Replication)
	}
	return nil
}

func (k Keeper) orderablePackage(st store.KVStore, op string, id []byte) (*ledgerpb.Package, error) {
	pkg := k.registry.Package(st, id)
	if pkg == nil {
		return nil, ErrNoPackage.Errorf("%s: package_id %x: not a registered package", op, id)
	}
	if pkg.Kind != ledgerpb.PackageKind_PACKAGE_KIND_COMPUTE && pkg.Kind != ledgerpb.PackageKind_PACKAGE_KIND_PROTOCOL {
		return nil, ErrPackageKind.Errorf("%s: package_id %x: kind %v: must be compute or protocol", op, id, pkg.Kind)
	}
	return pkg, nil
}

func (k Keeper) nextID(st store.KVStore) uint64 {
	b := st.Get(NextIDKey())
	if b == nil {
		return 1
	}
	id, err := store.ParseUint64(b)
	if err != nil {
		panic(fmt.Sprintf("market: corrupt next id: %v", err))
	}
	return id
}

// write stores o, moving its state index from old (UNSPECIFIED for a new
// order).
func (k Keeper) write(st store.KVStore, o *ledgerpb.Order, old ledgerpb.OrderState, height int64) {
	o.UpdatedHeight = height
	if old != o.State {
		if old != ledgerpb.OrderState_ORDER_STATE_UNSPECIFIED {
			st.Delete(StateKey(old, o.Id))
		}
		st.Set(StateKey(o.State, o.Id), marker)
	}
	st.Set(OrderKey(o.Id), codec.Marshal(o))
}

// CreateOrder executes a MsgCreateOrder signed by the buyer in the block
// at height: ValidateCreateOrder's rules, then the package must be
// registered (ErrNoPackage) and of kind compute or protocol
// (ErrPackageKind), and the buyer must hold max price + PO stake (bank
// codes), which move to escrow; with use_credit, the buyer's store credit
// pays first and its balance only the rest. The order is OPEN until height +
// bid_window. It returns the order's id.
func (k Keeper) CreateOrder(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, buyer address.Address, m *ledgerpb.MsgCreateOrder) (uint64, error) {
	if err := ValidateCreateOrder(m, p); err != nil {
		return 0, err
	}
	pkg, err := k.orderablePackage(st, "create_order", m.PackageId)
	if err != nil {
		return 0, err
	}
	if err := checkServiceOrder("create_order", m, pkg, p); err != nil {
		return 0, err
	}
	total, fromCredit := m.MaxPrice+m.PoStake, uint64(0)
	if m.UseCredit {
		fromCredit = min(k.Credit(st, buyer), total)
	}
	if err := k.bank.MoveToModule(st, ev, buyer, EscrowAccount, total-fromCredit); err != nil {
		return 0, fmt.Errorf("create_order: escrow: %w", err)
	}
	id := k.nextID(st)
	if fromCredit > 0 {
		if err := k.bank.MoveBetweenModules(st, ev, CreditAccount, EscrowAccount, fromCredit); err != nil {
			panic(fmt.Sprintf("market: corrupt state: credit: %v", err))
		}
		bal := k.Credit(st, buyer) - fromCredit
		k.setCredit(st, buyer, bal)
		ev.Emit(EventCreditChanged{OrderID: id, Account: buyer, Spent: fromCredit, Balance: bal})
	}
	o := &ledgerpb.Order{
		Id: id, Buyer: buyer.Bytes(), PackageId: m.PackageId, InputRoot: m.InputRoot, Params: m.Params,
		MaxPrice: m.MaxPrice, PoStake: m.PoStake, BidWindow: m.BidWindow, DeliveryWindow: m.DeliveryWindow,
		ConfirmWindow: m.ConfirmWindow, MinProviderReputation: m.MinProviderReputation, Replication: m.Replication,
		State: ledgerpb.OrderState_ORDER_STATE_OPEN, CreatedHeight: height, BidDeadline: height + int64(m.BidWindow),
		InputBytes: m.InputBytes, ServiceBlocks: m.ServiceBlocks,
	}
	st.Set(NextIDKey(), store.Uint64(id+1))
	k.write(st, o, ledgerpb.OrderState_ORDER_STATE_UNSPECIFIED, height)
	st.Set(BuyerKey(buyer, id), marker)
	st.Set(DueKey(o.BidDeadline, id), marker)
	ev.Emit(EventOrderCreated{OrderID: id, Buyer: buyer, PackageID: m.PackageId, MaxPrice: m.MaxPrice, POStake: m.PoStake, BidDeadline: o.BidDeadline,
		ServiceBlocks: m.ServiceBlocks})
	return id, nil
}

func (k Keeper) order(st store.KVStore, op string, id uint64) (*ledgerpb.Order, error) {
	o := k.Order(st, id)
	if o == nil {
		return nil, ErrNoOrder.Errorf("%s: order %d: no such order", op, id)
	}
	return o, nil
}

func wrongState(op string, o *ledgerpb.Order, want ledgerpb.OrderState) error {
	return ErrWrongState.Errorf("%s: order %d is %s: must be %s", op, o.Id, StateName(o.State), StateName(want))
}

// StateName returns the lowercase name of a state ("open", …).
func StateName(s ledgerpb.OrderState) string {
	switch s {
	case ledgerpb.OrderState_ORDER_STATE_OPEN:
		return "open"
	case ledgerpb.OrderState_ORDER_STATE_AWARDED:
		return "awarded"
	case ledgerpb.OrderState_ORDER_STATE_DELIVERED:
		return "delivered"
	case ledgerpb.OrderState_ORDER_STATE_CLOSED:
		return "closed"
	case ledgerpb.OrderState_ORDER_STATE_DISPUTED:
		return "disputed"
	case ledgerpb.OrderState_ORDER_STATE_RESOLVED:
		return "resolved"
	case ledgerpb.OrderState_ORDER_STATE_EXPIRED:
		return "expired"
	case ledgerpb.OrderState_ORDER_STATE_CANCELLED:
		return "cancelled"
	case ledgerpb.OrderState_ORDER_STATE_FAILED:
		return "failed"
	}
	return ""
}

// ParseState is the inverse of StateName.
func ParseState(s string) (ledgerpb.OrderState, error) {
	for v := ledgerpb.OrderState_ORDER_STATE_OPEN; v <= ledgerpb.OrderState_ORDER_STATE_FAILED; v++ {
		if StateName(v) == s {
			return v, nil
		}
	}
	return 0, fmt.Errorf("unknown order state %q; known: open, awarded, delivered, closed, disputed, resolved, expired, cancelled, failed", s)
}

// refundOpen returns every bid stake and the buyer's max price + PO stake
// of an open order, and deletes its bids and due key.
func (k Keeper) refundOpen(st store.KVStore, ev *event.Log, o *ledgerpb.Order) {
	for _, b := range k.Bids(st, o.Id) {
		provider := address.Address(b.Provider)
		k.mustMove(st, ev, provider, b.Stake)
		st.Delete(BidKey(o.Id, provider))
	}
	k.mustMove(st, ev, address.Address(o.Buyer), o.MaxPrice+o.PoStake)
	st.Delete(DueKey(o.BidDeadline, o.Id))
}

// mustMove pays amount from escrow; escrow always covers what the orders
// hold (CheckInvariants), so a failure is corrupt state.
func (k Keeper) mustMove(st store.KVStore, ev *event.Log, to address.Address, amount uint64) {
	if err := k.bank.MoveFromModule(st, ev, EscrowAccount, to, amount); err != nil {
		panic(fmt.Sprintf("market: corrupt state: escrow: %v", err))
	}
}

// mustCollectNetworkFee charges the network fee of a payout from escrow:
// through the fee collector if there is one, else whole to the treasury.
func (k Keeper) mustCollectNetworkFee(st store.KVStore, ev *event.Log, p *ledgerpb.Params, amount uint64) {
	if k.fees == nil {
		k.mustMoveToTreasury(st, ev, amount)
		return
	}
	if err := k.fees.CollectModuleFee(st, ev, p, EscrowAccount, amount); err != nil {
		panic(fmt.Sprintf("market: corrupt state: escrow: network fee: %v", err))
	}
}

func (k Keeper) mustMoveToTreasury(st store.KVStore, ev *event.Log, amount uint64) {
	if err := k.bank.MoveBetweenModules(st, ev, EscrowAccount, k.treasury, amount); err != nil {
		panic(fmt.Sprintf("market: corrupt state: escrow: %v", err))
	}
}

// ValidateCancelOrder checks a MsgCancelOrder without state: nothing to
// check.
func ValidateCancelOrder(*ledgerpb.MsgCancelOrder) error { return nil }

// CancelOrder executes a MsgCancelOrder: the order must exist (ErrNoOrder),
// be the signer's (ErrNotBuyer) and OPEN (ErrWrongState). It becomes
// CANCELLED; the buyer's escrow and every bid stake are returned.
func (k Keeper) CancelOrder(st store.KVStore, ev *event.Log, height int64, signer address.Address, m *ledgerpb.MsgCancelOrder) error {
	const op = "cancel_order"
	o, err := k.order(st, op, m.OrderId)
	if err != nil {
		return err
	}
	if address.Address(o.Buyer) != signer {
		return ErrNotBuyer.Errorf("%s: order %d: only its buyer %s may cancel it", op, o.Id, address.Address(o.Buyer))
	}
	if o.State != ledgerpb.OrderState_ORDER_STATE_OPEN {
		return wrongState(op, o, ledgerpb.OrderState_ORDER_STATE_OPEN)
	}
	k.refundOpen(st, ev, o)
	o.State = ledgerpb.OrderState_ORDER_STATE_CANCELLED
	k.write(st, o, ledgerpb.OrderState_ORDER_STATE_OPEN, height)
	ev.Emit(EventOrderCancelled{OrderID: o.Id, Buyer: signer})
	return nil
}

// ValidateBid checks a MsgBid without state: a 32-byte node key
// (ErrInvalidHash), a price of at least min_price (ErrInvalidPrice), a
// stake of at least RequiredBidStake(price) (ErrStakeTooLow), price +
// stake within uint64 (ErrOverflow), a botspec_id of 32 bytes or none
// (ErrInvalidHash; Bid decides which the order needs), and a well-formed
// reputation proof if there is one (reputation.ValidateProof).
func ValidateBid(m *ledgerpb.MsgBid, p *ledgerpb.Params) error {
	const op = "bid"
	if err := checkHash(op, "node_key", m.NodeKey); err != nil {
		return err
	}
	if len(m.BotspecId) != 0 {
		if err := checkHash(op, "botspec_id", m.BotspecId); err != nil {
			return err
		}
	}
	if m.Price < p.MinPrice {
		return ErrInvalidPrice.Errorf("%s: price %d ucell: must be at least min_price %d ucell", op, m.Price, p.MinPrice)
	}
	if min := RequiredBidStake(m.Price, p); m.Stake < min {
		return ErrStakeTooLow.Errorf("%s: stake %d ucell: must be at least %d ucell (the larger of min_bid_stake %d and %d bps of price %d)", op, m.Stake, min, p.MinBidStake, p.BidStakeRatioBps, m.Price)
	}
	if _, ok := add(m.Price, m.Stake); !ok {
		return ErrOverflow.Errorf("%s: price %d + stake %d overflows", op, m.Price, m.Stake)
	}
	if m.ReputationProof != nil {
		return reputation.ValidateProof(op, "reputation_proof", m.ReputationProof)
	}
	return nil
}

// Fits reports whether node n can run pkg, as a bid on an order of pkg
// requires (ErrArchitecture): a compute package needs wasm32-wasip1, a
// protocol package at least one BotSpec.
func Fits(n *ledgerpb.Node, pkg *ledgerpb.Package) bool {
	if pkg.Kind == ledgerpb.PackageKind_PACKAGE_KIND_COMPUTE {
		return slices.Contains(n.Architectures, spec.ArchWasm32WASIP1)
	}
	return len(n.BotspecHashes) > 0
}

// Announces reports whether node n announced the BotSpec id.
func Announces(n *ledgerpb.Node, botspecID []byte) bool {
	return slices.ContainsFunc(n.BotspecHashes, func(h []byte) bool { return bytes.Equal(h, botspecID) })
}

// checkBotSpec checks a bid's botspec_id against the package and the
// node: required for a protocol package (ErrBotSpec) and one the node
// announced (ErrBotSpecNotAnnounced), refused for any other kind
// (ErrBotSpec).
func checkBotSpec(op string, o *ledgerpb.Order, pkg *ledgerpb.Package, n *ledgerpb.Node, botspecID []byte) error {
	protocol := pkg.Kind == ledgerpb.PackageKind_PACKAGE_KIND_PROTOCOL
	switch {
	case protocol && len(botspecID) == 0:
		return ErrBotSpec.Errorf("%s: order %d: botspec_id: missing: a bid on an order of a protocol package names the BotSpec of the bot that runs it", op, o.Id)
	case !protocol && len(botspecID) != 0:
		return ErrBotSpec.Errorf("%s: order %d: botspec_id: must be empty on an order of a %v package", op, o.Id, pkg.Kind)
	case protocol && !Announces(n, botspecID):
		return ErrBotSpecNotAnnounced.Errorf("%s: order %d: botspec_id %x: not a BotSpec that node %x announced", op, o.Id, botspecID, n.NodePubkey)
	}
	return nil
}

// Bid executes a MsgBid signed by the provider in the block at height:
// ValidateBid's rules, then the order must exist (ErrNoOrder) and be OPEN
// (ErrWrongState) with height < its bid deadline (ErrWindowClosed); the
// signer is not the buyer (ErrSelfDealing), neither it nor the node is
// excluded from the order by a dispute (ErrProviderExcluded) and it has
// no bid on it
// (ErrBidExists); the node is registered by the signer and active
// (ErrNodeUnusable) and fits the package (ErrArchitecture); price <= max
// price (ErrInvalidPrice). On an order of a protocol package the bid
// names, in botspec_id, one of the BotSpec ids the node announced
// (ErrBotSpec when missing, ErrBotSpecNotAnnounced when not announced);
// on a compute order it names none (ErrBotSpec). A reputation proof, if any, must prove the
// signer's reputation in the package's skill of the network colony
// against the accepted reputation root (reputation.ErrInvalidProof,
// reputation.ErrNoRoot); the proven value is kept in the bid, as
// 32 bytes big-endian, for the award. If the order has a
// min_provider_reputation, a bid without a proof, or whose proof proves
// less, is refused (ErrReputationTooLow). The stake moves to escrow (bank
// codes).
func (k Keeper) Bid(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, signer address.Address, m *ledgerpb.MsgBid) error {
	const op = "bid"
	if err := ValidateBid(m, p); err != nil {
		return err
	}
	o, err := k.order(st, op, m.OrderId)
	if err != nil {
		return err
	}
	switch {
	case o.State != ledgerpb.OrderState_ORDER_STATE_OPEN:
		return wrongState(op, o, ledgerpb.OrderState_ORDER_STATE_OPEN)
	case height >= o.BidDeadline:
		return ErrWindowClosed.Errorf("%s: order %d: the bid window ended at height %d", op, o.Id, o.BidDeadline)
	case address.Address(o.Buyer) == signer:
		return ErrSelfDealing.Errorf("%s: order %d: the buyer cannot bid on its own order", op, o.Id)
	case slices.ContainsFunc(o.ExcludedProviders, func(b []byte) bool { return address.Address(b) == signer }):
		return ErrProviderExcluded.Errorf("%s: order %d: %s lost a dispute on it and may not bid again", op, o.Id, signer)
	case slices.ContainsFunc(o.ExcludedNodeKeys, func(b []byte) bool { return bytes.Equal(b, m.NodeKey) }):
		return ErrProviderExcluded.Errorf("%s: order %d: node %x lost a dispute on it and may not bid again, whoever announces it", op, o.Id, m.NodeKey)
	case st.Has(BidKey(o.Id, signer)):
		return ErrBidExists.Errorf("%s: order %d: %s has a bid already; withdraw it first", op, o.Id, signer)
	case m.Price > o.MaxPrice:
		return ErrInvalidPrice.Errorf("%s: price %d ucell: above the order's max_price %d ucell", op, m.Price, o.MaxPrice)
	}
	n := k.registry.Node(st, m.NodeKey)
	if n == nil || address.Address(n.Operator) != signer || !k.registry.Active(st, p, m.NodeKey, height) {
		return ErrNodeUnusable.Errorf("%s: node_key %x: not an active node of %s", op, m.NodeKey, signer)
	}
	pkg := k.registry.Package(st, o.PackageId)
	if pkg == nil {
		panic(fmt.Sprintf("market: corrupt state: order %d names unregistered package %x", o.Id, o.PackageId))
	}
	if !Fits(n, pkg) {
		return ErrArchitecture.Errorf("%s: node_key %x: cannot run a %v package", op, m.NodeKey, pkg.Kind)
	}
	if err := checkBotSpec(op, o, pkg, n, m.BotspecId); err != nil {
		return err
	}
	var proven *big.Int
	if m.ReputationProof != nil {
		skill, ok := k.reputation.SkillID(st, pkg.Skill)
		if !ok {
			panic(fmt.Sprintf("market: corrupt state: package %x names unknown skill %q", o.PackageId, pkg.Skill))
		}
		if proven, err = k.reputation.ProvenReputation(st, op, "reputation_proof", m.ReputationProof, k.colony, signer, skill); err != nil {
			return err
		}
	}
	if o.MinProviderReputation > 0 {
		min := new(big.Int).SetUint64(o.MinProviderReputation)
		switch {
		case proven == nil:
			return ErrReputationTooLow.Errorf("%s: order %d: min_provider_reputation %d: the bid must carry a reputation proof in skill %q that reaches it", op, o.Id, o.MinProviderReputation, pkg.Skill)
		case proven.Cmp(min) < 0:
			return ErrReputationTooLow.Errorf("%s: order %d: proven reputation %s in skill %q is below the order's min_provider_reputation %d", op, o.Id, proven, pkg.Skill, o.MinProviderReputation)
		}
	}
	if err := k.bank.MoveToModule(st, ev, signer, EscrowAccount, m.Stake); err != nil {
		return fmt.Errorf("%s: stake: %w", op, err)
	}
	st.Set(BidKey(o.Id, signer), codec.Marshal(&ledgerpb.Bid{
		OrderId: o.Id, Provider: signer.Bytes(), NodeKey: m.NodeKey, Price: m.Price, Stake: m.Stake, Height: height,
		Reputation: reputation.EncodeReputation(proven), BotspecId: m.BotspecId,
	}))
	ev.Emit(EventBidPlaced{OrderID: o.Id, Provider: signer, NodeKey: m.NodeKey, Price: m.Price, Stake: m.Stake, BotSpecID: m.BotspecId})
	return nil
}

// ValidateWithdrawBid checks a MsgWithdrawBid without state: nothing to
// check.
func ValidateWithdrawBid(*ledgerpb.MsgWithdrawBid) error { return nil }

// WithdrawBid executes a MsgWithdrawBid: the order must exist
// (ErrNoOrder) and be OPEN (ErrWrongState), and the signer must have a bid
// on it (ErrNoBid), whose stake returns.
func (k Keeper) WithdrawBid(st store.KVStore, ev *event.Log, signer address.Address, m *ledgerpb.MsgWithdrawBid) error {
	const op = "withdraw_bid"
	o, err := k.order(st, op, m.OrderId)
	if err != nil {
		return err
	}
	if o.State != ledgerpb.OrderState_ORDER_STATE_OPEN {
		return wrongState(op, o, ledgerpb.OrderState_ORDER_STATE_OPEN)
	}
	b := st.Get(BidKey(o.Id, signer))
	if b == nil {
		return ErrNoBid.Errorf("%s: order %d: %s has no bid", op, o.Id, signer)
	}
	bid := &ledgerpb.Bid{}
	codec.MustUnmarshal(b, bid)
	k.mustMove(st, ev, signer, bid.Stake)
	st.Delete(BidKey(o.Id, signer))
	ev.Emit(EventBidWithdrawn{OrderID: o.Id, Provider: signer})
	return nil
}

// ValidateDeliver checks a MsgDeliver without state: output root,
// event-log head and both commitments of 32 bytes (ErrInvalidHash), a
// known run result (ErrInvalidResult; unspecified is not accepted from
// new deliveries) and an exit code only with RUN_RESULT_EXITED
// (ErrInvalidResult).
func ValidateDeliver(m *ledgerpb.MsgDeliver) error {
	const op = "deliver"
	for _, f := range []struct {
		name string
		v    []byte
	}{{"output_root", m.OutputRoot}, {"event_log_head", m.EventLogHead},
		{"completion_commitment", m.CompletionCommitment}, {"provider_rating_commitment", m.ProviderRatingCommitment}} {
		if err := checkHash(op, f.name, f.v); err != nil {
			return err
		}
	}
	if m.Result < ledgerpb.RunResult_RUN_RESULT_EXITED || m.Result > ledgerpb.RunResult_RUN_RESULT_STDERR_LIMIT {
		return ErrInvalidResult.Errorf("%s: result %d: want exited (1), trap (2), fuel-limit (3), memory-limit (4), output-limit (5), stdout-limit (6) or stderr-limit (7)", op, m.Result)
	}
	if m.Result != ledgerpb.RunResult_RUN_RESULT_EXITED && m.ExitCode != 0 {
		return ErrInvalidResult.Errorf("%s: exit_code %d: only a run that exited has an exit code (result %s)", op, m.ExitCode, RunResultName(m.Result))
	}
	return nil
}

// Deliver executes a MsgDeliver signed by the provider in the block at
// height: ValidateDeliver's rules, then the order must exist (ErrNoOrder)
// and be AWARDED (ErrWrongState) to the signer (ErrNotProvider), and
// height <= the delivery deadline (ErrWindowClosed). A run that ended in
// an error or a limit is delivered like any other: its output root
// commits to the result, which verifiers re-check. The delivery ends a
// pending report of missing inputs (the inputs came after all). It
// becomes DELIVERED and closes by itself at height + confirm_window
// unless the buyer closes it before.
func (k Keeper) Deliver(st store.KVStore, ev *event.Log, height int64, signer address.Address, m *ledgerpb.MsgDeliver) error {
	const op = "deliver"
	if err := ValidateDeliver(m); err != nil {
		return err
	}
	o, err := k.order(st, op, m.OrderId)
	if err != nil {
		return err
	}
	if o.State != ledgerpb.OrderState_ORDER_STATE_AWARDED {
		return wrongState(op, o, ledgerpb.OrderState_ORDER_STATE_AWARDED)
	}
	c := o.Contract
	if address.Address(c.Provider) != signer {
		return ErrNotProvider.Errorf("%s: order %d: awarded to %s, not %s", op, o.Id, address.Address(c.Provider), signer)
	}
	if height > c.DeliveryDeadline {
		return ErrWindowClosed.Errorf("%s: order %d: the delivery deadline was height %d", op, o.Id, c.DeliveryDeadline)
	}
	if err := checkServiceDelivery(op, o, m, height); err != nil {
		return err
	}
	st.Delete(DueKey(awardedDue(c), o.Id))
	c.MissingInputsDeadline = 0
	o.Delivery = &ledgerpb.Delivery{
		OutputRoot: m.OutputRoot, EventLogHead: m.EventLogHead, CompletionCommitment: m.CompletionCommitment,
		ProviderRatingCommitment: m.ProviderRatingCommitment, Height: height, ConfirmDeadline: height + int64(o.ConfirmWindow),
		Result: m.Result, ExitCode: m.ExitCode,
		ServedBlocks: m.ServedBlocks, Calls: m.Calls, BytesIn: m.BytesIn, BytesOut: m.BytesOut,
	}
	o.State = ledgerpb.OrderState_ORDER_STATE_DELIVERED
	k.write(st, o, ledgerpb.OrderState_ORDER_STATE_AWARDED, height)
	st.Set(DueKey(o.Delivery.ConfirmDeadline, o.Id), marker)
	ev.Emit(EventOrderDelivered{OrderID: o.Id, OutputRoot: m.OutputRoot, EventLogHead: m.EventLogHead, ConfirmDeadline: o.Delivery.ConfirmDeadline,
		Result: RunResultName(m.Result), ExitCode: m.ExitCode, ServedBlocks: m.ServedBlocks, Calls: m.Calls, BytesIn: m.BytesIn, BytesOut: m.BytesOut})
	return nil
}

// awardedDue returns the height of the block hook due for an AWARDED
// contract: the end of the contest window of a pending report of missing
// inputs, else the block after the delivery deadline.
func awardedDue(c *ledgerpb.Contract) int64 {
	if c.MissingInputsDeadline != 0 {
		return c.MissingInputsDeadline
	}
	return c.DeliveryDeadline + 1
}

// ValidateClose checks a MsgClose without state: a completion code of
// MinCompletionCodeBytes to MaxCompletionCodeBytes
// (ErrInvalidCompletionCode), a 32-byte rating commitment
// (ErrInvalidHash).
func ValidateClose(m *ledgerpb.MsgClose) error {
	const op = "close"
	if n := len(m.CompletionCode); n < MinCompletionCodeBytes || n > MaxCompletionCodeBytes {
		return ErrInvalidCompletionCode.Errorf("%s: completion_code: %d bytes: must be %d to %d", op, n, MinCompletionCodeBytes, MaxCompletionCodeBytes)
	}
	return checkHash(op, "buyer_rating_commitment", m.BuyerRatingCommitment)
}

// Close executes a MsgClose signed by the buyer in the block at height:
// ValidateClose's rules, then the order must exist (ErrNoOrder), be the
// signer's (ErrNotBuyer), DELIVERED (ErrWrongState) with height < its
// confirm deadline (ErrWindowClosed), and the completion code must match
// the delivery's commitment (ErrWrongCompletionCode). It becomes CLOSED
// and is paid out (see the package doc); ratings are revealed until
// height + reveal_window_blocks.
func (k Keeper) Close(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, signer address.Address, m *ledgerpb.MsgClose) error {
	const op = "close"
	if err := ValidateClose(m); err != nil {
		return err
	}
	o, err := k.order(st, op, m.OrderId)
	if err != nil {
		return err
	}
	if address.Address(o.Buyer) != signer {
		return ErrNotBuyer.Errorf("%s: order %d: only its buyer %s may close it", op, o.Id, address.Address(o.Buyer))
	}
	if o.State != ledgerpb.OrderState_ORDER_STATE_DELIVERED {
		return wrongState(op, o, ledgerpb.OrderState_ORDER_STATE_DELIVERED)
	}
	if height >= o.Delivery.ConfirmDeadline {
		return ErrWindowClosed.Errorf("%s: order %d: the confirm window ended at height %d", op, o.Id, o.Delivery.ConfirmDeadline)
	}
	if c := CompletionCommitment(o.Id, m.CompletionCode); !bytes.Equal(c[:], o.Delivery.CompletionCommitment) {
		return ErrWrongCompletionCode.Errorf("%s: order %d: completion_code does not match the delivery's commitment", op, o.Id)
	}
	k.close(st, ev, p, height, o, m.BuyerRatingCommitment)
	return nil
}

// payout splits what a provider earns from price (ucell) on the package
// pkg: the network fee (network_fee_bps of the price, rounded down), the
// author's royalty (the package's royalty_bps, capped at max_royalty_bps,
// rounded down, at most what the fee leaves) and the provider's payment,
// the rest.
func payout(price uint64, p *ledgerpb.Params, pkg *ledgerpb.Package) (fee, royalty, payment uint64) {
	fee = share(price, p.NetworkFeeBps)
	royalty = min(share(price, min(pkg.RoyaltyBps, p.MaxRoyaltyBps)), price-fee)
	return fee, royalty, price - fee - royalty
}

// close pays out a DELIVERED order and makes it CLOSED: the provider gets
// price − network fee − royalty and its bid stake back, the treasury the
// fee, the author the royalty, the buyer its PO stake back. A service
// order is charged ServiceCharge(price, served_blocks, service_blocks)
// instead of the price (fee and royalty are taken from the charge), and
// the rest of the price returns to the buyer.
func (k Keeper) close(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, o *ledgerpb.Order, buyerCommitment []byte) {
	pkg := k.mustPackage(st, o)
	c := o.Contract
	charged := c.Price
	if IsServiceOrder(o) {
		charged = ServiceCharge(c.Price, o.Delivery.ServedBlocks, o.ServiceBlocks)
	}
	refund := c.Price - charged
	fee, royalty, payment := payout(charged, p, pkg)
	provider := address.Address(c.Provider)
	k.mustMove(st, ev, provider, payment+c.BidStake)
	k.mustCollectNetworkFee(st, ev, p, fee)
	k.mustMove(st, ev, address.Address(pkg.Author), royalty)
	k.mustMove(st, ev, address.Address(o.Buyer), o.PoStake+refund)
	st.Delete(DueKey(o.Delivery.ConfirmDeadline, o.Id))
	o.Ratings = &ledgerpb.Ratings{
		RevealDeadline:     height + int64(p.RevealWindowBlocks),
		BuyerCommitment:    buyerCommitment,
		ProviderCommitment: o.Delivery.ProviderRatingCommitment,
		Payment:            payment,
	}
	o.State = ledgerpb.OrderState_ORDER_STATE_CLOSED
	k.write(st, o, ledgerpb.OrderState_ORDER_STATE_DELIVERED, height)
	st.Set(DueKey(o.Ratings.RevealDeadline, o.Id), marker)
	ev.Emit(EventOrderClosed{OrderID: o.Id, Auto: buyerCommitment == nil, Payment: payment, NetworkFee: fee, Royalty: royalty,
		RevealDeadline: o.Ratings.RevealDeadline, Refund: refund})
}

// mustPackage returns the registered package of an order; a missing one
// is corrupt state.
func (k Keeper) mustPackage(st store.KVStore, o *ledgerpb.Order) *ledgerpb.Package {
	pkg := k.registry.Package(st, o.PackageId)
	if pkg == nil {
		panic(fmt.Sprintf("market: corrupt state: order %d names unregistered package %x", o.Id, o.PackageId))
	}
	return pkg
}

// skillOf returns the id of a package's skill; a missing one is corrupt
// state (the registry only registers packages of known skills).
func (k Keeper) skillOf(st store.KVStore, pkg *ledgerpb.Package) uint64 {
	id, ok := k.reputation.SkillID(st, pkg.Skill)
	if !ok {
		panic(fmt.Sprintf("market: corrupt state: package %x names unknown skill %q", pkg.PackageId, pkg.Skill))
	}
	return id
}

// ValidateRevealRating checks a MsgRevealRating without state: stars 0 to
// MaxStars (ErrInvalidRating), a 32-byte salt (ErrInvalidHash).
func ValidateRevealRating(m *ledgerpb.MsgRevealRating) error {
	const op = "reveal_rating"
	if m.Stars > MaxStars {
		return ErrInvalidRating.Errorf("%s: stars %d: must be 0 to %d", op, m.Stars, MaxStars)
	}
	return checkHash(op, "salt", m.Salt)
}

// RevealRating executes a MsgRevealRating signed by the buyer or the
// provider in the block at height: ValidateRevealRating's rules, then the
// order must exist (ErrNoOrder) and be CLOSED (ErrWrongState) with
// ratings not final and height < the reveal deadline (ErrWindowClosed);
// the signer is a side with a commitment not yet revealed
// (ErrCannotReveal) that RatingCommitment(order id, stars, salt) matches
// (ErrRatingMismatch).
func (k Keeper) RevealRating(st store.KVStore, ev *event.Log, height int64, signer address.Address, m *ledgerpb.MsgRevealRating) error {
	const op = "reveal_rating"
	if err := ValidateRevealRating(m); err != nil {
		return err
	}
	o, err := k.order(st, op, m.OrderId)
	if err != nil {
		return err
	}
	if o.State != ledgerpb.OrderState_ORDER_STATE_CLOSED {
		return wrongState(op, o, ledgerpb.OrderState_ORDER_STATE_CLOSED)
	}
	r := o.Ratings
	if r.Final || height >= r.RevealDeadline {
		return ErrWindowClosed.Errorf("%s: order %d: the reveal window ended at height %d", op, o.Id, r.RevealDeadline)
	}
	var commitment []byte
	var revealed *bool
	var stars *uint32
	switch signer {
	case address.Address(o.Buyer):
		commitment, revealed, stars = r.BuyerCommitment, &r.BuyerRevealed, &r.BuyerStars
	case address.Address(o.Contract.Provider):
		commitment, revealed, stars = r.ProviderCommitment, &r.ProviderRevealed, &r.ProviderStars
	default:
		return ErrCannotReveal.Errorf("%s: order %d: %s is neither its buyer nor its provider", op, o.Id, signer)
	}
	switch {
	case commitment == nil:
		return ErrCannotReveal.Errorf("%s: order %d: %s committed to no rating", op, o.Id, signer)
	case *revealed:
		return ErrCannotReveal.Errorf("%s: order %d: %s revealed already", op, o.Id, signer)
	}
	if c := RatingCommitment(o.Id, uint8(m.Stars), m.Salt); !bytes.Equal(c[:], commitment) {
		return ErrRatingMismatch.Errorf("%s: order %d: %d stars and this salt do not match the commitment", op, o.Id, m.Stars)
	}
	*revealed, *stars = true, m.Stars
	k.write(st, o, o.State, height)
	ev.Emit(EventRatingRevealed{OrderID: o.Id, Rater: signer, Stars: m.Stars})
	return nil
}

// ValidateBuyOffering checks a MsgBuyOffering against the params without
// other state: a 20-byte vendor (ErrInvalidAddress), 32-byte package id
// and input root (ErrInvalidHash), the parameters (ErrInvalidParams),
// po_stake >= min_po_stake (ErrStakeTooLow), delivery and confirm windows
// of 1 to their max param (ErrInvalidWindow), a max price of at least
// min_price (ErrInvalidPrice).
func ValidateBuyOffering(m *ledgerpb.MsgBuyOffering, p *ledgerpb.Params) error {
	const op = "buy_offering"
	if len(m.Vendor) != address.Size {
		return ErrInvalidAddress.Errorf("%s: vendor: must be %d bytes, got %d", op, address.Size, len(m.Vendor))
	}
	if err := checkHash(op, "package_id", m.PackageId); err != nil {
		return err
	}
	if err := checkHash(op, "input_root", m.InputRoot); err != nil {
		return err
	}
	if err := checkParams(op, m.Params); err != nil {
		return err
	}
	if m.PoStake < p.MinPoStake {
		return ErrStakeTooLow.Errorf("%s: po_stake %d ucell: must be at least min_po_stake %d ucell", op, m.PoStake, p.MinPoStake)
	}
	if err := checkWindow(op, "delivery_window", m.DeliveryWindow, p.MaxDeliveryWindow); err != nil {
		return err
	}
	if err := checkWindow(op, "confirm_window", m.ConfirmWindow, p.MaxConfirmWindow); err != nil {
		return err
	}
	if m.MaxPrice < p.MinPrice {
		return ErrInvalidPrice.Errorf("%s: max_price %d ucell: must be at least min_price %d ucell: name the most you pay", op, m.MaxPrice, p.MinPrice)
	}
	return nil
}

// BuyOffering executes a MsgBuyOffering signed by the buyer in the block
// at height: ValidateBuyOffering's rules, then the vendor is not the
// signer (ErrSelfDealing) and has an offering of the package
// (ErrNoOffering) at a price of at most max_price (ErrPriceAboveMax: the
// vendor may have raised it while the purchase waited), which is
// registered and orderable (ErrNoPackage, ErrPackageKind); the
// offering's node is still an active node of the vendor that fits the
// package (ErrNodeUnusable, ErrArchitecture) and, for a protocol
// package, still announces the offering's BotSpec
// (ErrBotSpecNotAnnounced), which the contract records; price + PO stake within
// uint64 (ErrOverflow) move from the buyer to escrow (bank codes), and
// the offering's vendor stake from the vendor to escrow
// (ErrVendorStake when the vendor cannot pay it). The order is AWARDED
// at once to the vendor's node at the offering's price, with the vendor
// stake as its bid stake; it is then served, failed or disputed exactly
// as an awarded bid. It returns the order's id.
func (k Keeper) BuyOffering(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, buyer address.Address, m *ledgerpb.MsgBuyOffering) (uint64, error) {
	const op = "buy_offering"
	if err := ValidateBuyOffering(m, p); err != nil {
		return 0, err
	}
	vendor := address.Address(m.Vendor)
	if vendor == buyer {
		return 0, ErrSelfDealing.Errorf("%s: %s cannot buy its own offering", op, buyer)
	}
	off := k.registry.Offering(st, vendor, m.PackageId)
	if off == nil {
		return 0, ErrNoOffering.Errorf("%s: %s has no offering of package %x", op, vendor, m.PackageId)
	}
	if off.Price > m.MaxPrice {
		return 0, ErrPriceAboveMax.Errorf("%s: the offering's price is %d ucell, above max_price %d ucell", op, off.Price, m.MaxPrice)
	}
	pkg, err := k.orderablePackage(st, op, m.PackageId)
	if err != nil {
		return 0, err
	}
	if IsServicePackage(pkg) {
		return 0, ErrServiceBlocks.Errorf("%s: package %x is a service package: order it for a duration (create_order with service_blocks)", op, m.PackageId)
	}
	n := k.registry.Node(st, off.NodeKey)
	if n == nil || address.Address(n.Operator) != vendor || !k.registry.Active(st, p, off.NodeKey, height) {
		return 0, ErrNodeUnusable.Errorf("%s: the offering's node %x is not an active node of %s", op, off.NodeKey, vendor)
	}
	if !Fits(n, pkg) {
		return 0, ErrArchitecture.Errorf("%s: the offering's node %x cannot run a %v package", op, off.NodeKey, pkg.Kind)
	}
	if pkg.Kind == ledgerpb.PackageKind_PACKAGE_KIND_PROTOCOL && !Announces(n, off.BotspecId) {
		return 0, ErrBotSpecNotAnnounced.Errorf("%s: the offering's BotSpec %x is no longer one its node %x announces", op, off.BotspecId, off.NodeKey)
	}
	total, ok := add(off.Price, m.PoStake)
	if !ok {
		return 0, ErrOverflow.Errorf("%s: price %d + po_stake %d overflows", op, off.Price, m.PoStake)
	}
	if err := k.bank.MoveToModule(st, ev, buyer, EscrowAccount, total); err != nil {
		return 0, fmt.Errorf("%s: escrow: %w", op, err)
	}
	if err := k.bank.MoveToModule(st, ev, vendor, EscrowAccount, off.Stake); err != nil {
		return 0, ErrVendorStake.Errorf("%s: the vendor %s cannot stake the offering's %d ucell: %v", op, vendor, off.Stake, err)
	}
	id := k.nextID(st)
	deadline := height + int64(m.DeliveryWindow)
	o := &ledgerpb.Order{
		Id: id, Buyer: buyer.Bytes(), PackageId: m.PackageId, InputRoot: m.InputRoot, Params: m.Params,
		MaxPrice: off.Price, PoStake: m.PoStake, DeliveryWindow: m.DeliveryWindow, ConfirmWindow: m.ConfirmWindow,
		Replication: 1, State: ledgerpb.OrderState_ORDER_STATE_AWARDED, CreatedHeight: height, BidDeadline: height,
		Direct: true,
		Contract: &ledgerpb.Contract{Provider: vendor.Bytes(), NodeKey: off.NodeKey, Price: off.Price, BidStake: off.Stake,
			AwardHeight: height, DeliveryDeadline: deadline, InputDeadline: inputDeadline(height, deadline, p), BotspecId: off.BotspecId},
	}
	st.Set(NextIDKey(), store.Uint64(id+1))
	k.write(st, o, ledgerpb.OrderState_ORDER_STATE_UNSPECIFIED, height)
	st.Set(BuyerKey(buyer, id), marker)
	st.Set(ProviderKey(vendor, id), marker)
	st.Set(DueKey(awardedDue(o.Contract), id), marker)
	ev.Emit(EventOrderCreated{OrderID: id, Buyer: buyer, PackageID: m.PackageId, MaxPrice: off.Price, POStake: m.PoStake, BidDeadline: height, Direct: true})
	ev.Emit(EventOrderAwarded{OrderID: id, Provider: vendor, NodeKey: off.NodeKey, Price: off.Price, BidStake: off.Stake,
		DeliveryDeadline: deadline, InputDeadline: o.Contract.InputDeadline, BotSpecID: off.BotspecId})
	return id, nil
}

// inputDeadline returns the input deadline of a contract awarded at
// height with the given delivery deadline: height + input_window_blocks,
// at most the delivery deadline.
func inputDeadline(height, deliveryDeadline int64, p *ledgerpb.Params) int64 {
	return min(height+int64(p.InputWindowBlocks), deliveryDeadline)
}

// BlockHash returns the hash of the block being executed. The market
// calls it only where the hash reaches the state — the draw of a
// dispute round's verifiers (OpenDispute; a compute round redrawn at the
// end of an undecided round, BeginBlock) — so that the caller can tell
// whether a block's execution depended on its hash (ledger/app:
// BlockResult.HashRead).
type BlockHash func() []byte

// KnownHash returns the BlockHash that returns h.
func KnownHash(h []byte) BlockHash { return func() []byte { return h } }

// BeginBlock runs the block hook at height, whose block hash blockHash
// returns (BlockHash): the orders due at heights up to height (DueTablePrefix), in
// (height, id) order and at most max_due_per_block of them, take their
// deadline's transition — award or expire (OPEN), settle a report of
// missing inputs or fail (AWARDED), auto-close (DELIVERED), final ratings
// (CLOSED), the end of a dispute round (DISPUTED). Deadlines beyond the
// cap wait for the next blocks, oldest first: flooding one height costs
// the flooder delay, never the chain a long block, and every transaction
// checks its window by height, so a late transition changes nothing a
// party could do in time. Only the due index is read, never every order.
func (k Keeper) BeginBlock(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, blockHash BlockHash) {
	type due struct {
		at int64
		id uint64
	}
	var dues []due
	table := DueTablePrefix()
	it := st.Iterator(table, DuePrefix(height+1))
	for ; it.Valid() && len(dues) < int(p.MaxDuePerBlock); it.Next() {
		key := it.Key()[len(table):]
		at, err1 := store.ParseUint64(key[:8])
		id, err2 := store.ParseUint64(key[8:])
		if err1 != nil || err2 != nil || len(key) != 16 {
			panic(fmt.Sprintf("market: corrupt due key %x", it.Key()))
		}
		dues = append(dues, due{int64(at), id})
	}
	it.Close()
	for _, d := range dues {
		st.Delete(DueKey(d.at, d.id))
		o := k.Order(st, d.id)
		if o == nil {
			panic(fmt.Sprintf("market: corrupt state: due order %d is missing", d.id))
		}
		switch o.State {
		case ledgerpb.OrderState_ORDER_STATE_OPEN:
			k.award(st, ev, p, height, o)
		case ledgerpb.OrderState_ORDER_STATE_AWARDED:
			k.fail(st, ev, p, height, o)
		case ledgerpb.OrderState_ORDER_STATE_DELIVERED:
			k.close(st, ev, p, height, o, nil)
		case ledgerpb.OrderState_ORDER_STATE_CLOSED:
			k.finalizeRatings(st, ev, height, o)
		case ledgerpb.OrderState_ORDER_STATE_DISPUTED:
			k.endRound(st, ev, p, height, blockHash, o)
		default:
			panic(fmt.Sprintf("market: corrupt state: order %d due while %s", d.id, StateName(o.State)))
		}
	}
}

// award ends the bid window of o (market.md: "Award"): among the bids
// whose node is still the provider's and active (and, on a protocol
// order, still announces the bid's BotSpec), the lowest price wins;
// among equal prices the higher proven reputation (Bid.reputation, 0
// without a proof), then the lower BidHash. Losing and invalid stakes return; the buyer gets
// max price − price back. Without a valid bid the order EXPIRES and
// everything is refunded.
func (k Keeper) award(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, o *ledgerpb.Order) {
	var win *ledgerpb.Bid
	var winHash [32]byte
	var winRep *big.Int
	bids := k.Bids(st, o.Id)
	for _, b := range bids {
		n := k.registry.Node(st, b.NodeKey)
		if n == nil || !bytes.Equal(n.Operator, b.Provider) || !k.registry.Active(st, p, b.NodeKey, height) ||
			(len(b.BotspecId) != 0 && !Announces(n, b.BotspecId)) {
			continue
		}
		h := BidHash(o.Id, address.Address(b.Provider), b.Price, b.NodeKey)
		rep := reputation.DecodeReputation(b.Reputation)
		better := win == nil || b.Price < win.Price
		if !better && b.Price == win.Price {
			c := rep.Cmp(winRep)
			better = c > 0 || (c == 0 && bytes.Compare(h[:], winHash[:]) < 0)
		}
		if better {
			win, winHash, winRep = b, h, rep
		}
	}
	buyer := address.Address(o.Buyer)
	if win == nil {
		k.refundOpen(st, ev, o)
		o.State = ledgerpb.OrderState_ORDER_STATE_EXPIRED
		k.write(st, o, ledgerpb.OrderState_ORDER_STATE_OPEN, height)
		ev.Emit(EventOrderExpired{OrderID: o.Id})
		return
	}
	for _, b := range bids {
		provider := address.Address(b.Provider)
		if b != win {
			k.mustMove(st, ev, provider, b.Stake)
		}
		st.Delete(BidKey(o.Id, provider))
	}
	k.mustMove(st, ev, buyer, o.MaxPrice-win.Price)
	provider := address.Address(win.Provider)
	// A service order runs for service_blocks from the award; its usage
	// receipt is due within the delivery window after that.
	deadline := height + int64(o.ServiceBlocks) + int64(o.DeliveryWindow)
	o.Contract = &ledgerpb.Contract{Provider: win.Provider, NodeKey: win.NodeKey, Price: win.Price, BidStake: win.Stake,
		AwardHeight: height, DeliveryDeadline: deadline, InputDeadline: inputDeadline(height, deadline, p), BotspecId: win.BotspecId}
	o.State = ledgerpb.OrderState_ORDER_STATE_AWARDED
	k.write(st, o, ledgerpb.OrderState_ORDER_STATE_OPEN, height)
	st.Set(ProviderKey(provider, o.Id), marker)
	st.Set(DueKey(awardedDue(o.Contract), o.Id), marker)
	ev.Emit(EventOrderAwarded{OrderID: o.Id, Provider: provider, NodeKey: win.NodeKey, Price: win.Price, BidStake: win.Stake,
		DeliveryDeadline: deadline, InputDeadline: o.Contract.InputDeadline, BotSpecID: win.BotspecId})
}

// fail ends an AWARDED contract that was not delivered, in the hook at
// the block after its delivery deadline or at the end of the contest
// window of a report of missing inputs (market.md: "Fail", as changed by
// the market's hardening; see the package doc, "Why a missed delivery is
// not always the provider's fault"). The buyer always gets price + PO
// stake back. The bid stake goes by who can be blamed:
//
//   - the provider reported the inputs missing and no input receipt was
//     shown (FAIL_REASON_INPUTS_MISSING): nobody can be blamed; the stake
//     returns to the provider; no reputation entry;
//   - the buyer showed the provider's input receipt
//     (FAIL_REASON_NO_DELIVERY_AFTER_RECEIPT): the provider had the inputs
//     and did not deliver; fail_slash_buyer_bps of the stake to the
//     buyer, the rest to the treasury;
//   - neither (FAIL_REASON_NO_DELIVERY): the provider went silent; the
//     whole stake to the treasury, so a buyer gains nothing by never
//     uploading.
//
// In the last two cases the provider loses reputation in the package's
// skill as for a rating of 0 stars on the price (RatingAmount(price, 0) =
// −5 × price / 3; market.md: "Reputation from the market"), a negative
// update that Colony's rules also apply to the skill's children.
func (k Keeper) fail(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, o *ledgerpb.Order) {
	c := o.Contract
	buyer, provider := address.Address(o.Buyer), address.Address(c.Provider)
	var reason ledgerpb.FailReason
	var toBuyer, toTreasury, toProvider uint64
	switch {
	case c.MissingInputsDeadline != 0 && c.InputReceiptHeight == 0:
		reason, toProvider = ledgerpb.FailReason_FAIL_REASON_INPUTS_MISSING, c.BidStake
	case c.InputReceiptHeight != 0:
		reason = ledgerpb.FailReason_FAIL_REASON_NO_DELIVERY_AFTER_RECEIPT
		toBuyer = share(c.BidStake, p.FailSlashBuyerBps)
		toTreasury = c.BidStake - toBuyer
	default:
		reason, toTreasury = ledgerpb.FailReason_FAIL_REASON_NO_DELIVERY, c.BidStake
	}
	k.mustMove(st, ev, buyer, c.Price+o.PoStake+toBuyer)
	k.mustMove(st, ev, provider, toProvider)
	k.mustMoveToTreasury(st, ev, toTreasury)
	c.MissingInputsDeadline = 0
	o.State, o.FailReason = ledgerpb.OrderState_ORDER_STATE_FAILED, reason
	k.write(st, o, ledgerpb.OrderState_ORDER_STATE_AWARDED, height)
	lost := new(big.Int)
	if reason != ledgerpb.FailReason_FAIL_REASON_INPUTS_MISSING {
		pkg := k.mustPackage(st, o)
		lost = reputation.RatingAmount(c.Price, 0)
		if _, err := k.reputation.Append(st, ev, k.colony, provider, k.skillOf(st, pkg), lost); err != nil {
			panic(fmt.Sprintf("market: append reputation: %v", err))
		}
	}
	ev.Emit(EventOrderFailed{OrderID: o.Id, Provider: provider, Reason: FailReasonName(reason), Slashed: toBuyer + toTreasury,
		ToBuyer: toBuyer, ToTreasury: toTreasury, Reputation: lost.String()})
}

// earned returns the reputation a side earns from its counterpart's
// stars on a payment, less payment / NoRevealPenaltyDivisor if it did not
// reveal its own rating.
func earned(payment uint64, stars uint32, revealed bool) *big.Int {
	a := reputation.RatingAmount(payment, uint8(stars))
	if !revealed {
		a.Sub(a, new(big.Int).SetUint64(payment/NoRevealPenaltyDivisor))
	}
	return a
}

// finalizeRatings makes the ratings of a CLOSED order final at its reveal
// deadline and appends them to the reputation log: both sides earn on
// the payment the provider received (price − network fee − royalty), not
// on the price, so a trade between accounts that share the author's
// royalty earns no more than what it paid; and a trade between accounts
// the registry links (registry.Keeper.SharesNode: one ever announced a
// node key the other holds or held) earns nothing, as self-dealing.
func (k Keeper) finalizeRatings(st store.KVStore, ev *event.Log, height int64, o *ledgerpb.Order) {
	r := o.Ratings
	buyerStars, providerStars := uint32(MaxStars), uint32(MaxStars)
	if r.BuyerRevealed {
		buyerStars = r.BuyerStars
	}
	if r.ProviderRevealed {
		providerStars = r.ProviderStars
	}
	buyer, provider := address.Address(o.Buyer), address.Address(o.Contract.Provider)
	linked := k.registry.SharesNode(st, buyer, provider, o.Contract.NodeKey) || k.registry.SharesNode(st, provider, buyer, nil)
	if !linked {
		pkgSkill := k.skillOf(st, k.mustPackage(st, o))
		buyerSkill, ok := k.reputation.SkillID(st, k.buyerSkill)
		if !ok {
			panic(fmt.Sprintf("market: corrupt state: no skill %q", k.buyerSkill))
		}
		if _, err := k.reputation.Append(st, ev, k.colony, provider, pkgSkill, earned(r.Payment, buyerStars, r.ProviderRevealed)); err != nil {
			panic(fmt.Sprintf("market: append reputation: %v", err))
		}
		if _, err := k.reputation.Append(st, ev, k.colony, buyer, buyerSkill, earned(r.Payment, providerStars, r.BuyerRevealed)); err != nil {
			panic(fmt.Sprintf("market: append reputation: %v", err))
		}
	}
	r.Final = true
	k.write(st, o, o.State, height)
	ev.Emit(EventRatingsFinal{OrderID: o.Id, BuyerStars: buyerStars, ProviderStars: providerStars,
		BuyerRevealed: r.BuyerRevealed, ProviderRevealed: r.ProviderRevealed, Reputation: !linked})
}
