package repproof

import (
	"context"
	"encoding/binary"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/app"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	ledgerrep "github.com/celltonomy/celltonomy/ledger/reputation"
)

// FetchSkills returns every skill of the chain c talks to, in creation
// order, paging through "reputation/skills".
func FetchSkills(ctx context.Context, c *client.Client) ([]*ledgerpb.Skill, error) {
	var out []*ledgerpb.Skill
	var data []byte
	for {
		b, err := c.QueryApp(ctx, app.PathSkills, data)
		if err != nil {
			return nil, err
		}
		var res ledgerpb.SkillsResponse
		if err := proto.Unmarshal(b, &res); err != nil {
			return nil, fmt.Errorf("query %s: %w", app.PathSkills, err)
		}
		out = append(out, res.GetSkills()...)
		if res.GetNext() == 0 {
			return out, nil
		}
		if res.GetNext() <= uint64(len(out)) {
			return nil, fmt.Errorf("query %s: next page at skill %d after %d skills", app.PathSkills, res.GetNext(), len(out))
		}
		data = binary.BigEndian.AppendUint64(nil, res.GetNext())
	}
}

// FetchAcceptedRoot returns the latest reputation root accepted by the
// chain c talks to (the record "reputation/root" also serves), read from
// the state with a proof checked against the app hash (client.QueryStore),
// and false when none is accepted yet. Errors: those of QueryStore, a
// record that does not decode.
func FetchAcceptedRoot(ctx context.Context, c *client.Client) (Root, bool, error) {
	b, _, err := c.QueryStore(ctx, ledgerrep.RootKey())
	if err != nil || b == nil {
		return Root{}, false, err
	}
	var res ledgerpb.ReputationRoot
	if err := proto.Unmarshal(b, &res); err != nil {
		return Root{}, false, fmt.Errorf("accepted root: %w", err)
	}
	r, err := RootFromProto(&res)
	return r, err == nil, err
}
