package chain

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// TestnetOptions describe a network of validators on one host.
type TestnetOptions struct {
	// Validators is the number of validator homes, node0 … node{N-1}.
	Validators int
	// Dir receives the homes.
	Dir string
	// Host is the address every node listens on (default 127.0.0.1).
	Host string
	// BasePort is node0's P2P port; node i uses BasePort+10i for P2P and
	// BasePort+10i+1 for RPC (default 26656).
	BasePort int
	// BlockTime is CometBFT's timeout_commit (0: CometBFT's default).
	BlockTime time.Duration
}

// TestnetNode is one home of a testnet.
type TestnetNode struct {
	Home  string
	Ports Ports
	Keys  HomeKeys
}

// Testnet writes the homes of a testnet: distinct ports, every node a
// persistent peer of every other, and one genesis shared by all, whose
// app_state genesis returns from the nodes' keys. It returns the nodes in
// order.
func Testnet(o TestnetOptions, chainID string, genesisTime time.Time, genesis func([]TestnetNode) (json.RawMessage, error)) ([]TestnetNode, error) {
	if o.Validators < 1 {
		return nil, fmt.Errorf("testnet: validators: must be at least 1, got %d", o.Validators)
	}
	if o.BasePort == 0 {
		o.BasePort = DefaultPorts.P2P
	}
	host := o.Host
	if host == "" {
		host = "127.0.0.1"
	}
	nodes := make([]TestnetNode, o.Validators)
	config := func(i int, peers string) NodeConfig {
		return NodeConfig{
			Moniker: fmt.Sprintf("node%d", i), Host: host, Ports: nodes[i].Ports,
			PersistentPeers: peers, BlockTime: o.BlockTime, Local: true,
		}
	}
	for i := range nodes {
		nodes[i].Home = filepath.Join(o.Dir, fmt.Sprintf("node%d", i))
		nodes[i].Ports = Ports{P2P: o.BasePort + 10*i, RPC: o.BasePort + 10*i + 1}
		keys, err := InitHome(nodes[i].Home, config(i, ""))
		if err != nil {
			return nil, fmt.Errorf("testnet: node%d: %w", i, err)
		}
		nodes[i].Keys = keys
	}
	for i := range nodes {
		var peers []string
		for j, n := range nodes {
			if j != i {
				peers = append(peers, fmt.Sprintf("%s@%s:%d", n.Keys.NodeID, host, n.Ports.P2P))
			}
		}
		if _, err := InitHome(nodes[i].Home, config(i, strings.Join(peers, ","))); err != nil {
			return nil, fmt.Errorf("testnet: node%d: %w", i, err)
		}
	}
	appState, err := genesis(nodes)
	if err != nil {
		return nil, fmt.Errorf("testnet: genesis: %w", err)
	}
	for _, n := range nodes {
		if err := WriteGenesis(n.Home, chainID, genesisTime, appState); err != nil {
			return nil, err
		}
	}
	return nodes, nil
}
