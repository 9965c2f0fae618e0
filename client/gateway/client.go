package gateway

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
)

// Client talks to one node's gateway at its registered endpoint (an http
// or https base URL). Key signs the requests that need the buyer's
// signature; it may be nil for public requests only.
type Client struct {
	Endpoint string
	Key      ed25519.PrivateKey
	HTTP     *http.Client
}

// StatusError is the error for a response with a status other than 2xx:
// the status code and the node's message.
type StatusError struct {
	Status  int
	Message string
}

// Error implements error: "node answered STATUS TEXT: MESSAGE".
func (e *StatusError) Error() string {
	return fmt.Sprintf("node answered %d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}

// IsStatus reports whether err is a StatusError with the given status.
func IsStatus(err error, status int) bool {
	var se *StatusError
	return errors.As(err, &se) && se.Status == status
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

func (c *Client) url(parts ...string) (string, error) {
	u, err := url.Parse(c.Endpoint)
	if err != nil {
		return "", fmt.Errorf("endpoint %q: %w", c.Endpoint, err)
	}
	return u.JoinPath(parts...).String(), nil
}

func orderPath(id uint64, rest ...string) []string {
	return append([]string{"v1", "orders", strconv.FormatUint(id, 10)}, rest...)
}

// do sends a request with body (signed when sign is set) and decodes a
// JSON answer into out, or returns the raw response body when out is nil.
func (c *Client) do(ctx context.Context, method string, parts []string, body []byte, sign bool, out any) ([]byte, error) {
	u, err := c.url(parts...)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if sign {
		if c.Key == nil {
			return nil, fmt.Errorf("%s %s: needs the buyer's key", method, req.URL.Path)
		}
		Sign(req, c.Key, body)
	}
	resp, err := c.http().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, req.URL.Path, err)
	}
	if resp.StatusCode/100 != 2 {
		var eb ErrorBody
		msg := string(bytes.TrimSpace(data))
		if json.Unmarshal(data, &eb) == nil && eb.Error != "" {
			msg = eb.Error
		}
		return nil, &StatusError{Status: resp.StatusCode, Message: msg}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return nil, fmt.Errorf("%s %s: bad answer: %w", method, req.URL.Path, err)
		}
	}
	return data, nil
}

// UploadInput uploads the file at path as input name of order id. The
// node stores it by hash; uploading the same bytes again is harmless.
func (c *Client) UploadInput(ctx context.Context, id uint64, name, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("input %s: %w", name, err)
	}
	_, err = c.do(ctx, http.MethodPut, orderPath(id, "inputs", name), data, true, nil)
	return err
}

// CommitInputs sends the list of the order's inputs; the node checks it
// against the order's input root and every uploaded file, and starts the
// job. It returns the job's status.
func (c *Client) CommitInputs(ctx context.Context, id uint64, inputs []InputFile) (JobStatus, error) {
	body, err := json.Marshal(InputsRequest{Inputs: inputs})
	if err != nil {
		return JobStatus{}, err
	}
	var st JobStatus
	_, err = c.do(ctx, http.MethodPost, orderPath(id, "inputs"), body, true, &st)
	return st, err
}

// Job returns the node's job for order id; a StatusError with 404 when the
// node has none.
func (c *Client) Job(ctx context.Context, id uint64) (JobStatus, error) {
	var st JobStatus
	_, err := c.do(ctx, http.MethodGet, orderPath(id, "job"), nil, false, &st)
	return st, err
}

// Decision returns the node's bid decision on order id.
func (c *Client) Decision(ctx context.Context, id uint64) (Decision, error) {
	var d Decision
	_, err := c.do(ctx, http.MethodGet, orderPath(id, "decision"), nil, false, &d)
	return d, err
}

// Outputs returns the results of order id (a 409 StatusError until the
// job has executed).
func (c *Client) Outputs(ctx context.Context, id uint64) (Outputs, error) {
	var o Outputs
	_, err := c.do(ctx, http.MethodGet, orderPath(id, "outputs"), nil, true, &o)
	return o, err
}

// OutputFile downloads the output file of order id with the given SHA-256
// (hex). The caller checks the hash.
func (c *Client) OutputFile(ctx context.Context, id uint64, sha string) ([]byte, error) {
	if _, err := hex.DecodeString(sha); err != nil || len(sha) != 64 {
		return nil, fmt.Errorf("output file hash %q: want 64 hex digits", sha)
	}
	return c.do(ctx, http.MethodGet, orderPath(id, "outputs", sha), nil, true, nil)
}

// PutBlob uploads a .cellpkg to the node, which keeps it when the registry
// lists this node among the package's blob locations.
func (c *Client) PutBlob(ctx context.Context, sum [32]byte, data []byte) error {
	_, err := c.do(ctx, http.MethodPut, []string{"v1", "blobs", hex.EncodeToString(sum[:])}, data, false, nil)
	return err
}

// ProviderInputs returns the provider's committed input list of order id;
// Key must be the node key of a verifier drawn in the order's dispute.
func (c *Client) ProviderInputs(ctx context.Context, id uint64) (InputsRequest, error) {
	var r InputsRequest
	_, err := c.do(ctx, http.MethodGet, orderPath(id, "inputs"), nil, true, &r)
	return r, err
}

// ProviderInput downloads the committed input name of order id, as a drawn
// verifier (Key is its node key). The caller checks the hash.
func (c *Client) ProviderInput(ctx context.Context, id uint64, name string) ([]byte, error) {
	return c.do(ctx, http.MethodGet, orderPath(id, "inputs", name), nil, true, nil)
}
