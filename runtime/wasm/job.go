package wasm

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/celltonomy/celltonomy/spec"
)

// Job is one run of a compute package: which module, on what, with what.
// The zero value is not runnable: Root, Entry and OutputDir are required.
type Job struct {
	// Root is the package filesystem, mounted read-only at "/". Entries
	// named "inputs" and "outputs" at its top are hidden by the mounts of
	// the same name. Root is trusted to stay inside the package: pass an
	// fs.FS that does not follow links out of it, e.g. (*os.Root).FS().
	Root fs.FS
	// Entry is the path of the module inside Root, e.g. "bin/digest.wasm"
	// (a leading "/" is allowed). It is also argv[0].
	Entry string
	// Args are the fixed arguments after argv[0]. They must not contain
	// NUL bytes.
	Args []string
	// Inputs are host files mounted read-only at /inputs/<name>.
	Inputs []Input
	// Params become environment variables, passed to the module sorted by
	// name. A name must match [A-Za-z_][A-Za-z0-9_]*; a value must not
	// contain NUL bytes.
	Params map[string]string
	// DeclaredParams, if non-nil, lists the parameter names the package
	// declares; a param not in it is refused. nil allows any name.
	DeclaredParams []string
	// OutputDir is a host directory, which must exist, be empty and not be
	// a symbolic link. It is mounted writable at /outputs.
	OutputDir string
	// Seed seeds the module's random source (WASI random_get): the bytes
	// are the ChaCha8 stream of math/rand/v2 keyed by Seed.
	Seed [32]byte
	// Limits are the run's deterministic limits (Memory, Fuel, Output,
	// Stdout, Stderr), which must not exceed the executor's ceilings, and
	// its wall time, of which the smaller of the job's and the executor's
	// applies. A zero field takes the executor's value. See [Limits].
	Limits Limits
}

// Input is a host file given to a run.
type Input struct {
	// Name is the file's name under /inputs: non-empty, without '/' or NUL,
	// not "." or "..", unique within the job.
	Name string
	// Path is the host path of a regular file (symbolic links on the host
	// side are resolved). The file is opened when the module opens it and
	// is never copied.
	Path string
}

// validate checks every field of the job except Entry (checked when the
// module is read) and returns the first problem as a *JobError.
func (j *Job) validate() error {
	if j.Root == nil {
		return jobErrorf("job.root", "missing package filesystem")
	}
	if field, err := j.Limits.check(); err != nil {
		return &JobError{Field: "job.limits." + field, Err: err}
	}
	for i, a := range j.Args {
		if strings.IndexByte(a, 0) >= 0 {
			return jobErrorf(fmt.Sprintf("job.args[%d]", i), "contains a NUL byte")
		}
	}
	seen := make(map[string]int, len(j.Inputs))
	for i, in := range j.Inputs {
		field := fmt.Sprintf("job.inputs[%d]", i)
		switch {
		case in.Name == "":
			return jobErrorf(field+".name", "empty name")
		case in.Name == "." || in.Name == "..":
			return jobErrorf(field+".name", "invalid name %q", in.Name)
		case strings.ContainsAny(in.Name, "/\x00"):
			return jobErrorf(field+".name", "name %q contains '/' or NUL", in.Name)
		}
		if k, dup := seen[in.Name]; dup {
			return jobErrorf(field+".name", "duplicate name %q (also job.inputs[%d])", in.Name, k)
		}
		seen[in.Name] = i
		if in.Path == "" {
			return jobErrorf(field+".path", "empty path")
		}
		st, err := os.Stat(in.Path)
		if err != nil {
			return &JobError{Field: field + ".path", Err: err}
		}
		if !st.Mode().IsRegular() {
			return jobErrorf(field+".path", "%s: not a regular file (%v)", in.Path, st.Mode().Type())
		}
	}
	for _, name := range slices.Sorted(maps.Keys(j.Params)) {
		field := fmt.Sprintf("job.params[%q]", name)
		if !spec.ValidEnvName(name) {
			return jobErrorf(field, "invalid environment variable name")
		}
		if strings.IndexByte(j.Params[name], 0) >= 0 {
			return jobErrorf(field, "value contains a NUL byte")
		}
		if j.DeclaredParams != nil && !slices.Contains(j.DeclaredParams, name) {
			return jobErrorf(field, "parameter %q is not declared by the package", name)
		}
	}
	if j.OutputDir == "" {
		return jobErrorf("job.output_dir", "empty path")
	}
	st, err := os.Lstat(j.OutputDir)
	if err != nil {
		return &JobError{Field: "job.output_dir", Err: err}
	}
	if !st.IsDir() {
		return jobErrorf("job.output_dir", "%s: not a directory (%v)", j.OutputDir, st.Mode().Type())
	}
	d, err := os.Open(j.OutputDir)
	if err != nil {
		return &JobError{Field: "job.output_dir", Err: err}
	}
	names, err := d.Readdirnames(1)
	d.Close()
	if len(names) > 0 {
		return jobErrorf("job.output_dir", "%s: not empty (has %q)", j.OutputDir, names[0])
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return &JobError{Field: "job.output_dir", Err: err}
	}
	return nil
}

// entryPath returns the fs.FS path of the entry module.
func (j *Job) entryPath() (string, error) {
	p := strings.TrimPrefix(j.Entry, "/")
	if j.Entry == "" {
		return "", jobErrorf("job.entry", "empty path")
	}
	if !fs.ValidPath(p) || p == "." {
		return "", jobErrorf("job.entry", "invalid path %q", j.Entry)
	}
	return p, nil
}

// environ returns the params as sorted "NAME=value" pairs.
func (j *Job) environ() [][2]string {
	env := make([][2]string, 0, len(j.Params))
	for _, name := range slices.Sorted(maps.Keys(j.Params)) {
		env = append(env, [2]string{name, j.Params[name]})
	}
	return env
}
