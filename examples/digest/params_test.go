package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/bio/restriction"
)

func TestParseEnzymes(t *testing.T) {
	tests := []struct {
		name    string
		value   string
		want    []string
		wantErr []string // substrings of the error
	}{
		{"one", "EcoRI", []string{"EcoRI"}, nil},
		{"case and space", " ecori ,  BAMHI\t", []string{"EcoRI", "BamHI"}, nil},
		{"order kept", "HindIII,EcoRI,BamHI", []string{"HindIII", "EcoRI", "BamHI"}, nil},
		{"duplicates removed", "EcoRI,BamHI,ecoRI,BamHI", []string{"EcoRI", "BamHI"}, nil},
		{"missing", "", nil, []string{"ENZYMES is required"}},
		{"blank", "  ", nil, []string{"ENZYMES is required"}},
		{"empty name", "EcoRI,,BamHI", nil, []string{"name 2 is empty"}},
		{"trailing comma", "EcoRI,", nil, []string{"name 2 is empty"}},
		{"unknown with suggestion", "EcoR1", nil, []string{`unknown enzyme "EcoR1"`, "closest known: EcoRI"}},
		{"unknown far", "Zebra", nil, []string{`unknown enzyme "Zebra"`, "known: AatII", "XmnI"}},
		{"all unknown listed", "Foo,EcoRI,BamH1", nil, []string{`"Foo"`, `"BamH1"`, "BamHI"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseEnzymes(tt.value)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("parseEnzymes(%q) = %v, want error", tt.value, got)
				}
				for _, s := range tt.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q lacks %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("parseEnzymes(%q): %v", tt.value, err)
			}
			var names []string
			for _, e := range got {
				names = append(names, e.Name)
			}
			if !slices.Equal(names, tt.want) {
				t.Errorf("parseEnzymes(%q) = %v, want %v", tt.value, names, tt.want)
			}
		})
	}
}

func TestParseTopology(t *testing.T) {
	tests := []struct {
		value   string
		want    restriction.Topology
		wantErr bool
	}{
		{"", restriction.Linear, false},
		{"linear", restriction.Linear, false},
		{"circular", restriction.Circular, false},
		{" Circular ", restriction.Circular, false},
		{"ring", restriction.Linear, true},
	}
	for _, tt := range tests {
		got, err := parseTopology(tt.value)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseTopology(%q) = %v, %v; want %v, error %v", tt.value, got, err, tt.want, tt.wantErr)
		}
	}
}
