package packer

import (
	"slices"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/spec"
)

const slots = `
[[slot]]
port = 8080
transport = "http"
protocol = "kmer-index/1"
prose = "lookups"

[[slot]]
port = 7
transport = "http"
`

func TestBuildService(t *testing.T) {
	files := append([][2]string(nil), helloFiles...)
	files[0][1] = manifest + slots
	p, err := Build(writeTree(t, files), spec.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Envelope().GetServicePorts(); !slices.Equal(got, []int32{7, 8080}) {
		t.Fatalf("service_ports = %v, want [7 8080]", got)
	}
	if got := p.Spec().SlotPorts(); !slices.Equal(got, []int32{7, 8080}) {
		t.Fatalf("spec slot ports = %v", got)
	}
	sl := p.Spec().Service().GetApi().GetSlot()
	if sl[1].GetTransport().GetTags()[0] != "http" || sl[1].GetProtocolStack()[0].GetTags()[0] != "kmer-index/1" {
		t.Fatalf("slot 8080 = %v", sl[1])
	}
	if !spec.IsService(p.Envelope()) {
		t.Fatal("a compute package with slots is a service package")
	}
	batch, err := Build(writeTree(t, helloFiles), spec.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if spec.IsService(batch.Envelope()) || len(batch.Envelope().GetServicePorts()) != 0 {
		t.Fatal("a package without slots is a batch package")
	}
}

func TestBuildServiceErrors(t *testing.T) {
	for _, tt := range []struct{ name, extra, want string }{
		{"port zero", "[[slot]]\nport = 0\n", "slot: port 0: must be 1 to 65535"},
		{"port too high", "[[slot]]\nport = 70000\n", "slot: port 70000: must be 1 to 65535"},
		{"twice", "[[slot]]\nport = 9\n[[slot]]\nport = 9\n", "slot: port 9: declared twice"},
		{"unknown key", "[[slot]]\nport = 9\ncolour = 1\n", "unknown keys: slot.colour"},
		{"too many", strings.Repeat("[[slot]]\nport = 1\n", spec.MaxServicePorts+1), "at most 16"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			files := append([][2]string(nil), helloFiles...)
			files[0][1] = manifest + tt.extra
			_, err := Build(writeTree(t, files), spec.DefaultLimits())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
