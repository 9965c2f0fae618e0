package app

import (
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/query"
)

func createSkill(parent, name string) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_CreateSkill{CreateSkill: &ledgerpb.MsgCreateSkill{ParentPath: parent, Name: name}}}
}

// TestCreateSkill routes MsgCreateSkill to the reputation module: a child
// of a genesis skill is created and can be queried; an unknown parent and a
// duplicate are refused with the reputation codes and change nothing but
// the fee and sequence.
func TestCreateSkill(t *testing.T) {
	c := newTestChain(t)
	c.mustBlock(c.tx(alice, createSkill("compute/genomics", "assembly")))
	reply, err := c.app.Query(c.st, query.Skill, skillReq("compute/genomics/assembly"))
	if err != nil {
		t.Fatal(err)
	}
	var sk ledgerpb.Skill
	if err := protoUnmarshal(reply, &sk); err != nil || sk.GetId() == 0 {
		t.Fatalf("skill = %v, %v", &sk, err)
	}
	for _, tc := range []struct {
		msg  *ledgerpb.Msg
		want string
	}{
		{createSkill("compute/nowhere", "x"), "reputation"},
		{createSkill("compute/genomics", "assembly"), "exists"},
	} {
		before := c.seq(alice)
		res := c.block(c.tx(alice, tc.msg))
		r := res.TxResults[0]
		if r.Code == 0 || r.Codespace != "reputation" || !strings.Contains(r.Log, tc.want) {
			t.Fatalf("%v: result %+v", tc.msg, r)
		}
		if c.seq(alice) != before+1 {
			t.Fatal("a failed message did not use its sequence")
		}
	}
	if _, err := c.app.Query(c.st, query.Skill, skillReq("compute/nowhere/x")); err == nil {
		t.Fatal("a refused skill exists")
	}
}
