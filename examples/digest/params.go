package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/celltonomy/celltonomy/bio/restriction"
)

// parseEnzymes parses the ENZYMES parameter: comma-separated names matched
// without regard to case, with the white space around each name trimmed. A
// name given twice counts once. The result keeps canonical names in the
// order first given. It is an error for the list to be empty, to hold an
// empty name, or to name an enzyme not in the table; the error for unknown
// names lists them all, each with the closest known names.
func parseEnzymes(value string) ([]restriction.Enzyme, error) {
	if strings.TrimSpace(value) == "" {
		return nil, fmt.Errorf("ENZYMES is required: a comma-separated list of enzyme names, e.g. ENZYMES=EcoRI,BamHI")
	}
	var out []restriction.Enzyme
	var unknown []string
	for i, field := range strings.Split(value, ",") {
		name := strings.TrimSpace(field)
		if name == "" {
			return nil, fmt.Errorf("ENZYMES %q: name %d is empty", value, i+1)
		}
		e, ok := restriction.Lookup(name)
		if !ok {
			unknown = append(unknown, unknownEnzyme(name))
			continue
		}
		if !slices.ContainsFunc(out, func(o restriction.Enzyme) bool { return o.Name == e.Name }) {
			out = append(out, e)
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("ENZYMES: %s", strings.Join(unknown, "; "))
	}
	return out, nil
}

// unknownEnzyme describes an unknown name with its closest known names, or
// with the whole table when none is close.
func unknownEnzyme(name string) string {
	if near := restriction.Closest(name); len(near) > 0 {
		return fmt.Sprintf("unknown enzyme %q (closest known: %s)", name, strings.Join(near, ", "))
	}
	var all []string
	for _, e := range restriction.Enzymes() {
		all = append(all, e.Name)
	}
	return fmt.Sprintf("unknown enzyme %q (known: %s)", name, strings.Join(all, ", "))
}

// parseTopology parses the TOPOLOGY parameter: "linear" or "circular",
// without regard to case or surrounding white space; empty means linear.
func parseTopology(value string) (restriction.Topology, error) {
	switch strings.ToLower(strings.TrimSpace(value)) {
	case "", "linear":
		return restriction.Linear, nil
	case "circular":
		return restriction.Circular, nil
	}
	return restriction.Linear, fmt.Errorf("TOPOLOGY %q: must be linear or circular", value)
}
