package packer

import (
	"fmt"
	"math"
	"strings"

	"github.com/BurntSushi/toml"
)

// ManifestName is the file name of the manifest in a package directory.
const ManifestName = "cell.toml"

// Manifest is the content of cell.toml. Every field maps to one field of
// the spec or of the envelope, as its comment says.
type Manifest struct {
	// Name is envelope.name, e.g. "digest".
	Name string `toml:"name"`
	// Version is envelope.version, a semantic version such as "1.0.0".
	Version string `toml:"version"`
	// Kind is envelope.kind: "compute" or "protocol". A protocol package
	// is a lab protocol: see "Protocol packages" in the package doc.
	Kind string `toml:"kind"`
	// Skill is envelope.skill, e.g. "compute/genomics/digest".
	Skill string `toml:"skill"`
	// Parent is envelope.parent: the hex package id this version upgrades.
	Parent string `toml:"parent"`
	// Prose is the spec's prose: what the package does, for people.
	Prose string `toml:"prose"`
	// Architecture is the one tag of container.architecture, e.g.
	// "wasm32-wasip1"; for a protocol package it defaults to, and must be,
	// "autoprotocol/1".
	Architecture string `toml:"architecture"`
	// Files lists the files and directories, relative to the manifest's
	// directory, that make up the package filesystem; a directory is
	// included whole. Paths keep their place: "bin/x.wasm" is at /bin/x.wasm.
	// A protocol package's list defaults to ["protocol.json"] and must
	// hold it.
	Files []string `toml:"files"`
	// Entry is container.init.entry_path; a protocol package's defaults to,
	// and must be, protocol.json.
	Entry struct {
		// Path is the program's path inside the package filesystem.
		Path string `toml:"path"`
		// Args are fixed arguments that follow it, written as the
		// container.init.xattrs entry "celltonomy.args" (a JSON array).
		Args []string `toml:"args"`
	} `toml:"entry"`
	// License is envelope.license.
	License struct {
		RoyaltyBps uint32 `toml:"royalty_bps"`
		Terms      string `toml:"terms"`
	} `toml:"license"`
	// Resources are the limits of a run; zero means unset, and a run then
	// gets runtime/batch's defaults.
	Resources struct {
		// MemoryBytes is container.resources.at_most.mem_limit, in bytes:
		// the most linear memory a run may have.
		MemoryBytes uint64 `toml:"memory_bytes"`
		// DiskBytes is container.resources.at_most.disk_space, in bytes:
		// the most a run may be charged for /outputs (bytes written, and
		// 512 per file or directory created).
		DiskBytes uint64 `toml:"disk_bytes"`
		// Fuel is envelope.fuel, in loop iterations: the most a run may
		// execute, at most spec.MaxFuel.
		Fuel uint64 `toml:"fuel"`
	} `toml:"resources"`
	// Parameters are declared both as container.environment_variables (name
	// and prose) and as envelope.parameters (required, default).
	Parameters []Parameter `toml:"parameter"`
	// Inputs are envelope.inputs: files mounted at /inputs/<name>.
	Inputs []Port `toml:"input"`
	// Outputs are envelope.outputs: paths under /outputs.
	Outputs []Port `toml:"output"`
	// Slots are the spec's api.slot, and their ports the envelope's
	// service_ports: a compute package with slots is a service package.
	Slots []Slot `toml:"slot"`
}

// Slot is one [[slot]] table: a port the service listens on.
type Slot struct {
	// Port is slot.port, 1 to spec.MaxServicePort, unique.
	Port int32 `toml:"port"`
	// Transport is the tag of slot.transport, e.g. "http".
	Transport string `toml:"transport"`
	// Protocol is the tag of the one protocol of slot.protocol_stack,
	// e.g. "kmer-index/1".
	Protocol string `toml:"protocol"`
	// Prose says what the slot answers, for people.
	Prose string `toml:"prose"`
}

// Parameter is one [[parameter]] table.
type Parameter struct {
	// Name is the parameter's name, [A-Za-z_][A-Za-z0-9_]*: an environment
	// variable of a compute run, a {{NAME}} placeholder of a protocol.
	Name string `toml:"name"`
	// Prose says what the parameter means and which values it takes.
	Prose string `toml:"prose"`
	// Required means an order must give the parameter; it then has no
	// Default.
	Required bool `toml:"required"`
	// Default is the value of a parameter an order leaves out.
	Default *string `toml:"default"`
	// Example is, for a protocol package only, the value the build fills
	// the template with to validate it (instead of Default). A required
	// parameter of a protocol package must have one. It is not part of the
	// package.
	Example *string `toml:"example"`
}

// Port is one [[input]] or [[output]] table; Format becomes the tag of its
// DataFormat, e.g. "fasta".
type Port struct {
	Name   string `toml:"name"`
	Prose  string `toml:"prose"`
	Format string `toml:"format"`
}

// ParseManifest decodes cell.toml text. Unknown keys are an error naming
// them, so that a misspelt key is not silently ignored.
func ParseManifest(text string) (*Manifest, error) {
	var m Manifest
	md, err := toml.Decode(text, &m)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ManifestName, err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		keys := make([]string, len(u))
		for i, k := range u {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("%s: unknown keys: %s", ManifestName, strings.Join(keys, ", "))
	}
	// The TOML decoder stores a negative number in a uint64 field as its
	// two's complement, so anything above MaxInt64 was negative in the file.
	for _, f := range []struct {
		key string
		v   uint64
	}{{"resources.memory_bytes", m.Resources.MemoryBytes}, {"resources.disk_bytes", m.Resources.DiskBytes}, {"resources.fuel", m.Resources.Fuel}} {
		if f.v > math.MaxInt64 {
			return nil, fmt.Errorf("%s: %s: must not be negative", ManifestName, f.key)
		}
	}
	return &m, nil
}
