package node

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/celltonomy/celltonomy/node/config"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/protocol"
)

// TestServeBotSpec: a node serves the BotSpec of each of its bots by id,
// in the canonical form the id hashes (so the client's check of the id
// passes); an unknown id is 404, a malformed one 400.
func TestServeBotSpec(t *testing.T) {
	simlab, err := filepath.Abs("../examples/botspecs/simlab.json")
	if err != nil {
		t.Fatal(err)
	}
	tn := newTestNode(t, newFakeChain(), func(c *config.Config) {
		c.Bots = []config.Bot{{BotSpec: simlab, Driver: "labsim"}}
	})
	if len(tn.bots) != 1 {
		t.Fatalf("%d bots, want 1", len(tn.bots))
	}
	id := tn.bots[0].ID
	c := &nodeapi.Client{Endpoint: tn.url}
	s, err := c.BotSpec(t.Context(), id)
	if err != nil {
		t.Fatalf("BotSpec %s: %v", id, err)
	}
	if got, _ := s.ID(); got != id || s.Name != tn.bots[0].Spec.Name {
		t.Errorf("got BotSpec %s %q, want %s", got, s.Name, id)
	}
	var other protocol.BotSpecID
	other[0] = 1
	if _, err := c.BotSpec(t.Context(), other); !nodeapi.IsStatus(err, http.StatusNotFound) {
		t.Errorf("unknown BotSpec: %v, want 404", err)
	}
	if code, body := do(t, mustGet(t, tn.url+nodeapi.BotSpecPathPrefix+"xyz")); code != http.StatusBadRequest {
		t.Errorf("malformed id: %d %s, want 400", code, body)
	}
}

func mustGet(t *testing.T, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
