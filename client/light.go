package client

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/light"
	"github.com/cometbft/cometbft/light/provider"
	lighthttp "github.com/cometbft/cometbft/light/provider/http"
	lightdb "github.com/cometbft/cometbft/light/store/db"
	"github.com/cometbft/cometbft/types"
)

// TrustRoot is the one block header a client believes without proof: every
// header it uses to check a proven read (QueryStore) is verified from this
// one by CometBFT's light client (the commit signatures of more than 1/3 of
// a validator set it already trusts, then those of more than 2/3 of the
// header's own set; CometBFT spec "Light client verification"). A user
// gets it from a source they trust other than the node: a block explorer,
// another operator, the devnet's profile.
type TrustRoot struct {
	// Height is the header's block height (≥ 1).
	Height int64
	// Hash is the header's hash (32 bytes).
	Hash []byte
}

// ParseTrustRoot parses the text form HEIGHT:HASH of a trust root, the hash
// in hex, e.g. "1:4A3F…" (64 hex digits). Errors name the part at fault.
func ParseTrustRoot(s string) (TrustRoot, error) {
	hs, xs, ok := strings.Cut(s, ":")
	if !ok {
		return TrustRoot{}, fmt.Errorf("trust root %q: want HEIGHT:HASH", s)
	}
	h, err := strconv.ParseInt(hs, 10, 64)
	if err != nil || h < 1 {
		return TrustRoot{}, fmt.Errorf("trust root %q: height %q: want a block height ≥ 1", s, hs)
	}
	hash, err := hex.DecodeString(xs)
	if err != nil || len(hash) != 32 {
		return TrustRoot{}, fmt.Errorf("trust root %q: hash %q: want 64 hex digits", s, xs)
	}
	return TrustRoot{Height: h, Hash: hash}, nil
}

// String returns the text form HEIGHT:HASH (hash in upper-case hex, as
// CometBFT prints block hashes).
func (r TrustRoot) String() string {
	return strconv.FormatInt(r.Height, 10) + ":" + strings.ToUpper(hex.EncodeToString(r.Hash))
}

// TrustingPeriod is how long a verified header stays a valid base for
// verifying later ones (CometBFT light client's trusting period): two
// weeks, shorter than the ledger's unbonding period, after which a
// validator that signed a forged header could no longer be slashed.
const TrustingPeriod = 14 * 24 * time.Hour

// ErrHeader is wrapped by the error of a proven read whose block header
// the light client could not verify from the trust root.
var ErrHeader = errors.New("block header does not verify")

// verifier checks block headers with CometBFT's light client. It starts
// lazily, at the first proven read, from the configured trust root, or
// else from the node's latest header (trust on first use).
type verifier struct {
	mu   sync.Mutex
	root *TrustRoot // nil: trust on first use
	lc   *light.Client
}

// Trust makes the client verify every header behind a proven read from
// root instead of from the first header the node shows it (the default,
// trust on first use, which a node that lies from the start defeats). It
// takes effect at the next proven read.
func (c *Client) Trust(root TrustRoot) {
	c.headers.mu.Lock()
	defer c.headers.mu.Unlock()
	c.headers.root, c.headers.lc = &root, nil
}

// TrustedHeader returns the header at height (≥ 1) verified by the light
// client from the client's trust root, or an error wrapping ErrHeader.
// QueryStoreAt checks a state's app hash against the header of the next
// height with it.
func (c *Client) TrustedHeader(ctx context.Context, height int64) (*types.Header, error) {
	lc, err := c.lightClient(ctx)
	if err != nil {
		return nil, err
	}
	lb, err := lc.VerifyLightBlockAtHeight(ctx, height, time.Now())
	if err != nil {
		return nil, fmt.Errorf("%w: height %d: %v", ErrHeader, height, err)
	}
	return lb.Header, nil
}

// lightClient returns the client's light client, starting it at the first
// call.
func (c *Client) lightClient(ctx context.Context) (*light.Client, error) {
	v := c.headers
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.lc != nil {
		return v.lc, nil
	}
	st, err := c.rpc.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("light client: status: %w", err)
	}
	chainID := st.NodeInfo.Network
	root := v.root
	if root == nil {
		// Trust on first use: the node's latest header.
		h := st.SyncInfo.LatestBlockHeight
		if h < 1 {
			return nil, fmt.Errorf("light client: no block yet")
		}
		cm, err := c.rpc.Commit(ctx, &h)
		if err != nil {
			return nil, fmt.Errorf("light client: header %d: %w", h, err)
		}
		root = &TrustRoot{Height: h, Hash: cm.SignedHeader.Hash()}
	}
	// The one node is the primary and its own witness: the light client
	// needs one, and there is no other node to compare with.
	p := lighthttp.NewWithClient(chainID, c.rpc)
	lc, err := light.NewClient(ctx, chainID,
		light.TrustOptions{Period: TrustingPeriod, Height: root.Height, Hash: root.Hash},
		p, []provider.Provider{p}, lightdb.New(dbm.NewMemDB(), chainID),
		light.Logger(log.NewNopLogger()), light.SkippingVerification(light.DefaultTrustLevel))
	if err != nil {
		return nil, fmt.Errorf("%w: trust root %s: %v", ErrHeader, root, err)
	}
	v.lc = lc
	return lc, nil
}
