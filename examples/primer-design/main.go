package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/celltonomy/celltonomy/bio/restriction"
	"github.com/celltonomy/celltonomy/sdk/service"
)

// PortDesign is the slot port of the design (cell.toml's [[slot]]).
const PortDesign = 1

// GenomePath is where the package filesystem holds λ.
const GenomePath = "/lambda.fa"

// IndexEnv is the environment variable that names the seq-index child's
// service id (hex) when a request does not.
const IndexEnv = "SEQ_INDEX"

// indexPort is seq-index's slot of binding sites.
const indexPort = 1

const maxGenome = 16 << 20

// state kept across calls: the genome, and the running seq-index children
// by service id (a child's index is built once, on its first call).
var (
	genome   []byte
	children = map[string]*service.Child{}
)

func loadGenome() error {
	if genome != nil {
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
	genome = rec.Seq
	return nil
}

// indexer returns the Indexer of the seq-index child idHex, started on
// first use and kept; a child whose call fails is stopped and started
// again on the next request.
func indexer(idHex string) Indexer {
	return func(seqs []string) ([]IndexResult, error) {
		c := children[idHex]
		if c == nil {
			id, err := hex.DecodeString(idHex)
			if err != nil {
				return nil, fmt.Errorf("index %q: %w", idHex, err)
			}
			if c, err = service.StartChild(id); err != nil {
				return nil, err
			}
			children[idHex] = c
		}
		req, err := json.Marshal(struct {
			Sequences []string `json:"sequences"`
		}{seqs})
		if err != nil {
			return nil, err
		}
		resp, err := c.Call(indexPort, req)
		if err != nil {
			c.Stop()
			delete(children, idHex)
			return nil, err
		}
		var out struct {
			Results []IndexResult `json:"results"`
		}
		if err := json.Unmarshal(resp, &out); err != nil {
			return nil, fmt.Errorf("answer: %w", err)
		}
		return out.Results, nil
	}
}

func design(req []byte) ([]byte, error) {
	if err := loadGenome(); err != nil {
		return nil, err
	}
	r, err := ParseRequest(req, len(genome))
	if err != nil {
		return nil, err
	}
	id := r.Index
	if id == "" {
		id = os.Getenv(IndexEnv)
		if id == "" {
			return nil, errors.New("index: no seq-index service id: give the request's index or the parameter " + IndexEnv)
		}
		r.Index = id
		if _, err := ParseRequest(mustJSON(r), len(genome)); err != nil {
			return nil, fmt.Errorf("%s: %w", IndexEnv, err)
		}
	}
	out, err := Design(genome, r, indexer(id))
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func init() { service.Handle(PortDesign, design) }

func main() {}
