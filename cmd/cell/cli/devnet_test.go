package cli

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/internal/freeport"
)

// TestDevnetProfileCLI: `cell devnet` makes the profile "devnet" active,
// says so, and other commands then reach the devnet without --home.
func TestDevnetProfileCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a devnet")
	}
	h := userHome(t)
	out, errb := runDevnetCLI(t)
	if !strings.Contains(errb.String(), "profile devnet is active") {
		t.Errorf("devnet stderr does not say the profile is active:\n%s", errb.String())
	}
	if strings.Contains(out.String(), "--home") {
		t.Errorf("devnet suggests --home although its profile is active:\n%s", out.String())
	}
	home := filepath.Join(h, ".cell", "devnet")
	v := showConfig(t)
	if v.Profile.Value != "devnet" || v.Home.Value != home || v.Key.Value != "buyer" || !strings.HasPrefix(v.Node.Value, "http://127.0.0.1:") {
		t.Errorf("config show after cell devnet = %+v", v)
	}
	if _, errOut, code := cellNoHome(t, "status"); code != 0 {
		t.Errorf("status without --home: %s", errOut)
	}
	if _, errOut, code := cellNoHome(t, "query", "bank", "balance", "buyer"); code != 0 {
		t.Errorf("query bank balance buyer without --home: %s", errOut)
	}
}

// runDevnetCLI runs `cell devnet --nodes 1` (100 ms blocks, free ports) in
// this process until it is up, and returns its stdout and stderr; the
// devnet stops, and must stop cleanly, when the test ends.
func runDevnetCLI(t *testing.T) (out, errb *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errb = &lockedBuffer{}, &lockedBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"devnet", "--nodes", "1", "--block-time", "100ms", "--rpc-port", "-1", "--p2p-port", "-1", "--node-port", "-1", "--miner-port", "-1"}, out, errb)
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("devnet stopped with %d: %s", code, errb.String())
		}
	})
	deadline := time.Now().Add(90 * time.Second)
	for !strings.Contains(out.String(), "stop with Ctrl-C") {
		select {
		case code := <-done:
			done <- code
			t.Fatalf("devnet exited with %d: %s", code, errb.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("devnet did not start: %s", errb.String())
		}
	}
	return out, errb
}

// TestDevnetBusyPortCLI: a busy port asked for is an error naming its
// flag, and the failed first start saves no devnet.json.
func TestDevnetBusyPortCLI(t *testing.T) {
	h := userHome(t)
	l := freeport.Listen(t)
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	for _, flag := range []string{"--rpc-port", "--p2p-port", "--node-port", "--miner-port"} {
		args := map[string]string{"--rpc-port": "-1", "--p2p-port": "-1", "--node-port": "-1", "--miner-port": "-1"}
		args[flag] = port
		cmd := []string{"devnet", "--nodes", "1"}
		for _, f := range []string{"--rpc-port", "--p2p-port", "--node-port", "--miner-port"} {
			cmd = append(cmd, f, args[f])
		}
		_, errOut, code := cellNoHome(t, cmd...)
		if code != 1 || !strings.Contains(errOut, "port "+port) || !strings.Contains(errOut, "pass another "+flag) {
			t.Errorf("devnet %s %s (busy): code %d, %q", flag, port, code, errOut)
		}
		if _, err := os.Stat(filepath.Join(h, ".cell", "devnet", "devnet.json")); err == nil {
			t.Fatalf("a failed first start with a busy %s saved devnet.json", flag)
		}
		if _, err := os.Stat(filepath.Join(h, ".cell", "config.toml")); err == nil {
			t.Fatalf("a failed first start wrote the profile")
		}
	}
}
