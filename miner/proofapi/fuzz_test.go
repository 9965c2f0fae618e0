package proofapi

import (
	"encoding/json"
	"testing"
)

// FuzzVerifyReputation feeds arbitrary miner answers to VerifyReputation:
// it must never panic, and whatever it accepts must prove exactly the
// leaves of the true state.
func FuzzVerifyReputation(f *testing.F) {
	s, root := testState(f)
	user := testUser(1)
	good, err := json.Marshal(respond(f, s, root.Cycle, user))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"cycle":2,"root":"0x00","leaves":[{"skill":1,"value":"0x","branch_mask":"0x","siblings":["0x"]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var resp ReputationResponse
		if json.Unmarshal(data, &resp) != nil {
			return
		}
		leaves, err := VerifyReputation(&resp, root, user)
		if err != nil {
			return
		}
		for _, l := range leaves {
			want, ok := s.Get(userKey(user, l.Skill))
			if !ok || want.Reputation.Cmp(l.Reputation) != 0 || want.UID != l.UID {
				t.Fatalf("accepted skill %d = %s, the state holds %v", l.Skill, l.Reputation, want.Reputation)
			}
		}
	})
}
