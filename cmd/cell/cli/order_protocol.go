package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/celltonomy/celltonomy/client/order"
	"github.com/celltonomy/celltonomy/runtime/labsim"
)

// maxWellsListed is the most wells whose first and last reads
// printProtocol lists one by one; a larger plate is summed up per read.
const maxWellsListed = 12

// printProtocol is the text summary of a protocol run: the bot, the
// instruction timeline, the conformance check, the gel bands, the OD600
// reads and where the event log and the label were written.
func printProtocol(w io.Writer, p *order.ProtocolReport) {
	if p == nil {
		return
	}
	bot := orDash(p.BotSpec)
	if p.Simulated {
		bot += ", simulated"
	}
	fmt.Fprintf(w, "protocol %s (%d instructions) on BotSpec %s (%s)\n", short(p.Hash), p.Instructions, short(p.BotSpecID), bot)
	for _, s := range p.Timeline {
		fmt.Fprintf(w, "  %2d %-18s %9s → %9s  (%d warp(s))\n", s.Instruction, s.Op, clock(s.StartMS), clock(s.EndMS), s.Warps)
	}
	switch {
	case p.Violation != "":
		fmt.Fprintf(w, "conformance check: VIOLATION: %s\n", p.Violation)
	case p.Conforms:
		fmt.Fprintln(w, "conformance check: conforms (log, signature, warps, durations, time constraints, datasets)")
	}
	for _, g := range p.Gels {
		fmt.Fprintf(w, "gel %s (%s, %s, %s):\n", g.Dataref, g.Matrix, g.Ladder, clock(g.RunMS))
		for _, l := range g.Lanes {
			var sizes []string
			for _, b := range l.Bands {
				sizes = append(sizes, fmt.Sprint(b.SizeBP))
			}
			fmt.Fprintf(w, "  lane %d %-12s %s bp\n", l.Lane, l.Source, orDash(strings.Join(sizes, ", ")))
		}
	}
	for _, a := range p.Absorbance {
		printOD600(w, a)
	}
	if p.Shipment != "" {
		fmt.Fprintf(w, "shipment: %s\n", p.Shipment)
	}
	if p.LogFile != "" {
		fmt.Fprintf(w, "event log in %s\n", p.LogFile)
	}
	if p.LabelFile != "" {
		fmt.Fprintf(w, "shipping label (QR code with the completion code) in %s\n", p.LabelFile)
	}
}

// printOD600 prints the OD600 reads of one dataref: each well's first and
// last read, or for a larger plate the lowest, median and highest OD of
// each read.
func printOD600(w io.Writer, a labsim.Absorbance) {
	if len(a.Reads) == 0 {
		return
	}
	od := func(r labsim.AbsorbanceRead) [][2]any {
		i := slices.Index(r.WavelengthsNM, 600)
		if i < 0 {
			return nil
		}
		out := make([][2]any, 0, len(r.Wells))
		for k, well := range r.Wells {
			if k < len(r.MOD) && i < len(r.MOD[k]) {
				out = append(out, [2]any{well, r.MOD[k][i]})
			}
		}
		return out
	}
	first, last := a.Reads[0], a.Reads[len(a.Reads)-1]
	if od(first) == nil {
		return
	}
	fmt.Fprintf(w, "OD600 %s (%d reads, %s to %s):\n", a.Dataref, len(a.Reads), clock(first.TimeMS), clock(last.TimeMS))
	if len(first.Wells) <= maxWellsListed {
		lastOD := od(last)
		for k, v := range od(first) {
			end := "-"
			if k < len(lastOD) {
				end = milliOD(lastOD[k][1].(int64))
			}
			fmt.Fprintf(w, "  %-4s %s → %s\n", v[0], milliOD(v[1].(int64)), end)
		}
		return
	}
	fmt.Fprintf(w, "  %9s  %6s %6s %6s  (%d wells)\n", "time", "min", "median", "max", len(first.Wells))
	for _, r := range a.Reads {
		var vs []int64
		for _, v := range od(r) {
			vs = append(vs, v[1].(int64))
		}
		if len(vs) == 0 {
			continue
		}
		slices.Sort(vs)
		fmt.Fprintf(w, "  %9s  %6s %6s %6s\n", clock(r.TimeMS), milliOD(vs[0]), milliOD(vs[len(vs)/2]), milliOD(vs[len(vs)-1]))
	}
}

// milliOD writes an OD in mOD as a decimal OD, e.g. 1823 → "1.823".
func milliOD(m int64) string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	return fmt.Sprintf("%s%d.%03d", sign, m/1000, m%1000)
}

// clock writes ms on the bot's clock as h:mm:ss.
func clock(ms int64) string {
	s := ms / 1000
	return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
}
