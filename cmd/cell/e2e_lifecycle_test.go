package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/client/keyring"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// lifecycle is a devnet and a buyer's cell commands against it.
type lifecycle struct {
	t      *testing.T
	home   string
	pkg    string
	genome string
	c      *client.Client
	buyer  address.Address
}

// cellRun runs `cell ARGS --home HOME` to completion and returns its
// stdout, stderr and exit code.
func (l *lifecycle) cellRun(args ...string) (string, string, int) {
	l.t.Helper()
	cmd := exec.Command(cellBin, append(args, "--home", l.home)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		l.t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

// interrupt runs `cell order run` with --output json, sends it SIGINT as
// soon as it reports the step kind, and returns the order id, the exit
// code and the stderr.
func (l *lifecycle) interrupt(kind string, args ...string) (uint64, int, string) {
	l.t.Helper()
	cmd := exec.Command(cellBin, append([]string{"order", "run", l.pkg, "--home", l.home, "--output", "json"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		l.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		l.t.Fatal(err)
	}
	var id uint64
	sent := false
	var seen []string
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var s struct {
			Step    string `json:"step"`
			OrderID uint64 `json:"order_id"`
		}
		if json.Unmarshal(sc.Bytes(), &s) != nil {
			continue
		}
		seen = append(seen, s.Step)
		if s.OrderID != 0 {
			id = s.OrderID
		}
		if s.Step == kind && !sent {
			sent = true
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				l.t.Fatal(err)
			}
		}
	}
	io.Copy(io.Discard, out)
	err = cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		l.t.Fatal(err)
	}
	if !sent {
		l.t.Fatalf("order run never reported step %q (steps %v): exit %d\n%s", kind, seen, code, stderr.String())
	}
	return id, code, stderr.String()
}

func (l *lifecycle) balance(a address.Address) uint64 {
	l.t.Helper()
	b, err := l.c.Balance(context.Background(), a)
	if err != nil {
		l.t.Fatal(err)
	}
	return b
}

// lastOrderID returns the order id of `cell order run`'s text summary.
func lastOrderID(t *testing.T, stdout string) uint64 {
	t.Helper()
	for _, line := range strings.Split(stdout, "\n") {
		if rest, ok := strings.CutPrefix(line, "created order "); ok {
			id, err := strconv.ParseUint(strings.Fields(rest)[0], 10, 64)
			if err == nil {
				return id
			}
		}
	}
	t.Fatalf("no order id in:\n%s", stdout)
	return 0
}

func (l *lifecycle) order(id uint64) *ledgerpb.Order {
	l.t.Helper()
	r, err := l.c.Order(context.Background(), id)
	if err != nil {
		l.t.Fatal(err)
	}
	return r.Order
}

// TestOrderLifecycle is a buyer's path through interruptions, tried as a
// new user would with a real devnet and the real bin/cell: Ctrl-C at each
// step of an order, then `cell order attach` completes it and the
// provider is paid, never slashed; --detach then attach; logs and get; a
// package run that fails exits non-zero and is not rated by itself; an
// order of a package directory that differs from the registered one of
// its name says so and what to do.
func TestOrderLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a devnet")
	}
	pkgDir, genome, home, p, ports := startDigestDevnet(t, 1)
	c, err := client.New(fmt.Sprintf("http://127.0.0.1:%d", ports.RPC))
	if err != nil {
		t.Fatal(err)
	}
	kr, err := keyring.Open(keyring.Dir(home))
	if err != nil {
		t.Fatal(err)
	}
	buyerInfo, err := kr.Show("buyer")
	if err != nil {
		t.Fatal(err)
	}
	l := &lifecycle{t: t, home: home, pkg: pkgDir, genome: genome, c: c, buyer: buyerInfo.Address}
	out := t.TempDir()
	orderArgs := []string{"--input", "genome=" + genome, "--param", "ENZYMES=EcoRI", "--max-price", "5000", "--out", out, "--no-wait-final"}
	params, err := c.Params(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	t.Run("Ctrl-C at each step, then attach completes the order", func(t *testing.T) {
		vendor, err := kr.Show("vendor-1")
		if err != nil {
			t.Fatal(err)
		}
		vendorBefore := l.balance(vendor.Address)
		var payments, orders uint64
		defer func() {
			// The provider was paid for every order and lost no stake:
			// its balance rose by at least the payments less the fees of
			// its own transactions (bid, delivery, rating reveal: at most
			// 4 per order, a renewal of its announce included); a slashed
			// bid stake (min_bid_stake or more) would take it below. It
			// may rise by more: vendor-1 runs the devnet's validator.
			got := int64(l.balance(vendor.Address)) - int64(vendorBefore)
			if low := int64(payments) - int64(4*orders*params.MinFee); got < low {
				t.Errorf("the provider's balance changed by %d ucell, want at least %d (payments %d)", got, low, payments)
			}
			t.Logf("provider: balance %+d ucell over %d orders paying %d", got, orders, payments)
		}()
		for _, step := range []string{"created", "awarded", "delivered", "written"} {
			before := l.balance(l.buyer)
			id, code, stderr := l.interrupt(step, orderArgs...)
			if id == 0 {
				t.Fatalf("Ctrl-C after %s: no order id; exit %d\n%s", step, code, stderr)
			}
			if o := l.order(id); o.State == ledgerpb.OrderState_ORDER_STATE_CLOSED && o.GetRatings().GetBuyerRevealed() {
				// The order ended before the signal landed: a success, exit 0.
				if code != 0 {
					t.Errorf("Ctrl-C after %s: order %d ended well, exit %d\n%s", step, id, code, stderr)
				}
			} else {
				if code != 130 || !strings.Contains(stderr, fmt.Sprintf("cell order attach %d", id)) {
					t.Errorf("Ctrl-C after %s: exit %d, want 130 and how to resume:\n%s", step, code, stderr)
				}
				for _, raw := range []string{"jsonrpc", "RPC error", "context canceled\n"} {
					if strings.Contains(stderr, raw) {
						t.Errorf("Ctrl-C after %s: stderr shows %q:\n%s", step, raw, stderr)
					}
				}
			}
			t.Logf("Ctrl-C after %s: order %d, exit %d: %s", step, id, code, strings.TrimSpace(stderr))
			stdout, stderr, code := l.cellRun("order", "attach", strconv.FormatUint(id, 10))
			if code != 0 {
				t.Fatalf("attach %d after Ctrl-C at %s: exit %d\n%s\n%s", id, step, code, stdout, stderr)
			}
			o := l.order(id)
			if o.State != ledgerpb.OrderState_ORDER_STATE_CLOSED || !o.GetRatings().GetBuyerRevealed() || o.GetRatings().GetBuyerStars() != 5 {
				t.Fatalf("order %d after attach: %v, ratings %v: want closed with the buyer's 5 stars revealed", id, o.State, o.GetRatings())
			}
			if _, err := os.Stat(filepath.Join(out, strconv.FormatUint(id, 10), "outputs", "fragments.json")); err != nil {
				t.Errorf("order %d: results not written: %v", id, err)
			}
			// The provider was paid its price: the buyer paid exactly the
			// price and its transactions (create, close, reveal), no
			// refund of a failed order, no slashing.
			txs := uint64(3)
			if o.Contract.InputReceiptHeight > 0 {
				txs++
			}
			if got, want := before-l.balance(l.buyer), o.Contract.Price+txs*params.MinFee; got != want {
				t.Errorf("order %d (Ctrl-C after %s): the buyer paid %d ucell, want price %d + %d fees", id, step, got, o.Contract.Price, txs)
			}
			payments += o.GetRatings().GetPayment()
			orders++
			if o.FailReason != ledgerpb.FailReason_FAIL_REASON_UNSPECIFIED {
				t.Errorf("order %d: fail reason %v", id, o.FailReason)
			}
		}
	})

	t.Run("Ctrl-C while only the final ratings are pending exits 0", func(t *testing.T) {
		args := slices.DeleteFunc(slices.Clone(orderArgs), func(a string) bool { return a == "--no-wait-final" })
		id, code, stderr := l.interrupt("revealed", args...)
		if code != 0 {
			t.Errorf("Ctrl-C after the reveal: exit %d, want 0\n%s", code, stderr)
		}
		if o := l.order(id); o.State != ledgerpb.OrderState_ORDER_STATE_CLOSED || !o.GetRatings().GetBuyerRevealed() {
			t.Errorf("order %d: %v, ratings %v", id, o.State, o.GetRatings())
		}
	})

	t.Run("detach, logs, attach, get", func(t *testing.T) {
		stdout, stderr, code := l.cellRun(append([]string{"order", "run", pkgDir, "--detach"}, orderArgs...)...)
		if code != 0 {
			t.Fatalf("order run --detach: exit %d\n%s\n%s", code, stdout, stderr)
		}
		id := lastOrderID(t, stdout)
		if o := l.order(id); o.State != ledgerpb.OrderState_ORDER_STATE_AWARDED && o.State != ledgerpb.OrderState_ORDER_STATE_DELIVERED {
			t.Fatalf("order %d after --detach: %v, want awarded (or delivered already)", id, o.State)
		}
		stdout, stderr, code = l.cellRun("order", "logs", strconv.FormatUint(id, 10), "--follow")
		if code != 0 || !strings.Contains(stdout, "run-started") || !strings.Contains(stdout, "inputs-verified") {
			t.Fatalf("order logs --follow: exit %d\n%s\n%s", code, stdout, stderr)
		}
		stdout, stderr, code = l.cellRun("order", "attach", strconv.FormatUint(id, 10))
		if code != 0 || !strings.Contains(stdout, "closed") {
			t.Fatalf("order attach: exit %d\n%s\n%s", code, stdout, stderr)
		}
		stdout, stderr, code = l.cellRun("order", "logs", strconv.FormatUint(id, 10))
		if code != 0 || !strings.Contains(stdout, "the head delivered on chain is event") {
			t.Errorf("order logs: exit %d\n%s\n%s", code, stdout, stderr)
		}
		again := t.TempDir()
		stdout, stderr, code = l.cellRun("order", "get", strconv.FormatUint(id, 10), "--out", again)
		if code != 0 {
			t.Fatalf("order get: exit %d\n%s\n%s", code, stdout, stderr)
		}
		first, err1 := os.ReadFile(filepath.Join(out, strconv.FormatUint(id, 10), "outputs", "fragments.json"))
		second, err2 := os.ReadFile(filepath.Join(again, strconv.FormatUint(id, 10), "outputs", "fragments.json"))
		if err1 != nil || err2 != nil || !bytes.Equal(first, second) {
			t.Errorf("get wrote other results: %v, %v", err1, err2)
		}
	})

	t.Run("a failing package run exits with its code and is not rated by itself", func(t *testing.T) {
		failArgs := []string{"--input", "genome=" + genome, "--param", "ENZYMES=EcoR1", "--max-price", "5000", "--out", out, "--no-wait-final"}
		stdout, stderr, code := l.cellRun(append([]string{"order", "run", pkgDir}, failArgs...)...)
		if code != 2 || !strings.Contains(stdout+stderr, "closest known: EcoRI") {
			t.Fatalf("failing run: exit %d (want the package's 2), stderr not shown:\n%s\n%s", code, stdout, stderr)
		}
		id := lastOrderID(t, stdout)
		if o := l.order(id); o.State != ledgerpb.OrderState_ORDER_STATE_DELIVERED || o.GetRatings() != nil {
			t.Fatalf("order %d: %v, ratings %v: want left delivered, unrated", id, o.State, o.GetRatings())
		}
		// The buyer decides later: attach with --on-failure close pays
		// and rates 3 stars, still exiting with the package's code.
		stdout, stderr, code = l.cellRun("order", "attach", strconv.FormatUint(id, 10), "--on-failure", "close")
		if code != 2 {
			t.Errorf("attach --on-failure close: exit %d, want 2\n%s\n%s", code, stdout, stderr)
		}
		if o := l.order(id); o.State != ledgerpb.OrderState_ORDER_STATE_CLOSED || o.GetRatings().GetBuyerStars() != 3 {
			t.Errorf("order %d: %v, ratings %v: want closed at 3 stars", id, o.State, o.GetRatings())
		}
	})

	t.Run("a package that differs from the registered one of its name", func(t *testing.T) {
		dir := t.TempDir()
		for _, f := range []string{"cell.toml", "digest.wasm"} {
			b, err := os.ReadFile(filepath.Join(pkgDir, f))
			if err != nil {
				t.Fatal(err)
			}
			if f == "cell.toml" {
				b = bytes.Replace(b, []byte("Restriction digest"), []byte("A rebuilt restriction digest"), 1)
			}
			if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		before := l.balance(l.buyer)
		stdout, stderr, code := l.cellRun(append([]string{"order", "run", dir}, orderArgs...)...)
		for _, want := range []string{"differs from the registered package digest 1.0.0", "order the registered package by its id", "rebuild", "new version"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("exit %d, the error lacks %q:\n%s\n%s", code, want, stdout, stderr)
			}
		}
		if code != 2 || l.balance(l.buyer) != before {
			t.Errorf("exit %d, want 2 and no funds moved", code)
		}
	})

	if err := p.signal(syscall.SIGINT); err != nil {
		t.Fatalf("devnet did not stop cleanly: %v\n%s", err, p.output())
	}
	if err := chain.CheckInvariants(home); err != nil {
		t.Fatalf("ledger invariants: %v", err)
	}
}
