package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Version is the release version of cell, set at link time with
// -ldflags "-X github.com/celltonomy/celltonomy/cmd/cell/cli.Version=v1.2.3".
var Version = "dev"

func newVersionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:         "version",
		Short:       "Print the version of cell",
		Args:        exactArgs(0),
		Annotations: map[string]string{noConfig: ""},
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := struct {
				Version string `json:"version"`
				Go      string `json:"go"`
				Wazero  string `json:"wazero"`
				OS      string `json:"os"`
				Arch    string `json:"arch"`
			}{Version: Version, Go: runtime.Version(), Wazero: depVersion("github.com/tetratelabs/wazero"), OS: runtime.GOOS, Arch: runtime.GOARCH}
			if g.output == outputJSON {
				return g.json("version", v)
			}
			_, err := fmt.Fprintf(g.stdout, "cell %s (%s, %s/%s, wazero %s)\n", v.Version, v.Go, v.OS, v.Arch, v.Wazero)
			return err
		},
	}
}

// depVersion returns the version of a module linked into the binary.
func depVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == path {
				return d.Version
			}
		}
	}
	return "unknown"
}
