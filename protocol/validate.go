package protocol

import (
	"fmt"
	"slices"
)

// container is the state of one ref during validation.
type container struct {
	typ     ContainerType
	covered bool
	sealed  bool
	// volumes are the wells' volumes in nL; nil for an id ref, whose
	// contents are unknown and not tracked.
	volumes []int64
}

func (c *container) closed() bool { return c.covered || c.sealed || c.typ.Capped }

// validator walks a protocol's instructions over container states.
type validator struct {
	p     *Protocol
	state map[string]*container
}

// Validate checks the protocol's meaning (fabrication.md, "Semantic
// checks"), in document order, and returns the first problem as a
// *FieldError (matching ErrInvalid) naming the field:
//
//   - each ref is new or id (with a type), of a known container type, with
//     exactly one destiny (store at a known condition, or discard) and a
//     known initial cover;
//   - every aliquot names a ref and a well in range of its type;
//   - every well's volume, tracked from 0 nL for new containers, never goes
//     below 0 nor above the type's capacity (id refs are not tracked);
//   - the op is a capability of the container type;
//   - liquid ops (provision, dispense, liquid_handle, oligosynthesize,
//     gel_separate) need the container uncovered and unsealed; incubate
//     with shaking, spin and thermocycle need it covered or sealed (capped
//     tubes count as closed, and are opened for liquid ops);
//   - seal and cover need an open plate, unseal a sealed one, uncover a
//     covered one;
//   - time-constraint ends name existing instructions and refs.
func (p *Protocol) Validate() error {
	v := &validator{p: p, state: map[string]*container{}}
	for _, r := range p.Refs {
		path := "refs." + r.Name
		if err := v.addRef(path, r); err != nil {
			return err
		}
	}
	for i, in := range p.Instructions {
		if err := v.instruction(fmt.Sprintf("instructions[%d]", i), in); err != nil {
			return err
		}
	}
	for i, tc := range p.TimeConstraints {
		path := fmt.Sprintf("time_constraints[%d]", i)
		if err := v.timePoint(path+".from", tc.From); err != nil {
			return err
		}
		if err := v.timePoint(path+".to", tc.To); err != nil {
			return err
		}
		if tc.LessThan != nil && tc.MoreThan != nil && tc.MoreThan.Value >= tc.LessThan.Value {
			return fieldErr(path, "more_than %s is not below less_than %s", tc.MoreThan.Text, tc.LessThan.Text)
		}
	}
	return nil
}

func (v *validator) addRef(path string, r NamedRef) error {
	if r.Name == "" {
		return fieldErr(path, "empty ref name")
	}
	switch {
	case r.New != "" && r.ID != "":
		return fieldErr(path, "has both new and id")
	case r.New == "" && r.ID == "":
		return fieldErr(path, "needs new (a container type) or id")
	case r.New != "" && r.Type != "":
		return fieldErr(path+".type", "only for an id ref; new already names the type")
	case r.ID != "" && r.Type == "":
		return fieldErr(path+".type", "required for an id ref")
	}
	field := path + ".new"
	if r.New == "" {
		field = path + ".type"
	}
	t, ok := LookupContainerType(r.ContainerType())
	if !ok {
		return fieldErr(field, "unknown container type %q (known: %v)", r.ContainerType(), ContainerTypes())
	}
	switch {
	case r.Store != nil && r.Discard:
		return fieldErr(path, "has both store and discard")
	case r.Store == nil && !r.Discard:
		return fieldErr(path, "needs a destiny: store or discard")
	case r.Store != nil && !slices.Contains(storageConditions, r.Store.Where):
		return fieldErr(path+".store.where", "%q, want one of %v", r.Store.Where, storageConditions)
	}
	c := &container{typ: t}
	switch {
	case r.Cover == "":
	case t.Capped:
		return fieldErr(path+".cover", "%s is a capped tube", t.Name)
	case slices.Contains(sealTypes, r.Cover):
		c.sealed = true
	case slices.Contains(lidTypes, r.Cover):
		c.covered = true
	default:
		return fieldErr(path+".cover", "%q, want a seal %v or a lid %v", r.Cover, sealTypes, lidTypes)
	}
	if r.New != "" {
		c.volumes = make([]int64, t.Wells)
	}
	v.state[r.Name] = c
	return nil
}

// object resolves a ref name used as an op's object and checks the op's
// capability.
func (v *validator) object(path, name, capability string) (*container, error) {
	c, ok := v.state[name]
	if !ok {
		return nil, fieldErr(path, "no ref named %q", name)
	}
	if capability != "" && !c.typ.Has(capability) {
		return nil, fieldErr(path, "container type %s of %q cannot %s (capabilities %v)", c.typ.Name, name, capability, c.typ.Capabilities)
	}
	return c, nil
}

// aliquot resolves "ref/well" and checks the capability.
func (v *validator) aliquot(path, s, capability string) (*container, int, error) {
	a, err := ParseAliquot(s)
	if err != nil {
		return nil, 0, fieldErr(path, "%v", err)
	}
	c, err := v.object(path, a.Ref, capability)
	if err != nil {
		return nil, 0, err
	}
	i, err := c.typ.WellIndex(a.Well)
	if err != nil {
		return nil, 0, fieldErr(path, "aliquot %q: %v", s, err)
	}
	return c, i, nil
}

func open(path, name string, c *container) error {
	switch {
	case c.sealed:
		return fieldErr(path, "%q is sealed: a liquid op needs it unsealed", name)
	case c.covered:
		return fieldErr(path, "%q is covered: a liquid op needs it uncovered", name)
	}
	return nil
}

func closed(path, name, op string, c *container) error {
	if !c.closed() {
		return fieldErr(path, "%q is open: %s needs it covered or sealed", name, op)
	}
	return nil
}

// add changes a well's volume by delta nL and checks its bounds.
func add(path string, c *container, well int, delta int64, what string) error {
	if c.volumes == nil {
		return nil
	}
	n := c.volumes[well] + delta
	switch {
	case n < 0:
		return fieldErr(path, "%s takes %d nL from well %d holding %d nL", what, -delta, well, c.volumes[well])
	case n > c.typ.CapacityNL:
		return fieldErr(path, "%s overfills well %d: %d nL above the %s capacity of %d nL", what, well, n, c.typ.Name, c.typ.CapacityNL)
	}
	c.volumes[well] = n
	return nil
}

func (v *validator) liquid(path, s, capability string) (*container, int, error) {
	c, w, err := v.aliquot(path, s, capability)
	if err != nil {
		return nil, 0, err
	}
	a, _ := ParseAliquot(s)
	return c, w, open(path, a.Ref, c)
}

func (v *validator) instruction(p string, in Instruction) error {
	switch o := in.Args.(type) {
	case *Provision:
		for i, to := range o.To {
			q := fmt.Sprintf("%s.to[%d]", p, i)
			c, w, err := v.liquid(q+".well", to.Well, CapLiquidHandle)
			if err != nil {
				return err
			}
			if err := add(q+".volume", c, w, to.Volume.Value, "provision"); err != nil {
				return err
			}
		}
	case *Dispense:
		c, err := v.object(p+".object", o.Object, CapDispense)
		if err != nil {
			return err
		}
		if err := open(p+".object", o.Object, c); err != nil {
			return err
		}
		for i, col := range o.Columns {
			q := fmt.Sprintf("%s.columns[%d]", p, i)
			if col.Column < 0 || col.Column >= c.typ.Cols {
				return fieldErr(q+".column", "%d out of range of %s (columns 0–%d)", col.Column, c.typ.Name, c.typ.Cols-1)
			}
			for w := col.Column; w < c.typ.Wells; w += c.typ.Cols {
				if err := add(q+".volume", c, w, col.Volume.Value, "dispense"); err != nil {
					return err
				}
			}
		}
	case *LiquidHandle:
		var net int64
		for i, l := range o.Locations {
			q := fmt.Sprintf("%s.locations[%d]", p, i)
			c, w, err := v.liquid(q+".location", l.Location, CapLiquidHandle)
			if err != nil {
				return err
			}
			for j, t := range l.Transports {
				what := "dispense"
				if t.Volume.Value < 0 {
					what = "aspirate"
				}
				if err := add(fmt.Sprintf("%s.transports[%d].volume", q, j), c, w, t.Volume.Value, what); err != nil {
					return err
				}
				net += t.Volume.Value
			}
		}
		if net != 0 {
			return fieldErr(p+".locations", "transports do not balance: %d nL aspirated more than dispensed", -net)
		}
	case *Oligosynthesize:
		for i, ol := range o.Oligos {
			if _, _, err := v.liquid(fmt.Sprintf("%s.oligos[%d].destination", p, i), ol.Destination, CapLiquidHandle); err != nil {
				return err
			}
		}
	case *Seal:
		c, err := v.object(p+".object", o.Object, CapSeal)
		if err != nil {
			return err
		}
		if c.sealed || c.covered {
			return fieldErr(p+".object", "%q is already sealed or covered", o.Object)
		}
		c.sealed = true
	case *Unseal:
		c, err := v.object(p+".object", o.Object, "")
		if err != nil {
			return err
		}
		if !c.sealed {
			return fieldErr(p+".object", "%q is not sealed", o.Object)
		}
		c.sealed = false
	case *Cover:
		c, err := v.object(p+".object", o.Object, CapCover)
		if err != nil {
			return err
		}
		if c.sealed || c.covered {
			return fieldErr(p+".object", "%q is already sealed or covered", o.Object)
		}
		c.covered = true
	case *Uncover:
		c, err := v.object(p+".object", o.Object, "")
		if err != nil {
			return err
		}
		if !c.covered {
			return fieldErr(p+".object", "%q is not covered", o.Object)
		}
		c.covered = false
	case *Incubate:
		c, err := v.object(p+".object", o.Object, CapIncubate)
		if err != nil {
			return err
		}
		if o.Shaking {
			if err := closed(p+".object", o.Object, "incubate with shaking", c); err != nil {
				return err
			}
		}
	case *Thermocycle:
		c, err := v.object(p+".object", o.Object, CapThermocycle)
		if err != nil {
			return err
		}
		if err := closed(p+".object", o.Object, "thermocycle", c); err != nil {
			return err
		}
		if o.Volume.Value > c.typ.CapacityNL {
			return fieldErr(p+".volume", "%s above the %s capacity of %d nL", o.Volume.Text, c.typ.Name, c.typ.CapacityNL)
		}
	case *Spin:
		c, err := v.object(p+".object", o.Object, CapSpin)
		if err != nil {
			return err
		}
		if err := closed(p+".object", o.Object, "spin", c); err != nil {
			return err
		}
	case *Spectrophotometry:
		if _, err := v.object(p+".object", o.Object, CapAbsorbance); err != nil {
			return err
		}
		for i, g := range o.Groups {
			for j, s := range g.ModeParams.Wells {
				q := fmt.Sprintf("%s.groups[%d].mode_params.wells[%d]", p, i, j)
				if a, err := ParseAliquot(s); err == nil && a.Ref != o.Object {
					return fieldErr(q, "aliquot %q is not in object %q", s, o.Object)
				}
				if _, _, err := v.aliquot(q, s, CapAbsorbance); err != nil {
					return err
				}
			}
		}
	case *GelSeparate:
		for i, s := range o.Objects {
			q := fmt.Sprintf("%s.objects[%d]", p, i)
			c, w, err := v.liquid(q, s, CapGelSeparate)
			if err != nil {
				return err
			}
			if err := add(q, c, w, -o.Volume.Value, "gel_separate"); err != nil {
				return err
			}
		}
	default:
		return fieldErr(p+".op", "unknown op %q", in.Op)
	}
	return nil
}

func (v *validator) timePoint(path string, tp TimePoint) error {
	n := 0
	for _, set := range []bool{tp.RefStart != nil, tp.RefEnd != nil, tp.InstructionStart != nil, tp.InstructionEnd != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return fieldErr(path, "want exactly one of ref_start, ref_end, instruction_start, instruction_end")
	}
	check := func(field string, i *int, r *string) error {
		if i != nil && (*i < 0 || *i >= len(v.p.Instructions)) {
			return fieldErr(path+"."+field, "instruction %d does not exist (%d instructions)", *i, len(v.p.Instructions))
		}
		if r != nil {
			if _, ok := v.state[*r]; !ok {
				return fieldErr(path+"."+field, "no ref named %q", *r)
			}
		}
		return nil
	}
	if err := check("instruction_start", tp.InstructionStart, nil); err != nil {
		return err
	}
	if err := check("instruction_end", tp.InstructionEnd, nil); err != nil {
		return err
	}
	if err := check("ref_start", nil, tp.RefStart); err != nil {
		return err
	}
	return check("ref_end", nil, tp.RefEnd)
}
