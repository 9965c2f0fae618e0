package cli

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/packer"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

func newPackageCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "package",
		Short: "Build and inspect packages",
	}
	cmd.AddCommand(newPackageBuildCmd(g), newPackageInspectCmd(g))
	return cmd
}

func newPackageBuildCmd(g *globals) *cobra.Command {
	var out, key string
	pass := passphrases{g: g}
	cmd := &cobra.Command{
		Use:   "build DIR",
		Short: "Build a .cellpkg file from a directory with a cell.toml manifest",
		Long: `Build reads DIR/cell.toml and the files it lists and writes one .cellpkg file
holding the service specification and the package envelope. The build is
reproducible: the same directory gives the same bytes and the same package id
on any machine. With --key the package is signed by that keyring key, which
becomes its author: registering it on the ledger (cell tx registry
register-package) needs a signed package. The package id depends on the spec
only, so signing does not change it.

A protocol package (kind = "protocol") is checked as it is built: its
protocol.json, filled with each parameter's example or default, must parse
and validate, or the build fails naming the instruction and the field.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var p *spec.Package
			var err error
			if key == "" {
				p, err = packer.Build(args[0], spec.DefaultLimits())
			} else {
				var priv ed25519.PrivateKey
				if priv, err = signingKey(cmd, g, key, &pass); err != nil {
					return err
				}
				p, err = packer.BuildSigned(args[0], spec.DefaultLimits(), priv)
			}
			if err != nil {
				return err
			}
			if out == "" {
				out = fmt.Sprintf("%s-%s%s", p.Envelope().GetName(), p.Envelope().GetVersion(), spec.FileExt)
			}
			data := p.Encode()
			if err := writeFileAtomic(out, data); err != nil {
				return err
			}
			if g.output == outputJSON {
				return g.json("package-build", map[string]any{"id": p.ID().String(), "file": out, "size": len(data)})
			}
			_, err = fmt.Fprintf(g.stdout, "%s\n%s (%s)\n", p.ID(), out, humanize.IBytes(uint64(len(data))))
			return err
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "file to write (default NAME-VERSION.cellpkg in the current directory)")
	cmd.Flags().StringVar(&key, "key", "", "sign the package as its author with this keyring key")
	cmd.Flags().StringVar(&pass.file, "passphrase-file", "", "read the key's passphrase from the first line of FILE")
	return cmd
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it into place, so a failed write never leaves half a package.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".cellpkg-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func newPackageInspectCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "inspect PACKAGE",
		Short: "Print a package's id, envelope and filesystem",
		Long:  "Inspect prints a package's id, envelope, filesystem tree and sizes. PACKAGE is a .cellpkg file or a package directory.",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := packer.Load(args[0], spec.DefaultLimits())
			if err != nil {
				return err
			}
			v := describe(p)
			if g.output == outputJSON {
				return g.json("package", v)
			}
			return printDescription(g, v)
		},
	}
}

// description is the JSON shape of `cell package inspect`.
type description struct {
	ID            string        `json:"id"`
	SpecBytes     int           `json:"spec_bytes"`
	Prose         string        `json:"prose,omitempty"`
	Architectures []string      `json:"architectures"`
	Entry         []string      `json:"entry"`
	Resources     resourcesJSON `json:"resources"`
	Envelope      envelopeJSON  `json:"envelope"`
	Signed        bool          `json:"signed"`
	FilesBytes    int64         `json:"files_bytes"`
	Files         []fileJSON    `json:"files"`
}

type resourcesJSON struct {
	MemoryBytes uint64 `json:"memory_bytes,omitempty"`
	DiskBytes   uint64 `json:"disk_bytes,omitempty"`
	Fuel        uint64 `json:"fuel,omitempty"` // loop iterations, envelope.fuel
}

type envelopeJSON struct {
	Name       string          `json:"name"`
	Version    string          `json:"version"`
	Kind       string          `json:"kind"`
	Skill      string          `json:"skill"`
	Parent     string          `json:"parent,omitempty"`
	RoyaltyBps uint32          `json:"royalty_bps"`
	Terms      string          `json:"license_terms,omitempty"`
	Author     string          `json:"author,omitempty"`
	Parameters []parameterJSON `json:"parameters"`
	Inputs     []portJSON      `json:"inputs"`
	Outputs    []portJSON      `json:"outputs"`
}

type parameterJSON struct {
	Name     string  `json:"name"`
	Required bool    `json:"required"`
	Default  *string `json:"default,omitempty"`
	Prose    string  `json:"prose,omitempty"`
}

type portJSON struct {
	Name   string   `json:"name"`
	Format []string `json:"format,omitempty"`
	Prose  string   `json:"prose,omitempty"`
}

type fileJSON struct {
	Path   string `json:"path"`
	Type   string `json:"type"`
	Size   int64  `json:"size"`
	Target string `json:"target,omitempty"`
}

func describe(p *spec.Package) description {
	s, env := p.Spec(), p.Envelope()
	svc := s.Service()
	d := description{
		ID:            p.ID().String(),
		SpecBytes:     len(s.Bytes()),
		Prose:         svc.GetProse(),
		Architectures: s.Architectures(),
		Entry:         entryLine(s),
		Resources: resourcesJSON{
			MemoryBytes: s.MaxResources().GetMemLimit(),
			DiskBytes:   s.MaxResources().GetDiskSpace(),
			Fuel:        env.GetFuel(),
		},
		Signed:     p.Signed(),
		FilesBytes: s.Tree().Size(),
		Files:      []fileJSON{},
		Envelope: envelopeJSON{
			Name:       env.GetName(),
			Version:    env.GetVersion(),
			Kind:       spec.KindName(env.GetKind()),
			Skill:      env.GetSkill(),
			Parent:     hex.EncodeToString(env.GetParent()),
			RoyaltyBps: env.GetLicense().GetRoyaltyBps(),
			Terms:      env.GetLicense().GetTerms(),
			Author:     authorText(env.GetAuthor()),
			Parameters: []parameterJSON{},
			Inputs:     ports(env.GetInputs()),
			Outputs:    ports(env.GetOutputs()),
		},
	}
	prose := map[string]string{}
	for _, kv := range svc.GetContainer().GetEnvironmentVariables() {
		prose[kv.GetKey()] = kv.GetValue().GetProse()
	}
	for _, par := range env.GetParameters() {
		d.Envelope.Parameters = append(d.Envelope.Parameters, parameterJSON{
			Name: par.GetName(), Required: par.GetRequired(), Default: par.Default, Prose: prose[par.GetName()],
		})
	}
	_ = s.Tree().Walk(func(e spec.Entry) error {
		d.Files = append(d.Files, fileJSON{Path: e.Path, Type: e.Type.String(), Size: e.Size, Target: e.Target})
		return nil
	})
	return d
}

func ports(in []*specpb.Port) []portJSON {
	out := []portJSON{}
	for _, p := range in {
		out = append(out, portJSON{Name: p.GetName(), Format: p.GetFormat().GetTags(), Prose: p.GetFormat().GetProse()})
	}
	return out
}

func printDescription(g *globals, d description) error {
	w := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	e := d.Envelope
	row := func(k, v string) { fmt.Fprintf(w, "%s\t%s\n", k, v) }
	row("id", d.ID)
	row("name", e.Name+" "+e.Version)
	row("kind", e.Kind)
	row("skill", e.Skill)
	row("parent", orDash(e.Parent))
	row("license", fmt.Sprintf("royalty %d bps %s", e.RoyaltyBps, e.Terms))
	author := "unsigned"
	if e.Author != "" {
		author = e.Author
		if d.Signed {
			author += " (signed)"
		}
	}
	row("author", author)
	row("architecture", strings.Join(d.Architectures, ", "))
	row("entry", strings.Join(d.Entry, " "))
	var params []string
	for _, p := range e.Parameters {
		switch {
		case p.Required:
			params = append(params, p.Name+" (required)")
		case p.Default != nil:
			params = append(params, fmt.Sprintf("%s (default %q)", p.Name, *p.Default))
		default:
			params = append(params, p.Name)
		}
	}
	row("parameters", orDash(strings.Join(params, ", ")))
	row("inputs", orDash(portList(e.Inputs)))
	row("outputs", orDash(portList(e.Outputs)))
	var res []string
	if d.Resources.MemoryBytes != 0 {
		res = append(res, "memory ≤ "+humanize.IBytes(d.Resources.MemoryBytes))
	}
	if d.Resources.DiskBytes != 0 {
		res = append(res, "disk ≤ "+humanize.IBytes(d.Resources.DiskBytes))
	}
	if d.Resources.Fuel != 0 {
		res = append(res, "fuel ≤ "+humanize.Comma(int64(min(d.Resources.Fuel, math.MaxInt64)))+" loop iterations")
	}
	row("resources", orDash(strings.Join(res, ", ")))
	row("spec", fmt.Sprintf("%s (%d bytes)", humanize.IBytes(uint64(d.SpecBytes)), d.SpecBytes))
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "\nfiles (%d, %s)\n", len(d.Files), humanize.IBytes(uint64(d.FilesBytes)))
	for _, f := range d.Files {
		size, name := "", f.Path
		switch f.Type {
		case "file":
			size = humanize.Comma(f.Size)
		case "dir":
			name += "/"
		case "link":
			name += " -> " + f.Target
		}
		if _, err := fmt.Fprintf(g.stdout, "  %13s  %s\n", size, name); err != nil {
			return err
		}
	}
	return nil
}

func portList(ps []portJSON) string {
	var out []string
	for _, p := range ps {
		if len(p.Format) > 0 {
			out = append(out, fmt.Sprintf("%s (%s)", p.Name, strings.Join(p.Format, ", ")))
		} else {
			out = append(out, p.Name)
		}
	}
	return strings.Join(out, ", ")
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

// authorText returns an envelope's author as a cell1… address, or "".
func authorText(b []byte) string {
	a, err := address.FromBytes(b)
	if err != nil {
		return ""
	}
	return a.String()
}

// entryLine is the program's path in the package followed by its fixed
// arguments (Init.entry_path joined by "/", then Init.xattrs
// celltonomy.args): the command line a run starts.
func entryLine(s *spec.Spec) []string {
	prog, args := s.Entry()
	return append([]string{prog}, args...)
}
