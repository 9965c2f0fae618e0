package patricia

// Temporary: the signatures of the challenge primitives, until they land.

func SequenceBranchMask(n, i uint64) [32]byte { return [32]byte{} }
