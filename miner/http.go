package miner

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/celltonomy/celltonomy/miner/proofapi"
)

// Handler returns the miner's HTTP API:
//
//	GET /v1/reputation/{address}[?skill=ID]  proofapi.ReputationResponse, proofs against the accepted root
//	GET /v1/root                             proofapi.RootsResponse
//	GET /healthz                             200 "ok" once the miner follows the chain
//
// {address} is bech32 "cell1…" or 0x and 40 hex digits. Errors are
// proofapi.ErrorBody with 400 (a bad address or skill), 404 (an unknown skill, or
// no leaf of the user in the skill asked for) or 503 (no accepted root
// yet, its cycle not replayed, or the miner's state disagrees with it).
func (m *Miner) Handler() http.Handler {
	return newHandler(m.rep, m.snapshot, m.Healthy)
}

// newHandler serves the cycles of rep; snapshot returns the accepted root
// and whether the replayer's root of its cycle agrees.
func newHandler(rep *Replayer, snapshot func() (*proofapi.Root, *bool), healthy func() bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(proofapi.RouteReputation, func(w http.ResponseWriter, r *http.Request) {
		user, err := proofapi.ParseAddress(r.PathValue(proofapi.PathAddress))
		if err != nil {
			httpError(w, http.StatusBadRequest, "address: %v", err)
			return
		}
		skills := rep.Skills()
		if s := r.URL.Query().Get(proofapi.QuerySkill); s != "" {
			id, err := strconv.ParseUint(s, 10, 64)
			if err != nil || id == 0 {
				httpError(w, http.StatusBadRequest, "skill %q: want a skill id, a positive decimal number", s)
				return
			}
			if id > uint64(len(skills)) {
				httpError(w, http.StatusNotFound, "skill %d: no such skill", id)
				return
			}
			skills = skills[id-1 : id]
		}
		acc, _ := snapshot()
		if acc == nil {
			httpError(w, http.StatusServiceUnavailable, "no reputation root is accepted yet")
			return
		}
		c, ok := rep.Cycle(acc.Cycle)
		switch {
		case !ok:
			httpError(w, http.StatusServiceUnavailable, "cycle %d, whose root is accepted, is not replayed yet", acc.Cycle)
			return
		case c.Root != acc.Root:
			httpError(w, http.StatusServiceUnavailable, "this miner's root of cycle %d, %s, is not the accepted root %s", acc.Cycle, hex0x(c.Root[:]), hex0x(acc.Root[:]))
			return
		}
		resp := NewReputationResponse(c, user, skills)
		if len(skills) == 1 && len(resp.Leaves) == 0 {
			httpError(w, http.StatusNotFound, "%s has no reputation in skill %d in cycle %d", user, skills[0].ID, c.Cycle)
			return
		}
		writeJSON(w, http.StatusOK, resp)
	})
	mux.HandleFunc(proofapi.RouteRoot, func(w http.ResponseWriter, r *http.Request) {
		var resp proofapi.RootsResponse
		if c, ok := rep.Latest(); ok {
			resp.Latest = c.Info()
		}
		acc, agrees := snapshot()
		if acc != nil {
			resp.Accepted = acc.Info()
			resp.Agrees = agrees
		}
		writeJSON(w, http.StatusOK, resp)
	})
	mux.HandleFunc(proofapi.RouteHealth, func(w http.ResponseWriter, r *http.Request) {
		if !healthy() {
			httpError(w, http.StatusServiceUnavailable, "not following the chain yet")
			return
		}
		io.WriteString(w, "ok\n")
	})
	return mux
}

func httpError(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, proofapi.ErrorBody{Error: fmt.Sprintf(format, args...)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
