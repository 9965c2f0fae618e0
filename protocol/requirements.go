package protocol

import "slices"

// Requirements is what a bot must offer to run a protocol (fabrication.md:
// "a bot can serve it when requires ⊆ BotSpec"). Lists are sorted and
// without duplicates; a range's zero value (Set false) means the protocol
// has no such parameter.
type Requirements struct {
	// Ops are the ops used.
	Ops []string `json:"ops"`
	// ContainerTypes are the container types of the refs.
	ContainerTypes []string `json:"container_types"`
	// Storage are the storage conditions: refs' store and incubate where.
	Storage []string `json:"storage"`
	// Resources are the inventory the lab must stock: provision and
	// dispense resource ids and gel ladders.
	Resources []string `json:"resources"`
	// Temperature spans incubate conditions and thermocycle steps, m°C.
	Temperature Range `json:"temperature"`
	// Duration spans incubate, spin, thermocycle step and gel durations, ms.
	Duration Range `json:"duration"`
	// Volume spans the volume of single liquid transfers, nL (absolute).
	Volume Range `json:"volume"`
	// Acceleration spans spin accelerations, g.
	Acceleration Range `json:"acceleration"`
	// Wavelengths are the absorbance wavelengths read, nm.
	Wavelengths []int64 `json:"wavelengths"`
}

// Range is an inclusive range of values in a base unit.
type Range struct {
	Set bool  `json:"set"`
	Min int64 `json:"min"`
	Max int64 `json:"max"`
}

func (r *Range) add(v int64) {
	if !r.Set {
		*r = Range{Set: true, Min: v, Max: v}
		return
	}
	r.Min, r.Max = min(r.Min, v), max(r.Max, v)
}

// Requirements returns what the protocol needs. It assumes p was parsed by
// Parse (quantities converted); call Validate first for a meaningful result.
func (p *Protocol) Requirements() Requirements {
	var r Requirements
	for _, ref := range p.Refs {
		r.ContainerTypes = append(r.ContainerTypes, ref.ContainerType())
		if ref.Store != nil {
			r.Storage = append(r.Storage, ref.Store.Where)
		}
	}
	abs := func(v int64) int64 {
		if v < 0 {
			return -v
		}
		return v
	}
	for _, in := range p.Instructions {
		r.Ops = append(r.Ops, in.Op)
		switch o := in.Args.(type) {
		case *Provision:
			r.Resources = append(r.Resources, o.ResourceID)
			for _, to := range o.To {
				r.Volume.add(to.Volume.Value)
			}
		case *Dispense:
			r.Resources = append(r.Resources, o.ResourceID)
			for _, c := range o.Columns {
				r.Volume.add(c.Volume.Value)
			}
		case *LiquidHandle:
			for _, l := range o.Locations {
				for _, t := range l.Transports {
					r.Volume.add(abs(t.Volume.Value))
				}
			}
		case *Incubate:
			r.Storage = append(r.Storage, o.Where)
			if t, ok := StorageTemperature(o.Where); ok {
				r.Temperature.add(t)
			}
			r.Duration.add(o.Duration.Value)
		case *Thermocycle:
			for _, g := range o.Groups {
				for _, s := range g.Steps {
					r.Temperature.add(s.Temperature.Value)
					r.Duration.add(s.Duration.Value)
				}
			}
		case *Spin:
			r.Acceleration.add(o.Acceleration.Value)
			r.Duration.add(o.Duration.Value)
		case *Spectrophotometry:
			for _, g := range o.Groups {
				for _, w := range g.ModeParams.Wavelength {
					r.Wavelengths = append(r.Wavelengths, w.Value)
				}
			}
		case *GelSeparate:
			r.Resources = append(r.Resources, o.Ladder)
			r.Volume.add(o.Volume.Value)
			r.Duration.add(o.Duration.Value)
		}
	}
	for _, l := range []*[]string{&r.Ops, &r.ContainerTypes, &r.Storage, &r.Resources} {
		slices.Sort(*l)
		*l = slices.Compact(*l)
	}
	slices.Sort(r.Wavelengths)
	r.Wavelengths = slices.Compact(r.Wavelengths)
	return r
}
