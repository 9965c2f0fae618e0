package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/client/keyring"
	"github.com/celltonomy/celltonomy/devnet"
	"github.com/celltonomy/celltonomy/internal/freeport"
	"github.com/celltonomy/celltonomy/internal/testchain"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/miner"
	"github.com/celltonomy/celltonomy/miner/proofapi"
	"github.com/celltonomy/celltonomy/node"
)

// startMiningChain starts a one-validator chain whose reputation cycles
// last 5 blocks and mining windows 4, funding the accounts, and returns
// its RPC URL.
func startMiningChain(t *testing.T, funded ...address.Address) string {
	t.Helper()
	p := params.Default()
	p.ReputationCycleBlocks, p.MiningWindowBlocks = 5, 4
	g := &ledgerpb.Genesis{Params: p}
	for _, a := range funded {
		g.Accounts = append(g.Accounts, &ledgerpb.GenesisAccount{Address: a.String(), Balance: 1_000_000_000})
	}
	return testchain.Start(t, testchain.Options{ChainID: "rep-show", Genesis: g}).RPC
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestMinerStartAndRepShow runs `cell miner start` against a chain with
// short cycles until the miner's own reward is accepted, then checks it
// with `cell rep show`, and shows that a tampered answer is refused.
func TestMinerStartAndRepShow(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a chain")
	}
	home := t.TempDir()
	kr, err := keyring.Open(keyring.Dir(home))
	if err != nil {
		t.Fatal(err)
	}
	seed := sha256.Sum256([]byte("rep show miner"))
	info, err := kr.AddFromSeed(minerKey, seed[:], nil)
	if err != nil {
		t.Fatal(err)
	}
	rpc := startMiningChain(t, info.Address)
	listen := fmt.Sprintf("127.0.0.1:%d", freeport.Port(t))
	minerURL := "http://" + listen

	ctx, cancel := context.WithCancel(context.Background())
	var minerOut, minerErr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"--home", home, "miner", "start", "--chain-rpc", rpc, "--listen", listen, "--stake", "2000000"}, &minerOut, &minerErr)
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("miner start: exit %d\n%s", code, minerErr.String())
		}
	}()
	cellHere := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Run(ctx, append([]string{"--home", home}, args...), &out, &errb)
		return out.String(), errb.String(), code
	}

	// Wait until the miner's reward (cycle 1's log) is in an accepted root.
	var shown repShowJSON
	deadline := time.Now().Add(60 * time.Second)
	for {
		stdout, stderr, code := cellHere("rep", "show", info.Address.String(), "--node", rpc, "--miner", minerURL, "--output", "json")
		if code == 0 {
			if err := json.Unmarshal([]byte(stdout), &shown); err != nil {
				t.Fatalf("rep show --output json: %v\n%s", err, stdout)
			}
			if len(shown.Leaves) > 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("rep show never showed the miner's reward: exit %d\n%s\n%s\nminer log:\n%s", code, stdout, stderr, minerErr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if l := shown.Leaves[0]; len(shown.Leaves) != 1 || l.Path != "mining" || l.Proof != "ok" || l.Amount == "0" || l.UID == 0 {
		t.Errorf("leaves = %+v, want the miner's reward in mining", shown.Leaves)
	}
	if shown.Address != info.Address.String() || !strings.HasPrefix(shown.Root, "0x") || shown.AcceptedHeight == 0 {
		t.Errorf("rep show = %+v", shown)
	}

	// Text, by skill path and by 0x address.
	hexAddr := "0x" + fmt.Sprintf("%x", info.Address[:])
	stdout, stderr, code := cellHere("rep", "show", hexAddr, "--skill", "mining", "--node", rpc, "--miner", minerURL)
	if code != 0 || !strings.Contains(stdout, "mining") || !strings.Contains(stdout, "proof ok") || !strings.Contains(stdout, "accepted root 0x") {
		t.Errorf("rep show --skill mining: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if _, stderr, code := cellHere("rep", "show", info.Address.String(), "--skill", "compute", "--node", rpc, "--miner", minerURL); code != 1 || !strings.Contains(stderr, "no reputation in skill") {
		t.Errorf("rep show --skill compute: exit %d, %s", code, stderr)
	}

	// The miner's proven reputation counts in a two-chamber vote: a
	// proposal that doubles the inflation rate needs reputation holders
	// too, and `tx gov vote --proof-from` attaches the proof, which the
	// ledger checks against the accepted root.
	file := filepath.Join(t.TempDir(), "inflation.json")
	prop := `{"title": "Double inflation", "deposit": "10000000", "messages": [{"param_change": {"name": "mint_inflation_bps", "value": "1000"}}]}`
	if err := os.WriteFile(file, []byte(prop), 0o600); err != nil {
		t.Fatal(err)
	}
	if stdout, stderr, code := cellHere("tx", "gov", "submit-proposal", file, "--from", minerKey, "--node", rpc); code != 0 || !strings.Contains(stdout, "voting_started") {
		t.Fatalf("submit-proposal: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if stdout, stderr, code := cellHere("query", "gov", "proposal", "1", "--node", rpc); code != 0 || !strings.Contains(stdout, "two-chamber") {
		t.Fatalf("query gov proposal 1: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if stdout, stderr, code := cellHere("tx", "gov", "vote", "1", "yes", "--proof-from", minerURL, "--skill", "mining", "--from", minerKey, "--node", rpc); code != 0 || !strings.Contains(stdout, "vote_cast") {
		t.Fatalf("vote --proof-from: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if stdout, stderr, code := cellHere("query", "gov", "votes", "1", "--node", rpc); code != 0 || !strings.Contains(stdout, "reputation ") || strings.Contains(stdout, "reputation 0") {
		t.Errorf("query gov votes 1: exit %d, want the vote with its proven reputation\n%s\n%s", code, stdout, stderr)
	}
	if stdout, stderr, code := cellHere("query", "gov", "tally", "1", "--node", rpc); code != 0 || !strings.Contains(stdout, "reputation yes ") || strings.Contains(stdout, "reputation yes 0 ") {
		t.Errorf("query gov tally 1: exit %d\n%s\n%s", code, stdout, stderr)
	}

	// A miner that lies is caught.
	liar := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, err := http.Get(minerURL + r.URL.String())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		var resp proofapi.ReputationResponse
		if err := json.NewDecoder(res.Body).Decode(&resp); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		for i := range resp.Leaves {
			resp.Leaves[i].Amount = "1000000000000"
		}
		json.NewEncoder(w).Encode(resp)
	}))
	defer liar.Close()
	if _, stderr, code := cellHere("rep", "show", info.Address.String(), "--node", rpc, "--miner", liar.URL); code != 1 || !strings.Contains(stderr, "does not check out") {
		t.Errorf("rep show with a lying miner: exit %d, %s", code, stderr)
	}
	if _, stderr, code := cellHere("rep", "show", "nobody", "--node", rpc); code != 2 || !strings.Contains(stderr, "nobody") {
		t.Errorf("rep show nobody: exit %d, %s", code, stderr)
	}
}

// TestFaultFlags: --fault of cell miner start and --miner-fault of cell
// devnet name the miner's faults; anything else is a usage error.
func TestFaultFlags(t *testing.T) {
	if _, stderr, code := cell(t, "miner", "start", "--fault", "wrong-output"); code != 2 || !strings.Contains(stderr, "wrong-root") {
		t.Errorf("miner start --fault wrong-output: exit %d, %s", code, stderr)
	}
	opts, err := parseFaults([]string{"1=no-delivery"}, []string{"2=wrong-root"}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if opts[0].Fault != node.FaultNoDelivery || opts[0].MinerFault != "" || opts[1].MinerFault != miner.FaultWrongRoot || opts[2] != (devnet.NodeOptions{}) {
		t.Errorf("parseFaults = %+v", opts)
	}
	for _, bad := range [][]string{{"4=wrong-root"}, {"1=wrong-output"}, {"wrong-root"}} {
		if _, err := parseFaults(nil, bad, 3); err == nil || !strings.Contains(err.Error(), "--miner-fault") {
			t.Errorf("--miner-fault %v: %v", bad, err)
		}
	}
}
