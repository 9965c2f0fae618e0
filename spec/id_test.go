package spec

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestIDText: an ID reads and writes as 64 hex digits in JSON, and a bad
// text is refused with the rule it breaks.
func TestIDText(t *testing.T) {
	id := ServiceID([]byte("a service"))
	b, err := json.Marshal(struct{ ID ID }{id})
	if err != nil || string(b) != `{"ID":"`+id.String()+`"}` {
		t.Fatalf("marshal: %s, %v", b, err)
	}
	var back struct{ ID ID }
	if err := json.Unmarshal(b, &back); err != nil || back.ID != id {
		t.Fatalf("unmarshal: %v, %v", back.ID, err)
	}
	for _, tc := range []struct{ text, want string }{
		{`"zz"`, "not hex"},
		{`"abcd"`, "must be 32 bytes"},
		{`"` + strings.Repeat("ab", 33) + `"`, "must be 32 bytes"},
	} {
		if err := json.Unmarshal([]byte(`{"ID":`+tc.text+`}`), &back); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.text, err, tc.want)
		}
	}
}
