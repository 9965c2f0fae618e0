// Package reputation computes Celltonomy's reputation state exactly as the
// Colony Network's reference reputation miner does, byte for byte: the
// same leaves, UIDs, values, reputation root and justification root hash
// (shared/specs/reputation.md; Colony whitepaper §6.3–6.5). The ledger
// keeps the skill tree and the reputation update log; miners replay the
// log with this package and submit what it computes; the challenge
// protocol checks single updates against its proofs.
//
// It is a pure library: no I/O, clocks, randomness, goroutines or floating
// point, and all arithmetic is on integers, every division truncating
// toward zero. The keccak256 Patricia trees are in the sub-package
// patricia.
//
// # Use
//
//  1. Build the skill tree in creation order with SkillTree.Add (parent 0
//     makes a root). A skill knows its NParents, its Ancestors nearest
//     first and its Children: all descendants in creation order.
//  2. Append the cycle's entries with Log.Append (amount 0 and the zero
//     user are skipped; amounts are clamped to [−2^127, 2^127−1]; NUpdates
//     and NPreviousUpdates are set from the skill tree as it stands) or
//     Log.AppendMinerReward.
//  3. Replay the cycle on the previous state (NewState for the first):
//     Replay(prev, skills, DefaultParams(), log) decays every leaf of prev
//     in UID order, then applies each entry's updates (Entry.Updates:
//     colony-wide children, parents, origin; then the user's) and returns
//     the new State, its root and number of leaves, and the
//     Justification tree, whose leaf i is the state before update i. Its
//     root is the JRH a miner submits with the root and nLeaves.
//  4. Prove a user's reputation with State.Prove and check it with Verify;
//     prove a justification leaf with Justification.Prove and check it
//     with patricia.Verify at patricia.IndexPath(i).
//
// Apply is Replay without the justification tree, for when only the new
// state is wanted.
//
// # Values
//
// Reputations are integers in [0, 2^127−1]. A positive amount adds, capped
// at 2^127−1. A negative amount reaches the origin skill, its ancestors and
// its descendants; with O the user's reputation in the origin before the
// entry, an ancestor or the origin loses min(|amount|, O), and a
// descendant c, where the user has v, loses min(trunc(|amount| × v / O),
// v) (nothing when O is 0); colony-wide totals lose what the user loses,
// computed from the user's values; nothing goes below 0. A key met for
// the first time becomes a new leaf, with the next UID, even at 0. The
// zero address, which holds the colony-wide totals, never loses:
// Log.Append skips it, and a replay refuses an entry that would
// (ErrBadEntry).
//
// # Challenges
//
// When two miners submit different roots, the ledger finds the first
// update where their justification trees disagree and recomputes that
// single update from Merkle proofs (Colony whitepaper §7.5.1;
// reputation.md "Mining (on chain)"). The ledger holds only roots and
// the log; this package gives it the pure checks, and gives a miner what
// to answer.
//
//  1. Both sides prove leaf 0 of their justification tree (the accepted
//     state) and leaf N, N = decays + log.NUpdates(), with
//     Justification.Prove; a proof of leaf N whose mask is
//     patricia.SequenceBranchMask(N+1, N) shows the tree has no leaf
//     past N.
//  2. The search: NewSearch(N+1, jrh0, jrh1). While not Done, each side
//     sends the two child edge hashes of the node [Lo, Hi]
//     (Justification.Children); CheckChildren checks each pair against
//     that side's edge, and Descend moves to the left child when the
//     sides' left children differ, else to the right. After at most
//     ⌈log₂(N+1)⌉ steps it stops at the first differing leaf L; the
//     disputed update is Disputed() = L − 1, CheckLeaf checks each side's
//     leaf L, and leaf L − 1, proved with Justification.Prove, is the
//     agreed state before it, a JustState (root, nLeaves).
//  3. LocateUpdate says what update t is: the decay of UID t + 1 when t
//     is below the previous state's number of leaves (whitepaper §7.6.1),
//     else update r of a log entry, whose key and kind Entry.Update, or
//     Expansion on the entry's numbers, give (reputation.md "Expanding an
//     entry into updates").
//  4. The side defending its root sends Witnesses, built with
//     StateBefore and WitnessesFor: a Witness proves a key's leaf, or its
//     absence, in the state before (patricia absence proofs). VerifyDecay
//     or VerifyUpdate checks them against that root and returns the state
//     after: the same proof with the new value, or for a key without a
//     leaf a new leaf with the next UID (whitepaper §7.6.2), the value
//     computed by Replay's own arithmetic (reputation.md "Values",
//     "Decay"). A loss also needs the user's origin reputation O and, at
//     a colony-wide child step, the user's reputation in the child; the
//     state before shows both as they were at the entry's start, since the
//     entry updates them only later. The side whose leaf L equals the
//     result wins.
//
// ReplayForged replays a cycle with one wrong update, for tests and for a
// miner's deliberate faults.
//
// # Performance
//
// The reputation tree caches every node's hash and rehashes only the
// path from a changed leaf to the root, so the root after each update,
// which the justification tree needs, costs O(depth) keccak256.
package reputation
