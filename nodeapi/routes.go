package nodeapi

import (
	"encoding/hex"
	"fmt"
	"net/url"
	"path"
	"strconv"
)

// The names of the path values in the routes' patterns
// (http.Request.PathValue).
const (
	// PathOrderID is an order id, decimal.
	PathOrderID = "id"
	// PathSum is a SHA-256, 64 lowercase hex digits: a blob's or an
	// output file's.
	PathSum = "sum"
	// PathInputName is the name of an input the package declares.
	PathInputName = "name"
	// PathBotSpecID is a BotSpec id, 64 lowercase hex digits.
	PathBotSpecID = "botspec"
)

// BlobPathPrefix is the path under which a node serves packages by
// content hash: a blob's path is BlobPathPrefix and the 64 lowercase hex
// digits of its SHA-256.
const BlobPathPrefix = "/v1/blobs/"

// The routes of the node's HTTP API, as net/http.ServeMux patterns
// (method and path); the package documentation says who may call each and
// what it answers.
const (
	RouteGetBlob      = "GET " + BlobPathPrefix + "{" + PathSum + "}"
	RoutePutBlob      = "PUT " + BlobPathPrefix + "{" + PathSum + "}"
	RoutePutInput     = "PUT /v1/orders/{" + PathOrderID + "}/inputs/{" + PathInputName + "}"
	RouteCommitInputs = "POST /v1/orders/{" + PathOrderID + "}/inputs"
	RouteJob          = "GET /v1/orders/{" + PathOrderID + "}/job"
	RouteOutputs      = "GET /v1/orders/{" + PathOrderID + "}/outputs"
	RouteOutputFile   = "GET /v1/orders/{" + PathOrderID + "}/outputs/{" + PathSum + "}"
	RouteDecision     = "GET /v1/orders/{" + PathOrderID + "}/decision"
	RouteInputs       = "GET /v1/orders/{" + PathOrderID + "}/inputs"
	RouteInput        = "GET /v1/orders/{" + PathOrderID + "}/inputs/{" + PathInputName + "}"
	RouteLog          = "GET /v1/orders/{" + PathOrderID + "}/log"
	RouteBotSpec      = "GET " + BotSpecPathPrefix + "{" + PathBotSpecID + "}"
	RouteHealth       = "GET /healthz"
	RouteMetrics      = "GET /metrics"
)

// BotSpecPathPrefix is the path under which a node serves the BotSpecs
// of its bots by id: a BotSpec's path is BotSpecPathPrefix and the 64
// lowercase hex digits of its id.
const BotSpecPathPrefix = "/v1/botspecs/"

// BlobPath returns the path of the blob with SHA-256 sum:
// /v1/blobs/ and 64 lowercase hex digits.
func BlobPath(sum [32]byte) string { return BlobPathPrefix + hex.EncodeToString(sum[:]) }

// BlobURL returns the URL at which the node at endpoint (an http or https
// base URL, as registered) serves the blob with SHA-256 sum: the
// location a package's registry record lists for that node. An error
// names an endpoint that is not a URL.
func BlobURL(endpoint string, sum [32]byte) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", fmt.Errorf("endpoint %q: %w", endpoint, err)
	}
	return u.JoinPath(BlobPath(sum)).String(), nil
}

// OrderPath returns the path of an order's resource, unescaped:
// /v1/orders/{id} followed by the segments of rest ("inputs", NAME;
// "job"; "outputs", SHA256; "decision").
func OrderPath(id uint64, rest ...string) string {
	return path.Join(append([]string{"/v1/orders", strconv.FormatUint(id, 10)}, rest...)...)
}
