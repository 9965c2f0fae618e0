package proofapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/celltonomy/celltonomy/ledger/address"
)

// maxReplyBytes bounds a reply of the miner's HTTP API.
const maxReplyBytes = 16 << 20

// Client talks to a miner's HTTP API (miner.Miner.Handler). Its answers
// are not trusted: check a ReputationResponse with VerifyReputation
// against the root the chain accepted.
type Client struct {
	base string
	// HTTP is the client used for requests (default: one with a 30 s
	// timeout).
	HTTP *http.Client
}

// NewClient returns a client of the miner at base, e.g.
// "http://127.0.0.1:26690". Errors: base is not an http(s) URL.
func NewClient(base string) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("miner url %q: want http(s)://host:port", base)
	}
	return &Client{base: strings.TrimSuffix(base, "/"), HTTP: &http.Client{Timeout: 30 * time.Second}}, nil
}

// Reputation returns user's leaves and proofs (GET
// /v1/reputation/{address}): in skill only when skill is not 0, else in
// every skill the user has a leaf in. Errors: the miner's error reply
// (its status and message), a transport or decoding error.
func (c *Client) Reputation(ctx context.Context, user address.Address, skill uint64) (*ReputationResponse, error) {
	u := c.base + ReputationPath(user, skill)
	var resp ReputationResponse
	if err := c.get(ctx, u, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Roots returns the miner's latest computed root and the accepted one (GET
// /v1/root).
func (c *Client) Roots(ctx context.Context) (*RootsResponse, error) {
	var resp RootsResponse
	if err := c.get(ctx, c.base+RootPath, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

func (c *Client) get(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("miner: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxReplyBytes))
	if err != nil {
		return fmt.Errorf("miner: GET %s: %w", u, err)
	}
	if res.StatusCode != http.StatusOK {
		msg := fmt.Sprintf("miner: GET %s: %s", u, res.Status)
		var e ErrorBody
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			msg += ": " + e.Error
		}
		return &statusError{status: res.StatusCode, msg: msg}
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("miner: GET %s: %w", u, err)
	}
	return nil
}

// statusError is a reply of the miner with a status other than 200 OK.
type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string { return e.msg }

// IsStatus reports whether err is, or wraps, an error reply of the miner
// with the HTTP status code status; e.g. http.StatusNotFound from
// Client.Reputation with a skill: the user has no leaf in it.
func IsStatus(err error, status int) bool {
	var e *statusError
	return errors.As(err, &e) && e.status == status
}
