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

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/node/bot"
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
	// DefaultPrice is the default pricing.base and pricing.minimum, in
	// ucell per order: 5,000 ucell covers a provider's costs at the
	// ledger's default params whatever the package's royalty — at
	// network_fee_bps 100 and the highest royalty, max_royalty_bps 2000,
	// it pays 3,950 ucell, above the 3,000 ucell of fees of the
	// provider's three transactions (bid, delivery, rating reveal; 3 ×
	// min_fee 1,000), so the provider nets 950 ucell (1,950 without
	// royalty). node/bid's TestDefaultPricingCoversFees checks it.
	DefaultPrice = 5000
	// DefaultMaxInputBytes bounds one input file: 256 MiB.
	DefaultMaxInputBytes = 256 << 20
	// DefaultMaxOrderInputBytes bounds the inputs of one order: 1 GiB.
	DefaultMaxOrderInputBytes = 1 << 30
	// DefaultMaxConcurrentUploads is the number of uploads received at
	// once.
	DefaultMaxConcurrentUploads = 8
	// DefaultMaxConnections is the number of HTTP connections open at
	// once.
	DefaultMaxConnections = 1024
	// DefaultMinTransferBytesPerSecond is the slowest transfer waited
	// for: 64 KiB/s.
	DefaultMinTransferBytesPerSecond = 64 << 10
	// DefaultMaxPackageBytes bounds a package blob: 100 MiB, room for
	// spec.DefaultLimits' 96 MiB spec and its envelope.
	DefaultMaxPackageBytes = 100 << 20
	// DefaultFetchWorkers is the number of package fetches at once.
	DefaultFetchWorkers = 4
	// DefaultBlobQuotaBytes bounds the blob store: 16 GiB.
	DefaultBlobQuotaBytes = 16 << 30
	// DefaultPackageCacheBytes bounds the packages kept: 2 GiB.
	DefaultPackageCacheBytes = 2 << 30
	// DefaultRetentionBlocks is how long, in blocks, a finished job's
	// files are kept: 14,400 blocks (a day at 6 s a block).
	DefaultRetentionBlocks = 14_400
)

// Bounds of the keys below, checked by Validate.
const (
	// MinConnections is the least max_connections.
	MinConnections = 16
	// MaxFetchWorkers is the most fetch_workers.
	MaxFetchWorkers = 64
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
	// ChainTrust is the block header the node's proven reads (the
	// accepted reputation root it bids with) are verified from, as
	// HEIGHT:HASH (client.ParseTrustRoot); "" trusts the chain node's
	// first header.
	ChainTrust string `toml:"chain_trust,omitempty"`
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
	// AllowPrivateFetch lets the node fetch packages and inputs from
	// private (RFC 1918, RFC 4193), loopback, link-local and other
	// non-public addresses. Off by default: the URLs a node fetches are
	// chosen by others (package authors, node operators), and a node must
	// not be made to reach its own network. The address is checked when
	// the connection is dialled, so a redirect or a DNS answer cannot
	// bypass it. A network on one host (the devnet) turns it on.
	AllowPrivateFetch bool `toml:"allow_private_fetch"`
	// MaxInputBytes bounds one input file of an order, in bytes; an
	// upload that declares more is refused before its body is read. At
	// least 1.
	MaxInputBytes int64 `toml:"max_input_bytes"`
	// MaxOrderInputBytes bounds the input files of one order together,
	// in bytes; at least MaxInputBytes.
	MaxOrderInputBytes int64 `toml:"max_order_input_bytes"`
	// MaxConcurrentUploads bounds the uploads (input files and packages)
	// the node receives at once; one more is answered 503 at once. At
	// least 1.
	MaxConcurrentUploads int `toml:"max_concurrent_uploads"`
	// MaxConnections bounds the HTTP connections open at once; further
	// ones wait to be accepted. At least MinConnections.
	MaxConnections int `toml:"max_connections"`
	// MinTransferBytesPerSecond is the slowest transfer the node waits
	// for, in bytes per second: an upload, a download it serves or a
	// fetch of n bytes gets 10 s + n / MinTransferBytesPerSecond. At
	// least 1.
	MinTransferBytesPerSecond int64 `toml:"min_transfer_bytes_per_second"`
	// MaxPackageBytes bounds a package blob (.cellpkg) the node fetches or
	// accepts, in bytes, whatever its registry record says; the record
	// bounds it further (its spec_size, the envelope's size and 1 KiB). At
	// least 1.
	MaxPackageBytes int64 `toml:"max_package_bytes"`
	// FetchWorkers is the number of packages fetched at once; bid
	// decisions never wait for a fetch. 1 to MaxFetchWorkers.
	FetchWorkers int `toml:"fetch_workers"`
	// BlobQuotaBytes bounds the bytes of the node's blob store: packages,
	// input and output files, files being received included. At least
	// MaxOrderInputBytes and PackageCacheBytes.
	BlobQuotaBytes int64 `toml:"blob_quota_bytes"`
	// PackageCacheBytes bounds the packages the node keeps, in bytes: past
	// it, the least recently used packages that no unfinished job needs
	// are removed. At least MaxPackageBytes.
	PackageCacheBytes int64 `toml:"package_cache_bytes"`
	// RetentionBlocks is how long, in blocks after the chain is done with
	// a job (closed, failed, decided), the node keeps its input and output
	// files and its record; then they are removed. At least 1.
	RetentionBlocks int64 `toml:"retention_blocks"`
	// Pricing is the node's pricing policy, used by node/bid.
	Pricing Pricing `toml:"pricing"`
	// Verifier says whether the node serves as a dispute verifier.
	Verifier Verifier `toml:"verifier"`
	// MinerURL is the http(s) URL of a reputation miner's HTTP API, from
	// which the node fetches its own reputation proofs to carry in its
	// bids; empty: bids carry no proof.
	MinerURL string `toml:"miner_url,omitempty"`
	// Bots are the node's bots ([[bots]] entries), on which it runs
	// protocol packages; none: the node runs compute packages only. A
	// node with bots announces their BotSpec ids and the architecture
	// tag autoprotocol/1 (node/bot).
	Bots []Bot `toml:"bots,omitempty"`
	// Peer is the [peer] table: peer delegation of child services
	// (peer.go).
	Peer Peer `toml:"peer"`
	// ExcludePackages are package ids (64 lowercase hex digits) the node
	// will not run: it does not bid on their orders, does not run them as
	// children, nor for peers. A child it excludes is delegated to a
	// peer when peer.delegate is set.
	ExcludePackages []string `toml:"exclude_packages,omitempty"`
}

// Bot is one [[bots]] entry: a bot of the node.
type Bot struct {
	// BotSpec is the path of the bot's BotSpec (JSON, at most
	// protocol.MaxBotSpecBytes; protocol.ParseBotSpec); relative to the
	// home when not absolute. The node reads and validates it when it
	// starts (node/bot.Load).
	BotSpec string `toml:"botspec"`
	// Driver names the driver that runs the bot, one of node/bot.Names():
	// "labsim" runs the deterministic simulator runtime/labsim.
	Driver string `toml:"driver"`
	// Speedup paces a simulated bot: how many times faster than its own
	// clock a run goes (3600: one bot hour per wall second), so that a
	// buyer sees its progress instruction by instruction; 0 (the default)
	// runs it as fast as it computes. Real bots' drivers ignore it.
	Speedup uint32 `toml:"speedup,omitempty"`
}

// Pricing is the [pricing] table: the node's price list, which it
// publishes on chain with its announcement (PriceList) and bids by. Every
// amount is in ucell, from 0 to math.MaxInt64 (the range of a TOML
// integer). The asking price of an order is registry.AskingPrice of the
// list: PerPackage[id] when set, else Base, plus PerInputMiB × ceil(input
// bytes / MiB); then at least Minimum. node/bid bids that price when the
// order's max price allows it, else the max price if Floor allows it, and
// never a price that does not cover the node's costs.
type Pricing struct {
	// PerPackage maps a package id (64 lowercase hex digits) to the base
	// of that package, in place of Base. Optional; at most
	// registry.MaxPackagePrices entries.
	PerPackage map[string]uint64 `toml:"per_package,omitempty"`
	// PerInputMiB is the price per started MiB (2^20 bytes) of input.
	// Zero means the input size does not count.
	PerInputMiB uint64 `toml:"per_input_mib"`
	// Base is the price of a run before input size.
	Base uint64 `toml:"base"`
	// Minimum is the lowest asking price; at least 1, since the chain
	// refuses a zero price (market.md: "Bid").
	Minimum uint64 `toml:"minimum"`
	// Floor, not published, is the least price the node accepts below its
	// asking price: on an order whose max price is below the asking price
	// the node bids the max price if it is at least Floor. Zero (the
	// default): the node bids its asking price or nothing. At most
	// Minimum.
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

		MaxInputBytes:             DefaultMaxInputBytes,
		MaxOrderInputBytes:        DefaultMaxOrderInputBytes,
		MaxConcurrentUploads:      DefaultMaxConcurrentUploads,
		MaxConnections:            DefaultMaxConnections,
		MinTransferBytesPerSecond: DefaultMinTransferBytesPerSecond,
		MaxPackageBytes:           DefaultMaxPackageBytes,
		FetchWorkers:              DefaultFetchWorkers,
		BlobQuotaBytes:            DefaultBlobQuotaBytes,
		PackageCacheBytes:         DefaultPackageCacheBytes,
		RetentionBlocks:           DefaultRetentionBlocks,
		Peer:                      DefaultPeer(),
		Pricing: Pricing{
			Base:    DefaultPrice,
			Minimum: DefaultPrice,
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
	for i := range c.Bots {
		c.Bots[i].BotSpec = resolve(home, c.Bots[i].BotSpec)
	}
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
	if c.ChainTrust != "" {
		if _, err := client.ParseTrustRoot(c.ChainTrust); err != nil {
			return fail("chain_trust", strconv.Quote(c.ChainTrust), "must be HEIGHT:HASH, a block height and its header's hash in 64 hex digits")
		}
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
	switch {
	case c.MaxInputBytes < 1:
		return fail("max_input_bytes", c.MaxInputBytes, "must be at least 1")
	case c.MaxOrderInputBytes < c.MaxInputBytes:
		return fail("max_order_input_bytes", c.MaxOrderInputBytes, fmt.Sprintf("must be at least max_input_bytes %d", c.MaxInputBytes))
	case c.MaxConcurrentUploads < 1:
		return fail("max_concurrent_uploads", c.MaxConcurrentUploads, "must be at least 1")
	case c.MaxConnections < MinConnections:
		return fail("max_connections", c.MaxConnections, fmt.Sprintf("must be at least %d", MinConnections))
	case c.MinTransferBytesPerSecond < 1:
		return fail("min_transfer_bytes_per_second", c.MinTransferBytesPerSecond, "must be at least 1")
	case c.MaxPackageBytes < 1:
		return fail("max_package_bytes", c.MaxPackageBytes, "must be at least 1")
	case c.FetchWorkers < 1 || c.FetchWorkers > MaxFetchWorkers:
		return fail("fetch_workers", c.FetchWorkers, fmt.Sprintf("must be 1 to %d", MaxFetchWorkers))
	case c.PackageCacheBytes < c.MaxPackageBytes:
		return fail("package_cache_bytes", c.PackageCacheBytes, fmt.Sprintf("must be at least max_package_bytes %d", c.MaxPackageBytes))
	case c.BlobQuotaBytes < c.MaxOrderInputBytes:
		return fail("blob_quota_bytes", c.BlobQuotaBytes, fmt.Sprintf("must be at least max_order_input_bytes %d", c.MaxOrderInputBytes))
	case c.BlobQuotaBytes < c.PackageCacheBytes:
		return fail("blob_quota_bytes", c.BlobQuotaBytes, fmt.Sprintf("must be at least package_cache_bytes %d", c.PackageCacheBytes))
	case c.RetentionBlocks < 1:
		return fail("retention_blocks", c.RetentionBlocks, "must be at least 1")
	}
	for i, b := range c.Bots {
		key := fmt.Sprintf("bots[%d].", i)
		if b.BotSpec == "" {
			return fail(key+"botspec", `""`, "must name a BotSpec file")
		}
		if slices.ContainsFunc(c.Bots[:i], func(o Bot) bool { return o.BotSpec == b.BotSpec }) {
			return fail(key+"botspec", strconv.Quote(b.BotSpec), "listed twice")
		}
		if _, err := bot.Lookup(b.Driver); err != nil {
			return fail(key+"driver", strconv.Quote(b.Driver), "must be one of "+strings.Join(bot.Names(), ", "))
		}
	}
	if err := c.validatePeer(); err != nil {
		return err
	}
	p := c.Pricing
	if n := len(p.PerPackage); n > registry.MaxPackagePrices {
		return fail("pricing.per_package", fmt.Sprintf("(%d entries)", n), fmt.Sprintf("must have at most %d entries", registry.MaxPackagePrices))
	}
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

// PriceList returns the price list the node publishes with its
// announcement and bids by (registry.AskingPrice): Base, PerInputMiB,
// Minimum, and PerPackage sorted by package id. A key of PerPackage that
// is not a package id is left out; Validate refuses it.
func (p Pricing) PriceList() *ledgerpb.PriceList {
	l := &ledgerpb.PriceList{Base: p.Base, PerInputMib: p.PerInputMiB, Minimum: p.Minimum}
	for _, k := range sortedKeys(p.PerPackage) {
		id, err := spec.ParseID(k)
		if err != nil {
			continue
		}
		l.Packages = append(l.Packages, &ledgerpb.PackagePrice{PackageId: id[:], Base: p.PerPackage[k]})
	}
	return l
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
	c.Bots = slices.Clone(c.Bots)
	for i := range c.Bots {
		c.Bots[i].BotSpec = relative(home, c.Bots[i].BotSpec)
	}
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
