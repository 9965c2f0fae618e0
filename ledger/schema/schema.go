// Package schema lists what the ledger says to the world, module by
// module: every result code a transaction or a query can carry (Codes,
// Code), and every event type it emits (Events), for clients and indexers
// that match a result against the modules' errors and decode a block's
// events into the modules' own structs.
//
//	if c, ok := schema.Code(res.Codespace, res.Code); ok && c == market.ErrWindowClosed { … }
//
//	reg := schema.Events()
//	e, err := reg.Decode(ev) // ev: an event of a transaction or a block
//	switch e := e.(type) {
//	case bank.EventTransfer:
//		fmt.Println(e.From, "sent", e.Amount, "ucell to", e.To)
//	}
package schema

import (
	"fmt"

	"github.com/celltonomy/celltonomy/ledger/auth"
	"github.com/celltonomy/celltonomy/ledger/bank"
	"github.com/celltonomy/celltonomy/ledger/codes"
	"github.com/celltonomy/celltonomy/ledger/distribution"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/gov"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/mint"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/ledger/staking"
	"github.com/celltonomy/celltonomy/ledger/tx"
)

// Events returns the registry of every event type the ledger emits, in
// transaction results and in block results: those of auth, bank,
// mint, staking, registry, reputation, market and gov.
func Events() *event.Registry {
	var all []event.Typed
	for _, evs := range [][]event.Typed{auth.Events(), bank.Events(), mint.Events(), staking.Events(),
		registry.Events(), reputation.Events(), market.Events(),
		distribution.Events(), gov.Events()} {
		all = append(all, evs...)
	}
	r, err := event.NewRegistry(all...)
	if err != nil {
		panic(fmt.Sprintf("schema: %v", err)) // the ledger's tests build it
	}
	return r
}

// Codes returns every code a TxResult or a Query error can carry, by
// codespace (tx, auth, bank, staking, registry, reputation, market, app),
// then number. Code 0 means success in every codespace. A client names
// the code of a result with Code.
//
//	codespace  code  name
//	tx         1     tx too large                (bigger than tx.MaxTxBytes)
//	tx         2     undecodable tx              (not protobuf, or not canonical)
//	tx         3     wrong chain id
//	tx         4     no messages
//	tx         5     too many messages           (max_msgs_per_tx)
//	tx         6     memo too long               (max_memo_bytes)
//	tx         7     unknown message type        (empty oneof, or a field Msg does not know)
//	tx         8     unknown field               (anywhere else in Tx or TxBody)
//	tx         9     invalid public key          (not 32 bytes)
//	tx         10    bad signature
//	auth       1     wrong sequence              (reused or skipped: "expected N, got M")
//	auth       2     fee too low                 (min_fee)
//	bank       1     invalid amount              (zero)
//	bank       2     insufficient funds          (fee or amount above the balance)
//	bank       3     invalid address             (not 20 bytes)
//	bank       4     amount overflow             (above 2^64-1 ucell)
//	bank       5     recipient is a module account
//	staking    1     invalid consensus key       (not 32 bytes)
//	staking    2     validator key already in use
//	staking    3     validator already exists
//	staking    4     self-bond too low           (min_self_bond)
//	staking    5     no such validator
//	staking    6     not the validator's operator
//	staking    7     invalid amount              (zero, or overflow)
//	staking    8     insufficient bonded stake
//	staking    9     invalid moniker
//	staking    10    validator jailed
//	staking    11    invalid address             (not 20 bytes)
//	registry   1     invalid name                (profile name: 1 to 64 bytes, no control characters)
//	registry   2     invalid role                (unknown, or listed twice)
//	registry   3     invalid contact             (over 256 bytes, or control characters)
//	registry   4     invalid node key            (not 32 bytes)
//	registry   5     invalid url                 (not http(s)://host…, or over 256 bytes)
//	registry   6     invalid architecture        (not in spec.Architectures, twice, or none and no BotSpec)
//	registry   7     invalid botspec hash        (not 32 bytes, twice, or too many)
//	registry   8     invalid capacity            (zero)
//	registry   9     node key in use             (by another operator)
//	registry   10    no such node
//	registry   11    not the node's operator
//	registry   12    invalid envelope            (undecodable, spec.ValidateEnvelopeFields, or unsigned)
//	registry   13    bad author signature        (key not 32 bytes, or signature does not verify)
//	registry   14    not the package's author    (author is not the key's address, or not the signer)
//	registry   15    package already registered
//	registry   16    unknown skill
//	registry   17    no such parent
//	registry   18    package version hijack      (parent of another name or author)
//	registry   19    package name taken          (by another author)
//	registry   20    invalid spec size           (zero)
//	registry   21    too many blob locations     (over 16)
//	registry   22    no such package
//	registry   23    invalid price               (zero)
//	registry   24    invalid lead time           (zero)
//	registry   25    not a vendor                (no profile with the vendor role)
//	registry   26    no such offering
//	registry   27    invalid package id          (not 32 bytes)
//	registry   28    bad node key signature
//	registry   29    royalty too high            (max_royalty_bps)
//	registry   30    node not usable             (an offering's node: not an active node of the vendor)
//	registry   31    stake too low               (an offering's stake)
//	registry   32    no blob location            (a package names none)
//	registry   33-35 price lists                 (see package registry)
//	registry   36    offering botspec does not fit (a protocol offering without one its node announced, or a compute offering with one)
//	reputation 1     invalid skill name
//	reputation 2     unknown skill
//	reputation 3     skill already exists
//	reputation 4     invalid rating              (stars above 5)
//	reputation 5     invalid amount              (miner stake or unstake of 0, or overflow)
//	reputation 6     miner stake too low         (min_miner_stake)
//	reputation 7     no such miner
//	reputation 8     insufficient miner stake
//	reputation 9     miner has a pending submission
//	reputation 10    invalid submission          (root or jrh not 32 bytes)
//	reputation 11    not the mining cycle        (none, its claims challenged, or another cycle)
//	reputation 12    outside the mining window
//	reputation 13    invalid entry index         (0, or above stake / min_miner_stake)
//	reputation 14    entry index used            (once per miner and cycle)
//	reputation 15    too many submissions of this hash   (12)
//	reputation 16    submission not eligible yet (eligibility hash not below the target)
//	reputation 17    invalid reputation proof    (malformed, another key, or does not verify)
//	reputation 18    no accepted reputation root
//	reputation 19    no challenge                (the cycle is not challenged; a bye)
//	reputation 20    no such claim               (unknown, or lost already)
//	reputation 21    wrong challenge step        (another step awaited; the other side's step)
//	reputation 22    step answered already
//	reputation 23    challenge deadline passed
//	reputation 24    invalid justification proof (wrong leaf, JRH or tree size)
//	reputation 25    bad binary search step      (children do not hash to the node)
//	reputation 26    invalid witness             (malformed, or does not prove what the step needs)
//	reputation 27    wrong log entry             (does not hold the disputed update)
//	reputation 28    wrong transition            (the update does not land on the claim's leaf)
//	reputation 29    invalidated claim           (lost a challenge of this cycle)
//	reputation 30    miner staked too briefly    (miner_min_staked_cycles)
//	reputation 31    reputation mining in recovery mode  (submissions, answers; entering twice)
//	reputation 32    not in recovery mode        (an edit or exit approval outside it)
//	reputation 33    not a recovery address
//	reputation 34    invalid recovery addresses  (not bech32, twice, over 32, none in recovery mode)
//	reputation 35    governance only             (set_recovery_addresses sent directly: it is a proposal message)
//	reputation 36    cycle not frozen            (a recovery root for the open cycle or later)
//	reputation 37    exit approved already       (since the latest edit)
//	reputation 38    approval of a stale state   (an exit approval naming an edit count not current)
//	market     1     invalid hash                (a root, head, commitment, salt, id not 32 bytes)
//	market     2     invalid order parameters    (over 32, key 1–64 bytes, value ≤256, sorted, unique)
//	market     3     invalid price               (zero, or a bid above the max price)
//	market     4     stake too low               (min_po_stake; bid_stake_ratio_bps of the price)
//	market     5     invalid window              (zero, or above its max param)
//	market     6     invalid replication         (not 1)
//	market     7     amount overflows
//	market     8     no such package
//	market     9     package kind cannot be ordered
//	market     10    no such order
//	market     11    wrong order state
//	market     12    not the order's buyer
//	market     13    window closed               (bid, delivery, close or reveal too late)
//	market     14    self-dealing                (buyer bids on its order, buys its own offering)
//	market     15    bid exists                  (one bid per provider per order)
//	market     16    no such bid
//	market     17    node not usable             (not the signer's, or expired)
//	market     18    node does not fit the package
//	market     19    not the contract's provider
//	market     20    wrong completion code
//	market     21    invalid completion code     (not 16 to 64 bytes)
//	market     22    invalid rating              (stars above 5)
//	market     23    rating does not match its commitment
//	market     24    cannot reveal               (not a side, no commitment, or revealed)
//	market     25    no such offering
//	market     26    invalid address             (vendor not 20 bytes)
//	market     27-36 verifiers, disputes, litigation, excluded providers (see package market)
//	market     37    provider reputation too low (min_provider_reputation not proven)
//	market     38-47 domain votes, run results, offerings, input receipts, seeds (see package market)
//	market     48    botspec does not fit the package (a protocol bid without botspec_id, or a compute bid with one)
//	market     49    botspec not announced by the node
//	market     50    invalid verdict             (a compute reveal without a root, a protocol reveal without a verdict)
//	gov        1     invalid proposal            (title, description, message count, a message not set)
//	gov        2     invalid param change        (no such param, a value that does not parse, params refused)
//	gov        3     invalid amount
//	gov        4     invalid address
//	gov        5     no such proposal
//	gov        6     wrong proposal status       (outside the deposit or voting period)
//	gov        7     invalid vote option
//	gov        8     not the proposer
//	gov        9     no reputation               (a vote's proof proves 0)
//	app        1     unknown query path
//	app        2     invalid query data
//	app        3     not found
//	app        4     chain not initialized
//	app        5     internal error
//	app        6     height not available        (a query's height not committed, or not stored)
func Codes() []codes.Code {
	var all []codes.Code
	for _, cs := range [][]codes.Code{tx.Codes(), auth.Codes(), bank.Codes(), staking.Codes(), registry.Codes(),
		reputation.Codes(), market.Codes(), query.Codes(),
		distribution.Codes(), gov.Codes()} {
		all = append(all, cs...)
	}
	return all
}

// Code returns the code number of codespace names, and false for a code
// this build of the ledger does not know (a newer chain's).
func Code(codespace string, number uint32) (codes.Code, bool) {
	for _, c := range Codes() {
		if c.Codespace == codespace && c.Number == number {
			return c, true
		}
	}
	return codes.Code{}, false
}
