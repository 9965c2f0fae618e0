package proofapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestNewClientURL(t *testing.T) {
	for _, u := range []string{"", "localhost:26690", "ftp://x", "http://"} {
		if _, err := NewClient(u); err == nil {
			t.Errorf("NewClient(%q) accepted", u)
		}
	}
}

// TestClient runs the client against a stub of a miner's HTTP API.
func TestClient(t *testing.T) {
	ctx := context.Background()
	s, acc := testState(t)
	user := testUser(1)
	var asked []string
	mux := http.NewServeMux()
	mux.HandleFunc(RouteReputation, func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.String())
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Query().Get("skill") {
		case "":
			json.NewEncoder(w).Encode(respond(t, s, acc.Cycle, user))
		case "4":
			w.WriteHeader(http.StatusNotFound)
			json.NewEncoder(w).Encode(ErrorBody{Error: "no reputation in skill 4"})
		case "6":
			w.WriteHeader(http.StatusServiceUnavailable) // no JSON body
		default:
			w.Write([]byte("{not json"))
		}
	})
	mux.HandleFunc(RouteRoot, func(w http.ResponseWriter, r *http.Request) {
		agrees := true
		json.NewEncoder(w).Encode(RootsResponse{Accepted: acc.Info(), Agrees: &agrees})
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	c, err := NewClient(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Reputation(ctx, user, 0)
	if err != nil {
		t.Fatal(err)
	}
	if leaves, err := VerifyReputation(resp, acc, user); err != nil || len(leaves) != 4 {
		t.Errorf("verified %d leaves, %v", len(leaves), err)
	}
	if len(asked) != 1 || asked[0] != "/v1/reputation/"+user.String() {
		t.Errorf("asked %q", asked)
	}

	_, err = c.Reputation(ctx, user, 4)
	if err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "no reputation in skill 4") {
		t.Errorf("skill 4: err = %v, want the miner's 404 and message", err)
	}
	if !IsStatus(err, http.StatusNotFound) || IsStatus(err, http.StatusServiceUnavailable) {
		t.Errorf("IsStatus of %v wrong", err)
	}
	if asked[len(asked)-1] != "/v1/reputation/"+user.String()+"?skill=4" {
		t.Errorf("asked %q", asked[len(asked)-1])
	}
	if _, err := c.Reputation(ctx, user, 6); err == nil || !strings.Contains(err.Error(), "503") || !IsStatus(err, http.StatusServiceUnavailable) {
		t.Errorf("skill 6: err = %v, want 503", err)
	}
	if _, err := c.Reputation(ctx, user, 7); err == nil || IsStatus(err, http.StatusOK) {
		t.Errorf("skill 7: err = %v, want a decoding error", err)
	}

	roots, err := c.Roots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if roots.Latest != nil || roots.Accepted == nil || *roots.Accepted != *acc.Info() || roots.Agrees == nil || !*roots.Agrees {
		t.Errorf("roots = %+v", roots)
	}
}
