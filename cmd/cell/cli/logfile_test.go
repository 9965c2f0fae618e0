package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cfg "github.com/cometbft/cometbft/config"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/internal/freeport"
)

// TestLogFileRotates: --log-file rotates at --log-max-mb and keeps
// --log-backups old files: 3.5 MB written at 1 MB a file leave a current
// file under 1 MB and two old ones.
func TestLogFileRotates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "node.log")
	lf := logFlags{file: path, maxMB: 1, backups: 2}
	w, err := lf.open(os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	line := []byte(strings.Repeat("x", 99) + "\n")
	for range 35_000 {
		if _, err := w.Write(line); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Size() > 1<<20 || fi.Size() == 0 {
		t.Fatalf("current log: %v, %v", fi, err)
	}
	// Old files are renamed, then gzipped and pruned in the background.
	deadline := time.Now().Add(10 * time.Second)
	for {
		old, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "node-*.log.gz"))
		raw, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "node-*.log"))
		if len(old) == 2 && len(raw) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("old logs: gzipped %v, not gzipped %v; want 2 gzipped", old, raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestLogFileFlags: the rotation flags are checked, with a usage error
// naming the flag.
func TestLogFileFlags(t *testing.T) {
	for _, args := range [][]string{
		{"start", "--log-max-mb", "0"},
		{"start", "--log-file", "x.log", "--log-backups", "-1"},
	} {
		_, stderr, code := cell(t, args...)
		if code != 2 || !strings.Contains(stderr, "--log-") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and the flag named", args, code, stderr)
		}
	}
}

// TestStartLogFile: `cell start --log-file` runs a node whose CometBFT
// log goes to the file, not stderr.
func TestStartLogFile(t *testing.T) {
	home := t.TempDir()
	var out, errb bytes.Buffer
	if code := Run(context.Background(), []string{"--home", home, "init", "--chain-id", "logs", "--dev", "--moniker", "logs"}, &out, &errb); code != 0 {
		t.Fatalf("init: %d %s", code, errb.String())
	}
	c, err := chain.LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	ports := freeport.Ports(t, 2)
	c.P2P.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", ports[0])
	c.RPC.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", ports[1])
	cfg.WriteConfigFile(filepath.Join(home, "config", "config.toml"), c)
	logPath := filepath.Join(home, "node.log")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	errb.Reset()
	go func() { done <- Run(ctx, []string{"--home", home, "start", "--log-file", logPath}, &out, &errb) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, _ := os.ReadFile(logPath)
		if bytes.Contains(b, []byte("Received complete proposal block")) {
			break
		}
		if time.Now().After(deadline) {
			cancel()
			<-done
			t.Fatalf("no block in the log file after 30 s; file %d bytes, stderr %s", len(b), errb.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("start: exit %d: %s", code, errb.String())
	}
	if strings.Contains(errb.String(), "Received complete proposal block") || !strings.Contains(errb.String(), "running") {
		t.Fatalf("stderr: %q; want the start line only", errb.String())
	}
}
