package nodeapi

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/celltonomy/celltonomy/protocol"
)

// TestClientBotSpec: the client takes a BotSpec only when the node's
// answer is the canonical document whose id was asked for, read no
// further than protocol.MaxBotSpecBytes.
func TestClientBotSpec(t *testing.T) {
	canon, err := os.ReadFile("../examples/botspecs/simlab.json")
	if err != nil {
		t.Fatal(err)
	}
	canon = bytes.TrimSpace(canon)
	spec, err := protocol.ParseBotSpec(canon)
	if err != nil {
		t.Fatal(err)
	}
	if canon, err = spec.Canonical(); err != nil {
		t.Fatal(err)
	}
	id, _ := spec.ID()
	other, _ := protocol.ParseBotSpec(canon)
	other.Name = "another-lab"
	otherCanon, _ := other.Canonical()
	for _, tc := range []struct {
		name   string
		status int
		body   []byte
		check  func(error) bool
	}{
		{"the canonical document of id", 200, canon, func(err error) bool { return err == nil }},
		{"another bot's BotSpec", 200, otherCanon, func(err error) bool { return errors.Is(err, protocol.ErrInvalidBotSpec) }},
		{"the same BotSpec, not canonical", 200, append(append([]byte{}, canon...), ' '), func(err error) bool { return errors.Is(err, protocol.ErrInvalidBotSpec) }},
		{"not a BotSpec", 200, []byte(`{"name":1}`), func(err error) bool { return errors.Is(err, protocol.ErrInvalidBotSpec) }},
		{"an endless answer", 200, bytes.Repeat([]byte(" "), protocol.MaxBotSpecBytes+10), func(err error) bool {
			return err != nil && !errors.Is(err, protocol.ErrInvalidBotSpec)
		}},
		{"no such bot", 404, []byte(`{"error":"no bot"}`), func(err error) bool { return IsStatus(err, http.StatusNotFound) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != BotSpecPathPrefix+id.String() || r.Method != http.MethodGet {
					http.Error(w, "wrong route "+r.Method+" "+r.URL.Path, 400)
					return
				}
				w.WriteHeader(tc.status)
				w.Write(tc.body)
			}))
			defer srv.Close()
			got, err := (&Client{Endpoint: srv.URL}).BotSpec(context.Background(), id)
			if !tc.check(err) {
				t.Fatalf("BotSpec: %v", err)
			}
			if err == nil {
				if gid, _ := got.ID(); gid != id {
					t.Errorf("got BotSpec %s, want %s", gid, id)
				}
			}
		})
	}
}
