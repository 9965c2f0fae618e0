package digestc

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/celltonomy/celltonomy/runtime/batch"
)

// TestCellRun builds digest-c and digest from their cell.toml files and
// runs both as `cell run` does (batch.RunLocal) on λ: the C package's
// output root is the Go package's.
func TestCellRun(t *testing.T) {
	pkgDir := func(manifest, name string, module []byte) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "cell.toml"), readFile(t, manifest), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), module, 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	run := func(dir string) *batch.LocalResult {
		res, err := batch.RunLocal(context.Background(), batch.Local{
			Package: dir,
			Inputs:  map[string]string{"genome": lambdaPath},
			Params:  map[string]string{"ENZYMES": "HindIII,EcoRI", "TOPOLOGY": "circular"},
		})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	c := run(pkgDir("cell.toml", "digest.wasm", cModule(t)))
	g := run(pkgDir("../digest/cell.toml", "digest.wasm", goModule(t)))
	if c.ExitCode != 0 || c.OutputRoot != g.OutputRoot {
		t.Errorf("C: exit %d root %x; Go: exit %d root %x; C stderr %q", c.ExitCode, c.OutputRoot, g.ExitCode, g.OutputRoot, c.Stderr)
	}
	if arch := c.Package.Spec().Architectures(); !slices.Equal(arch, []string{"wasm32-wasip1"}) {
		t.Errorf("architectures %q", arch)
	}
	if c.Package.ID() == g.Package.ID() {
		t.Error("the C and Go packages have one id")
	}
}
