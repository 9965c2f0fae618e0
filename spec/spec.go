package spec

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"unicode"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/spec/specpb"
)

// ArchWasm32WASIP1 is the architecture tag of compute packages: a
// WebAssembly module using WASI preview 1 (service-spec.md: "Compute
// packages in WebAssembly").
const ArchWasm32WASIP1 = "wasm32-wasip1"

// ArchAutoprotocol1 is the architecture tag of protocol packages: a lab
// protocol in the version-1 Autoprotocol subset of fabrication.md, run by
// a bot (fabrication.md: "Protocol packages").
const ArchAutoprotocol1 = "autoprotocol/1"

// ProtocolTemplate is the path, in the package filesystem, of a protocol
// package's template: the protocol.json whose {{PARAM}} placeholders an
// order's parameters fill. It is also the package's entry path.
const ProtocolTemplate = "protocol.json"

// Architectures lists the architecture tags this implementation knows. A
// spec must name at least one of them in container.architecture.tags.
var Architectures = []string{ArchWasm32WASIP1, ArchAutoprotocol1}

// Spec is a validated service specification: the raw bytes as received,
// never re-serialized, with the decoded message and filesystem beside them.
// A Spec is immutable; do not modify the message returned by Service.
type Spec struct {
	raw   []byte
	msg   *specpb.Service
	tree  *Tree
	entry string   // program path, relative to the root
	args  []string // fixed arguments (Init.xattrs celltonomy.args)
}

// DecodeSpec decodes and validates raw Service bytes. It returns every
// problem found, each a *FieldError (errors.Is(err, ErrInvalid)), joined
// with errors.Join. The rules are listed in the package doc. raw is kept,
// not copied; the caller must not modify it afterwards.
func DecodeSpec(raw []byte, lim Limits) (*Spec, error) {
	var p problems
	if int64(len(raw)) > lim.MaxSpecBytes {
		p.add("spec", "%d bytes, over the limit of %d bytes", len(raw), lim.MaxSpecBytes)
		return nil, p.err()
	}
	msg := &specpb.Service{}
	if err := proto.Unmarshal(raw, msg); err != nil {
		p.add("spec", "not a serialized celaut.Service: %v", err)
		return nil, p.err()
	}
	s := &Spec{raw: raw, msg: msg}
	c := msg.GetContainer()
	if c == nil {
		p.add("container", "required")
		return nil, p.err()
	}
	if !slices.ContainsFunc(c.GetArchitecture().GetTags(), func(t string) bool { return slices.Contains(Architectures, t) }) {
		p.add("container.architecture.tags", "unknown architecture %q; known: %s",
			c.GetArchitecture().GetTags(), strings.Join(Architectures, ", "))
	}
	tree, err := DecodeTree(c.GetFilesystem(), lim)
	if err != nil {
		p = append(p, err)
	}
	s.tree = tree
	s.entry, s.args = checkEntry(c.GetInit(), tree, &p)
	for i, kv := range c.GetEnvironmentVariables() {
		if !ValidEnvName(kv.GetKey()) {
			p.add(fmt.Sprintf("container.environment_variables[%d].key", i),
				"%q is not a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*)", kv.GetKey())
		}
	}
	if len(p) > 0 {
		return nil, p.err()
	}
	return s, nil
}

// ValidEnvName reports whether s is a valid environment variable name,
// [A-Za-z_][A-Za-z0-9_]*: the rule for declared parameters and for the
// parameters of a run.
func ValidEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', 'A' <= r && r <= 'Z', 'a' <= r && r <= 'z':
		case '0' <= r && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// Bytes returns the raw spec bytes, exactly as received.
func (s *Spec) Bytes() []byte { return s.raw }

// ID returns the service id: SHA3-256 of Bytes.
func (s *Spec) ID() ID { return ServiceID(s.raw) }

// Service returns the decoded message. It must not be modified.
func (s *Spec) Service() *specpb.Service { return s.msg }

// Tree returns the package filesystem.
func (s *Spec) Tree() *Tree { return s.tree }

// Architectures returns the architecture tags of the container.
func (s *Spec) Architectures() []string { return s.msg.GetContainer().GetArchitecture().GetTags() }

// Entry returns the program's path, relative to the package root (as
// io/fs names it, e.g. "bin/digest.wasm": Init.entry_path's segments joined
// by "/"), and the fixed arguments that follow it (Init.xattrs
// "celltonomy.args"; nil when there are none).
func (s *Spec) Entry() (program string, args []string) {
	return s.entry, slices.Clone(s.args)
}

// EntryPath returns the segments of Init.entry_path for a program at
// path p inside the package ("/bin/x.wasm" or "bin/x.wasm" give
// ["bin", "x.wasm"]): what a writer puts in the spec.
func EntryPath(p string) []string {
	p = strings.Trim(path.Clean("/"+p), "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// EntryArgs returns the Init.xattrs entry holding fixed arguments (key
// ArgsXattr, a JSON array of strings), or nil when there are none.
func EntryArgs(args []string) []*specpb.BytesKeyValue {
	if len(args) == 0 {
		return nil
	}
	b, err := json.Marshal(args)
	if err != nil {
		panic(err) // a []string always marshals
	}
	return []*specpb.BytesKeyValue{{Key: ArgsXattr, Value: b}}
}

// checkEntry checks Init against the tree and returns the program path and
// the fixed arguments. The rules are nodo's: entry_path is one path, given
// as segments joined by "/", each non-empty, with no "." or ".." element,
// no white space and no arguments; it must resolve to a file.
func checkEntry(init *specpb.Init, tree *Tree, p *problems) (string, []string) {
	const field = "container.init.entry_path"
	segs := init.GetEntryPath()
	if len(segs) == 0 {
		p.add(field, "must not be empty: its segments, joined by \"/\", are the program's path")
		return "", nil
	}
	bad := false
	for i, seg := range segs {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case seg == "" || strings.Trim(seg, "/") == "":
			p.add(f, "must not be empty")
			bad = true
		case strings.IndexFunc(seg, unicode.IsSpace) >= 0:
			p.add(f, "%q contains white space: entry_path is the program's path only; fixed arguments go in container.init.xattrs %q", seg, ArgsXattr)
			bad = true
		}
		for _, e := range strings.Split(seg, "/") {
			if e == "." || e == ".." {
				p.add(f, "%q has a %q element", seg, e)
				bad = true
			}
		}
	}
	var args []string
	if v, ok := LastValue(init.GetXattrs(), ArgsXattr); ok {
		if err := json.Unmarshal(v, &args); err != nil {
			p.add("container.init.xattrs."+ArgsXattr, "not a JSON array of strings: %v", err)
			bad = true
		}
	}
	if bad {
		return "", nil
	}
	prog := strings.TrimPrefix(path.Clean("/"+strings.Join(segs, "/")), "/")
	if tree != nil {
		n, err := tree.resolve(prog, true)
		switch {
		case err != nil:
			p.add(field, "%q is not in the filesystem: %v (entry_path is the program's path only; fixed arguments go in container.init.xattrs %q)", prog, err, ArgsXattr)
		case n.typ != EntryFile:
			p.add(field, "%q is a %s, not a file", prog, n.typ)
		}
	}
	return prog, args
}

// EnvironmentVariables returns the names of the declared environment
// variables, one per name, sorted.
func (s *Spec) EnvironmentVariables() []string {
	var names []string
	for _, kv := range SortedKV(s.msg.GetContainer().GetEnvironmentVariables()) {
		names = append(names, kv.GetKey())
	}
	return names
}

// MaxResources returns container.resources.at_most, or nil when the spec
// sets no ceiling.
func (s *Spec) MaxResources() *specpb.Sysresources {
	return s.msg.GetContainer().GetResources().GetAtMost()
}

// Benchmarks returns the minimum benchmark scores of r: Sysresources field
// 99 (benchmark), where nodo writes them, or, when that is empty, field 6
// (legacy_min_benchmark), where specs written before that change hold
// them. Writers use field 99 only.
func Benchmarks(r *specpb.Sysresources) []*specpb.Uint64KeyValue {
	if b := r.GetBenchmark(); len(b) > 0 {
		return b
	}
	return r.GetLegacyMinBenchmark()
}
