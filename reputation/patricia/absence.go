package patricia

import (
	"errors"
	"fmt"
	"math/bits"
)

// Absence and insertion proofs. A path has no leaf in a tree when it
// leaves the path of some leaf, adj, inside an edge: at a bit d that is
// not a branch on adj's path. A leaf at a path that agrees with adj on
// bits [0, d) and differs at d would make the tree branch at d on adj's
// path, so no such leaf exists, and adj's membership proof, whose mask
// lists the branches, proves it. Inserting a leaf there splits that
// edge at d, which gives the root after the insertion from the same
// proof (Colony whitepaper §7.6.2: a new leaf's insertion must be
// checked on chain).

// ErrNotAbsent is returned by InsertedRoots when the proof does not show
// the path absent: the path is the adjacent leaf's own, or it leaves the
// adjacent leaf's path at a branch.
var ErrNotAbsent = errors.New("patricia: path is not absent")

// ProveAbsence returns a leaf adj, its value and its membership proof,
// such that path leaves adj's path inside an edge: the first bit where
// they differ is not a branch bit of p. Check it with VerifyAbsence. It
// returns false when there is a leaf at path or the tree is empty (whose
// absence proof is the zero adj, value and proof).
func (t *Tree) ProveAbsence(path Path) (adj Path, v Value, p Proof, ok bool) {
	if t.root == none {
		return Path{}, Value{}, Proof{}, false
	}
	w := toWords(path)
	n, start := t.root, 0
	for {
		nd := &t.nodes[n]
		end := int(nd.end)
		if firstDiff(&w, &nd.path, start, end) < end {
			break // path leaves the tree inside the edge into n
		}
		if nd.leaf != none {
			return Path{}, Value{}, Proof{}, false
		}
		n, start = nd.child[w.bit(end)], end+1
	}
	// Any leaf below n will do: path agrees with all of them up to the
	// divergence, which is inside the edge into n.
	for t.nodes[n].leaf == none {
		n = t.nodes[n].child[0]
	}
	adj = t.nodes[n].path.path()
	v, p, _ = t.Prove(adj)
	return adj, v, p, true
}

// emptyWitness reports whether adj, v and p are all zero: the absence
// proof of every path in the empty tree. (A tree whose only leaf is a
// zero value at the zero path cannot prove an absence; neither comes up
// in the trees of reputation.md, whose paths are keccak256 hashes and
// whose values hold a non-zero UID or nLeaves.)
func emptyWitness(adj Path, v *Value, p Proof) bool {
	return adj == Path{} && *v == Value{} && p.BranchMask == [32]byte{} && len(p.Siblings) == 0
}

// divergence returns the first bit where path and adj differ, or
// ErrNotAbsent when they are equal or differ first at a branch of mask.
func divergence(path, adj *words, mask *words) (int, error) {
	d := firstDiff(path, adj, 0, 256)
	if d == 256 {
		return 0, fmt.Errorf("%w: it is the adjacent leaf's path", ErrNotAbsent)
	}
	if mask.bit(d) == 1 {
		return 0, fmt.Errorf("%w: it leaves the adjacent leaf's path at branch bit %d", ErrNotAbsent, d)
	}
	return d, nil
}

// VerifyAbsence reports whether the tree with the given root has no leaf
// at path, as proved by a leaf adj with value adjValue and membership
// proof p (from ProveAbsence): either root is the zero Hash (the empty
// tree) and adj, adjValue and p are all zero, or p proves adj against
// root and path first differs from adj at a bit that is not a branch
// bit of p.
func VerifyAbsence(h *Hasher, root Hash, path Path, adj Path, adjValue *Value, p Proof) bool {
	if root == (Hash{}) {
		return emptyWitness(adj, adjValue, p)
	}
	pw, aw, mask := toWords(path), toWords(adj), toWords(Path(p.BranchMask))
	if _, err := divergence(&pw, &aw, &mask); err != nil {
		return false
	}
	got, err := ImpliedRoot(h, adj, adjValue, p)
	return err == nil && got == root
}

// InsertedRoots returns, from an absence proof of path (adj, adjValue
// and p, as for VerifyAbsence), the root before of the tree the proof
// implies and the root after of that tree with the leaf v inserted at
// path. The caller compares before with the root it trusts. For the
// empty tree's proof (adj, adjValue and p all zero), before is the zero
// Hash and after SingleLeafRoot(h, path, v). The result is the root of a
// Tree built with all the keys, since a tree's shape depends only on its
// paths. Errors: ErrBadProof for a malformed proof (as ImpliedRoot);
// ErrNotAbsent when path is adj or leaves it at a branch bit.
func InsertedRoots(h *Hasher, path Path, v *Value, adj Path, adjValue *Value, p Proof) (before, after Hash, err error) {
	if emptyWitness(adj, adjValue, p) {
		return Hash{}, SingleLeafRoot(h, path, v), nil
	}
	mask := toWords(Path(p.BranchMask))
	n := 0
	for _, x := range mask {
		n += bits.OnesCount64(x)
	}
	if n != len(p.Siblings) {
		return Hash{}, Hash{}, fmt.Errorf("%w: %d branches in the mask, %d siblings", ErrBadProof, n, len(p.Siblings))
	}
	pw, aw := toWords(path), toWords(adj)
	d, err := divergence(&pw, &aw, &mask)
	if err != nil {
		return Hash{}, Hash{}, err
	}
	// Fold adj's proof bottom-up as ImpliedRoot does, once for the tree
	// as it is (nb) and once with the new leaf (na). Below the edge that
	// holds bit d the two agree; that edge [start, end) becomes the edge
	// [start, d) into a new branch at d, whose children are the old node
	// (edge [d+1, end)) and the new leaf (edge [d+1, 256)).
	nb := h.Sum(adjValue[:])
	na := nb
	end := 256
	i := len(p.Siblings) - 1
	for b := 255; ; b-- {
		if b >= 0 && mask.bit(b) == 0 {
			continue
		}
		start := b + 1 // the root edge starts at 0
		eb := h.edgeHash(&nb, &aw, start, end)
		ea := eb
		switch {
		case start <= d && d < end:
			old := h.edgeHash(&nb, &aw, d+1, end)
			leafNode := h.Sum(v[:])
			leaf := h.edgeHash(&leafNode, &pw, d+1, 256)
			var branch Hash
			if pw.bit(d) == 0 {
				branch = h.branchHash(&leaf, &old)
			} else {
				branch = h.branchHash(&old, &leaf)
			}
			ea = h.edgeHash(&branch, &aw, start, d)
		case end <= d:
			ea = h.edgeHash(&na, &aw, start, end)
		}
		if b < 0 {
			return eb, ea, nil
		}
		sib := &p.Siblings[i]
		if aw.bit(b) == 0 {
			nb = h.branchHash(&eb, sib)
		} else {
			nb = h.branchHash(sib, &eb)
		}
		switch {
		case start > d:
			na = nb // below the new branch: nothing changed yet
		case aw.bit(b) == 0:
			na = h.branchHash(&ea, sib)
		default:
			na = h.branchHash(sib, &ea)
		}
		i--
		end = b
	}
}
