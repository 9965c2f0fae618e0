package spec

import (
	"fmt"
	"path"
	"slices"
	"strings"

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
	raw  []byte
	msg  *specpb.Service
	tree *Tree
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
	entry := c.GetInit().GetEntryPath()
	switch {
	case len(entry) == 0:
		p.add("container.init.entry_path", "must not be empty: the first element is the program's path")
	case entry[0] == "":
		p.add("container.init.entry_path[0]", "must not be empty")
	case tree != nil:
		n, err := tree.resolve(entry[0], true)
		switch {
		case err != nil:
			p.add("container.init.entry_path[0]", "%q is not in the filesystem: %v", entry[0], err)
		case n.typ != EntryFile:
			p.add("container.init.entry_path[0]", "%q is a %s, not a file", entry[0], n.typ)
		}
	}
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

// Entry returns the program's path, cleaned and relative to the package
// root (as io/fs names it, e.g. "digest.wasm"), and the fixed arguments
// that follow it.
func (s *Spec) Entry() (program string, args []string) {
	e := s.msg.GetContainer().GetInit().GetEntryPath()
	return strings.TrimPrefix(path.Clean("/"+e[0]), "/"), e[1:]
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
