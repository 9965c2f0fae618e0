package main_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/internal/freeport"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/app"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
)

// editTestnetGenesis rewrites the ledger params of the shared genesis of
// every home.
func editTestnetGenesis(t *testing.T, homes []string, edit func(*ledgerpb.Params)) {
	t.Helper()
	for _, home := range homes {
		path := filepath.Join(home, "config", "genesis.json")
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		g, err := app.DecodeGenesis(doc["app_state"])
		if err != nil {
			t.Fatal(err)
		}
		if g.Params == nil {
			g.Params = params.Default()
		}
		edit(g.Params)
		if doc["app_state"], err = app.EncodeGenesis(g); err != nil {
			t.Fatal(err)
		}
		out, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, out, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDowntimeJailAndUnjail runs a 4-validator testnet as 4 processes: a
// delegator delegates to node3's validator, node3 goes offline and is
// jailed for downtime from the commits the others sign, its delegator
// loses the downtime slash fraction, node3 comes back, unjails after its
// jail period and signs blocks again, all nodes with the same app hash.
func TestDowntimeJailAndUnjail(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four nodes")
	}
	ctx := context.Background()
	dir := t.TempDir()
	base := freeport.Base(t, 4, 10)
	const chainID = "downtime-test"
	delegator := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	delAddr, _ := address.FromPubKey(delegator.Public().(ed25519.PublicKey))
	cell(t, "testnet", "init", "--validators", "4", "--out", dir, "--base-port", fmt.Sprint(base),
		"--block-time", "200ms", "--chain-id", chainID, "--account", delAddr.String()+"=10000000000")
	var homes []string
	for i := range 4 {
		homes = append(homes, filepath.Join(dir, fmt.Sprintf("node%d", i)))
	}
	editTestnetGenesis(t, homes, func(p *ledgerpb.Params) {
		p.StakingSignedBlocksWindow, p.StakingMinSignedBps = 10, 5_000
		p.StakingDowntimeJailBlocks, p.StakingDowntimeSlashBps = 5, 100
	})
	var procs []*process
	var clients []*client.Client
	for _, home := range homes {
		procs = append(procs, start(t, home))
		clients = append(clients, nodeClient(t, home))
	}
	c0 := clients[0]
	waitHeight(t, c0, 3, procs[0])

	op3Key := operatorKey(t, homes[3])
	op3, _ := address.FromPubKey(op3Key.Public().(ed25519.PublicKey))
	const amount = 1_000_000_000
	if r, err := c0.Send(ctx, delegator, chainID, 1000, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Delegate{Delegate: &ledgerpb.MsgDelegate{Validator: op3.Bytes(), Amount: amount}}}); err != nil || r.Code != 0 {
		t.Fatalf("delegate: %v %+v", err, r)
	}

	procs[3].kill()
	var v *ledgerpb.ValidatorStatus
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		var err error
		if v, err = c0.Validator(ctx, op3); err != nil {
			t.Fatal(err)
		}
		if v.Validator.Jailed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node3 offline but not jailed: %+v", v)
		}
	}
	if v.Validator.Tombstoned || v.Validator.JailedUntil == 0 {
		t.Fatalf("jailed validator %+v", v)
	}
	ds, err := client.All(c0.Delegations(ctx, delAddr))
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Tokens != amount-amount/100 {
		t.Fatalf("delegation after the downtime slash: %+v, want %d ucell", ds, amount-amount/100)
	}

	procs[3] = start(t, homes[3])
	h := waitHeight(t, c0, v.Validator.JailedUntil, procs[0])
	waitHeight(t, clients[3], h, procs[3])
	if r, err := c0.Send(ctx, op3Key, chainID, 1000, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Unjail{Unjail: &ledgerpb.MsgUnjail{}}}); err != nil || r.Code != 0 {
		t.Fatalf("unjail: %v %+v", err, r)
	}
	consAddr, _ := address.FromPubKey(v.Validator.ConsensusPubkey)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		height := waitHeight(t, c0, 0, nil)
		commit, err := c0.RPC().Commit(ctx, &height)
		if err != nil {
			t.Fatal(err)
		}
		signed := false
		for _, sig := range commit.SignedHeader.Commit.Signatures {
			signed = signed || (string(sig.ValidatorAddress) == string(consAddr[:]) && len(sig.Signature) > 0)
		}
		if signed {
			waitHeight(t, clients[3], height, procs[3])
			for i, c := range clients[1:] {
				waitHeight(t, c, height, procs[i+1])
				if a, b := appHash(t, c, height), appHash(t, c0, height); a != b {
					t.Fatalf("node%d app hash at %d = %s, node0 = %s", i+1, height, a, b)
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("node3 never signed again after unjail\n%s", procs[3].tail())
		}
	}
}
