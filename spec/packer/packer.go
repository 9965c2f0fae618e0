// Package packer builds a package from a directory holding a cell.toml
// manifest: it reads the files the manifest lists into a CEL-AUT
// filesystem, writes the service specification and the envelope, and
// validates both.
//
// The result is reproducible: building the same directory twice, on any
// machine, gives the same bytes and so the same package id. To get there
// the packer
//
//   - sorts every directory's entries by name (UTF-8 bytes) and every
//     key-value list by key;
//   - writes the same filesystem metadata on every entry, whatever the
//     host says: the seven keys nodo reads (spec.MetadataKeys), with owner
//     0:0, modification time 0 and mode 0444 for files, 0555 for
//     directories, 0777 for links (spec.PackedMetadata), so the root can be
//     marked read-only with the xattr read_mode = "ro", which requires them;
//   - writes each directory entry's fields in field-number order
//     (spec.MarshalFilesystem), as nodo does;
//   - stores a symbolic link as a celaut Link whose src is its target
//     exactly as read and dst the link's own absolute path; absolute
//     targets are refused, and validation refuses targets that leave the
//     package or do not exist;
//   - writes the entry as Init.entry_path segments (the program's path
//     only) and the manifest's fixed arguments, if any, as the Init.xattrs
//     entry spec.ArgsXattr (a JSON array of strings);
//   - refuses anything that is not a regular file, directory or link.
//
// The manifest format is documented on Manifest; examples/digest/cell.toml
// is a complete example.
//
// # Protocol packages
//
// A directory whose cell.toml says kind = "protocol" is a lab protocol
// (fabrication.md: "Protocol packages"): its filesystem holds
// protocol.json, an Autoprotocol template whose string values may be
// {{NAME}} placeholders, and nothing needs to be said about entry,
// architecture or files: they default to protocol.json, autoprotocol/1
// and ["protocol.json"]. Each placeholder is declared as a [[parameter]],
// exactly as a compute package declares its environment variables:
//
//	[[parameter]]
//	name = "ENZYME"
//	prose = "Restriction enzyme from the bot's inventory, e.g. EcoRI."
//	required = true
//	example = "EcoRI"     # what the build fills the template with
//
//	[[parameter]]
//	name = "MINUTES"
//	default = "60"
//
// The build fills the template with every parameter's example, or its
// default when it has none, and loads it (protocol.Load: fill, parse,
// validate); a broken template, a placeholder that is not declared, a
// declared parameter the template does not use, or a required parameter
// without an example is refused, naming the field. So a package that
// builds is one that runs with its defaults and examples.
package packer

import (
	"cmp"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

// Build reads DIR/cell.toml and the files it lists and returns the
// unsigned package, validated with lim. Errors name the manifest key or the
// spec field at fault; I/O errors are wrapped with the path.
func Build(dir string, lim spec.Limits) (*spec.Package, error) { return build(dir, lim, nil) }

// BuildSigned is Build for the author whose key is priv: the envelope names
// the key's address as its author and carries the key's ed25519 signature
// over the envelope bytes. Signatures are deterministic, so a signed build
// is as reproducible as an unsigned one.
func BuildSigned(dir string, lim spec.Limits, priv ed25519.PrivateKey) (*spec.Package, error) {
	return build(dir, lim, priv)
}

func build(dir string, lim spec.Limits, author ed25519.PrivateKey) (*spec.Package, error) {
	text, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	m, err := ParseManifest(string(text))
	if err != nil {
		return nil, err
	}
	kind, err := spec.ParseKind(m.Kind)
	if err != nil {
		return nil, fmt.Errorf("%s: kind: %w", ManifestName, err)
	}
	if kind == specpb.Kind_KIND_PROTOCOL {
		if err := protocolDefaults(m); err != nil {
			return nil, err
		}
	} else {
		for _, p := range m.Parameters {
			if p.Example != nil {
				return nil, fmt.Errorf("%s: parameter %s: example: only a protocol package's parameters have examples", ManifestName, p.Name)
			}
		}
	}
	root := newDir()
	if len(m.Files) == 0 {
		return nil, fmt.Errorf("%s: files: list at least the program's module", ManifestName)
	}
	for _, f := range m.Files {
		if err := root.add(dir, f); err != nil {
			return nil, fmt.Errorf("%s: files: %w", ManifestName, err)
		}
	}
	fsBytes := spec.MarshalFilesystem(root.proto(true))

	if m.Entry.Path == "" {
		return nil, fmt.Errorf("%s: entry.path: required: the program's path inside the package", ManifestName)
	}
	entry := path.Clean("/" + m.Entry.Path)
	svc := &specpb.Service{
		Prose: m.Prose,
		Container: &specpb.Container{
			Architecture: &specpb.Architecture{Tags: nonEmpty(m.Architecture)},
			Filesystem:   fsBytes,
			Init:         &specpb.Init{EntryPath: spec.EntryPath(entry), Xattrs: spec.EntryArgs(m.Entry.Args)},
		},
	}
	if r := m.Resources; r.MemoryBytes != 0 || r.DiskBytes != 0 {
		most := &specpb.Sysresources{}
		if r.MemoryBytes != 0 {
			most.MemLimit = proto.Uint64(r.MemoryBytes)
		}
		if r.DiskBytes != 0 {
			most.DiskSpace = proto.Uint64(r.DiskBytes)
		}
		svc.Container.Resources = &specpb.Resources{AtMost: most}
	}
	params := slices.SortedFunc(slices.Values(m.Parameters), func(a, b Parameter) int { return cmp.Compare(a.Name, b.Name) })
	for _, p := range params {
		svc.Container.EnvironmentVariables = append(svc.Container.EnvironmentVariables,
			&specpb.DataFormatKeyValue{Key: p.Name, Value: &specpb.DataFormat{Prose: p.Prose}})
	}
	if err := addSlots(svc, kind, m.Slots); err != nil {
		return nil, err
	}
	s, err := spec.DecodeSpec(marshal(svc), lim)
	if err != nil {
		return nil, err
	}
	if kind == specpb.Kind_KIND_PROTOCOL {
		if err := checkTemplate(s, params); err != nil {
			return nil, err
		}
	}
	id := s.ID()
	env := &specpb.Envelope{
		PackageId: id[:],
		Name:      m.Name,
		Version:   m.Version,
		Kind:      kind,
		Skill:     m.Skill,
		License:   &specpb.License{RoyaltyBps: m.License.RoyaltyBps, Terms: m.License.Terms},
		Inputs:    ports(m.Inputs),
		Outputs:   ports(m.Outputs),
		Fuel:      m.Resources.Fuel,
	}
	env.ServicePorts = s.SlotPorts()
	if m.Parent != "" {
		parent, err := spec.ParseID(m.Parent)
		if err != nil {
			return nil, fmt.Errorf("%s: parent: %w", ManifestName, err)
		}
		env.Parent = parent[:]
	}
	for _, p := range params {
		env.Parameters = append(env.Parameters, &specpb.Parameter{Name: p.Name, Required: p.Required, Default: p.Default})
	}
	if author != nil {
		env.Author = spec.Address(author.Public().(ed25519.PublicKey))
	}
	p, err := spec.NewPackage(s, marshal(env))
	if err != nil || author == nil {
		return p, err
	}
	if err := p.Sign(author); err != nil {
		return nil, err
	}
	return p, nil
}

// protocolDefaults fills in, and checks, what a protocol package's manifest
// need not say: architecture, entry and files.
func protocolDefaults(m *Manifest) error {
	switch m.Architecture {
	case "":
		m.Architecture = spec.ArchAutoprotocol1
	case spec.ArchAutoprotocol1:
	default:
		return fmt.Errorf("%s: architecture: a protocol package is %s, not %q", ManifestName, spec.ArchAutoprotocol1, m.Architecture)
	}
	switch path.Clean("/" + m.Entry.Path) {
	case "/":
		m.Entry.Path = spec.ProtocolTemplate
	case "/" + spec.ProtocolTemplate:
	default:
		return fmt.Errorf("%s: entry.path: a protocol package's entry is its template %s, not %q", ManifestName, spec.ProtocolTemplate, m.Entry.Path)
	}
	if len(m.Entry.Args) > 0 {
		return fmt.Errorf("%s: entry.args: a protocol package takes no arguments", ManifestName)
	}
	if len(m.Files) == 0 {
		m.Files = []string{spec.ProtocolTemplate}
	}
	return nil
}

// checkTemplate loads a protocol package's template filled with each
// parameter's example, or its default, and returns the first problem.
func checkTemplate(s *spec.Spec, params []Parameter) error {
	tmpl, err := s.Tree().ReadFile(spec.ProtocolTemplate)
	if err != nil {
		return fmt.Errorf("%s: files: a protocol package holds its template: %w", ManifestName, err)
	}
	values := map[string]string{}
	for _, p := range params {
		switch {
		case p.Example != nil:
			values[p.Name] = *p.Example
		case p.Default != nil:
			values[p.Name] = *p.Default
		case p.Required:
			return fmt.Errorf("%s: parameter %s: example: a required parameter of a protocol package needs an example to validate %s with", ManifestName, p.Name, spec.ProtocolTemplate)
		default:
			return fmt.Errorf("%s: parameter %s: default: a protocol parameter is required or has a default (every placeholder must be filled)", ManifestName, p.Name)
		}
	}
	if _, err := protocol.Load(tmpl, values); err != nil {
		return fmt.Errorf("%s (filled with the parameters' examples and defaults): %w", spec.ProtocolTemplate, err)
	}
	return nil
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func ports(in []Port) []*specpb.Port {
	sorted := slices.SortedFunc(slices.Values(in), func(a, b Port) int { return cmp.Compare(a.Name, b.Name) })
	var out []*specpb.Port
	for _, p := range sorted {
		out = append(out, &specpb.Port{Name: p.Name, Format: &specpb.DataFormat{Tags: nonEmpty(p.Format), Prose: p.Prose}})
	}
	return out
}

func marshal(m proto.Message) []byte {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("packer: marshal %T: %v", m, err)) // messages built here always marshal
	}
	return b
}

// dir is a directory being assembled; exactly one of file, link, sub is
// set for each entry.
type dir struct {
	entries map[string]*item
}

type item struct {
	file []byte
	link *specpb.Link
	sub  *dir
}

func newDir() *dir { return &dir{entries: map[string]*item{}} }

// add reads rel (relative to base) into the tree at the same place.
func (d *dir) add(base, rel string) error {
	clean := path.Clean(filepath.ToSlash(rel))
	if rel == "" || path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
		return fmt.Errorf("%q: must be a path inside the package directory", rel)
	}
	parent := d
	elems := strings.Split(clean, "/")
	if clean == "." {
		elems = nil
	}
	for _, e := range elems[:max(len(elems)-1, 0)] {
		it := parent.entries[e]
		if it == nil {
			it = &item{sub: newDir()}
			parent.entries[e] = it
		}
		if it.sub == nil {
			return fmt.Errorf("%q: %s is not a directory", rel, e)
		}
		parent = it.sub
	}
	host := filepath.Join(base, filepath.FromSlash(clean))
	if len(elems) == 0 {
		return d.addDir(host, "/")
	}
	return parent.addPath(host, "/"+clean, elems[len(elems)-1])
}

// addPath adds the host file, directory or link at host as entry name.
func (d *dir) addPath(host, pkgPath, name string) error {
	info, err := os.Lstat(host)
	if err != nil {
		return err
	}
	switch {
	case info.Mode().IsRegular():
		b, err := os.ReadFile(host)
		if err != nil {
			return err
		}
		d.entries[name] = &item{file: b}
	case info.IsDir():
		it := d.entries[name]
		if it == nil {
			it = &item{sub: newDir()}
			d.entries[name] = it
		}
		if it.sub == nil {
			return fmt.Errorf("%s: listed both as a file and a directory", pkgPath)
		}
		return it.sub.addDir(host, pkgPath)
	case info.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(host)
		if err != nil {
			return err
		}
		t := filepath.ToSlash(target)
		if path.IsAbs(t) {
			return fmt.Errorf("%s: link to absolute path %q cannot be packed; use a relative target", pkgPath, target)
		}
		d.entries[name] = &item{link: &specpb.Link{Src: t, Dst: pkgPath}}
	default:
		return fmt.Errorf("%s: %v is not a regular file, directory or link", pkgPath, info.Mode().Type())
	}
	return nil
}

func (d *dir) addDir(host, pkgPath string) error {
	ents, err := os.ReadDir(host)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range ents {
		if e.Name() == ManifestName && pkgPath == "/" {
			continue
		}
		errs = append(errs, d.addPath(filepath.Join(host, e.Name()), path.Join(pkgPath, e.Name()), e.Name()))
	}
	return errors.Join(errs...)
}

// proto returns the directory as a Filesystem with entries sorted by name.
func (d *dir) proto(root bool) *specpb.Filesystem {
	fsys := &specpb.Filesystem{}
	if root {
		fsys.Xattrs = []*specpb.BytesKeyValue{{Key: spec.ReadModeKey, Value: []byte("ro")}}
	}
	for _, name := range slices.Sorted(maps.Keys(d.entries)) {
		it := d.entries[name]
		b := &specpb.ItemBranch{Name: name}
		switch {
		case it.sub != nil:
			b.Item = &specpb.ItemBranch_Filesystem{Filesystem: it.sub.proto(false)}
			b.Xattrs = spec.PackedMetadata(spec.EntryDir).Xattrs()
		case it.link != nil:
			b.Item = &specpb.ItemBranch_Link{Link: it.link}
			b.Xattrs = spec.PackedMetadata(spec.EntryLink).Xattrs()
		default:
			b.Item = &specpb.ItemBranch_File{File: it.file}
			b.Xattrs = spec.PackedMetadata(spec.EntryFile).Xattrs()
		}
		fsys.Branch = append(fsys.Branch, b)
	}
	return fsys
}

// Load returns the package at path: built from the directory when path is a
// directory holding a cell.toml, or read from a .cellpkg file otherwise.
func Load(path string, lim spec.Limits) (*spec.Package, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return Build(path, lim)
	}
	if info.Size() > lim.MaxSpecBytes*2 {
		return nil, fmt.Errorf("%s: %d bytes, too large for a package", path, info.Size())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, err := spec.DecodePackage(data, lim)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// addSlots puts the manifest's [[slot]] tables into svc.api, sorted by
// port: only on a compute package, at most spec.MaxServicePorts, ports 1
// to spec.MaxServicePort and unique.
func addSlots(svc *specpb.Service, kind specpb.Kind, slots []Slot) error {
	if len(slots) == 0 {
		return nil
	}
	if kind != specpb.Kind_KIND_COMPUTE {
		return fmt.Errorf("%s: slot: only a compute package serves slots", ManifestName)
	}
	if len(slots) > spec.MaxServicePorts {
		return fmt.Errorf("%s: slot: %d slots: at most %d", ManifestName, len(slots), spec.MaxServicePorts)
	}
	sorted := slices.SortedFunc(slices.Values(slots), func(a, b Slot) int { return cmp.Compare(a.Port, b.Port) })
	api := &specpb.Api{}
	for i, sl := range sorted {
		if sl.Port < 1 || sl.Port > spec.MaxServicePort {
			return fmt.Errorf("%s: slot: port %d: must be 1 to %d", ManifestName, sl.Port, spec.MaxServicePort)
		}
		if i > 0 && sorted[i-1].Port == sl.Port {
			return fmt.Errorf("%s: slot: port %d: declared twice", ManifestName, sl.Port)
		}
		s := &specpb.Slot{Port: sl.Port}
		if sl.Transport != "" || sl.Prose != "" {
			s.Transport = &specpb.Protocol{Tags: nonEmpty(sl.Transport), Prose: sl.Prose}
		}
		if sl.Protocol != "" {
			s.ProtocolStack = []*specpb.Protocol{{Tags: []string{sl.Protocol}}}
		}
		api.Slot = append(api.Slot, s)
	}
	svc.Api = api
	return nil
}
