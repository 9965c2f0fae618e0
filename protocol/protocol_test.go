package protocol

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

func lambdaDigest(t testing.TB) []byte {
	t.Helper()
	tmpl, err := os.ReadFile("testdata/lambda-digest.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Fill(tmpl, map[string]string{"ENZYME": "EcoRI"})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestLambdaDigest(t *testing.T) {
	p, err := Parse(lambdaDigest(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(p.Instructions) != 9 || p.Instructions[8].Op != "gel_separate" {
		t.Fatalf("instructions: %+v", p.Instructions)
	}
	inc := p.Instructions[5].Args.(*Incubate)
	if inc.Duration.Value != 3_600_000 || inc.Where != "warm_37" {
		t.Errorf("incubate = %+v", inc)
	}
	if got := p.Instructions[3].Args.(*Provision).ResourceID; got != "EcoRI" {
		t.Errorf("filled resource id = %q", got)
	}
	tc := p.Instructions[6].Args.(*Thermocycle)
	if tc.Groups[0].Steps[0].Temperature.Value != 65_000 || tc.Volume.Value != 18_000 {
		t.Errorf("thermocycle = %+v", tc)
	}
	want := Requirements{
		Ops:            []string{"gel_separate", "incubate", "provision", "seal", "thermocycle", "unseal"},
		ContainerTypes: []string{"96-pcr"},
		Storage:        []string{"cold_4", "warm_37"},
		Resources:      []string{"EcoRI", "EcoRI-buffer", "ladder-1kb", "lambda-dna", "water"},
		Temperature:    Range{Set: true, Min: 37_000, Max: 65_000},
		Duration:       Range{Set: true, Min: 1_200_000, Max: 3_600_000},
		Volume:         Range{Set: true, Min: 1_000, Max: 10_000},
	}
	if got := p.Requirements(); !reflect.DeepEqual(got, want) {
		t.Errorf("Requirements =\n%+v\nwant\n%+v", got, want)
	}
	// Re-encoding and re-parsing gives the same protocol.
	again, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := Parse(again)
	if err != nil {
		t.Fatalf("re-parse: %v\n%s", err, again)
	}
	if !reflect.DeepEqual(p, p2) {
		t.Errorf("re-parse differs:\n%s", again)
	}
}

// edit applies a textual replacement to the valid λ digest and fails the
// test if old does not occur.
func edit(t *testing.T, old, new string) []byte {
	t.Helper()
	doc := string(lambdaDigest(t))
	if !strings.Contains(doc, old) {
		t.Fatalf("testdata has no %q", old)
	}
	return []byte(strings.Replace(doc, old, new, 1))
}

func TestBadProtocols(t *testing.T) {
	tests := []struct {
		name     string
		doc      []byte
		wantPath string
		wantMsg  string
	}{
		{"malformed JSON", []byte(`{"refs": {}, "instructions": [`), "protocol", "unexpected EOF"},
		{"trailing data", []byte(`{"refs": {}, "instructions": [{"op":"uncover","object":"p"}]} {}`), "protocol", "trailing data"},
		{"unknown top field", edit(t, `"time_constraints"`, `"timeconstraints"`), "protocol", `unknown field "timeconstraints"`},
		{"no instructions", []byte(`{"refs": {}, "instructions": []}`), "instructions", "at least one"},
		{"unknown op", edit(t, `"op": "seal"`, `"op": "centrifuge"`), "instructions[4].op", `unknown op "centrifuge"`},
		{"unknown field of an op", edit(t, `"shaking": false`, `"shaking": false, "speed": "5:rpm"`), "instructions[5]", `unknown field "speed"`},
		{"missing field", edit(t, `"matrix": "agarose(8,0.8%)",`, ``), "instructions[8].matrix", "required"},
		{"wrong dimension", edit(t, `"duration": "60:minute"`, `"duration": "60:microliter"`), "instructions[5].duration", "is a volume, want a time"},
		{"inexact quantity", edit(t, `"volume": "10:microliter"`, `"volume": "10.0005:microliter"`), "instructions[0].to[0].volume", "not a whole number of nL"},
		{"quantity not a string", edit(t, `"duration": "60:minute"`, `"duration": 60`), "instructions[5].duration", "want a string \"VALUE:UNIT\", got 60"},
		{"duplicate ref", edit(t, `"digest": {"new"`, `"digest": {"new": "96-flat", "discard": true}, "digest": {"new"`), "refs", `duplicate ref "digest"`},
		{"unknown field of a ref", edit(t, `"where": "cold_4"}`, `"where": "cold_4", "shelf": 3}`), "refs.digest", `unknown field "shelf"`},
		{"unknown container type", edit(t, `"new": "96-pcr"`, `"new": "384-pcr"`), "refs.digest.new", `unknown container type "384-pcr"`},
		{"no destiny", edit(t, `, "store": {"where": "cold_4"}`, ``), "refs.digest", "needs a destiny"},
		{"bad storage", edit(t, `"where": "cold_4"`, `"where": "fridge"`), "refs.digest.store.where", `"fridge"`},
		{"unknown ref", edit(t, `"object": "digest", "type"`, `"object": "digset", "type"`), "instructions[4].object", `no ref named "digset"`},
		{"aliquot out of range", edit(t, `"digest/A1", "volume": "10`, `"digest/H13", "volume": "10`), "instructions[0].to[0].well", "out of range of 96-pcr"},
		{"aliquot index out of range", edit(t, `"digest/0", "volume": "2`, `"digest/96", "volume": "2`), "instructions[2].to[0].well", "out of range"},
		{"overfilled well", edit(t, `"volume": "10:microliter"}]`, `"volume": "159:microliter"}]`), "instructions[1].to[0].volume", "overfills well 0"},
		{"gel takes more than the well holds", edit(t, `"volume": "10:microliter", "matrix"`, `"volume": "20:microliter", "matrix"`), "instructions[8].objects[0]", "takes 20000 nL from well 0 holding 18000 nL"},
		{"liquid op on a sealed plate", edit(t, `{"op": "unseal", "object": "digest"},`, ``), "instructions[7].objects[0]", `"digest" is sealed`},
		{"thermocycle on an open plate", edit(t, `{"op": "seal", "object": "digest", "type": "ultra-clear"},`, ``), "instructions[5].object", "thermocycle needs it covered or sealed"},
		{"unseal an open plate", edit(t, `{"op": "seal", "object": "digest", "type": "ultra-clear"},`, `{"op": "unseal", "object": "digest"},`), "instructions[4].object", "is not sealed"},
		{"capability", edit(t, `"new": "96-pcr"`, `"new": "96-flat"`), "instructions[6].object", "cannot thermocycle"},
		{"time constraint index", edit(t, `"instruction_start": 5`, `"instruction_start": 9`), "time_constraints[0].to.instruction_start", "instruction 9 does not exist"},
		{"time constraint without bound", edit(t, `, "less_than": "30:minute"`, ``), "time_constraints[0]", "needs less_than or more_than"},
		{"bad oligo", edit(t, `{"op": "unseal", "object": "digest"},`, `{"op": "unseal", "object": "digest"}, {"op": "oligosynthesize", "oligos": [{"destination": "digest/B1", "sequence": "ACGU", "scale": "25nm", "purification": "standard"}]},`), "instructions[8].oligos[0].sequence", `base 3 is 'U'`},
		{"unbalanced liquid_handle", edit(t, `{"op": "unseal", "object": "digest"},`, `{"op": "unseal", "object": "digest"}, {"op": "liquid_handle", "locations": [{"location": "digest/A1", "transports": [{"volume": "-5:microliter"}]}, {"location": "digest/B1", "transports": [{"volume": "4:microliter"}]}]},`), "instructions[8].locations", "do not balance: 1000 nL"},
		{"id ref without type", edit(t, `"new": "96-pcr"`, `"id": "smp-7"`), "refs.digest.type", "required for an id ref"},
		{"both new and id", edit(t, `"new": "96-pcr"`, `"new": "96-pcr", "id": "smp-7"`), "refs.digest", "both new and id"},
		{"cover of a tube", edit(t, `"new": "96-pcr"`, `"new": "micro-1.5", "cover": "standard"`), "refs.digest.cover", "capped tube"},
		{"unknown incubate where", edit(t, `"where": "warm_37"`, `"where": "warm_42"`), "instructions[5].where", `"warm_42", want one of`},
		{"dispense column out of range", edit(t, `{"op": "unseal", "object": "digest"},`, `{"op": "unseal", "object": "digest"}, {"op": "dispense", "object": "digest", "resource_id": "water", "columns": [{"column": 12, "volume": "5:microliter"}]},`), "instructions[8].columns[0].column", "12 out of range of 96-pcr"},
		{"thermocycle cycles", edit(t, `"cycles": 1`, `"cycles": 0`), "instructions[6].groups[0].cycles", "want 1–100"},
		{"cycles not an integer", edit(t, `"cycles": 1`, `"cycles": 1.5`), "instructions[6]", "cycles"},
		{"instruction not an object", edit(t, `{"op": "unseal", "object": "digest"}`, `"unseal"`), "instructions[7]", "want a JSON object"},
		{"missing op", edit(t, `"op": "unseal", `, ``), "instructions[7].op", "required"},
		{"time constraint ref", edit(t, `{"instruction_end": 3}`, `{"ref_end": "gel"}`), "time_constraints[0].from.ref_end", `no ref named "gel"`},
		{"time constraint with two ends", edit(t, `{"instruction_end": 3}`, `{"instruction_end": 3, "ref_end": "digest"}`), "time_constraints[0].from", "exactly one"},
		{"oversized", []byte(`{"refs":{},"instructions":[` + strings.Repeat(" ", MaxProtocolBytes) + `]}`), "protocol", "over the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.doc)
			if err == nil {
				err = p.Validate()
			}
			var fe *FieldError
			if !errors.As(err, &fe) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want a *FieldError", err)
			}
			if fe.Path != tt.wantPath || !strings.Contains(fe.Err.Error(), tt.wantMsg) {
				t.Fatalf("err = %v\nwant path %q and message containing %q", err, tt.wantPath, tt.wantMsg)
			}
		})
	}
}

func TestValidLiquidHandleAndReads(t *testing.T) {
	doc := []byte(`{
	  "refs": {
	    "cells": {"new": "96-flat", "discard": true, "cover": "standard"},
	    "stock": {"id": "smp-1", "type": "micro-2.0", "store": {"where": "cold_20"}}
	  },
	  "instructions": [
	    {"op": "uncover", "object": "cells"},
	    {"op": "dispense", "object": "cells", "resource_id": "lb-broth", "columns": [{"column": 0, "volume": "150:microliter"}]},
	    {"op": "liquid_handle", "locations": [
	      {"location": "stock/0", "transports": [{"volume": "-20:microliter"}]},
	      {"location": "cells/A1", "transports": [{"volume": "10:microliter"}]},
	      {"location": "cells/H1", "transports": [{"volume": "10:microliter"}]}]},
	    {"op": "cover", "object": "cells", "lid": "standard"},
	    {"op": "incubate", "object": "cells", "where": "warm_37", "duration": "30:minute", "shaking": true, "co2_percent": 0},
	    {"op": "spin", "object": "stock", "acceleration": "1000:g", "duration": "1:minute"},
	    {"op": "spectrophotometry", "object": "cells", "dataref": "od600",
	     "groups": [{"mode": "absorbance", "mode_params": {"wells": ["cells/A1", "cells/H1"], "wavelength": ["600:nanometer"], "num_flashes": 25}}]}
	  ],
	  "time_constraints": [{"from": {"ref_start": "cells"}, "to": {"instruction_end": 6}, "more_than": "1:minute", "less_than": "2:hour"}]
	}`)
	p, err := Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	r := p.Requirements()
	if !reflect.DeepEqual(r.Wavelengths, []int64{600}) || r.Acceleration != (Range{true, 1000, 1000}) ||
		r.Volume != (Range{true, 10_000, 150_000}) || !reflect.DeepEqual(r.Storage, []string{"cold_20", "warm_37"}) ||
		!reflect.DeepEqual(r.ContainerTypes, []string{"96-flat", "micro-2.0"}) {
		t.Errorf("Requirements = %+v", r)
	}
	// Shaking an uncovered plate is refused.
	bad := strings.Replace(string(doc), `{"op": "cover", "object": "cells", "lid": "standard"},`, ``, 1)
	p, err = Parse([]byte(bad))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "instructions[3].object") || !strings.Contains(err.Error(), "incubate with shaking") {
		t.Errorf("shaking an open plate: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	seed, err := os.ReadFile("testdata/lambda-digest.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"refs":{},"instructions":[{"op":"spin","object":"x","acceleration":"1:g","duration":"1:s"}]}`))
	f.Add([]byte(`{"refs":{"a":{"new":"micro-1.5","discard":true}},"instructions":[{"op":"provision","resource_id":"w","to":[{"well":"a/0","volume":"1.5:mL"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("error is not a *FieldError: %v", err)
			}
			return
		}
		verr := p.Validate()
		p.Requirements()
		// A parsed protocol re-encodes to a document that parses to the same
		// protocol and validates the same way.
		again, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		p2, err := Parse(again)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", again, err)
		}
		if (verr == nil) != (p2.Validate() == nil) {
			t.Fatalf("validation differs after re-encoding: %v", verr)
		}
	})
}

func TestLoad(t *testing.T) {
	tmpl, err := os.ReadFile("testdata/lambda-digest.json")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Load(tmpl, map[string]string{"ENZYME": "HindIII"})
	if err != nil || p.Instructions[3].Args.(*Provision).ResourceID != "HindIII" {
		t.Fatalf("Load = %v", err)
	}
	for _, tc := range []struct {
		params map[string]string
		want   string
	}{
		{nil, "params.ENZYME: missing"},
		{map[string]string{"ENZYME": "EcoRI", "TEMP": "37"}, "params: not used by the template: TEMP"},
		{map[string]string{"ENZYME": "Eco\"RI"}, ""}, // escaped: still a valid document
	} {
		_, err := Load(tmpl, tc.params)
		if tc.want == "" {
			if err != nil {
				t.Errorf("Load(%v) = %v", tc.params, err)
			}
			continue
		}
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("Load(%v) = %v, want %q", tc.params, err, tc.want)
		}
	}
}

func TestStorageTemperature(t *testing.T) {
	for _, where := range storageConditions {
		if _, ok := StorageTemperature(where); !ok {
			t.Errorf("%s has no temperature", where)
		}
	}
	if v, _ := StorageTemperature("cold_80"); v != -80_000 {
		t.Errorf("cold_80 = %d m°C", v)
	}
	if _, ok := StorageTemperature("oven"); ok {
		t.Error("oven has a temperature")
	}
}
