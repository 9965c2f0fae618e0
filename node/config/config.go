package config

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/celltonomy/celltonomy/spec"
)

// FileName is the name of the configuration file in a node's home.
const FileName = "node.toml"

// Defaults of Default.
const (
	DefaultNodeKeyFile = "node_key.json"
	DefaultOperatorKey = "operator"
	DefaultChainRPC    = "http://127.0.0.1:26657"
	DefaultListen      = "127.0.0.1:26680"
	DefaultEndpoint    = "http://127.0.0.1:26680"
	DefaultCapacity    = 2
	// DefaultInputWaitBlocks is how long, in blocks after an award, a job
	// waiting for its inputs holds one of the node's capacity slots.
	DefaultInputWaitBlocks = 10
	DefaultDataDir         = "data"
	// DefaultPrice is the default base, minimum and floor, in ucell.
	DefaultPrice = 1000
)

// MaxStakeMarginBps bounds pricing.stake_ratio_margin_bps: at most the
// whole price again.
const MaxStakeMarginBps = 10_000

// Config is the content of node.toml. The zero Config is not valid; start
// from Default or Load.
type Config struct {
	// NodeKeyFile is the path of the node's ed25519 key file; relative to
	// the home when not absolute.
	NodeKeyFile string `toml:"node_key_file"`
	// OperatorKey is the keyring name of the account that signs the node's
	// transactions (registration, bids, deliveries).
	OperatorKey string `toml:"operator_key"`
	// ChainRPC is the http(s) URL of a CometBFT RPC server.
	ChainRPC string `toml:"chain_rpc"`
	// Listen is the host:port the node's HTTP server binds.
	Listen string `toml:"listen"`
	// Endpoint is the public http(s) URL announced in the registry, at
	// which buyers and other nodes reach Listen.
	Endpoint string `toml:"endpoint"`
	// Architectures are the tags the node runs; each is in
	// spec.Architectures.
	Architectures []string `toml:"architectures"`
	// Capacity is the number of jobs the node runs at once; at least 1.
	Capacity int `toml:"capacity"`
	// InputWaitBlocks is how long, in blocks after an award, a job
	// waiting for the buyer's inputs counts against Capacity; after it
	// the node bids on other orders, and the job still takes the inputs
	// until the contract's input deadline. At least 1.
	InputWaitBlocks int `toml:"input_wait_blocks"`
	// DataDir holds blobs and jobs; relative to the home when not absolute.
	DataDir string `toml:"data_dir"`
	// Pricing is the node's pricing policy, used by node/bid.
	Pricing Pricing `toml:"pricing"`
	// Verifier says whether the node serves as a dispute verifier.
	Verifier Verifier `toml:"verifier"`
	// MinerURL is the http(s) URL of a reputation miner's HTTP API, from
	// which the node fetches its own reputation proofs to carry in its
	// bids; empty: bids carry no proof.
	MinerURL string `toml:"miner_url,omitempty"`
}

// Pricing is the [pricing] table. Every amount is in ucell, from 0 to
// math.MaxInt64 (the range of a TOML integer). The asking
// price of an order is PerPackage[id] when set, else Base + PerInputMiB ×
// ceil(input MiB); then at least Minimum. node/bid caps it at the order's
// max price and never bids below Floor.
type Pricing struct {
	// PerPackage maps a package id (64 lowercase hex digits) to a fixed
	// price. Optional.
	PerPackage map[string]uint64 `toml:"per_package,omitempty"`
	// PerInputMiB is the price per started MiB of input. Zero means the
	// input size does not count.
	PerInputMiB uint64 `toml:"per_input_mib"`
	// Base is the price of a run before input size.
	Base uint64 `toml:"base"`
	// Minimum is the lowest asking price; at least 1, since the chain
	// refuses a zero price (market.md: "Bid").
	Minimum uint64 `toml:"minimum"`
	// Floor is the price the node never bids below, even when the order's
	// max price is under Minimum; at most Minimum.
	Floor uint64 `toml:"floor"`
	// StakeRatioMarginBps is stake added above the chain's minimum bid
	// stake, in basis points of the price; at most MaxStakeMarginBps.
	StakeRatioMarginBps uint32 `toml:"stake_ratio_margin_bps"`
}

// Verifier is the [verifier] table.
type Verifier struct {
	// Enabled makes the node accept being drawn as a verifier in disputes.
	Enabled bool `toml:"enabled"`
	// Stake is the verifier stake in ucell; positive when Enabled.
	Stake uint64 `toml:"stake"`
}

// Default returns the default configuration of a node whose home is home,
// with NodeKeyFile and DataDir joined to home.
func Default(home string) *Config {
	return &Config{
		NodeKeyFile:     filepath.Join(home, DefaultNodeKeyFile),
		OperatorKey:     DefaultOperatorKey,
		ChainRPC:        DefaultChainRPC,
		Listen:          DefaultListen,
		Endpoint:        DefaultEndpoint,
		Architectures:   []string{spec.ArchWasm32WASIP1},
		Capacity:        DefaultCapacity,
		InputWaitBlocks: DefaultInputWaitBlocks,
		DataDir:         filepath.Join(home, DefaultDataDir),
		Pricing: Pricing{
			Base:    DefaultPrice,
			Minimum: DefaultPrice,
			Floor:   DefaultPrice,
		},
	}
}

// Load reads and validates HOME/node.toml. Absent keys keep Default's
// values; relative paths are joined to home. Errors: the file cannot be
// read (wrapping fs.ErrNotExist when it is missing), is not TOML, has
// unknown keys, or breaks a rule of Validate.
func Load(home string) (*Config, error) {
	text, err := os.ReadFile(filepath.Join(home, FileName))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", FileName, err)
	}
	return Parse(home, string(text))
}

// Parse is Load on the text of a node.toml.
func Parse(home, text string) (*Config, error) {
	c := Default(home)
	c.Architectures = nil // an array in the file replaces the default
	md, err := toml.Decode(text, c)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", FileName, err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		keys := make([]string, len(u))
		for i, k := range u {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("%s: unknown keys: %s", FileName, strings.Join(keys, ", "))
	}
	if !md.IsDefined("architectures") {
		c.Architectures = []string{spec.ArchWasm32WASIP1}
	}
	c.NodeKeyFile = resolve(home, c.NodeKeyFile)
	c.DataDir = resolve(home, c.DataDir)
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

func resolve(home, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(home, p)
}

// Validate checks every rule of the package doc and returns the first
// broken one, naming the key.
func (c *Config) Validate() error {
	fail := func(key string, value any, rule string) error {
		return fmt.Errorf("%s: %s %v: %s", FileName, key, value, rule)
	}
	switch {
	case c.NodeKeyFile == "":
		return fail("node_key_file", `""`, "must be set")
	case c.OperatorKey == "":
		return fail("operator_key", `""`, "must be set")
	}
	if err := checkURL(c.ChainRPC); err != nil {
		return fail("chain_rpc", strconv.Quote(c.ChainRPC), err.Error())
	}
	if err := checkHostPort(c.Listen); err != nil {
		return fail("listen", strconv.Quote(c.Listen), err.Error())
	}
	if err := checkURL(c.Endpoint); err != nil {
		return fail("endpoint", strconv.Quote(c.Endpoint), err.Error())
	}
	if c.MinerURL != "" {
		if err := checkURL(c.MinerURL); err != nil {
			return fail("miner_url", strconv.Quote(c.MinerURL), err.Error())
		}
	}
	if len(c.Architectures) == 0 {
		return fail("architectures", "[]", "must name at least one architecture")
	}
	for i, a := range c.Architectures {
		if !slices.Contains(spec.Architectures, a) {
			return fail("architectures", strconv.Quote(a), "unknown architecture (known: "+strings.Join(spec.Architectures, ", ")+")")
		}
		if slices.Contains(c.Architectures[:i], a) {
			return fail("architectures", strconv.Quote(a), "listed twice")
		}
	}
	if c.Capacity < 1 {
		return fail("capacity", c.Capacity, "must be at least 1")
	}
	if c.InputWaitBlocks < 1 {
		return fail("input_wait_blocks", c.InputWaitBlocks, "must be at least 1")
	}
	if c.DataDir == "" {
		return fail("data_dir", `""`, "must be set")
	}
	p := c.Pricing
	for _, k := range sortedKeys(p.PerPackage) {
		id, err := spec.ParseID(k)
		if err != nil || id.String() != k {
			return fail("pricing.per_package", strconv.Quote(k), "must be a package id of 64 lowercase hex digits")
		}
		if err := checkAmount(p.PerPackage[k]); err != nil {
			return fail("pricing.per_package."+k, int64(p.PerPackage[k]), err.Error())
		}
	}
	for _, a := range []struct {
		key string
		v   uint64
	}{
		{"pricing.per_input_mib", p.PerInputMiB},
		{"pricing.base", p.Base},
		{"pricing.minimum", p.Minimum},
		{"pricing.floor", p.Floor},
		{"verifier.stake", c.Verifier.Stake},
	} {
		if err := checkAmount(a.v); err != nil {
			return fail(a.key, int64(a.v), err.Error())
		}
	}
	switch {
	case p.Minimum < 1:
		return fail("pricing.minimum", p.Minimum, "must be at least 1 (the chain refuses a zero price)")
	case p.Floor > p.Minimum:
		return fail("pricing.floor", p.Floor, fmt.Sprintf("must be at most pricing.minimum %d", p.Minimum))
	case p.StakeRatioMarginBps > MaxStakeMarginBps:
		return fail("pricing.stake_ratio_margin_bps", p.StakeRatioMarginBps, fmt.Sprintf("must be at most %d", MaxStakeMarginBps))
	case c.Verifier.Enabled && c.Verifier.Stake == 0:
		return fail("verifier.stake", 0, "must be positive when verifier.enabled")
	}
	return nil
}

// checkAmount refuses amounts above TOML's integer range. The decoder
// stores a negative integer into a uint64 field as its two's complement, so
// such a value can only come from a negative number in the file; it could
// not be written back either.
func checkAmount(v uint64) error {
	if v > math.MaxInt64 {
		return fmt.Errorf("must be between 0 and %d", int64(math.MaxInt64))
	}
	return nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return errors.New("must be an http(s) URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("must be an http(s) URL")
	case u.Host == "" || u.Hostname() == "":
		return errors.New("must name a host")
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return errors.New("must have no user, query or fragment")
	}
	if p := u.Port(); p != "" {
		return checkPort(p)
	}
	return nil
}

func checkHostPort(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return errors.New("must be host:port")
	}
	return checkPort(port)
}

func checkPort(p string) error {
	n, err := strconv.ParseUint(p, 10, 16)
	if err != nil || n == 0 {
		return errors.New("port must be 1 to 65535")
	}
	return nil
}

func sortedKeys(m map[string]uint64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Marshal returns cfg as node.toml text: keys in a fixed order, map keys
// sorted, paths inside home relative to it. Equal configs give equal bytes.
func Marshal(home string, cfg *Config) ([]byte, error) {
	c := *cfg
	c.NodeKeyFile = relative(home, c.NodeKeyFile)
	c.DataDir = relative(home, c.DataDir)
	var b bytes.Buffer
	b.WriteString("# Celltonomy fulfillment node configuration; see package node/config.\n\n")
	enc := toml.NewEncoder(&b)
	enc.Indent = ""
	if err := enc.Encode(&c); err != nil {
		return nil, fmt.Errorf("%s: %w", FileName, err)
	}
	return b.Bytes(), nil
}

func relative(home, p string) string {
	if home == "" || !filepath.IsAbs(p) {
		return p
	}
	r, err := filepath.Rel(home, p)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return p
	}
	return r
}

// Write validates cfg and writes it to HOME/node.toml (see Marshal),
// creating home if needed. The file is replaced atomically: written beside
// it, synced, then renamed.
func Write(home string, cfg *Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	text, err := Marshal(home, cfg)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		return fmt.Errorf("%s: %w", FileName, err)
	}
	f, err := os.CreateTemp(home, FileName+".tmp*")
	if err != nil {
		return fmt.Errorf("%s: %w", FileName, err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(text); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", FileName, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", FileName, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s: %w", FileName, err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return fmt.Errorf("%s: %w", FileName, err)
	}
	if err := os.Rename(f.Name(), filepath.Join(home, FileName)); err != nil {
		return fmt.Errorf("%s: %w", FileName, err)
	}
	return nil
}
