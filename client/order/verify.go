package order

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/runtime/outputroot"
)

// Verification failures, matched with errors.Is: Run disputes the
// delivery on ErrOutputMismatch (claim wrong result) and
// ErrCompletionMismatch (claim not received), not on ErrNotVerifiable.
var (
	// ErrOutputMismatch: a file does not hash to its manifest entry, the
	// exit code is not the one the delivery states, or the recomputed
	// output root is not the root delivered on chain.
	ErrOutputMismatch = errors.New("outputs do not match the delivered output root")
	// ErrCompletionMismatch: the completion code does not match the
	// delivery's commitment.
	ErrCompletionMismatch = errors.New("completion code does not match the delivery's commitment")
	// ErrNotVerifiable: the delivered run did not exit, and the buyer has
	// no OutcomeRootFunc to recompute the root of such a run; the
	// completion code did verify.
	ErrNotVerifiable = errors.New("the outputs of a run that did not exit cannot be verified locally")
)

// Download fetches the results of order id from the node behind gw: the
// manifest with the completion code, then every file by its SHA-256. It
// does not verify them; see Verify.
func Download(ctx context.Context, gw *nodeapi.Client, id uint64) (nodeapi.Outputs, map[string][]byte, error) {
	out, err := gw.Outputs(ctx, id)
	if err != nil {
		return out, nil, fmt.Errorf("outputs of order %d: %w", id, err)
	}
	files := map[string][]byte{}
	for _, f := range out.Files {
		if _, ok := files[f.SHA256]; ok {
			continue
		}
		data, err := gw.OutputFile(ctx, id, f.SHA256, f.Size)
		if err != nil {
			return out, nil, fmt.Errorf("output %s of order %d: %w", f.Path, id, err)
		}
		files[f.SHA256] = data
	}
	return out, files, nil
}

// Verify checks the results of order id against its delivery d on chain
// (not against the node's claims): each file of the manifest has its size
// and SHA-256 (files maps the hex SHA-256 a file was requested by to the
// bytes received); the output root recomputed for the run's result
// equals d's output root; and market.CompletionCommitment(id, code)
// equals d's completion commitment.
//
// The root of a run that exited (or of a delivery that states no result)
// is runtime/outputroot's Compute over the exit code — which must be the
// one d states — stdout, stderr and the files. The root of a run that
// did not exit (a trap or a limit) covers only its result, stdout and
// stderr; outcomeRoot computes it, and without one Verify checks
// everything else and returns ErrNotVerifiable. Errors wrap
// ErrOutputMismatch, ErrCompletionMismatch or ErrNotVerifiable and name
// the file or field.
func Verify(id uint64, d *ledgerpb.Delivery, out nodeapi.Outputs, files map[string][]byte, outcomeRoot OutcomeRootFunc) error {
	var entries []outputroot.File
	for _, f := range out.Files {
		data, ok := files[f.SHA256]
		if !ok {
			return fmt.Errorf("%w: output %s: not downloaded", ErrOutputMismatch, f.Path)
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != f.SHA256 {
			return fmt.Errorf("%w: output %s: SHA-256 %x, the manifest says %s", ErrOutputMismatch, f.Path, sum, f.SHA256)
		}
		if int64(len(data)) != f.Size {
			return fmt.Errorf("%w: output %s: %d bytes, the manifest says %d", ErrOutputMismatch, f.Path, len(data), f.Size)
		}
		entries = append(entries, outputroot.File{Path: f.Path, Size: f.Size, SHA256: sum})
	}
	var unverified error
	var root [32]byte
	var err error
	switch r := d.GetResult(); {
	case r == ledgerpb.RunResult_RUN_RESULT_EXITED && out.ExitCode != d.GetExitCode():
		return fmt.Errorf("%w: exit_code %d, the delivery on chain states %d", ErrOutputMismatch, out.ExitCode, d.GetExitCode())
	case exited(r):
		root, err = outputroot.Compute(out.ExitCode, out.Stdout, out.Stderr, entries)
	case outcomeRoot == nil:
		unverified = fmt.Errorf("%w (result %s)", ErrNotVerifiable, market.RunResultName(r))
	default:
		root, err = outcomeRoot(r, out.Stdout, out.Stderr)
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrOutputMismatch, err)
	}
	if unverified == nil && !bytes.Equal(root[:], d.GetOutputRoot()) {
		return fmt.Errorf("%w: computed root %x, delivered on chain %x (the node claims %s)", ErrOutputMismatch, root, d.GetOutputRoot(), out.OutputRoot)
	}
	code, err := hex.DecodeString(out.CompletionCode)
	if err != nil || len(code) < market.MinCompletionCodeBytes || len(code) > market.MaxCompletionCodeBytes {
		return fmt.Errorf("%w: completion_code: want %d to %d bytes in hex", ErrCompletionMismatch, market.MinCompletionCodeBytes, market.MaxCompletionCodeBytes)
	}
	if c := market.CompletionCommitment(id, code); !bytes.Equal(c[:], d.GetCompletionCommitment()) {
		return fmt.Errorf("%w: order %d", ErrCompletionMismatch, id)
	}
	return unverified
}

// Receipt is OUTDIR/ORDER_ID/receipt.json: what the outputs are and the
// output root delivered on chain.
type Receipt struct {
	OrderID    uint64 `json:"order_id"`
	OutputRoot string `json:"output_root"`
	// Result is how the run ended, as the node states it (exited, trap,
	// fuel-limit, …).
	Result   string               `json:"result,omitempty"`
	ExitCode uint32               `json:"exit_code"`
	Files    []nodeapi.OutputFile `json:"files"`
}

// WriteOutputs writes verified results of order id under dir/ID/:
//
//	outputs/PATH   each file the run left under /outputs
//	stdout.txt     the run's standard output
//	stderr.txt     the run's standard error
//	receipt.json   a Receipt
//
// and returns dir/ID. Paths were checked by Verify (runtime/outputroot
// rules: relative, no "..", no empty segment), so a file cannot land
// outside dir/ID/outputs.
func WriteOutputs(dir string, id uint64, out nodeapi.Outputs, files map[string][]byte) (string, error) {
	base := filepath.Join(dir, strconv.FormatUint(id, 10))
	if err := os.MkdirAll(filepath.Join(base, "outputs"), 0o755); err != nil {
		return "", err
	}
	for _, f := range out.Files {
		if err := outputroot.ValidatePath(f.Path); err != nil {
			return "", err
		}
		p := filepath.Join(base, "outputs", filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(p, files[f.SHA256], 0o644); err != nil {
			return "", err
		}
	}
	if err := os.WriteFile(filepath.Join(base, "stdout.txt"), out.Stdout, 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(base, "stderr.txt"), out.Stderr, 0o644); err != nil {
		return "", err
	}
	rc, err := json.MarshalIndent(Receipt{OrderID: id, OutputRoot: out.OutputRoot, Result: out.Result, ExitCode: out.ExitCode, Files: out.Files}, "", "  ")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(base, "receipt.json"), append(rc, '\n'), 0o644); err != nil {
		return "", err
	}
	return base, nil
}
