package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/celltonomy/celltonomy/bio/restriction"
	"github.com/celltonomy/celltonomy/sdk/service"
)

// Slot ports (cell.toml's [[slot]] tables).
const (
	PortSites = 1
	PortInfo  = 2
)

// GenomePath is where the package filesystem holds the sequence indexed.
const GenomePath = "/lambda.fa"

// maxGenome bounds the FASTA file read, bytes.
const maxGenome = 16 << 20

// SitesRequest is the request of slot 1.
type SitesRequest struct {
	// Sequences are the queries, 5'→3'.
	Sequences []string `json:"sequences"`
}

// SitesResponse is the answer of slot 1: one Result per query, in order.
type SitesResponse struct {
	K       int      `json:"k"`
	Length  int      `json:"length"`
	Results []Result `json:"results"`
}

// Result is the answer for one query.
type Result struct {
	Sequence string `json:"sequence"`
	Sites    []Site `json:"sites"`
	// More is true when the query has more than MaxSites sites.
	More bool `json:"more,omitempty"`
}

// Info is the answer of slot 2.
type Info struct {
	ID      string `json:"id"`
	Length  int    `json:"length"`
	K       int    `json:"k"`
	Entries int    `json:"entries"`
	// Builds counts the index builds of this instance (1 once built: the
	// index is kept across calls); Calls counts the calls served.
	Builds int `json:"builds"`
	Calls  int `json:"calls"`
}

// state is kept across calls: the node keeps the instance's memory.
var (
	index  *Index
	seqID  string
	builds int
	calls  int
)

// load builds the index on the first call.
func load() error {
	if index != nil {
		return nil
	}
	f, err := os.Open(GenomePath)
	if err != nil {
		return fmt.Errorf("genome: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("genome: %w", err)
	}
	if st.Size() > maxGenome {
		return fmt.Errorf("genome: %d bytes, more than %d", st.Size(), maxGenome)
	}
	rec, err := restriction.ReadFASTA(f, st.Size())
	if err != nil {
		return fmt.Errorf("genome %s: %w", GenomePath, err)
	}
	index, seqID = NewIndex(rec.Seq), rec.ID
	builds++
	return nil
}

// sites serves slot 1.
func sites(req []byte) ([]byte, error) {
	calls++
	if len(req) > MaxRequest {
		return nil, fmt.Errorf("request: %d bytes, more than %d", len(req), MaxRequest)
	}
	var r SitesRequest
	d := json.NewDecoder(bytes.NewReader(req))
	d.DisallowUnknownFields()
	if err := d.Decode(&r); err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	if len(r.Sequences) == 0 || len(r.Sequences) > MaxQueries {
		return nil, fmt.Errorf("sequences: %d, want 1 to %d", len(r.Sequences), MaxQueries)
	}
	for i, s := range r.Sequences {
		if err := CheckQuery([]byte(s)); err != nil {
			return nil, fmt.Errorf("sequences[%d]: %w", i, err)
		}
	}
	if err := load(); err != nil {
		return nil, err
	}
	out := SitesResponse{K: K, Length: index.Len(), Results: make([]Result, len(r.Sequences))}
	for i, s := range r.Sequences {
		st, more := index.Sites([]byte(s), MaxSites)
		if st == nil {
			st = []Site{}
		}
		out.Results[i] = Result{Sequence: s, Sites: st, More: more}
	}
	return json.Marshal(out)
}

// info serves slot 2.
func info([]byte) ([]byte, error) {
	calls++
	if err := load(); err != nil {
		return nil, err
	}
	return json.Marshal(Info{ID: seqID, Length: index.Len(), K: K, Entries: index.Entries(), Builds: builds, Calls: calls})
}

func init() {
	service.Handle(PortSites, sites)
	service.Handle(PortInfo, info)
}

func main() {}
