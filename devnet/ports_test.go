package devnet

import (
	"bytes"
	"context"
	"errors"
	"github.com/celltonomy/celltonomy/client"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cellconfig "github.com/celltonomy/celltonomy/client/config"

	"github.com/celltonomy/celltonomy/internal/freeport"
)

// occupy listens on a free port of 127.0.0.1 until the test ends and
// returns the port.
func occupy(t *testing.T) int {
	t.Helper()
	l := freeport.Listen(t)
	return l.Addr().(*net.TCPAddr).Port
}

func TestPickPorts(t *testing.T) {
	busy := occupy(t)
	free := freeport.Port(t)
	tests := []struct {
		name      string
		p, def    int
		wantPort  int // 0: any free port but busy
		wantMoved bool
		wantErr   string
	}{
		{name: "free default", def: free, wantPort: free},
		{name: "busy default: a free port instead", def: busy, wantMoved: true},
		{name: "-1: a free port", p: -1, def: busy},
		{name: "busy port asked for: an error naming the flag", p: busy, def: free, wantErr: "is not free"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := &reserved{}
			defer res.closeAll()
			port, err := res.pick(tt.p, tt.def, "--rpc-port", "the validator's RPC")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "--rpc-port") || !strings.Contains(err.Error(), strconv.Itoa(busy)) {
					t.Fatalf("pick = %d, %v; want an error naming port %d and --rpc-port", port, err, busy)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantPort != 0 && port != tt.wantPort || port == busy {
				t.Errorf("pick = %d, want %d (busy: %d)", port, tt.wantPort, busy)
			}
			if res.take(port) == nil {
				t.Errorf("port %d is not reserved", port)
			}
			if got := len(res.moved) == 1; got != tt.wantMoved {
				t.Fatalf("moved = %+v, want a move: %v", res.moved, tt.wantMoved)
			}
			if tt.wantMoved && (res.moved[0] != MovedPort{Flag: "--rpc-port", What: "the validator's RPC", Default: busy, Port: port}) {
				t.Errorf("moved = %+v", res.moved[0])
			}
		})
	}
}

// TestHoldNamesTheFlag: a resumed devnet whose port is busy fails with
// the flag to change.
func TestHoldNamesTheFlag(t *testing.T) {
	busy := occupy(t)
	for _, tt := range []struct {
		name string
		st   state
		flag string
	}{
		{"rpc", state{RPCPort: busy, P2PPort: freeport.Port(t)}, "--rpc-port"},
		{"p2p", state{RPCPort: freeport.Port(t), P2PPort: busy}, "--p2p-port"},
		{"node", state{RPCPort: freeport.Port(t), P2PPort: freeport.Port(t), NodePorts: []int{freeport.Port(t), busy}}, "--node-port"},
		{"miner", state{RPCPort: freeport.Port(t), P2PPort: freeport.Port(t), MinerPorts: []int{busy}}, "--miner-port"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := &reserved{}
			defer res.closeAll()
			err := res.hold(tt.st)
			if err == nil || !strings.Contains(err.Error(), tt.flag) || !strings.Contains(err.Error(), "--reset") {
				t.Fatalf("hold = %v, want an error naming %s and --reset", err, tt.flag)
			}
		})
	}
}

// quickOptions start a devnet of one node without packages, on free
// ports.
func quickOptions(home string) Options {
	return Options{Home: home, Nodes: 1, BlockTime: 100 * time.Millisecond, RPCPort: -1, P2PPort: -1, NodePort: -1, MinerPort: -1, Packages: []string{}}
}

// TestFailedFirstStartSavesNothing: a new devnet that fails to start
// leaves no devnet.json (nor keys, chain or node homes) that a retry
// would resume; a busy port of a resumed devnet is an error naming its
// flag, and leaves the devnet as it was.
func TestFailedFirstStartSavesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a devnet")
	}
	ctx := context.Background()
	home := filepath.Join(t.TempDir(), "devnet")

	// A busy port asked for fails before anything is written.
	o := quickOptions(home)
	o.RPCPort = occupy(t)
	if _, err := Start(ctx, o); err == nil || !strings.Contains(err.Error(), "--rpc-port") {
		t.Fatalf("Start on a busy --rpc-port = %v", err)
	}
	if _, err := os.Stat(home); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a failed first start left %s: %v", home, err)
	}

	// A failure after the home was written removes it all, but for what
	// was there before (the log the CLI opens first).
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "devnet.log"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	o = quickOptions(home)
	o.Packages = []string{filepath.Join(t.TempDir(), "no-such-package")}
	if _, err := Start(ctx, o); err == nil || !strings.Contains(err.Error(), "no-such-package") {
		t.Fatalf("Start with a missing package = %v", err)
	}
	entries, _ := os.ReadDir(home)
	if len(entries) != 1 || entries[0].Name() != "devnet.log" {
		t.Fatalf("a failed first start left %v in %s", entries, home)
	}

	// The retry creates the devnet afresh.
	d, err := Start(ctx, quickOptions(home))
	if err != nil {
		t.Fatal(err)
	}
	if !d.Created {
		t.Error("the retry resumed a devnet")
	}
	rpc, _ := url.Parse(d.RPC)
	rpcPort, _ := strconv.Atoi(rpc.Port())
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}

	// A busy port of a resumed devnet names its flag and changes nothing.
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(rpcPort)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Start(ctx, quickOptions(home))
	l.Close()
	if err == nil || !strings.Contains(err.Error(), "--rpc-port") || !strings.Contains(err.Error(), strconv.Itoa(rpcPort)) {
		t.Fatalf("resume with the RPC port busy = %v; want an error naming port %d and --rpc-port", err, rpcPort)
	}
	st, err := readState(home)
	if err != nil || st.RPCPort != rpcPort {
		t.Fatalf("after a failed resume: devnet.json = %+v, %v", st, err)
	}
}

// TestDevnetProfile: a new devnet writes the profile "devnet" and makes it
// active.
func TestDevnetProfile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a devnet")
	}
	home := filepath.Join(t.TempDir(), "devnet")
	path := filepath.Join(t.TempDir(), ".cell", cellconfig.FileName)
	o := quickOptions(home)
	o.ConfigFile = path
	d, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	if !d.Created || !d.ProfileActive {
		t.Errorf("Created %v, ProfileActive %v; want both", d.Created, d.ProfileActive)
	}
	f, _ := cellconfig.Load(path)
	trust := f.Profiles[Profile].Trust
	if _, err := client.ParseTrustRoot(trust); err != nil {
		t.Errorf("the profile's trust root: %v", err)
	}
	checkProfile(t, path, cellconfig.Settings{Home: home, Node: d.RPC, Key: KeyBuyer, Miner: d.Miners[0].Endpoint, Trust: trust}, true)
	// Commands of the profile read proven state from that root.
	c, err := client.New(d.RPC)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := client.ParseTrustRoot(trust)
	c.Trust(root)
	if _, _, err := c.ProvenBalance(context.Background(), d.Nodes[0].Operator); err != nil {
		t.Errorf("a proven read from the profile's trust root: %v", err)
	}
}

// TestWriteProfile: a resumed devnet brings the profile "devnet" up to
// date and leaves the active profile alone; a new one (as after a reset)
// makes it active again.
func TestWriteProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".cell", cellconfig.FileName)
	if _, err := cellconfig.Update(path, func(f *cellconfig.File) error {
		if err := f.Put("lab", cellconfig.Settings{Node: "http://10.0.0.1:26657"}); err != nil {
			return err
		}
		if err := f.Put(Profile, cellconfig.Settings{Home: "/old", Node: "http://127.0.0.1:1"}); err != nil {
			return err
		}
		return f.Use("lab")
	}); err != nil {
		t.Fatal(err)
	}
	d := &Devnet{Home: "rel/devnet", RPC: "http://127.0.0.1:41000", Miners: []MinerInfo{{Endpoint: "http://127.0.0.1:41001"}}}
	abs, _ := filepath.Abs("rel/devnet")
	trust := client.TrustRoot{Height: 3, Hash: bytes.Repeat([]byte{0xab}, 32)}
	want := cellconfig.Settings{Home: abs, Node: d.RPC, Key: KeyBuyer, Miner: "http://127.0.0.1:41001", Trust: trust.String()}
	if err := d.writeProfile(path, trust); err != nil {
		t.Fatal(err)
	}
	if d.ProfileActive {
		t.Error("a resumed devnet made its profile active")
	}
	checkProfile(t, path, want, false)

	d.Created, d.RPC = true, "http://127.0.0.1:42000"
	want.Node = d.RPC
	if err := d.writeProfile(path, trust); err != nil {
		t.Fatal(err)
	}
	if !d.ProfileActive {
		t.Error("a new devnet did not make its profile active")
	}
	checkProfile(t, path, want, true)
	if f, _ := cellconfig.Load(path); f.Profiles["lab"].Node != "http://10.0.0.1:26657" {
		t.Errorf("profile lab changed: %+v", f.Profiles["lab"])
	}
}

// checkProfile checks the profile "devnet" of the file at path and
// whether it is active.
func checkProfile(t *testing.T, path string, want cellconfig.Settings, active bool) {
	t.Helper()
	f, err := cellconfig.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Profiles[Profile]; got != want {
		t.Errorf("profile %s = %+v, want %+v", Profile, got, want)
	}
	if (f.Active() == Profile) != active {
		t.Errorf("active profile %s; want %s active: %v", f.Active(), Profile, active)
	}
}
