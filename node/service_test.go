package node

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/celltonomy/celltonomy/node/config"
	"github.com/celltonomy/celltonomy/nodeapi"
)

// TestResumeServicesAfterACrash: the records of instances that ran when
// the node stopped without stopping them are stopped at the last height
// the node handled (at most at the service's end) and kept for delivery;
// delivered records are left alone.
func TestResumeServicesAfterACrash(t *testing.T) {
	n := &Node{cfg: &config.Config{DataDir: t.TempDir()}}
	n.services.m = map[uint64]*hosted{}
	for _, r := range []serviceRecord{
		{OrderID: 1, AwardHeight: 10, ServiceBlocks: 100},                                                               // ran at the crash
		{OrderID: 2, AwardHeight: 10, ServiceBlocks: 5},                                                                 // ended before the crash, not yet stopped
		{OrderID: 3, AwardHeight: 10, ServiceBlocks: 100, StopHeight: 12, Usage: nodeapi.UsageReceipt{ServedBlocks: 2}}, // stopped, not delivered
		{OrderID: 4, AwardHeight: 10, ServiceBlocks: 100, StopHeight: 12, Delivered: true},
	} {
		if err := n.saveService(&r); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.resumeServices(25); err != nil {
		t.Fatal(err)
	}
	want := map[uint64]uint64{1: 15, 2: 5, 3: 2}
	if len(n.services.m) != len(want) {
		t.Fatalf("resumed %d services, want %d", len(n.services.m), len(want))
	}
	for id, served := range want {
		h := n.services.get(id)
		if h == nil || h.rec.Usage.ServedBlocks != served || h.rec.StopHeight != h.rec.AwardHeight+int64(served) || h.inst != nil {
			t.Fatalf("service %d: %+v, want %d blocks served", id, h, served)
		}
	}
	b, err := os.ReadFile(filepath.Join(n.servicesDir(), "1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r serviceRecord
	if err := json.Unmarshal(b, &r); err != nil || r.StopHeight != 25 || r.Usage.ServedBlocks != 15 {
		t.Fatalf("the record on disk: %+v, %v", r, err)
	}
}

// TestServiceTokens: a token is valid only as issued, and a node keeps at
// most maxServiceTokens, dropping the oldest.
func TestServiceTokens(t *testing.T) {
	h := &hosted{}
	var toks [][]byte
	for i := range maxServiceTokens + 1 {
		tok := []byte{byte(i), 1, 2, 3}
		toks = append(toks, tok)
		h.addToken(tok)
	}
	if h.tokenValid(toks[0]) {
		t.Fatal("the oldest token is still valid")
	}
	for _, tok := range toks[1:] {
		if !h.tokenValid(tok) {
			t.Fatalf("token %x refused", tok)
		}
	}
	if h.tokenValid([]byte("forged")) || h.tokenValid(nil) {
		t.Fatal("a forged token is valid")
	}
}
