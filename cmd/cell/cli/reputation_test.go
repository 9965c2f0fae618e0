package cli

import (
	"strings"
	"testing"
)

func TestSubmitRootArgs(t *testing.T) {
	root := strings.Repeat("ab", 32)
	jrh := "0x" + strings.Repeat("cd", 32)
	m, err := submitRootArgs([]string{"3", root, "17", jrh, "2"})
	if err != nil || m.Cycle != 3 || m.NLeaves != 17 || m.EntryIndex != 2 || len(m.Root) != 32 || m.Jrh[0] != 0xcd {
		t.Fatalf("submitRootArgs = %v, %v", m, err)
	}
	for _, args := range [][]string{
		{"x", root, "17", jrh, "2"},
		{"3", "abcd", "17", jrh, "2"},
		{"3", root, "17", "zz", "2"},
		{"3", root, "-1", jrh, "2"},
		{"3", root, "17", jrh, "0"},
	} {
		if _, err := submitRootArgs(args); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// TestReputationCommandsParse: the mining commands exist and refuse bad
// arguments as usage errors (exit code 2) before reaching a node.
func TestReputationCommandsParse(t *testing.T) {
	for _, args := range [][]string{
		{"tx", "reputation", "stake-miner", "lots"},
		{"tx", "reputation", "unstake-miner"},
		{"tx", "reputation", "submit-root", "1", "2", "3"},
		{"query", "reputation", "miner"},
		{"query", "reputation", "root", "extra"},
		{"query", "reputation", "skills", "extra"},
		{"query", "reputation", "mining", "extra"},
	} {
		if _, errOut, code := cell(t, args...); code != 2 {
			t.Errorf("%v: code %d, %q", args, code, errOut)
		}
	}
}
