package devnet

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/examples/botspecs"
	"github.com/celltonomy/celltonomy/node"
	"github.com/celltonomy/celltonomy/node/bot"
	"github.com/celltonomy/celltonomy/protocol"
)

// TestBotNode: node BotNode runs the simulated lab and announces its
// BotSpec id and autoprotocol/1, a node given skip-step runs it too, the
// others run none; the example protocol packages are registered with
// the digest.
func TestBotNode(t *testing.T) {
	s, err := protocol.ParseBotSpec(botspecs.Simlab)
	if err != nil {
		t.Fatal(err)
	}
	simlab, err := s.ID()
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir("..") // the repository, where DefaultPackageDirs looks
	dirs := DefaultPackageDirs()
	if len(dirs) != 1+len(ProtocolExamples)+len(ServiceExamples) {
		t.Fatalf("DefaultPackageDirs() = %q: want examples/digest, the protocol and the service examples (make examples)", dirs)
	}
	d, err := Start(context.Background(), Options{Home: t.TempDir(), Nodes: 3, BlockTime: 100 * time.Millisecond, RPCPort: -1, P2PPort: -1,
		NodePort: -1, MinerPort: -1, Node: []NodeOptions{{}, {}, {Fault: node.FaultSkipStep}}, Packages: dirs})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	ctx := context.Background()
	for i, n := range d.Nodes {
		st, err := d.Client.Node(ctx, n.NodeKey, 0)
		if err != nil {
			t.Fatal(err)
		}
		hasBot := i+1 == BotNode || n.Fault == node.FaultSkipStep
		announced := slices.ContainsFunc(st.GetNode().GetBotspecHashes(), func(h []byte) bool { return bytes.Equal(h, simlab[:]) })
		arch := slices.Contains(st.GetNode().GetArchitectures(), bot.Architecture)
		if announced != hasBot || arch != hasBot {
			t.Errorf("%s: announces the simulated lab %v, %s %v; want %v", n.Name, announced, bot.Architecture, arch, hasBot)
		}
		if hasBot != (len(n.Bots) == 1 && n.Bots[0].ID == simlab && n.Bots[0].Driver == "labsim") {
			t.Errorf("%s: Bots = %+v", n.Name, n.Bots)
		}
	}
	var names []string
	for _, p := range d.Packages {
		if _, err := d.Client.Package(ctx, p.ID[:]); err != nil {
			t.Errorf("package %s: %v", p.Name, err)
		}
		names = append(names, p.Name)
	}
	if want := append(append([]string{"digest"}, ProtocolExamples...), ServiceExamples...); !slices.Equal(names, want) {
		t.Errorf("packages %q, want %q", names, want)
	}
	if got := filepath.Base(d.Nodes[BotNode-1].Home); got != "node-1" {
		t.Errorf("the bot node's home %s", got)
	}
}
