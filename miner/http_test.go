package miner

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/miner/proofapi"
)

// newTestServer serves the replayer of fillCycles; acc is the accepted
// root it reports (nil: none yet).
func newTestServer(t *testing.T, acc *proofapi.Root, agrees *bool, healthy bool) (*httptest.Server, *Cycle) {
	t.Helper()
	r, c, _ := acceptedCycle(t)
	srv := httptest.NewServer(newHandler(r, func() (*proofapi.Root, *bool) { return acc, agrees }, func() bool { return healthy }))
	t.Cleanup(srv.Close)
	return srv, c
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	healthz := strings.HasSuffix(url, "/healthz") && res.StatusCode == http.StatusOK
	if ct := res.Header.Get("Content-Type"); !healthz && !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET %s: content type %q", url, ct)
	}
	return res.StatusCode, string(b)
}

func TestHTTPReputation(t *testing.T) {
	ctx := context.Background()
	_, c0, acc := acceptedCycle(t)
	agrees := true
	srv, c := newTestServer(t, &acc, &agrees, true)
	if c.Root != c0.Root {
		t.Fatal("two replays of the same logs differ")
	}
	cl, err := proofapi.NewClient(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	user := testUser(1)
	resp, err := cl.Reputation(ctx, user, 0)
	if err != nil {
		t.Fatal(err)
	}
	leaves, err := proofapi.VerifyReputation(resp, acc, user)
	if err != nil {
		t.Fatal(err)
	}
	if len(leaves) != 4 || leaves[0].Skill != 1 || leaves[0].Path != "compute" {
		t.Errorf("leaves = %+v", leaves)
	}
	if resp.Root != hex0x(acc.Root[:]) || resp.Cycle != acc.Cycle {
		t.Errorf("answer of cycle %d root %s, want the accepted root", resp.Cycle, resp.Root)
	}

	// One skill, by 0x address.
	code, body := get(t, srv.URL+"/v1/reputation/"+hex0x(user[:])+"?skill=2")
	if code != http.StatusOK {
		t.Fatalf("skill 2: %d %s", code, body)
	}
	var one proofapi.ReputationResponse
	if err := json.Unmarshal([]byte(body), &one); err != nil {
		t.Fatal(err)
	}
	if len(one.Leaves) != 1 || one.Leaves[0].Skill != 2 {
		t.Errorf("skill 2: %+v", one.Leaves)
	}
	if _, err := proofapi.VerifyReputation(&one, acc, user); err != nil {
		t.Error(err)
	}
	// The JSON field names are the documented ones.
	for _, f := range []string{`"cycle"`, `"root"`, `"leaves"`, `"skill"`, `"uid"`, `"amount"`, `"value"`, `"branch_mask"`, `"siblings"`} {
		if !strings.Contains(body, f) {
			t.Errorf("answer lacks %s: %s", f, body)
		}
	}

	for _, tc := range []struct {
		path string
		code int
		msg  string
	}{
		{"/v1/reputation/" + user.String() + "?skill=4", http.StatusNotFound, "no reputation in skill 4"},
		{"/v1/reputation/" + user.String() + "?skill=99", http.StatusNotFound, "no such skill"},
		{"/v1/reputation/" + user.String() + "?skill=x", http.StatusBadRequest, "skill"},
		{"/v1/reputation/" + user.String() + "?skill=0", http.StatusBadRequest, "skill"},
		{"/v1/reputation/nobody", http.StatusBadRequest, "address"},
		{"/v1/reputation/0x1234", http.StatusBadRequest, "address"},
	} {
		code, body := get(t, srv.URL+tc.path)
		if code != tc.code || !strings.Contains(body, tc.msg) {
			t.Errorf("GET %s = %d %s; want %d with %q", tc.path, code, body, tc.code, tc.msg)
		}
	}
	// A user without reputation gets an empty list.
	resp, err = cl.Reputation(ctx, testUser(42), 0)
	if err != nil || len(resp.Leaves) != 0 {
		t.Errorf("user without reputation: %+v, %v", resp, err)
	}
}

func TestHTTPRootAndHealth(t *testing.T) {
	ctx := context.Background()
	_, _, acc := acceptedCycle(t)
	agrees := true
	srv, c := newTestServer(t, &acc, &agrees, true)
	cl, _ := proofapi.NewClient(srv.URL)
	roots, err := cl.Roots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if roots.Latest == nil || roots.Latest.Root != hex0x(c.Root[:]) || roots.Latest.NLeaves != c.NLeaves || roots.Latest.JRH != hex0x(c.JRH[:]) {
		t.Errorf("latest = %+v", roots.Latest)
	}
	if roots.Accepted == nil || roots.Accepted.AcceptedHeight != 40 || roots.Agrees == nil || !*roots.Agrees {
		t.Errorf("accepted = %+v, agrees %v", roots.Accepted, roots.Agrees)
	}
	if code, body := get(t, srv.URL+"/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("healthz = %d %q", code, body)
	}
}

func TestHTTPBeforeAcceptance(t *testing.T) {
	srv, _ := newTestServer(t, nil, nil, false)
	code, body := get(t, srv.URL+"/v1/reputation/"+testUser(1).String())
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "no reputation root is accepted yet") {
		t.Errorf("before acceptance: %d %s", code, body)
	}
	code, body = get(t, srv.URL+"/v1/root")
	if code != http.StatusOK || strings.Contains(body, "accepted") || !strings.Contains(body, "latest") {
		t.Errorf("root before acceptance: %d %s", code, body)
	}
	if code, _ := get(t, srv.URL+"/healthz"); code != http.StatusServiceUnavailable {
		t.Errorf("healthz while not following = %d", code)
	}
	// An accepted cycle the miner has not replayed.
	acc := proofapi.Root{Cycle: 9}
	srv2 := httptest.NewServer(newHandler(NewReplayer(newFakeChain(t)), func() (*proofapi.Root, *bool) { return &acc, nil }, func() bool { return true }))
	defer srv2.Close()
	code, body = get(t, srv2.URL+"/v1/reputation/"+testUser(1).String())
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "not replayed") {
		t.Errorf("unreplayed accepted cycle: %d %s", code, body)
	}
}
