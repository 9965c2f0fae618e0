package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/client/config"
)

// startDevnetUp starts `cell devnet` and waits until it runs; it returns
// the process and what this run printed.
func startDevnetUp(t *testing.T, home string, args ...string) (*devnetProc, string) {
	t.Helper()
	var since int64
	if st, err := os.Stat(home + ".out"); err == nil {
		since = st.Size()
	}
	p := startDevnetProc(t, home, args...)
	deadline := time.Now().Add(90 * time.Second)
	for {
		b, _ := os.ReadFile(home + ".out")
		out := string(b[min(since, int64(len(b))):])
		if strings.Contains(out, "stop with Ctrl-C") {
			return p, out
		}
		if time.Now().After(deadline) {
			t.Fatalf("devnet did not start:\n%s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestDevnetProfileAcrossRestarts: a new devnet makes the profile
// "devnet" active, so that commands reach it without --home; a restart
// keeps the profile right without taking the active profile back; a
// reset devnet is active again with its new ports.
func TestDevnetProfileAcrossRestarts(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a devnet")
	}
	home := filepath.Join(t.TempDir(), "devnet")
	args := []string{"--nodes", "1", "--block-time", "200ms", "--rpc-port", "-1", "--p2p-port", "-1", "--node-port", "-1", "--miner-port", "-1"}
	path := config.Path(config.BaseDir(os.Getenv("HOME")))
	profile := func() (*config.File, config.Settings) {
		t.Helper()
		f, err := config.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		return f, f.Profiles["devnet"]
	}
	rpcOf := func() string {
		return "http://127.0.0.1:" + strconv.Itoa(devnetPorts(t, home).RPC)
	}

	p, out := startDevnetUp(t, home, args...)
	if !strings.Contains(out, "profile devnet is active") {
		t.Errorf("a new devnet does not say its profile is active:\n%s", out)
	}
	f, s := profile()
	if f.Active() != "devnet" || s != (config.Settings{Home: home, Node: rpcOf(), Key: "buyer", Miner: s.Miner, Trust: s.Trust}) || s.Miner == "" {
		t.Fatalf("after a new devnet: active %s, devnet %+v", f.Active(), s)
	}
	if _, err := client.ParseTrustRoot(s.Trust); err != nil {
		t.Fatalf("the devnet profile's trust root: %v", err)
	}
	// Commands reach the devnet without --home, and a proven read checks
	// its header from the profile's trust root.
	for _, c := range [][]string{{"status"}, {"query", "bank", "balance", "buyer"}, {"order", "list"}} {
		cell(t, c...)
	}
	// A trust root of another chain fails a proven read, naming the header.
	bad := "1:" + strings.Repeat("AB", 32)
	if out, err := exec.Command(cellBin, "query", "bank", "balance", "buyer", "--trust", bad).CombinedOutput(); err == nil || !strings.Contains(string(out), "block header does not verify") {
		t.Errorf("a proven read from a wrong trust root: %v\n%s", err, out)
	}
	if err := p.signal(syscall.SIGINT); err != nil {
		t.Fatalf("devnet: %v\n%s", err, p.output())
	}

	cell(t, "config", "use", "default")
	p, out = startDevnetUp(t, home, args...)
	if !strings.Contains(out, "cell config use devnet") {
		t.Errorf("a restarted devnet does not say how to use its profile:\n%s", out)
	}
	if f, s = profile(); f.Active() != "default" || s.Node != rpcOf() {
		t.Errorf("after a restart: active %s, devnet %+v", f.Active(), s)
	}
	if err := p.signal(syscall.SIGINT); err != nil {
		t.Fatalf("devnet: %v\n%s", err, p.output())
	}
	first := rpcOf()

	p, _ = startDevnetUp(t, home, append(args, "--reset")...)
	if f, s = profile(); f.Active() != "devnet" || s.Node != rpcOf() || s.Home != home {
		t.Errorf("after --reset: active %s, devnet %+v (before: node %s)", f.Active(), s, first)
	}
	if out, err := exec.Command(cellBin, "status").CombinedOutput(); err != nil {
		t.Errorf("status after --reset: %v\n%s", err, out)
	}
	if err := p.signal(syscall.SIGINT); err != nil {
		t.Fatalf("devnet: %v\n%s", err, p.output())
	}
}
