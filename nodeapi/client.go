package nodeapi

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

// Client talks to one node's HTTP API at its registered endpoint (an http
// or https base URL). Key signs the requests that need a signature (the
// buyer's account key, a verifier's node key, a package author's key);
// it may be nil for public requests only. Each signed request gets a
// fresh nonce and an expiry DefaultLifetime ahead.
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

// url returns the URL of path (unescaped) at the node's endpoint.
func (c *Client) url(path string) (string, error) {
	u, err := url.Parse(c.Endpoint)
	if err != nil {
		return "", fmt.Errorf("endpoint %q: %w", c.Endpoint, err)
	}
	return u.JoinPath(path).String(), nil
}

// do sends a request with body (signed when sign is set) and decodes a
// JSON answer into out, or returns the raw response body when out is nil.
func (c *Client) do(ctx context.Context, method, path string, body []byte, sign bool, out any, limit int64) ([]byte, error) {
	u, err := c.url(path)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if sign {
		if err := c.sign(req, BodyOf(body)); err != nil {
			return nil, err
		}
	}
	return c.send(req, out, limit)
}

// sign signs req for a body declared as body, valid for DefaultLifetime.
func (c *Client) sign(req *http.Request, body Body) error {
	if c.Key == nil {
		return fmt.Errorf("%s %s: needs a signing key", req.Method, req.URL.Path)
	}
	Sign(req, c.Key, body, time.Now().Add(DefaultLifetime))
	return nil
}

// send sends req and decodes a JSON answer into out, or returns the raw
// response body when out is nil; a status other than 2xx is a
// *StatusError.
func (c *Client) send(req *http.Request, out any, limit int64) ([]byte, error) {
	resp, err := c.http().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if err := statusError(resp); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s %s: the answer is longer than %d bytes", req.Method, req.URL.Path, limit)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return nil, fmt.Errorf("%s %s: bad answer: %w", req.Method, req.URL.Path, err)
		}
	}
	return data, nil
}

// MaxAnswer bounds, in bytes, a JSON answer of a node (a job's status,
// a decision, an input list, the outputs with their stdout and stderr):
// a node cannot make its client read more.
const MaxAnswer = 64 << 20

// maxErrorBody bounds the error message read from a node.
const maxErrorBody = 64 << 10

// statusError returns the *StatusError of a response with a status other
// than 2xx, nil for a 2xx one.
func statusError(resp *http.Response) error {
	if resp.StatusCode/100 == 2 {
		return nil
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var eb ErrorBody
	msg := string(bytes.TrimSpace(data))
	if json.Unmarshal(data, &eb) == nil && eb.Error != "" {
		msg = eb.Error
	}
	return &StatusError{Status: resp.StatusCode, Message: msg}
}

// UploadInput uploads the file at path as input name of order id. The
// file is hashed first, then streamed (never held in memory) with its
// declared SHA-256 and length signed; the request asks the node to
// accept it before the body is sent (Expect: 100-continue), so a refused
// upload costs no transfer. The node stores it by hash; uploading the
// same bytes again is harmless.
func (c *Client) UploadInput(ctx context.Context, id uint64, name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("input %s: %w", name, err)
	}
	defer f.Close()
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err != nil {
		return fmt.Errorf("input %s: %w", name, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("input %s: %w", name, err)
	}
	var body Body
	h.Sum(body.SHA256[:0])
	body.Length = size
	u, err := c.url(OrderPath(id, "inputs", name))
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u, io.NopCloser(f))
	if err != nil {
		return err
	}
	req.ContentLength = size
	if size == 0 {
		req.Body = http.NoBody
	}
	req.Header.Set("Expect", "100-continue")
	if err := c.sign(req, body); err != nil {
		return err
	}
	_, err = c.send(req, nil, MaxAnswer)
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
	_, err = c.do(ctx, http.MethodPost, OrderPath(id, "inputs"), body, true, &st, MaxAnswer)
	return st, err
}

// Job returns the node's job for order id; a StatusError with 404 when the
// node has none.
func (c *Client) Job(ctx context.Context, id uint64) (JobStatus, error) {
	var st JobStatus
	_, err := c.do(ctx, http.MethodGet, OrderPath(id, "job"), nil, false, &st, MaxAnswer)
	return st, err
}

// Decision returns the node's bid decision on order id.
func (c *Client) Decision(ctx context.Context, id uint64) (Decision, error) {
	var d Decision
	_, err := c.do(ctx, http.MethodGet, OrderPath(id, "decision"), nil, false, &d, MaxAnswer)
	return d, err
}

// Outputs returns the results of order id (a 409 StatusError until the
// job has executed), signed with Key: the buyer's, or, for a protocol
// order, a drawn verifier's node key (then without the completion code
// and the shipping label).
func (c *Client) Outputs(ctx context.Context, id uint64) (Outputs, error) {
	var o Outputs
	_, err := c.do(ctx, http.MethodGet, OrderPath(id, "outputs"), nil, true, &o, MaxAnswer)
	return o, err
}

// OutputFile downloads the output file of order id with the given SHA-256
// (hex) and size in bytes (as Outputs lists it): a longer answer is an
// error, read no further. The caller checks the hash.
func (c *Client) OutputFile(ctx context.Context, id uint64, sha string, size int64) ([]byte, error) {
	if _, err := hex.DecodeString(sha); err != nil || len(sha) != 64 {
		return nil, fmt.Errorf("output file hash %q: want 64 hex digits", sha)
	}
	if size < 0 {
		return nil, fmt.Errorf("output file %s: size %d: must not be negative", sha, size)
	}
	return c.do(ctx, http.MethodGet, OrderPath(id, "outputs", sha), nil, true, nil, size)
}

// MaxEventLog bounds, in bytes, the event log EventLog reads: the
// largest log a node writes (runtime/eventlog MaxLogSize).
const MaxEventLog = 64 << 20

// EventLog returns the stored event log (runtime/eventlog's binary form)
// of the provider's job of order id, signed by the buyer (or, for a
// protocol order, a drawn verifier): every event the
// node appended so far, empty before the first. The caller verifies it.
// A log longer than MaxEventLog is an error.
func (c *Client) EventLog(ctx context.Context, id uint64) ([]byte, error) {
	return c.do(ctx, http.MethodGet, OrderPath(id, "log"), nil, true, nil, MaxEventLog)
}

// PutBlob uploads a .cellpkg to the node, which keeps it when the registry
// lists this node among the package's blob locations at this hash. Key
// must be the package author's: the node checks that the signer is the
// author of the registry record before it reads the body. The package id
// is read from data (an error wrapping spec.ErrInvalid when data is not a
// package file) and sent in the Cell-Package-Id header.
func (c *Client) PutBlob(ctx context.Context, sum [32]byte, data []byte) error {
	var f specpb.PackageFile
	if err := proto.Unmarshal(data, &f); err != nil || f.GetFormat() != spec.FileFormat {
		return fmt.Errorf("blob %x: %w", sum, &spec.FieldError{Field: "cellpkg", Rule: fmt.Sprintf("not a package file: format is not %q", spec.FileFormat)})
	}
	u, err := c.url(BlobPath(sum))
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set(PackageIDHeader, spec.ServiceID(f.GetSpec()).String())
	req.Header.Set("Expect", "100-continue")
	if err := c.sign(req, BodyOf(data)); err != nil {
		return err
	}
	_, err = c.send(req, nil, MaxAnswer)
	return err
}

// ProviderInputs returns the committed input list of order id held by
// the node (its provider, or a drawn verifier that committed them); Key
// must be the node key of a verifier drawn in the order's dispute. An
// answer over MaxInputsBody is refused.
func (c *Client) ProviderInputs(ctx context.Context, id uint64) (InputsRequest, error) {
	u, err := c.url(OrderPath(id, "inputs"))
	if err != nil {
		return InputsRequest{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return InputsRequest{}, err
	}
	if err := c.sign(req, BodyOf(nil)); err != nil {
		return InputsRequest{}, err
	}
	resp, err := c.http().Do(req)
	if err != nil {
		return InputsRequest{}, err
	}
	defer resp.Body.Close()
	if err := statusError(resp); err != nil {
		return InputsRequest{}, err
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxInputsBody+1))
	if err != nil {
		return InputsRequest{}, fmt.Errorf("GET %s: %w", req.URL.Path, err)
	}
	if len(data) > MaxInputsBody {
		return InputsRequest{}, fmt.Errorf("GET %s: answer over %d bytes", req.URL.Path, MaxInputsBody)
	}
	var r InputsRequest
	if err := json.Unmarshal(data, &r); err != nil {
		return InputsRequest{}, fmt.Errorf("GET %s: bad answer: %w", req.URL.Path, err)
	}
	return r, nil
}

// ProviderInput opens the committed input name of order id for reading,
// as a drawn verifier (Key is its node key). The caller closes it, bounds
// what it reads and checks the hash.
func (c *Client) ProviderInput(ctx context.Context, id uint64, name string) (io.ReadCloser, error) {
	u, err := c.url(OrderPath(id, "inputs", name))
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if err := c.sign(req, BodyOf(nil)); err != nil {
		return nil, err
	}
	resp, err := c.http().Do(req)
	if err != nil {
		return nil, err
	}
	if err := statusError(resp); err != nil {
		resp.Body.Close()
		return nil, err
	}
	return resp.Body, nil
}

// BotSpec returns the BotSpec with id that the node serves for one of its
// bots (GET /v1/botspecs/{id}): the answer is read up to
// protocol.MaxBotSpecBytes and must be a valid BotSpec whose id is id
// (protocol.ParseBotSpecWithID), so a node cannot pass off another bot's
// description. A StatusError with 404 when the node runs no bot with
// that BotSpec; an error matching protocol.ErrInvalidBotSpec when the
// answer is not the BotSpec id names.
func (c *Client) BotSpec(ctx context.Context, id protocol.BotSpecID) (*protocol.BotSpec, error) {
	data, err := c.do(ctx, http.MethodGet, BotSpecPathPrefix+id.String(), nil, false, nil, protocol.MaxBotSpecBytes)
	if err != nil {
		return nil, err
	}
	s, err := protocol.ParseBotSpecWithID(data, id)
	if err != nil {
		return nil, fmt.Errorf("BotSpec %s from %s: %w", id, c.Endpoint, err)
	}
	return s, nil
}
