package protocol

import (
	"fmt"
	"slices"
)

// UnmetError is the first requirement of a protocol a BotSpec does not
// cover. Requirement names it ("op thermocycle", "container type 96-deep",
// "temperature 95000 m°C"); Reason says why. It matches ErrNotCovered.
type UnmetError struct {
	Requirement string
	Reason      string
}

// Error returns "requirement: reason".
func (e *UnmetError) Error() string { return e.Requirement + ": " + e.Reason }

// Is makes every UnmetError match ErrNotCovered.
func (e *UnmetError) Is(target error) bool { return target == ErrNotCovered }

func unmet(req, format string, args ...any) error {
	return &UnmetError{Requirement: req, Reason: fmt.Sprintf(format, args...)}
}

// Covers returns nil when the bot described by s can serve a protocol with
// requirements req (fabrication.md: requires ⊆ BotSpec), or else the first
// unmet requirement as an *UnmetError (matching ErrNotCovered). The order
// is fixed, so the answer is deterministic: ops, container types, storage
// conditions, inventory resources (each list in req's sorted order), then
// temperature, volume, acceleration, duration, wavelengths.
//
// A range is covered when it lies within the union span of the devices
// that bound it: temperature within [lowest min, highest max] of the
// incubators and thermocyclers, volume within that of the liquid handlers
// and dispensers, acceleration within that of the centrifuges, and a
// duration within that of every device stating a duration_ms limit (none
// stating one means durations are not bounded). Every wavelength must be
// read by some plate reader. s should have been validated.
func Covers(s *BotSpec, req Requirements) error {
	for _, op := range req.Ops {
		if !slices.ContainsFunc(s.Devices, func(d Device) bool { return slices.Contains(d.Ops, op) }) {
			return unmet("op "+op, "no device of the bot runs it")
		}
	}
	for _, c := range req.ContainerTypes {
		if !slices.Contains(s.ContainerTypes, c) {
			return unmet("container type "+c, "not among the bot's container types %v", s.ContainerTypes)
		}
	}
	for _, w := range req.Storage {
		if !slices.Contains(s.Storage, w) {
			return unmet("storage "+w, "not among the bot's storage conditions %v", s.Storage)
		}
	}
	for _, r := range req.Resources {
		if !slices.ContainsFunc(s.Inventory, func(it InventoryItem) bool { return it.ResourceID == r }) {
			return unmet("resource "+r, "not in the bot's inventory")
		}
	}
	checks := []struct {
		name, unit string
		r          Range
		kinds      []string
		limit      func(*Limits) *Bounds
		optional   bool
	}{
		{"temperature", "m°C", req.Temperature, []string{KindIncubator, KindThermocycler}, func(l *Limits) *Bounds { return l.TemperatureMC }, false},
		{"volume", "nL", req.Volume, []string{KindLiquidHandler, KindDispenser}, func(l *Limits) *Bounds { return l.VolumeNL }, false},
		{"acceleration", "g", req.Acceleration, []string{KindCentrifuge}, func(l *Limits) *Bounds { return l.AccelerationG }, false},
		{"duration", "ms", req.Duration, nil, func(l *Limits) *Bounds { return l.DurationMS }, true},
	}
	for _, c := range checks {
		if !c.r.Set {
			continue
		}
		var span *Bounds
		var loDev, hiDev string
		for _, d := range s.Devices {
			if c.kinds != nil && !slices.Contains(c.kinds, d.Kind) {
				continue
			}
			b := c.limit(&d.Limits)
			if b == nil {
				continue
			}
			if span == nil {
				span = &Bounds{Min: b.Min, Max: b.Max}
				loDev, hiDev = d.ID, d.ID
				continue
			}
			if b.Min < span.Min {
				span.Min, loDev = b.Min, d.ID
			}
			if b.Max > span.Max {
				span.Max, hiDev = b.Max, d.ID
			}
		}
		switch {
		case span == nil && c.optional:
		case span == nil:
			return unmet(fmt.Sprintf("%s %d %s", c.name, c.r.Max, c.unit), "no device of the bot states limits for %s (kinds %v)", c.name, c.kinds)
		case c.r.Min < span.Min:
			return unmet(fmt.Sprintf("%s %d %s", c.name, c.r.Min, c.unit), "below the bot's min %d %s (device %s)", span.Min, c.unit, loDev)
		case c.r.Max > span.Max:
			return unmet(fmt.Sprintf("%s %d %s", c.name, c.r.Max, c.unit), "above the bot's max %d %s (device %s)", span.Max, c.unit, hiDev)
		}
	}
	for _, w := range req.Wavelengths {
		if !slices.ContainsFunc(s.Devices, func(d Device) bool {
			return d.Kind == KindPlateReader && slices.Contains(d.Limits.WavelengthsNM, w)
		}) {
			return unmet(fmt.Sprintf("wavelength %d nm", w), "no plate reader of the bot reads it")
		}
	}
	return nil
}
