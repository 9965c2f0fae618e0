package protocol

import (
	"math"
	"strings"
	"testing"
)

func TestParseQuantity(t *testing.T) {
	tests := []struct {
		in      string
		dim     Dimension
		want    int64
		wantErr string
	}{
		{"10:microliter", Volume, 10_000, ""},
		{"10.5:uL", Volume, 10_500, ""},
		{"2.000:mL", Volume, 2_000_000, ""},
		{"1:liter", Volume, 1_000_000_000, ""},
		{"250:nanoliter", Volume, 250, ""},
		{"-5:microliter", Volume, -5_000, ""},
		{"1.25:microgram", Mass, 1_250, ""},
		{"3:g", Mass, 3_000_000_000, ""},
		{"1000:g", Acceleration, 1000, ""},
		{"60:minute", Time, 3_600_000, ""},
		{"1.5:hour", Time, 5_400_000, ""},
		{"0.25:second", Time, 250, ""},
		{"37:celsius", Temperature, 37_000, ""},
		{"-80:celsius", Temperature, -80_000, ""},
		{"72.5:celsius", Temperature, 72_500, ""},
		{"600:nanometer", Length, 600, ""},
		{"0.6:micrometer", Length, 600, ""},
		{"10:micromolar", Concentration, 10_000, ""},
		{"0.5:nanoliter", Volume, 0, "not a whole number of nL"},
		{"0.0001:microliter", Volume, 0, "not a whole number of nL"},
		{"1.5:minute", Time, 90_000, ""},
		{"0.00005:minute", Time, 3, ""},
		{"0.00001:minute", Time, 0, "not a whole number of ms"},
		{"007:microliter", Volume, 7_000, ""},
		{"0:microliter", Volume, 0, ""},
		{"10:microliter", Time, 0, `unit "microliter" is a volume, want a time`},
		{"37:celsius", Volume, 0, "is a temperature, want a volume"},
		{"5:furlong", Length, 0, "unknown length unit"},
		{"10", Volume, 0, "want VALUE:UNIT"},
		{"1e3:microliter", Volume, 0, "not a decimal number"},
		{"1.:microliter", Volume, 0, "not a decimal number"},
		{".5:microliter", Volume, 0, "not a decimal number"},
		{"--1:microliter", Volume, 0, "not a decimal number"},
		{"99999999999999999999:nanoliter", Volume, 0, "out of range"},
		{"9223372036854775807:microliter", Volume, 0, "out of range"},
		{"9223372036854775807:nanoliter", Volume, math.MaxInt64, ""},
		{strings.Repeat("1", 70) + ":nL", Volume, 0, "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseQuantity(tt.in, tt.dim)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseQuantity(%q, %s) = %d, %v; want error containing %q", tt.in, tt.dim, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseQuantity(%q, %s) = %d, %v; want %d", tt.in, tt.dim, got, err, tt.want)
			}
		})
	}
}

func TestWellIndexAndAliquot(t *testing.T) {
	pcr, _ := LookupContainerType("96-pcr")
	tube, _ := LookupContainerType("micro-1.5")
	tests := []struct {
		typ     ContainerType
		well    string
		want    int
		wantErr string
	}{
		{pcr, "0", 0, ""},
		{pcr, "95", 95, ""},
		{pcr, "A1", 0, ""},
		{pcr, "A12", 11, ""},
		{pcr, "B1", 12, ""},
		{pcr, "h12", 95, ""},
		{pcr, "96", 0, "out of range"},
		{pcr, "I1", 0, "out of range"},
		{pcr, "A13", 0, "out of range"},
		{pcr, "A0", 0, "want an index"},
		{pcr, "A", 0, "want an index"},
		{pcr, "1A", 0, "want an index"},
		{tube, "0", 0, ""},
		{tube, "A1", 0, ""},
		{tube, "1", 0, "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.typ.Name+"/"+tt.well, func(t *testing.T) {
			got, err := tt.typ.WellIndex(tt.well)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("WellIndex(%q) = %d, %v; want error containing %q", tt.well, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("WellIndex(%q) = %d, %v; want %d", tt.well, got, err, tt.want)
			}
		})
	}
	a, err := ParseAliquot("my/plate/B3")
	if err != nil || a.Ref != "my/plate" || a.Well != "B3" {
		t.Fatalf("ParseAliquot = %+v, %v", a, err)
	}
	for _, bad := range []string{"plate", "plate/", "/A1", ""} {
		if _, err := ParseAliquot(bad); err == nil {
			t.Errorf("ParseAliquot(%q): no error", bad)
		}
	}
}

func TestContainerTable(t *testing.T) {
	want := map[string]struct {
		wells int
		nl    int64
		cap   string
	}{
		"96-pcr":    {96, 160_000, CapThermocycle},
		"96-flat":   {96, 340_000, CapAbsorbance},
		"96-deep":   {96, 2_000_000, CapLiquidHandle},
		"micro-1.5": {1, 1_500_000, CapSpin},
		"micro-2.0": {1, 2_000_000, CapSpin},
	}
	for _, name := range ContainerTypes() {
		c, ok := LookupContainerType(name)
		if !ok {
			t.Fatalf("%s listed but not found", name)
		}
		w := want[name]
		if c.Wells != w.wells || c.CapacityNL != w.nl || !c.Has(w.cap) || c.Wells%c.Cols != 0 {
			t.Errorf("%s = %+v, want %d wells of %d nL with %s", name, c, w.wells, w.nl, w.cap)
		}
	}
	if _, ok := LookupContainerType("384-flat"); ok {
		t.Error("384-flat found")
	}
}
