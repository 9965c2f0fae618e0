package protopkg

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/packer"
)

// Open loads the protocol at path filled with params, whatever form it
// has on disk:
//
//   - a protocol package: a .cellpkg file, or a directory holding a
//     cell.toml (built in memory): Load, so left-out parameters take the
//     package's defaults;
//   - a directory holding a protocol.json without a cell.toml, or any
//     other file: a bare template, filled with params only.
//
// For a bare template Loaded.Params is params. Files are read with size
// limits (spec.DefaultLimits, protocol.MaxProtocolBytes). Errors are as
// for Load, or an I/O error naming the path.
func Open(path string, params map[string]string) (*Loaded, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: no such file", path)
	}
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		if _, err := os.Stat(filepath.Join(path, packer.ManifestName)); err != nil {
			return openTemplate(filepath.Join(path, spec.ProtocolTemplate), params)
		}
	}
	if st.IsDir() || strings.HasSuffix(path, spec.FileExt) {
		pkg, err := packer.Load(path, spec.DefaultLimits())
		if err != nil {
			return nil, err
		}
		return Load(pkg, params)
	}
	return openTemplate(path, params)
}

func openTemplate(path string, params map[string]string) (*Loaded, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: no such file", path)
	}
	if err != nil {
		return nil, err
	}
	if st.Size() > protocol.MaxProtocolBytes {
		return nil, fmt.Errorf("%s: %d bytes, over the limit of %d", path, st.Size(), protocol.MaxProtocolBytes)
	}
	tmpl, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	filled, err := protocol.Fill(tmpl, params)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	p, err := protocol.Parse(filled)
	if err == nil {
		err = p.Validate()
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Loaded{Template: tmpl, Filled: filled, Hash: sha256.Sum256(filled), Params: params, Protocol: p, Requirements: p.Requirements()}, nil
}
