package node

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/node/blobstore"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/runtime/batch"
	"github.com/celltonomy/celltonomy/runtime/wasm"
	"github.com/celltonomy/celltonomy/spec"
)

// PackageBlobMargin is what a .cellpkg may add, in bytes, to its spec
// and envelope: the format tag, the field headers, the author's key and
// signature take under 200 bytes. The node fetches or accepts at most
// spec_size + len(envelope) + PackageBlobMargin bytes for a package
// (its registry record's sizes), and at most max_package_bytes.
const PackageBlobMargin = 1024

// transferBase is the time any transfer gets before its size counts: a
// transfer of n bytes (an upload, a download served, a fetch from one
// location) must end within transferBase + n /
// min_transfer_bytes_per_second.
const transferBase = 10 * time.Second

// Fetching, besides the deadlines of each transfer.
const (
	// maxPackageMeta bounds the packages whose metadata the bid engine
	// keeps in memory (their limits and blob hash: some 100 bytes each).
	maxPackageMeta = 4096
	// maxFetchWaiters bounds the bid decisions waiting for fetches; past
	// it an order whose package is not known is decided not fetchable.
	maxFetchWaiters = 4096
	// fetchRetryAfter is how long a package whose fetch failed is taken
	// as not fetchable before it is fetched again.
	fetchRetryAfter = time.Minute
	// maxPeerSources bounds the other nodes asked for a package that its
	// registered locations do not give.
	maxPeerSources = 8
	// maxRedirects bounds the redirects a fetch follows.
	maxRedirects = 3
)

// transferTimeout returns the time a transfer of size bytes gets.
func (n *Node) transferTimeout(size int64) time.Duration {
	rate := n.cfg.MinTransferBytesPerSecond
	secs := min(size/rate, 1<<32)
	return n.timeouts.transfer + time.Duration(secs)*time.Second + time.Duration(float64(size%rate)/float64(rate)*float64(time.Second))
}

// packageMaxSize returns the most bytes the node takes for the .cellpkg
// of a registry record (see PackageBlobMargin).
func (n *Node) packageMaxSize(rec *ledgerpb.Package) int64 {
	size := rec.GetSpecSize() + uint64(len(rec.GetEnvelope())) + PackageBlobMargin
	if size > uint64(n.cfg.MaxPackageBytes) {
		return n.cfg.MaxPackageBytes
	}
	return int64(size)
}

// errNotPublic is the error of a fetch dialled to an address that is not
// public while allow_private_fetch is off.
var errNotPublic = errors.New("not a public address (allow_private_fetch is off)")

// nonPublic are the address ranges a node does not fetch from unless
// allow_private_fetch: this host, private networks, link-local (cloud
// metadata services), shared, reserved, documentation and multicast
// ranges, and IPv6 prefixes that embed an IPv4 address.
var nonPublic = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
		"203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
		"::/127", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/32", "2001:db8::/32", "2002::/16",
		"fc00::/7", "fe80::/10", "ff00::/8",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// publicAddress reports whether ip is a public unicast address.
func publicAddress(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return ip.IsValid()
}

// dialPublicOnly is a net.Dialer Control function: it refuses a
// connection to an address that is not public. It runs for every
// connection the dialer makes, after name resolution, so a redirect to a
// private address and a name that resolves to one (DNS rebinding) are
// refused as well.
func dialPublicOnly(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, err)
	}
	if !publicAddress(ip) {
		return fmt.Errorf("dial %s: %w", address, errNotPublic)
	}
	return nil
}

// newFetchClient returns the HTTP client for URLs chosen by others
// (package locations, other nodes' endpoints): no proxy from the
// environment, bounded connection, TLS and header times, at most
// maxRedirects redirects to http(s) URLs, and, unless allowPrivate, only
// public addresses. Transfers are bounded by their contexts
// (transferTimeout), not by the client.
func newFetchClient(allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		d.Control = dialPublicOnly
	}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                  nil,
			DialContext:            d.DialContext,
			TLSHandshakeTimeout:    10 * time.Second,
			ResponseHeaderTimeout:  15 * time.Second,
			ExpectContinueTimeout:  time.Second,
			IdleConnTimeout:        90 * time.Second,
			MaxIdleConns:           64,
			MaxResponseHeaderBytes: 64 << 10,
			ForceAttemptHTTP2:      true,
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects {
				return fmt.Errorf("more than %d redirects", maxRedirects)
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("redirect to %s: not http(s)", req.URL.Redacted())
			}
			return nil
		},
	}
}

// pkgMeta is what a bid decision needs of a package, kept in memory once
// the package was fetched and checked: its run limits. A failed fetch is
// kept as err until retryAt.
type pkgMeta struct {
	limits  wasm.Limits
	blobSum [32]byte
	err     error
	retryAt time.Time
}

// fetcher fetches packages for the bid engine in the background, at most
// fetch_workers at once, and keeps their metadata in a bounded LRU cache,
// so that a bid decision never waits for a fetch: an order whose package
// is not known yet is decided when its fetch ends.
type fetcher struct {
	n     *Node
	slots chan struct{}
	meta  *lru.Cache[spec.ID, pkgMeta]

	mu      sync.Mutex
	waiting map[spec.ID][]func() // decisions waiting for a fetch in flight
	waiters int
}

func newFetcher(n *Node) *fetcher {
	meta, _ := lru.New[spec.ID, pkgMeta](maxPackageMeta)
	return &fetcher{n: n, slots: make(chan struct{}, n.cfg.FetchWorkers), meta: meta, waiting: map[spec.ID][]func(){}}
}

// lookup returns the metadata of a package, or false when the package
// must be fetched (never fetched, evicted, or failed long enough ago).
func (f *fetcher) lookup(id spec.ID) (pkgMeta, bool) {
	m, ok := f.meta.Get(id)
	if !ok || (m.err != nil && f.n.now().After(m.retryAt)) {
		return pkgMeta{}, false
	}
	return m, true
}

// request fetches the package of rec in the background, unless a fetch
// of it is in flight already, and calls then when it ends, whatever the
// outcome (lookup then has it). It returns false, without calling then,
// when too many decisions wait already.
func (f *fetcher) request(ctx context.Context, rec *ledgerpb.Package, then func()) bool {
	id := packageID(rec.GetPackageId())
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.waiters >= maxFetchWaiters {
		return false
	}
	f.waiters++
	ws, inflight := f.waiting[id]
	f.waiting[id] = append(ws, then)
	if inflight {
		return true
	}
	f.n.tasks.goBackground(func() {
		_, err := f.n.ensurePackage(ctx, rec, nil)
		if err != nil && ctx.Err() == nil {
			f.n.log.Info("package not fetchable", "package", id, "err", err)
		}
		f.mu.Lock()
		ws := f.waiting[id]
		delete(f.waiting, id)
		f.waiters -= len(ws)
		f.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		for _, w := range ws {
			w()
		}
	})
	return true
}

// ensurePackage returns the package of a registry record from the blob
// store, fetching it when it is not there: from the registered
// locations, then from provider's node (a verifier's source; nil for
// none), then from other active nodes, each checked against the blob
// hash, the package id and the registry's envelope, and capped at the
// record's size. Only the network fetch takes one of fetch_workers.
// It records the package's metadata for the bid engine, and a failure as
// not fetchable for fetchRetryAfter.
func (n *Node) ensurePackage(ctx context.Context, rec *ledgerpb.Package, provider []byte) (*spec.Package, error) {
	id := packageID(rec.GetPackageId())
	p, sum, err := n.loadPackage(ctx, rec, provider)
	if err != nil {
		n.metrics.fetches.WithLabelValues("failed").Inc()
		n.fetch.meta.Add(id, pkgMeta{err: err, retryAt: n.now().Add(fetchRetryAfter)})
		return nil, err
	}
	if old, ok := n.fetch.meta.Peek(id); !ok || old.err != nil {
		n.fetch.meta.Add(id, pkgMeta{limits: batch.Limits(p), blobSum: sum})
		if isProtocol(rec) {
			return p, nil // a bot runs it: nothing to compile
		}
		// Compile now, in the background, so that a job's run does not
		// wait for it; a run started meanwhile waits for this
		// compilation instead of starting another.
		n.tasks.goBackground(func() {
			prog, _ := p.Spec().Entry()
			if _, err := n.exec.Prepare(ctx, p.Spec().Tree().FS(), prog); err != nil && ctx.Err() == nil {
				n.log.Warn("cannot compile package", "package", id, "err", err)
			}
		})
	}
	return p, nil
}

func (n *Node) loadPackage(ctx context.Context, rec *ledgerpb.Package, provider []byte) (*spec.Package, [32]byte, error) {
	id := packageID(rec.GetPackageId())
	want := blobstore.PackageWant{ID: id, Envelope: rec.GetEnvelope(), Limits: spec.DefaultLimits()}
	maxSize := n.packageMaxSize(rec)
	opts := blobstore.FetchOptions{MaxSize: maxSize, LocationTimeout: n.transferTimeout(maxSize),
		MinBytesPerSecond: n.cfg.MinTransferBytesPerSecond, Grace: n.timeouts.transfer}
	var sums [][32]byte
	for _, loc := range rec.GetBlobLocations() {
		if sum, err := blobSum(loc); err == nil && !containsSum(sums, sum) {
			sums = append(sums, sum)
		}
	}
	if len(sums) == 0 {
		return nil, [32]byte{}, fmt.Errorf("package %s: no blob location registered", id)
	}
	// A blob already here needs no fetch (nor a fetch slot).
	for _, sum := range sums {
		if !n.packages.Has(sum) {
			continue
		}
		p, err := blobstore.FetchPackage(ctx, nil, nil, sum, n.packages, want, opts)
		if err == nil {
			n.packages.Touch(sum)
			return p, sum, nil
		}
		n.log.Warn("stored package blob refused; removing it", "package", id, "blob", hex.EncodeToString(sum[:]), "err", err)
		n.packages.Delete(sum)
	}
	select {
	case n.fetch.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, [32]byte{}, ctx.Err()
	}
	defer func() { <-n.fetch.slots }()
	sources := n.packageSources(ctx, rec, sums, provider)
	var errs []error
	for _, sum := range sums {
		p, err := n.fetchPackage(ctx, sources[sum], sum, want, opts)
		if err == nil {
			n.metrics.fetches.WithLabelValues("fetched").Inc()
			return p, sum, nil
		}
		errs = append(errs, err)
		if errors.Is(err, blobstore.ErrWrongPackage) || errors.Is(err, spec.ErrInvalid) || errors.Is(err, blobstore.ErrTooLarge) {
			// Content that is not this package is not kept: the
			// package store serves packages only.
			n.packages.Delete(sum)
		}
		if errors.Is(err, blobstore.ErrQuota) {
			n.async(ctx, "gc", func(ctx context.Context) error { return n.collect(ctx, n.currentHeight()) })
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, [32]byte{}, fmt.Errorf("package %s: %w", id, errors.Join(errs...))
}

// fetchPackage fetches the package blob sum from urls through the blob
// source, then decodes and checks it as blobstore.FetchPackage does.
func (n *Node) fetchPackage(ctx context.Context, urls []string, sum [32]byte, want blobstore.PackageWant, opts blobstore.FetchOptions) (*spec.Package, error) {
	if err := n.blobs.Fetch(ctx, urls, sum, n.packages, opts); err != nil {
		return nil, err
	}
	return blobstore.FetchPackage(ctx, nil, nil, sum, n.packages, want, opts)
}

func containsSum(sums [][32]byte, s [32]byte) bool {
	for _, x := range sums {
		if x == s {
			return true
		}
	}
	return false
}

// packageSources returns, for each blob hash of a package, where to fetch
// it: the registered locations naming it, then the provider node's
// endpoint (when provider is a node key other than this node's), then
// up to maxPeerSources other active nodes in random order, each node as
// ENDPOINT/v1/blobs/SHA256. Every node serves the packages it holds, so
// a package its registrant stopped serving is still found at the nodes
// that ran it.
func (n *Node) packageSources(ctx context.Context, rec *ledgerpb.Package, sums [][32]byte, provider []byte) map[[32]byte][]string {
	var endpoints []string
	seen := map[string]bool{}
	add := func(ep string) {
		ep = strings.TrimSuffix(ep, "/")
		if ep != "" && !seen[ep] && ep != strings.TrimSuffix(n.cfg.Endpoint, "/") {
			seen[ep] = true
			endpoints = append(endpoints, ep)
		}
	}
	if len(provider) != 0 && string(provider) != string(n.nodePub) {
		if ep, err := n.nodeEndpoint(ctx, provider); err == nil {
			add(ep)
		}
	}
	peers := n.activeNodes(ctx)
	rand.Shuffle(len(peers), func(i, j int) { peers[i], peers[j] = peers[j], peers[i] })
	k := 0
	for _, p := range peers {
		if k == maxPeerSources {
			break
		}
		if string(p.GetNodePubkey()) == string(n.nodePub) || string(p.GetNodePubkey()) == string(provider) {
			continue
		}
		add(p.GetEndpoint())
		k++
	}
	out := map[[32]byte][]string{}
	for _, sum := range sums {
		var locs []string
		for _, loc := range rec.GetBlobLocations() {
			if s, err := blobSum(loc); err == nil && s == sum {
				locs = append(locs, loc)
			}
		}
		for _, ep := range endpoints {
			locs = append(locs, strings.TrimSuffix(ep, "/")+nodeapi.BlobPath(sum))
		}
		out[sum] = locs
	}
	return out
}

// nodeEndpoint returns the registered endpoint of a node key.
func (n *Node) nodeEndpoint(ctx context.Context, key []byte) (string, error) {
	ns, err := n.query.Node(ctx, key, 0)
	if err != nil {
		return "", fmt.Errorf("node %x: %w", key, err)
	}
	return ns.GetNode().GetEndpoint(), nil
}

// activeNodes returns the nodes the registry holds active at the next
// height; none when the query fails.
func (n *Node) activeNodes(ctx context.Context) []*ledgerpb.Node {
	var out []*ledgerpb.Node
	for s, err := range n.query.Nodes(ctx, address.Address{}, n.currentHeight()+1) {
		if err != nil {
			n.log.Info("cannot list the nodes", "err", err)
			return nil
		}
		if !s.GetExpired() {
			out = append(out, s.GetNode())
		}
	}
	return out
}

// packageID returns the package id in b (zero when b is not 32 bytes).
func packageID(b []byte) spec.ID {
	var id spec.ID
	if len(b) == len(id) {
		copy(id[:], b)
	}
	return id
}
