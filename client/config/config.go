package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/celltonomy/celltonomy/client/keyring"
	"github.com/celltonomy/celltonomy/internal/atomicfile"
)

// FileName is the name of the configuration file in the base directory.
const FileName = "config.toml"

// DefaultProfile is the profile used when none is chosen. It always exists.
const DefaultProfile = "default"

// DefaultNode is the node of the last resort: a local node's CometBFT RPC.
const DefaultNode = "http://127.0.0.1:26657"

// The keys of a profile, as `cell config set` names them.
const (
	Home  = "home"
	Node  = "node"
	Key   = "key"
	Miner = "miner"
	// Trust is the trust root of proven reads: HEIGHT:HASH of a block
	// header (client.TrustRoot).
	Trust = "trust"
)

// Keys returns the keys of a profile in the order the documentation and
// `cell config show` list them.
func Keys() []string { return []string{Home, Node, Key, Miner, Trust} }

// The environment variables Resolve reads.
const (
	EnvProfile = "CELL_PROFILE"
	EnvHome    = "CELL_HOME"
	EnvNode    = "CELL_NODE"
	EnvKey     = "CELL_KEY"
	EnvMiner   = "CELL_MINER"
	EnvTrust   = "CELL_TRUST"
)

// maxNameLen is the longest profile name, in bytes.
const maxNameLen = 64

// Settings are the values of one profile (or of one source, such as the
// flags); an empty string is a value not given.
type Settings struct {
	// Home is the cell home directory.
	Home string `toml:"home,omitempty" json:"home,omitempty"`
	// Node is the CometBFT RPC URL of the chain node.
	Node string `toml:"node,omitempty" json:"node,omitempty"`
	// Key is the keyring name of the signing key.
	Key string `toml:"key,omitempty" json:"key,omitempty"`
	// Miner is the URL of a reputation miner's HTTP API.
	Miner string `toml:"miner,omitempty" json:"miner,omitempty"`
	// Trust is the block header proven reads are verified from,
	// HEIGHT:HASH (hash in hex); "" trusts the node's first header.
	Trust string `toml:"trust,omitempty" json:"trust,omitempty"`
}

// Get returns the value of key, "" for an unknown key.
func (s Settings) Get(key string) string {
	switch key {
	case Home:
		return s.Home
	case Node:
		return s.Node
	case Key:
		return s.Key
	case Miner:
		return s.Miner
	case Trust:
		return s.Trust
	}
	return ""
}

// With returns s with key set to value; an unknown key changes nothing.
func (s Settings) With(key, value string) Settings {
	switch key {
	case Home:
		s.Home = value
	case Node:
		s.Node = value
	case Key:
		s.Key = value
	case Miner:
		s.Miner = value
	case Trust:
		s.Trust = value
	}
	return s
}

// File is the content of config.toml. The zero File is an empty file:
// no profile but the implicit "default", which is active.
type File struct {
	// Profile names the active profile; "" is DefaultProfile.
	Profile string `toml:"profile,omitempty"`
	// Profiles are the profiles by name.
	Profiles map[string]Settings `toml:"profiles,omitempty"`
}

// BaseDir returns the base directory of a user whose home directory is
// userHome: userHome/.cell, the directory of the file and the default
// cell home.
func BaseDir(userHome string) string { return filepath.Join(userHome, ".cell") }

// Path returns the file in the base directory base.
func Path(base string) string { return filepath.Join(base, FileName) }

// Load reads and checks the file at path. A missing file is an empty
// File; nothing is created. Errors name the file and the key: the file
// is not TOML, has a key this package does not know, a bad profile name
// or a bad value (see the package doc).
func Load(path string) (*File, error) {
	text, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &File{}, nil
	}
	if err != nil {
		return nil, err
	}
	var f File
	md, err := toml.Decode(string(text), &f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		keys := make([]string, len(u))
		for i, k := range u {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("%s: unknown keys %s (a profile holds %s)", path, strings.Join(keys, ", "), strings.Join(Keys(), ", "))
	}
	if err := f.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &f, nil
}

// check applies the rules of the package doc to every name and value.
func (f *File) check() error {
	if f.Profile != "" {
		if err := ValidateProfileName(f.Profile); err != nil {
			return fmt.Errorf("profile: %w", err)
		}
		if _, ok := f.Lookup(f.Profile); !ok {
			return fmt.Errorf("profile %q: no [profiles.%s] table", f.Profile, f.Profile)
		}
	}
	for _, name := range f.Names() {
		if err := ValidateProfileName(name); err != nil {
			return fmt.Errorf("profiles: %w", err)
		}
		s := f.Profiles[name]
		for _, k := range Keys() {
			if v := s.Get(k); v != "" {
				if err := checkValue(k, v); err != nil {
					return fmt.Errorf("profiles.%s.%s %q: %w", name, k, v, err)
				}
			}
		}
	}
	return nil
}

// Save checks f and writes it to path, creating the directory (mode 0700)
// when missing; the file (mode 0600) is replaced atomically. Profiles are
// written in name order, so equal Files give equal bytes.
func (f *File) Save(path string) error {
	if err := f.check(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var b bytes.Buffer
	b.WriteString("# The cell configuration: `cell config show|set|use` read and rewrite it.\n")
	b.WriteString("# profile names the active profile; each [profiles.NAME] may set home, node, key, miner.\n")
	if f.Profile != "" {
		fmt.Fprintf(&b, "\nprofile = %s\n", strconv.Quote(f.Profile))
	}
	for _, name := range f.Names() {
		fmt.Fprintf(&b, "\n[profiles.%s]\n", name)
		enc := toml.NewEncoder(&b)
		enc.Indent = ""
		if err := enc.Encode(f.Profiles[name]); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b.Bytes(), 0o600)
}

// Update loads the file at path (Load), lets edit change it, and saves it
// (Save), returning the File saved. Nothing is written when edit or a
// check fails.
func Update(path string, edit func(*File) error) (*File, error) {
	f, err := Load(path)
	if err != nil {
		return nil, err
	}
	if err := edit(f); err != nil {
		return nil, err
	}
	if err := f.Save(path); err != nil {
		return nil, err
	}
	return f, nil
}

// Active returns the name of the active profile.
func (f *File) Active() string {
	if f.Profile == "" {
		return DefaultProfile
	}
	return f.Profile
}

// Names returns the names of the profiles in the file, sorted.
func (f *File) Names() []string {
	names := make([]string, 0, len(f.Profiles))
	for n := range f.Profiles {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Lookup returns the profile name; DefaultProfile is always found.
func (f *File) Lookup(name string) (Settings, bool) {
	s, ok := f.Profiles[name]
	return s, ok || name == DefaultProfile
}

// Put replaces the profile name with s, adding it when missing.
func (f *File) Put(name string, s Settings) error {
	if err := ValidateProfileName(name); err != nil {
		return err
	}
	for _, k := range Keys() {
		if v := s.Get(k); v != "" {
			if err := checkValue(k, v); err != nil {
				return fmt.Errorf("%s %q: %w", k, v, err)
			}
		}
	}
	if f.Profiles == nil {
		f.Profiles = map[string]Settings{}
	}
	f.Profiles[name] = s
	return nil
}

// Set sets key to value in the profile name, adding the profile when
// missing; an empty value removes the key. The value must be in the form
// Normalize returns. Errors: an unknown key, a bad profile name or value.
func (f *File) Set(name, key, value string) error {
	if !slices.Contains(Keys(), key) {
		return fmt.Errorf("unknown key %q: want one of %s", key, strings.Join(Keys(), ", "))
	}
	s, _ := f.Lookup(name)
	return f.Put(name, s.With(key, value))
}

// Use makes the profile name active. It must exist (DefaultProfile
// always does).
func (f *File) Use(name string) error {
	if err := ValidateProfileName(name); err != nil {
		return err
	}
	if _, ok := f.Lookup(name); !ok {
		return fmt.Errorf("no profile %q: create it with cell config set KEY VALUE --profile %s", name, name)
	}
	f.Profile = name
	if name == DefaultProfile {
		f.Profile = ""
	}
	return nil
}

// ValidateProfileName returns an error when name breaks the rule of the
// package doc.
func ValidateProfileName(name string) error {
	const rule = "must be 1 to 64 characters of A-Z, a-z, 0-9, '_' and '-', starting with a letter or digit"
	if name == "" || len(name) > maxNameLen {
		return fmt.Errorf("profile name %q: %s", name, rule)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '_' && c != '-') {
			return fmt.Errorf("profile name %q: %s", name, rule)
		}
	}
	return nil
}

// Normalize checks value for key and returns the form the file keeps: a
// home made absolute (relative to the working directory; "~/" is kept),
// a URL without a trailing slash, a key name as given. An empty value
// stays empty. Errors: an unknown key or a value breaking its rule.
func Normalize(key, value string) (string, error) {
	if !slices.Contains(Keys(), key) {
		return "", fmt.Errorf("unknown key %q: want one of %s", key, strings.Join(Keys(), ", "))
	}
	if value == "" {
		return "", nil
	}
	switch key {
	case Home:
		if value != "~" && !strings.HasPrefix(value, "~/") {
			abs, err := filepath.Abs(value)
			if err != nil {
				return "", fmt.Errorf("home %q: %w", value, err)
			}
			value = abs
		}
	case Node, Miner:
		value = strings.TrimSuffix(value, "/")
	}
	if err := checkValue(key, value); err != nil {
		return "", fmt.Errorf("%s %q: %w", key, value, err)
	}
	return value, nil
}

// checkValue checks a non-empty value of key against its rule.
func checkValue(key, value string) error {
	switch key {
	case Home:
		if value != "~" && !strings.HasPrefix(value, "~/") && !filepath.IsAbs(value) {
			return errors.New(`must be an absolute path or start with "~/"`)
		}
	case Node, Miner:
		return checkURL(value)
	case Key:
		return keyring.ValidateName(value)
	case Trust:
		if !trustRoot.MatchString(value) {
			return errors.New("must be HEIGHT:HASH, a block height ≥ 1 and its header's hash in 64 hex digits")
		}
	}
	return nil
}

// trustRoot is the text form of a trust root (client.ParseTrustRoot).
var trustRoot = regexp.MustCompile(`^[1-9][0-9]*:[0-9A-Fa-f]{64}$`)

func checkURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Scheme != "http" && u.Scheme != "https":
		return errors.New("must be an http(s) URL, e.g. http://127.0.0.1:26657")
	case u.Hostname() == "":
		return errors.New("must name a host")
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return errors.New("must have no user, query or fragment")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("port %q: must be 1 to 65535", p)
		}
	}
	return nil
}
