package demo

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/devnet"
	"github.com/celltonomy/celltonomy/internal/testhome"
)

func TestMain(m *testing.M) {
	cleanup, err := testhome.Setup()
	if err != nil {
		panic(err)
	}
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// TestRun runs the demo as `cell demo` does: a real devnet, a real order,
// the digest verified, the devnet stopped and its directory removed.
func TestRun(t *testing.T) {
	if len(devnet.DefaultPackageDirs()) == 0 {
		t.Fatal("examples/digest/digest.wasm is missing: run make examples first")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var said []string
	res, err := Run(ctx, Options{Say: func(format string, args ...any) { said = append(said, fmt.Sprintf(format, args...)) }})
	if err != nil {
		t.Fatal(err)
	}
	o := res.Order
	if o.State != "closed" || !o.Verified || o.ExitCode != 0 || !strings.Contains(o.Stdout, "EcoRI") {
		t.Errorf("order %d: state %s, verified %v, exit %d, stdout %q", o.OrderID, o.State, o.Verified, o.ExitCode, o.Stdout)
	}
	if o.Heights.Created == 0 || o.Heights.Awarded <= o.Heights.Created || o.Heights.Closed <= o.Heights.Awarded {
		t.Errorf("heights %+v", o.Heights)
	}
	if len(res.Steps) == 0 || !strings.HasPrefix(res.Devnet.ChainID, devnet.ChainIDPrefix+"-") {
		t.Errorf("%d steps, chain %q", len(res.Steps), res.Devnet.ChainID)
	}
	if len(said) < 3 || !strings.HasPrefix(said[0], "starting a devnet in "+res.Dir) {
		t.Errorf("progress lines: %q", said)
	}
	if _, err := os.Stat(res.Dir); !os.IsNotExist(err) {
		t.Errorf("the demo's directory %s is still there (%v)", res.Dir, err)
	}
}

func TestRunBadGenome(t *testing.T) {
	if len(devnet.DefaultPackageDirs()) == 0 {
		t.Fatal("examples/digest/digest.wasm is missing: run make examples first")
	}
	_, err := Run(context.Background(), Options{Genome: "/nonexistent/genome.fa"})
	if err == nil || !strings.Contains(err.Error(), "genome") || !strings.Contains(err.Error(), "/nonexistent/genome.fa") {
		t.Fatalf("err = %v, want one naming the genome file", err)
	}
}
