package market

import (
	"bytes"
	"fmt"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/internal/codec"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// dueHeight returns the height at which the block hook visits o, and
// false if it never will again.
func dueHeight(o *ledgerpb.Order) (int64, bool) {
	switch o.State {
	case ledgerpb.OrderState_ORDER_STATE_OPEN:
		return o.BidDeadline, true
	case ledgerpb.OrderState_ORDER_STATE_AWARDED:
		return awardedDue(o.Contract), true
	case ledgerpb.OrderState_ORDER_STATE_DELIVERED:
		return o.Delivery.ConfirmDeadline, true
	case ledgerpb.OrderState_ORDER_STATE_CLOSED:
		return o.Ratings.RevealDeadline, !o.Ratings.Final
	case ledgerpb.OrderState_ORDER_STATE_DISPUTED:
		return disputeDue(o.Dispute), true
	}
	return 0, false
}

// CheckInvariants returns an error if the market's books disagree
// (market.md: "Invariants"):
//
//   - the escrow module account holds exactly Σ Held over the orders, so
//     every ucell in escrow belongs to one order, and a closed, cancelled,
//     expired or failed order holds nothing;
//   - bids exist only on OPEN orders; an order has a contract exactly when
//     it was awarded, and one provider index entry, the contract's
//     provider's, so no order has two contracts;
//   - the module account "verifiers" holds exactly Σ verifier stakes and
//     "credit" exactly Σ store credit, so that total supply = Σ balances
//   - Σ escrow + Σ stakes + treasury + Σ credit (market.md); each
//     verifier counts the open disputes that drew it;
//   - an open protocol dispute draws no verifier and holds at most
//     MaxDomainVoters well-formed votes, one per voter, none by a party;
//   - every order is stored under its id (below the next id), indexed
//     under its buyer and its state, and due exactly once at the height
//     of its next deadline if it has one; every index and due entry names
//     such an order.
func (k Keeper) CheckInvariants(st store.KVStore) error {
	next := k.nextID(st)
	var held uint64
	orders, contracts, due := 0, 0, 0
	it := st.Iterator(OrderPrefix(), store.PrefixEnd(OrderPrefix()))
	for ; it.Valid(); it.Next() {
		o := &ledgerpb.Order{}
		codec.MustUnmarshal(it.Value(), o)
		orders++
		bids := k.Bids(st, o.Id)
		awarded := o.State == ledgerpb.OrderState_ORDER_STATE_AWARDED || o.State == ledgerpb.OrderState_ORDER_STATE_DELIVERED ||
			o.State == ledgerpb.OrderState_ORDER_STATE_CLOSED || o.State == ledgerpb.OrderState_ORDER_STATE_FAILED ||
			o.State == ledgerpb.OrderState_ORDER_STATE_DISPUTED || o.State == ledgerpb.OrderState_ORDER_STATE_RESOLVED
		switch {
		case !bytes.Equal(it.Key(), OrderKey(o.Id)) || o.Id == 0 || o.Id >= next:
			return fmt.Errorf("market: invariant: order %d stored under key %x (next id %d)", o.Id, it.Key(), next)
		case !st.Has(StateKey(o.State, o.Id)):
			return fmt.Errorf("market: invariant: order %d is not indexed under its state %s", o.Id, StateName(o.State))
		case !st.Has(BuyerKey(address.Address(o.Buyer), o.Id)):
			return fmt.Errorf("market: invariant: order %d is not indexed under its buyer", o.Id)
		case len(bids) > 0 && o.State != ledgerpb.OrderState_ORDER_STATE_OPEN:
			return fmt.Errorf("market: invariant: order %d is %s and has %d bids", o.Id, StateName(o.State), len(bids))
		case awarded != (o.Contract != nil):
			return fmt.Errorf("market: invariant: order %d is %s; has a contract: %t", o.Id, StateName(o.State), o.Contract != nil)
		case awarded && !st.Has(ProviderKey(address.Address(o.Contract.Provider), o.Id)):
			return fmt.Errorf("market: invariant: order %d is not indexed under its provider", o.Id)
		}
		if awarded {
			contracts++
		}
		if h, ok := dueHeight(o); ok {
			if !st.Has(DueKey(h, o.Id)) {
				return fmt.Errorf("market: invariant: order %d (%s) is not due at height %d", o.Id, StateName(o.State), h)
			}
			due++
		}
		var ok bool
		if held, ok = add(held, Held(o, bids)); !ok {
			return fmt.Errorf("market: invariant: Σ held overflows at order %d", o.Id)
		}
	}
	it.Close()
	if bal := k.bank.ModuleBalance(st, EscrowAccount); bal != held {
		return fmt.Errorf("market: invariant: escrow holds %d ucell, the orders %d ucell", bal, held)
	}
	for _, c := range []struct {
		name   string
		prefix []byte
		want   int
	}{
		{"state index", StatePrefix(ledgerpb.OrderState_ORDER_STATE_UNSPECIFIED), orders},
		{"buyer index", BuyerPrefix(address.Address{}), orders},
		{"provider index", ProviderPrefix(address.Address{}), contracts},
		{"due index", DueTablePrefix(), due},
	} {
		if n := store.Count(st, c.prefix); n != c.want {
			return fmt.Errorf("market: invariant: %s has %d entries, want %d", c.name, n, c.want)
		}
	}
	it = st.Iterator(BidTablePrefix(), store.PrefixEnd(BidTablePrefix()))
	for ; it.Valid(); it.Next() {
		b := &ledgerpb.Bid{}
		codec.MustUnmarshal(it.Value(), b)
		if !bytes.Equal(it.Key(), BidKey(b.OrderId, address.Address(b.Provider))) || k.Order(st, b.OrderId) == nil {
			it.Close()
			return fmt.Errorf("market: invariant: bid %x names no order", it.Key())
		}
	}
	it.Close()
	if err := k.checkVerifiers(st); err != nil {
		return err
	}
	if err := k.checkDomainVotes(st); err != nil {
		return err
	}
	return k.checkCredit(st)
}

// checkVerifiers checks that the module account "verifiers" holds exactly
// Σ verifier stakes, and that each verifier's open_disputes counts the
// DISPUTED orders that drew it in a round still open (a protocol
// dispute's verifiers are freed when its domain vote opens).
func (k Keeper) checkVerifiers(st store.KVStore) error {
	var staked, total uint64
	var drawnKeys [][]byte
	ids, _ := k.OrderIDs(st, StatePrefix(ledgerpb.OrderState_ORDER_STATE_DISPUTED), 0, -1)
	for _, id := range ids {
		d := k.Order(st, id).Dispute
		if domainVoting(d) {
			continue
		}
		for _, dv := range d.Verifiers {
			drawnKeys = append(drawnKeys, dv.NodeKey)
		}
	}
	it := st.Iterator(VerifierPrefix(), store.PrefixEnd(VerifierPrefix()))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		v := &ledgerpb.Verifier{}
		codec.MustUnmarshal(it.Value(), v)
		if !bytes.Equal(it.Key(), VerifierKey(v.NodeKey)) {
			return fmt.Errorf("market: invariant: verifier %x stored under key %x", v.NodeKey, it.Key())
		}
		var ok bool
		if staked, ok = add(staked, v.Stake); !ok {
			return fmt.Errorf("market: invariant: Σ verifier stakes overflows")
		}
		drawn := uint32(0)
		for _, nk := range drawnKeys {
			if bytes.Equal(nk, v.NodeKey) {
				drawn++
			}
		}
		total += uint64(drawn)
		if drawn != v.OpenDisputes {
			return fmt.Errorf("market: invariant: verifier %x counts %d open disputes, is drawn in %d", v.NodeKey, v.OpenDisputes, drawn)
		}
	}
	if len(drawnKeys) != int(total) {
		return fmt.Errorf("market: invariant: %d verifiers drawn in open disputes, the verifiers count %d", len(drawnKeys), total)
	}
	if bal := k.bank.ModuleBalance(st, VerifierAccount); bal != staked {
		return fmt.Errorf("market: invariant: verifiers holds %d ucell, the verifiers' stakes %d ucell", bal, staked)
	}
	return nil
}

// checkCredit checks that the module account "credit" holds exactly
// Σ store credit, and that no credit is stored as 0.
func (k Keeper) checkCredit(st store.KVStore) error {
	var credit uint64
	it := st.Iterator(CreditPrefix(), store.PrefixEnd(CreditPrefix()))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		v, err := store.ParseUint64(it.Value())
		if err != nil || v == 0 || len(it.Key()) != len(CreditPrefix())+address.Size {
			return fmt.Errorf("market: invariant: credit entry %x = %x", it.Key(), it.Value())
		}
		var ok bool
		if credit, ok = add(credit, v); !ok {
			return fmt.Errorf("market: invariant: Σ credit overflows")
		}
	}
	if bal := k.bank.ModuleBalance(st, CreditAccount); bal != credit {
		return fmt.Errorf("market: invariant: credit holds %d ucell, the accounts' credit %d ucell", bal, credit)
	}
	return nil
}

// checkDomainVotes checks the votes of every open protocol dispute: none
// before its domain vote opened, then at most MaxDomainVoters votes, one
// per voter, none by the buyer or the provider, a 32-byte commitment
// each, and a weight exactly when the vote is revealed.
func (k Keeper) checkDomainVotes(st store.KVStore) error {
	ids, _ := k.OrderIDs(st, StatePrefix(ledgerpb.OrderState_ORDER_STATE_DISPUTED), 0, -1)
	for _, id := range ids {
		o := k.Order(st, id)
		d := o.Dispute
		if !isProtocol(d) {
			if len(d.Votes) != 0 {
				return fmt.Errorf("market: invariant: compute dispute of order %d has domain votes", id)
			}
			continue
		}
		if (!domainVoting(d) && len(d.Votes) != 0) || len(d.Votes) > MaxDomainVoters {
			return fmt.Errorf("market: invariant: protocol dispute of order %d has %d votes (domain vote opened at height %d)", id, len(d.Votes), d.DomainVoteHeight)
		}
		for i, v := range d.Votes {
			revealed := v.Vote != ledgerpb.DomainVoteChoice_DOMAIN_VOTE_CHOICE_UNSPECIFIED
			switch {
			case len(v.Voter) != address.Size || len(v.Commitment) != HashSize || revealed != (len(v.Weight) == 32) || v.Stake == 0:
				return fmt.Errorf("market: invariant: order %d: malformed domain vote %d", id, i)
			case bytes.Equal(v.Voter, o.Buyer) || bytes.Equal(v.Voter, o.Contract.GetProvider()):
				return fmt.Errorf("market: invariant: order %d: a party votes", id)
			}
			for _, w := range d.Votes[:i] {
				if bytes.Equal(w.Voter, v.Voter) {
					return fmt.Errorf("market: invariant: order %d: %x votes twice", id, v.Voter)
				}
			}
		}
	}
	return nil
}
