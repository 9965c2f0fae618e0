package proofapi

import (
	"net/url"
	"strconv"

	"github.com/celltonomy/celltonomy/ledger/address"
)

// PathAddress names the path value of RouteReputation
// (http.Request.PathValue): bech32 "cell1…" or 0x and 40 hex digits
// (ParseAddress).
const PathAddress = "address"

// QuerySkill names the query parameter of RouteReputation that restricts
// the answer to one skill id (decimal, positive).
const QuerySkill = "skill"

// The routes of a miner's HTTP API, as net/http.ServeMux patterns.
const (
	// RouteReputation answers a ReputationResponse.
	RouteReputation = "GET /v1/reputation/{" + PathAddress + "}"
	// RouteRoot answers a RootsResponse.
	RouteRoot = "GET /v1/root"
	// RouteHealth answers 200 "ok" once the miner follows the chain.
	RouteHealth = "GET /healthz"
)

// ReputationPath returns the path and query of RouteReputation for user,
// restricted to skill when skill is not 0.
func ReputationPath(user address.Address, skill uint64) string {
	p := "/v1/reputation/" + url.PathEscape(user.String())
	if skill != 0 {
		p += "?" + QuerySkill + "=" + strconv.FormatUint(skill, 10)
	}
	return p
}

// RootPath is the path of RouteRoot.
const RootPath = "/v1/root"

// ErrorBody is the JSON body of an error reply of a miner's HTTP API.
type ErrorBody struct {
	Error string `json:"error"`
}
