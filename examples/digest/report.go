package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/celltonomy/celltonomy/bio/restriction"
)

// A report is the result of one digest, as written to fragments.json. Field
// order is the file's key order; slices are never nil, so an empty list is
// written as [].
type report struct {
	Length    int              `json:"length"`   // sequence length, bp
	Enzymes   []string         `json:"enzymes"`  // canonical names, in the order given
	Topology  string           `json:"topology"` // "linear" or "circular"
	Sequence  string           `json:"sequence"` // FASTA identifier
	Cuts      []reportCut      `json:"cuts"`
	Fragments []reportFragment `json:"fragments"`

	description string   // rest of the FASTA header, for the table
	notations   []string // catalog notation of each enzyme, for the table
}

// A reportCut is a cut as written to fragments.json; see restriction.Cut.
type reportCut struct {
	Position int      `json:"position"` // bp of top strand before the break
	Enzymes  []string `json:"enzymes"`  // in the order of the ENZYMES parameter
}

// A reportFragment is a fragment as written to fragments.json; see
// restriction.Fragment.
type reportFragment struct {
	Start  int `json:"start"`  // first base, 1-based
	End    int `json:"end"`    // last base, 1-based; below start across the origin
	Length int `json:"length"` // bp
}

// newReport gathers the results of a digest of rec.
func newReport(rec restriction.Record, enzs []restriction.Enzyme, topo restriction.Topology, cuts []restriction.Cut, frags []restriction.Fragment) report {
	r := report{
		Length:      len(rec.Seq),
		Enzymes:     make([]string, len(enzs)),
		Topology:    topo.String(),
		Sequence:    rec.ID,
		Cuts:        make([]reportCut, len(cuts)),
		Fragments:   make([]reportFragment, len(frags)),
		description: rec.Description,
		notations:   make([]string, len(enzs)),
	}
	for i, e := range enzs {
		r.Enzymes[i] = e.Name
		r.notations[i] = e.Notation
	}
	for i, c := range cuts {
		names := make([]string, len(c.Enzymes))
		for j, e := range c.Enzymes {
			names[j] = enzs[e].Name
		}
		r.Cuts[i] = reportCut{Position: c.Position, Enzymes: names}
	}
	for i, f := range frags {
		r.Fragments[i] = reportFragment{Start: f.Start, End: f.End, Length: f.Length}
	}
	return r
}

// json returns the contents of fragments.json: indented by two spaces, keys
// in struct order, HTML characters not escaped, ending in a newline. The same
// report always gives the same bytes.
func (r report) json() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeTable writes the report for people: a header, one row per fragment
// in start order, and the fragment sizes largest first, as a gel ladder
// reads.
func (r report) writeTable(w io.Writer) error {
	bw := bufio.NewWriter(w)
	enzymes := make([]string, len(r.Enzymes))
	for i, name := range r.Enzymes {
		enzymes[i] = name + " " + r.notations[i]
	}
	fmt.Fprintf(bw, "sequence   %s\n", strings.TrimSpace(r.Sequence+" "+r.description))
	fmt.Fprintf(bw, "length     %d bp\n", r.Length)
	fmt.Fprintf(bw, "topology   %s\n", r.Topology)
	fmt.Fprintf(bw, "enzymes    %s\n", strings.Join(enzymes, ", "))
	fmt.Fprintf(bw, "cuts       %d\n", len(r.Cuts))
	fmt.Fprintf(bw, "fragments  %d\n\n", len(r.Fragments))

	nw := max(len("#"), len(strconv.Itoa(len(r.Fragments))))
	cw := max(len("length"), len(strconv.Itoa(r.Length)))
	fmt.Fprintf(bw, "%*s  %*s  %*s  %*s\n", nw, "#", cw, "start", cw, "end", cw, "length")
	for i, f := range r.Fragments {
		fmt.Fprintf(bw, "%*d  %*d  %*d  %*d\n", nw, i+1, cw, f.Start, cw, f.End, cw, f.Length)
	}

	sizes := make([]int, len(r.Fragments))
	for i, f := range r.Fragments {
		sizes[i] = f.Length
	}
	slices.Sort(sizes)
	slices.Reverse(sizes)
	fmt.Fprintf(bw, "\nsizes, largest first (bp):\n")
	line := ""
	for _, s := range sizes {
		word := strconv.Itoa(s)
		if line != "" && len(line)+1+len(word) > 72 {
			fmt.Fprintf(bw, "  %s\n", line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	fmt.Fprintf(bw, "  %s\n", line)
	return bw.Flush()
}
