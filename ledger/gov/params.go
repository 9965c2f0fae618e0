package gov

import (
	"math/big"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
)

// paramField returns the field of ledgerpb.Params named name (its
// protobuf name), or ErrInvalidParamChange.
func paramField(op, field, name string) (protoreflect.FieldDescriptor, error) {
	fd := (&ledgerpb.Params{}).ProtoReflect().Descriptor().Fields().ByName(protoreflect.Name(name))
	if fd == nil || name == "" {
		return nil, ErrInvalidParamChange.Errorf("%s: %s: name %q: no such param", op, field, name)
	}
	return fd, nil
}

// parseParam parses a param change's value for its field: a decimal
// integer in the field's range, or text for a string field.
func parseParam(op, field string, fd protoreflect.FieldDescriptor, value string) (protoreflect.Value, error) {
	switch fd.Kind() {
	case protoreflect.Uint64Kind, protoreflect.Uint32Kind:
		bits := 64
		if fd.Kind() == protoreflect.Uint32Kind {
			bits = 32
		}
		v, err := strconv.ParseUint(value, 10, bits)
		if err != nil {
			return protoreflect.Value{}, ErrInvalidParamChange.Errorf("%s: %s: %s %q: must be a decimal integer of %d bits", op, field, fd.Name(), value, bits)
		}
		if bits == 32 {
			return protoreflect.ValueOfUint32(uint32(v)), nil
		}
		return protoreflect.ValueOfUint64(v), nil
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(value), nil
	}
	return protoreflect.Value{}, ErrInvalidParamChange.Errorf("%s: %s: %s: a %s param cannot be changed", op, field, fd.Name(), fd.Kind())
}

// ValidateParamChange checks a param change without state: the name is
// a field of the params and the value parses for it.
func ValidateParamChange(op, field string, c *ledgerpb.ParamChange) error {
	fd, err := paramField(op, field, c.Name)
	if err != nil {
		return err
	}
	_, err = parseParam(op, field, fd, c.Value)
	return err
}

// ApplyParamChanges returns a copy of p with the param changes of msgs
// applied in order, checked by the params' validation (params.Validate,
// which holds every module's rules). Errors: ErrInvalidParamChange.
func ApplyParamChanges(op string, p *ledgerpb.Params, msgs []*ledgerpb.ProposalMsg) (*ledgerpb.Params, error) {
	next := proto.Clone(p).(*ledgerpb.Params)
	changed := false
	for i, m := range msgs {
		c := m.GetParamChange()
		if c == nil {
			continue
		}
		field := "messages[" + strconv.Itoa(i) + "].param_change"
		fd, err := paramField(op, field, c.Name)
		if err != nil {
			return nil, err
		}
		v, err := parseParam(op, field, fd, c.Value)
		if err != nil {
			return nil, err
		}
		next.ProtoReflect().Set(fd, v)
		changed = true
	}
	if changed {
		if err := params.Validate(next); err != nil {
			return nil, ErrInvalidParamChange.Errorf("%s: the changed params are refused: %v", op, err)
		}
	}
	return next, nil
}

// SupplyParam reports whether the param named name is one whose raise
// needs the reputation chamber too (Colony's two-chamber rule): a mint_*
// param of the supply ceiling or of the inflation rate, i.e.
// mint_supply_ceiling and mint_inflation_bps.
func SupplyParam(name string) bool {
	return strings.HasPrefix(name, "mint_") && (strings.Contains(name, "ceiling") || strings.Contains(name, "inflation"))
}

// RaisesMoreThanTenPercent reports whether next > old × 11/10, exactly;
// any raise from 0 counts.
func RaisesMoreThanTenPercent(old, next uint64) bool {
	a := new(big.Int).Mul(new(big.Int).SetUint64(next), big.NewInt(10))
	b := new(big.Int).Mul(new(big.Int).SetUint64(old), big.NewInt(11))
	return a.Cmp(b) > 0
}

// needsReputation reports whether the change from p to next raises a
// param that supply reports by more than 10 %.
func needsReputation(supply func(string) bool, p, next *ledgerpb.Params) bool {
	fields := p.ProtoReflect().Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if !supply(string(fd.Name())) {
			continue
		}
		var old, nv uint64
		switch fd.Kind() {
		case protoreflect.Uint64Kind, protoreflect.Uint32Kind:
			old, nv = p.ProtoReflect().Get(fd).Uint(), next.ProtoReflect().Get(fd).Uint()
		default:
			continue
		}
		if RaisesMoreThanTenPercent(old, nv) {
			return true
		}
	}
	return false
}
