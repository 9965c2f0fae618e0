package digestrust

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/celltonomy/celltonomy/internal/digesttest"
	"github.com/celltonomy/celltonomy/runtime/batch"
)

// TestCellRun builds digest-rust and digest from their cell.toml files and
// runs both as `cell run` does (batch.RunLocal) on λ, and an error case
// (an unknown enzyme) the same way: the Rust package's output roots, exit
// codes and messages are the Go package's.
func TestCellRun(t *testing.T) {
	pkgDir := func(manifest, name string, module []byte) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "cell.toml"), digesttest.ReadFile(t, manifest), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), module, 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	rustDir := pkgDir("cell.toml", "digest.wasm", rustModule(t))
	goDir := pkgDir("../digest/cell.toml", "digest.wasm", digesttest.GoModule(t))
	run := func(dir string, params map[string]string) *batch.LocalResult {
		res, err := batch.RunLocal(context.Background(), batch.Local{
			Package: dir,
			Inputs:  map[string]string{"genome": digesttest.LambdaPath},
			Params:  params,
		})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	for _, params := range []map[string]string{
		{"ENZYMES": "HindIII,EcoRI", "TOPOLOGY": "circular"},
		{"ENZYMES": "HindIII,EcoR1"},
	} {
		r, g := run(rustDir, params), run(goDir, params)
		if r.ExitCode != g.ExitCode || r.OutputRoot != g.OutputRoot || string(r.Stderr) != string(g.Stderr) {
			t.Errorf("%v: Rust: exit %d root %x stderr %q; Go: exit %d root %x stderr %q", params,
				r.ExitCode, r.OutputRoot, r.Stderr, g.ExitCode, g.OutputRoot, g.Stderr)
		}
		if params["ENZYMES"] == "HindIII,EcoRI" && r.ExitCode != 0 {
			t.Errorf("exit %d", r.ExitCode)
		}
		if arch := r.Package.Spec().Architectures(); !slices.Equal(arch, []string{"wasm32-wasip1"}) {
			t.Errorf("architectures %q", arch)
		}
		if r.Package.ID() == g.Package.ID() {
			t.Error("the Rust and Go packages have one id")
		}
	}
}
