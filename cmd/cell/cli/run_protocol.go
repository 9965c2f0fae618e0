package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/celltonomy/celltonomy/runtime/labsim"
	"github.com/celltonomy/celltonomy/runtime/protopkg"
	"github.com/celltonomy/celltonomy/spec"
)

// protocolRunJSON is the JSON shape of `cell run` of a protocol package.
type protocolRunJSON struct {
	PackageID      string              `json:"package_id"`
	Name           string              `json:"name"` // and version
	ProtocolSHA256 string              `json:"protocol_sha256"`
	Params         map[string]string   `json:"params"`
	BotSpec        string              `json:"botspec"`
	Seed           string              `json:"seed"`
	NodeKey        string              `json:"node_key"` // signs the event log
	Head           string              `json:"head"`     // of the event log
	MakespanMs     int64               `json:"makespan_ms"`
	Timeline       []instructionJSON   `json:"timeline"`
	Notes          []labsim.Note       `json:"notes"`
	Gels           []labsim.Gel        `json:"gels"`
	Absorbance     []labsim.Absorbance `json:"absorbance"`
	Datasets       []outputFileJSON    `json:"datasets"`
	Shipment       *shipmentJSON       `json:"shipment,omitempty"`
	OutputDir      string              `json:"output_dir,omitempty"`
}

// instructionJSON is one instruction of a run's timeline: its warps' span
// on the bot clock.
type instructionJSON struct {
	Instruction int      `json:"instruction"`
	Op          string   `json:"op"`
	StartMs     int64    `json:"start_ms"`
	EndMs       int64    `json:"end_ms"`
	Warps       []string `json:"warps"`
	Devices     []string `json:"devices"`
}

type shipmentJSON struct {
	Containers []string `json:"containers"`
	Where      string   `json:"where"`
	Label      string   `json:"label"`
	Carrier    string   `json:"carrier,omitempty"`
	Tracking   string   `json:"tracking,omitempty"`
}

// runProtocol runs the protocol package pkg on the local simulator.
func runProtocol(g *globals, pkg *spec.Package, f runFlags) error {
	switch {
	case len(f.inputs) > 0:
		return &usageError{fmt.Errorf("--input: a protocol package takes no input files, only --param")}
	case f.memory != "" || f.timeLimit != 0:
		return &usageError{fmt.Errorf("--memory-limit, --time-limit: limits of the compute sandbox; a protocol package runs on the simulator")}
	}
	l := protopkg.Local{Package: pkg, OutputDir: f.out}
	var err error
	if l.Params, err = pairs("--param", f.params); err != nil {
		return err
	}
	if l.Seed, err = hex32("--seed", f.seed); err != nil {
		return err
	}
	if f.botspec == "" {
		l.BotSpec = labsim.SimlabBotSpec()
	} else if l.BotSpec, _, err = readBotSpec(f.botspec); err != nil {
		return err
	}
	res, err := protopkg.RunLocal(l)
	if err != nil {
		return err
	}
	v := protocolRunJSONOf(pkg, res, f.out)
	if g.output == outputJSON {
		return g.json("protocol-run", v)
	}
	return printProtocolRun(g, v)
}

func protocolRunJSONOf(pkg *spec.Package, r *protopkg.LocalResult, outDir string) protocolRunJSON {
	v := protocolRunJSON{
		PackageID: pkg.ID().String(), Name: pkg.Envelope().GetName() + " " + pkg.Envelope().GetVersion(),
		ProtocolSHA256: hex.EncodeToString(r.Loaded.Hash[:]), Params: r.Loaded.Params,
		BotSpec: r.BotSpec.String(), Seed: hex.EncodeToString(r.Seed[:]), NodeKey: hex.EncodeToString(r.NodeKey),
		Head: hex.EncodeToString(r.Head[:]), Timeline: []instructionJSON{}, Notes: r.Sim.Notes, Gels: r.Sim.Gels,
		Absorbance: r.Sim.Absorbance, Datasets: []outputFileJSON{}, OutputDir: outDir,
	}
	if v.Params == nil {
		v.Params = map[string]string{}
	}
	for _, w := range r.Sim.Run.Warps {
		n := len(v.Timeline)
		if n == 0 || v.Timeline[n-1].Instruction != w.Instruction {
			v.Timeline = append(v.Timeline, instructionJSON{Instruction: w.Instruction, Op: w.Op, StartMs: w.Start})
			n++
		}
		in := &v.Timeline[n-1]
		in.EndMs = w.End
		in.Warps = append(in.Warps, w.Warp)
		if !slices.Contains(in.Devices, w.Device) {
			in.Devices = append(in.Devices, w.Device)
		}
		v.MakespanMs = max(v.MakespanMs, w.End)
	}
	for _, d := range r.Sim.Datasets {
		v.Datasets = append(v.Datasets, outputFileJSON{Path: d.Name, Size: int64(len(d.Data)), SHA256: fmt.Sprintf("%x", sha256.Sum256(d.Data))})
	}
	if p := r.Sim.Run.Pack; p != nil {
		v.Shipment = &shipmentJSON{Containers: p.Containers, Where: p.Where, Label: p.Label}
		if h := r.Sim.Run.Handover; h != nil {
			v.Shipment.Carrier, v.Shipment.Tracking = h.Carrier, h.Tracking
		}
	}
	return v
}

func printProtocolRun(g *globals, v protocolRunJSON) error {
	out := g.stdout
	fmt.Fprintf(out, "%s (package %s) on BotSpec %s (simulated)\nprotocol sha256 %s, seed %s\n", v.Name, v.PackageID, v.BotSpec, v.ProtocolSHA256, v.Seed)
	fmt.Fprintf(out, "event log head %s, signed by %s\n\ntimeline (bot clock)\n", v.Head, v.NodeKey)
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "  start\tend\tinstruction\twarps\tdevices")
	for _, in := range v.Timeline {
		fmt.Fprintf(w, "  %s\t%s\t%d %s\t%s\t%s\n", msText(in.StartMs), msText(in.EndMs), in.Instruction, in.Op,
			strings.Join(collapse(in.Warps), ", "), strings.Join(in.Devices, ", "))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "makespan %s\n", msText(v.MakespanMs))
	for _, n := range v.Notes {
		fmt.Fprintf(out, "instruction %d: %s\n", n.Instruction, n.Text)
	}
	for _, gel := range v.Gels {
		fmt.Fprintf(out, "\ngel %s (instruction %d, %s, %s, %s)\n", gel.Dataref, gel.Instruction, gel.Matrix, gel.Ladder, msText(gel.RunMS))
		for _, lane := range gel.Lanes {
			var bands []string
			for _, b := range lane.Bands {
				bands = append(bands, fmt.Sprint(b.SizeBP))
			}
			var species []string
			for _, sp := range lane.Species {
				species = append(species, fmt.Sprint(sp.BP))
			}
			fmt.Fprintf(out, "  lane %d %-12s bands (bp): %s\n", lane.Lane, lane.Source, orDash(strings.Join(bands, " ")))
			if lane.Lane > 0 {
				fmt.Fprintf(out, "         %-12s loaded (bp): %s\n", "", orDash(strings.Join(species, " ")))
			}
		}
	}
	for _, a := range v.Absorbance {
		printAbsorbance(g, a)
	}
	if s := v.Shipment; s != nil {
		fmt.Fprintf(out, "\nshipment: %s at %s, label %s", strings.Join(s.Containers, ", "), s.Where, s.Label)
		if s.Carrier != "" {
			fmt.Fprintf(out, ", %s %s", s.Carrier, s.Tracking)
		}
		fmt.Fprintln(out)
	}
	var names []string
	for _, d := range v.Datasets {
		names = append(names, d.Path)
	}
	if v.OutputDir == "" {
		_, err := fmt.Fprintf(out, "datasets %s: discarded; use --out DIR to keep them with the event log\n", orDash(strings.Join(names, ", ")))
		return err
	}
	d := v.OutputDir
	_, err := fmt.Fprintf(out, "datasets %s in %s; event log %s\ncheck it: cell protocol check %s --protocol %s --botspec %s --datasets %s --node-key %s --head %s\n",
		orDash(strings.Join(names, ", ")), filepath.Join(d, protopkg.LocalDatasetsDir), filepath.Join(d, protopkg.LocalLogFile),
		filepath.Join(d, protopkg.LocalLogFile), filepath.Join(d, protopkg.LocalProtocolFile), filepath.Join(d, protopkg.LocalBotSpecFile),
		filepath.Join(d, protopkg.LocalDatasetsDir), v.NodeKey, v.Head)
	return err
}

// collapse writes runs of one warp as "warp ×N".
func collapse(warps []string) []string {
	var out []string
	for i := 0; i < len(warps); {
		j := i
		for j < len(warps) && warps[j] == warps[i] {
			j++
		}
		if j-i > 1 {
			out = append(out, fmt.Sprintf("%s ×%d", warps[i], j-i))
		} else {
			out = append(out, warps[i])
		}
		i = j
	}
	return out
}

// printAbsorbance prints one line per read: the mean, lowest and highest
// OD of the wells at the first wavelength, in mOD.
func printAbsorbance(g *globals, a labsim.Absorbance) {
	fmt.Fprintf(g.stdout, "\nabsorbance %s: %d reads\n", a.Dataref, len(a.Reads))
	w := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "  time\twavelength\twells\tmean mOD\tmin\tmax\t")
	for _, r := range a.Reads {
		if len(r.MOD) == 0 || len(r.WavelengthsNM) == 0 {
			continue
		}
		var sum, lo, hi int64
		for i, well := range r.MOD {
			od := well[0]
			sum += od
			if i == 0 || od < lo {
				lo = od
			}
			if i == 0 || od > hi {
				hi = od
			}
		}
		fmt.Fprintf(w, "  %s\t%d nm\t%d\t%d\t%d\t%d\t\n", msText(r.TimeMS), r.WavelengthsNM[0], len(r.MOD), sum/int64(len(r.MOD)), lo, hi)
	}
	w.Flush()
}
