package labsim

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"slices"
	"strconv"
)

// Ladder is a DNA size marker: its bands' sizes and masses per lane.
type Ladder struct {
	// ResourceID names it in the lab's inventory.
	ResourceID string
	// BP are the band sizes, largest first; PG their masses per lane.
	BP []int
	PG []int64
}

// ladders are the ladders the gel model knows. ladder-1kb is New England
// Biolabs' 1 kb DNA Ladder (N3232): ten bands of 10.0, 8.0, 6.0, 5.0,
// 4.0, 3.0, 2.0, 1.5, 1.0 and 0.5 kb; at 0.5 µg per lane the 3.0 kb
// reference band carries 125 ng and the others about 42 ng each.
var ladders = []Ladder{{
	ResourceID: "ladder-1kb",
	BP:         []int{10_000, 8_000, 6_000, 5_000, 4_000, 3_000, 2_000, 1_500, 1_000, 500},
	PG:         []int64{42_000, 42_000, 42_000, 42_000, 42_000, 125_000, 42_000, 42_000, 42_000, 42_000},
}}

// Ladders returns the ladders the gel model knows.
func Ladders() []Ladder { return slices.Clone(ladders) }

// Gel model constants: a 0.8 % agarose gel whatever the matrix says (the
// matrix is recorded, not modelled).
const (
	// GelMaxBP and GelMinBP bound the log-linear range of mobility, bp:
	// larger molecules stay in the compression zone at the top, smaller
	// ones run with the dye front.
	GelMaxBP = 50_000
	GelMinBP = 100
	// GelReferenceMS is the run, ms, in which a GelMinBP molecule travels
	// GelReferenceUM; distances scale with the run's duration.
	GelReferenceMS = 30 * 60_000
	GelReferenceUM = 60_000
	// GelLengthUM is the length of a lane, µm: what runs farther runs off
	// the gel.
	GelLengthUM = 80_000
	// GelResolutionUM is the gel's resolution, µm: species closer than it
	// (one band's width) merge into one band.
	GelResolutionUM = 400
	// GelDetectPG is the least mass of a band that shows, pg (ethidium
	// bromide detects about 1–2 ng of DNA in a band).
	GelDetectPG = 2_000
)

// Gel is the dataset of one gel_separate: its lanes, the ladder first.
type Gel struct {
	// Dataref is the dataref of the gel_separate instruction.
	Dataref string `json:"dataref"`
	// Instruction is its index.
	Instruction int `json:"instruction"`
	// Matrix and Ladder are as the protocol gave them.
	Matrix string `json:"matrix"`
	Ladder string `json:"ladder"`
	// RunMS is the run's duration, ms.
	RunMS int64 `json:"run_ms"`
	// Lanes are the ladder (lane 0), then one lane per object in order.
	Lanes []GelLane `json:"lanes"`
}

// GelLane is one lane: what was loaded (the exact species, the simulated
// truth) and what the gel shows (the bands).
type GelLane struct {
	// Lane is the lane number, 0 for the ladder.
	Lane int `json:"lane"`
	// Source is the ladder's resource id or the aliquot loaded.
	Source string `json:"source"`
	// Species are the DNA species loaded, longest first.
	Species []Species `json:"species"`
	// Bands are the bands seen, from the top: merged species, those that
	// stay on the gel and are bright enough.
	Bands []Band `json:"bands"`
}

// Band is one band of a lane.
type Band struct {
	// PositionUM is the distance travelled from the well, µm.
	PositionUM int64 `json:"position_um"`
	// SizeBP is the size estimated from the ladder, bp.
	SizeBP int64 `json:"size_bp"`
	// PG is the band's mass, pg.
	PG int64 `json:"mass_pg"`
	// Species counts the species merged into it.
	Species int `json:"species"`
}

// positionUM is the log-linear mobility model: the distance a molecule of
// bp travels in a run of runMS, µm, from GelReferenceUM·runMS/GelReferenceMS
// for GelMinBP down to 0 for GelMaxBP, linear in log₂(bp) between them.
func positionUM(bp int, runMS int64) int64 {
	bp = min(max(bp, GelMinBP), GelMaxBP)
	hi, lo := log2Q16(GelMaxBP), log2Q16(GelMinBP)
	run := mulDiv(GelReferenceUM, runMS, GelReferenceMS)
	return mulDiv(run, hi-log2Q16(uint64(bp)), hi-lo)
}

// bands places species on a lane and merges those within
// GelResolutionUM of the previous one into one band at their mass-weighted
// mean position; bands off the gel or fainter than GelDetectPG are not
// seen. Sizes are left for the ladder (estimate).
func bands(ss []Species, runMS int64) []Band {
	type placed struct {
		pos, pg int64
	}
	var ps []placed
	for _, s := range ss {
		ps = append(ps, placed{positionUM(s.BP, runMS), s.PG})
	}
	slices.SortStableFunc(ps, func(a, b placed) int { return int(a.pos - b.pos) })
	var out []Band
	var sum, wsum, last int64
	n := 0
	flush := func() {
		if n == 0 {
			return
		}
		pos := last
		if sum > 0 {
			pos = wsum / sum
		}
		if pos <= GelLengthUM && sum >= GelDetectPG {
			out = append(out, Band{PositionUM: pos, PG: sum, Species: n})
		}
		sum, wsum, n = 0, 0, 0
	}
	for _, p := range ps {
		if n > 0 && p.pos-last >= GelResolutionUM {
			flush()
		}
		sum += p.pg
		wsum += p.pg * p.pos
		last = p.pos
		n++
	}
	flush()
	return out
}

// estimate returns the size, bp, of a band at pos from the ladder's bands
// (positions of sizes, from the top): log₂(size) interpolated linearly
// between the two ladder bands around pos, or extrapolated from the
// nearest two.
func estimate(pos int64, ladderPos []int64, ladderBP []int) int64 {
	if len(ladderPos) < 2 {
		return 0
	}
	i := 1
	for i < len(ladderPos)-1 && ladderPos[i] < pos {
		i++
	}
	p1, p2 := ladderPos[i-1], ladderPos[i]
	l1, l2 := log2Q16(uint64(ladderBP[i-1])), log2Q16(uint64(ladderBP[i]))
	if p2 == p1 {
		return int64(ladderBP[i])
	}
	l := l1 + (l2-l1)*(pos-p1)/(p2-p1)
	if l <= 0 {
		return 1
	}
	return int64((exp2Q16(l) + one16/2) >> 16)
}

// runGel runs lanes (the loaded species, one slice per object) next to
// the ladder, and estimates every band's size from the ladder's bands.
func runGel(g *Gel, lad Ladder, loaded [][]Species, sources []string) {
	ladderSpecies := make([]Species, len(lad.BP))
	for i, bp := range lad.BP {
		ladderSpecies[i] = Species{BP: bp, PG: lad.PG[i], Origin: lad.ResourceID + " " + strconv.Itoa(bp)}
	}
	ladderBands := bands(ladderSpecies, g.RunMS)
	// the ladder's bands, assigned to their known sizes by position
	var lpos []int64
	var lbp []int
	for _, s := range ladderSpecies {
		lpos = append(lpos, positionUM(s.BP, g.RunMS))
		lbp = append(lbp, s.BP)
	}
	for i := range ladderBands {
		ladderBands[i].SizeBP = estimate(ladderBands[i].PositionUM, lpos, lbp)
	}
	g.Lanes = append(g.Lanes, GelLane{Lane: 0, Source: lad.ResourceID, Species: ladderSpecies, Bands: nonNilBands(ladderBands)})
	for i, ss := range loaded {
		bs := bands(ss, g.RunMS)
		for j := range bs {
			bs[j].SizeBP = estimate(bs[j].PositionUM, lpos, lbp)
		}
		if ss == nil {
			ss = []Species{}
		}
		g.Lanes = append(g.Lanes, GelLane{Lane: i + 1, Source: sources[i], Species: ss, Bands: nonNilBands(bs)})
	}
}

func nonNilBands(bs []Band) []Band {
	if bs == nil {
		return []Band{}
	}
	return bs
}

// Gel image geometry, in pixels: one pixel is gelPixelUM of the gel.
const (
	gelPixelUM    = 200
	gelLaneWidth  = 40
	gelLaneGap    = 12
	gelWellHeight = 6
	gelBandHeight = 3
)

// PNG renders the gel as a grayscale image: dark agarose, the wells at the
// top, each band a light bar whose brightness grows with its mass. The
// encoding is deterministic (image/png without compression).
func (g *Gel) PNG() []byte {
	w := len(g.Lanes)*(gelLaneWidth+gelLaneGap) + gelLaneGap
	h := GelLengthUM/gelPixelUM + 2*gelWellHeight
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 24
	}
	for li, lane := range g.Lanes {
		x0 := gelLaneGap + li*(gelLaneWidth+gelLaneGap)
		fillRect(img, x0, 0, x0+gelLaneWidth, gelWellHeight/2, 90)
		for _, b := range lane.Bands {
			y := gelWellHeight + int(b.PositionUM/gelPixelUM)
			ng := min(b.PG/1000, 200)
			fillRect(img, x0, y, x0+gelLaneWidth, y+gelBandHeight, uint8(70+185*ng/200))
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.NoCompression}
	if err := enc.Encode(&buf, img); err != nil {
		panic("labsim: png of an in-memory image: " + err.Error()) // writes to a bytes.Buffer cannot fail
	}
	return buf.Bytes()
}

func fillRect(img *image.Gray, x0, y0, x1, y1 int, v uint8) {
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			if (image.Point{x, y}).In(img.Rect) && img.GrayAt(x, y).Y < v {
				img.SetGray(x, y, color.Gray{Y: v})
			}
		}
	}
}
