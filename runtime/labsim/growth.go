package labsim

// GrowthModel is the growth of one organism in one medium at one
// temperature, for the logistic model with lag.
type GrowthModel struct {
	// Culture and Medium are resource ids of the lab's inventory.
	Culture, Medium string
	// TempMC is the incubation temperature, m°C (± GrowthToleranceMC).
	TempMC int64
	// LagMS is the lag after inoculation before exponential growth, ms.
	LagMS int64
	// DoublingMS is the doubling time of exponential growth, ms.
	DoublingMS int64
	// CapacityMOD is the carrying capacity: the OD600 of the stationary
	// culture, in thousandths (mOD).
	CapacityMOD int64
	// InoculumMOD is the OD600 of the stock culture, mOD: a well holding
	// a share s of it starts at s × InoculumMOD.
	InoculumMOD int64
}

// growthModels are the organisms the growth model knows. Values are
// typical of E. coli K-12 MG1655 in LB (Lennox) with shaking, OD600 read
// through 1 cm: an overnight culture reaches OD600 ≈ 4; after dilution
// into fresh LB it lags about 1 h; it then doubles about every 20 min in
// a flask (Sezonov, Joseleau-Petit & D'Ari 2007, J Bacteriol 189:8746),
// more slowly in a shaken 96-well plate, where we take 30 min at 37 °C
// and 45 min at 30 °C, and oxygen limits the plateau to about OD600 2.
var growthModels = []GrowthModel{
	{Culture: "e-coli", Medium: "lb-broth", TempMC: 37_000, LagMS: 60 * 60_000, DoublingMS: 30 * 60_000, CapacityMOD: 2_000, InoculumMOD: 4_000},
	{Culture: "e-coli", Medium: "lb-broth", TempMC: 30_000, LagMS: 60 * 60_000, DoublingMS: 45 * 60_000, CapacityMOD: 2_000, InoculumMOD: 4_000},
}

// Growth model constants.
const (
	// GrowthToleranceMC is how far, m°C, an incubation may be from a
	// model's temperature and still count as at it.
	GrowthToleranceMC = 1_000
	// BlankMOD is the OD of a well without cells at any wavelength, mOD:
	// the plate and the medium.
	BlankMOD = 45
	// maxDoublingsQ16 caps the doublings counted (Q16): beyond 30 every
	// inoculum has long reached the plateau.
	maxDoublingsQ16 = 30 << 16
)

// GrowthModels returns the organisms the growth model knows.
func GrowthModels() []GrowthModel { return append([]GrowthModel(nil), growthModels...) }

// culture is the growth state of a well: the lag spent and the doublings
// done so far (Q16).
type culture struct {
	lagMS     int64
	doublings int64
}

func (c culture) zero() bool { return c.lagMS == 0 && c.doublings == 0 }

// model returns the growth model that applies to the well at tempMC.
func growthModel(w *well, tempMC int64) (GrowthModel, bool) {
	for _, m := range growthModels {
		if d := tempMC - m.TempMC; d >= -GrowthToleranceMC && d <= GrowthToleranceMC &&
			w.has(m.Culture) > 0 && w.has(m.Medium) > 0 {
			return m, true
		}
	}
	return GrowthModel{}, false
}

// grow advances the well's culture by an incubation at tempMC for ms: the
// lag is spent first, then the time counts in doublings. Away from a
// model's temperature (or without culture or medium) nothing grows.
func grow(w *well, tempMC, ms int64) {
	m, ok := growthModel(w, tempMC)
	if !ok {
		return
	}
	c := &w.culture
	if c.lagMS < m.LagMS {
		spent := min(ms, m.LagMS-c.lagMS)
		c.lagMS += spent
		ms -= spent
	}
	c.doublings = min(c.doublings+ms*one16/m.DoublingMS, maxDoublingsQ16)
}

// cultureMOD is the growth model's OD600 of the well's cells, mOD, without
// the blank: the logistic curve N = K·N₀·2ᴰ / (K + N₀·(2ᴰ − 1)) after D
// doublings, from N₀ = the culture's share × InoculumMOD, which reaches the
// carrying capacity K and stays there. A well without a known culture and
// medium reads 0.
func cultureMOD(w *well) int64 {
	var m GrowthModel
	found := false
	for _, g := range growthModels {
		if w.has(g.Culture) > 0 && w.has(g.Medium) > 0 {
			m, found = g, true
			break
		}
	}
	if !found || w.nl == 0 {
		return 0
	}
	n0 := mulDiv(m.InoculumMOD, w.has(m.Culture), w.nl)
	k := m.CapacityMOD
	if n0 >= k || n0 == 0 {
		return n0
	}
	e := int64(exp2Q16(w.culture.doublings))
	return mulDiv(k*n0, e, k*one16+n0*(e-one16))
}
