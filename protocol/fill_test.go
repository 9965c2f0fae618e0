package protocol

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestFill(t *testing.T) {
	tests := []struct {
		name     string
		template string
		params   map[string]string
		want     string
		wantPath string
		wantMsg  string
	}{
		{"whole string", `{"a": "{{X}}"}`, map[string]string{"X": "EcoRI"}, `{"a": "EcoRI"}`, "", ""},
		{"part of a string, twice", `{"a": "{{X}}-buffer", "b": ["{{X}}{{Y_2}}"]}`, map[string]string{"X": "BamHI", "Y_2": "!"}, `{"a": "BamHI-buffer", "b": ["BamHI!"]}`, "", ""},
		{"value is escaped", `{"a": "{{X}}"}`, map[string]string{"X": `"}, "op": "x`}, `{"a": "\"}, \"op\": \"x"}`, "", ""},
		{"escaped quote in template", `{"a": "\"{{X}}\""}`, map[string]string{"X": "v"}, `{"a": "\"v\""}`, "", ""},
		{"no placeholders", `{"a": 1}`, nil, `{"a": 1}`, "", ""},
		{"missing parameter", `{"a": "{{ENZYME}}"}`, map[string]string{}, "", "params.ENZYME", "missing"},
		{"unused parameter", `{"a": "{{X}}"}`, map[string]string{"X": "1", "ENZMYE": "2", "B": "3"}, "", "params", "not used by the template: B, ENZMYE"},
		{"placeholder outside a string", `{"a": {{X}}}`, map[string]string{"X": "1"}, "", "template", "not valid JSON"},
		{"placeholder as a key's neighbour", `{"a": [{"b": 1}], "c": "x"}`, nil, `{"a": [{"b": 1}], "c": "x"}`, "", ""},
		{"bad placeholder name", `{"a": "{{1X}}"}`, map[string]string{"X": "1"}, "", "template", "want {{NAME}}"},
		{"unterminated", `{"a": "{{X"}`, map[string]string{"X": "1"}, "", "template", "unterminated placeholder"},
		{"braces across strings", `{"a": "{{X", "b": {"c": {}}}`, map[string]string{"X": "1"}, "", "template", "want {{NAME}}"},
		{"invalid JSON", `{"a": "{{X}}"`, map[string]string{"X": "1"}, "", "template", "not valid JSON"},
		{"value too long", `{"a": "{{X}}"}`, map[string]string{"X": strings.Repeat("a", MaxParamBytes+1)}, "", "params.X", "over the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Fill([]byte(tt.template), tt.params)
			if tt.wantPath != "" {
				var fe *FieldError
				if !errors.As(err, &fe) || fe.Path != tt.wantPath || !strings.Contains(fe.Err.Error(), tt.wantMsg) || !errors.Is(err, ErrInvalid) {
					t.Fatalf("Fill = %q, %v; want error at %q containing %q", got, err, tt.wantPath, tt.wantMsg)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("Fill = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestFillLambdaDigestMissingParameter(t *testing.T) {
	tmpl, err := os.ReadFile("testdata/lambda-digest.json")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Fill(tmpl, nil)
	if err == nil || err.Error() != "params.ENZYME: missing: the template uses {{ENZYME}}" {
		t.Fatalf("Fill without ENZYME: %v", err)
	}
	// Deterministic: the same inputs give the same bytes.
	a, _ := Fill(tmpl, map[string]string{"ENZYME": "HindIII"})
	b, _ := Fill(tmpl, map[string]string{"ENZYME": "HindIII"})
	if string(a) != string(b) || !strings.Contains(string(a), `"HindIII-buffer"`) {
		t.Fatalf("fills differ or lack the enzyme:\n%s\n%s", a, b)
	}
}

func FuzzFill(f *testing.F) {
	tmpl, err := os.ReadFile("testdata/lambda-digest.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tmpl, "EcoRI")
	f.Add([]byte(`{"a": "\"{{ENZYME}}\\"}`), `"\`)
	f.Fuzz(func(t *testing.T, template []byte, value string) {
		out, err := Fill(template, map[string]string{"ENZYME": value})
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not match ErrInvalid: %v", err)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("Fill(%q, %q) = %q: not valid JSON", template, value, out)
		}
	})
}
