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
// the first time becomes a new leaf, with the next UID, even at 0.
//
// # Performance
//
// The reputation tree caches every node's hash and rehashes only the
// path from a changed leaf to the root, so the root after each update,
// which the justification tree needs, costs O(depth) keccak256.
package reputation
