package config

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Input is what Resolve reads besides the file.
type Input struct {
	// Base is the base directory (BaseDir): the default home. Required.
	Base string
	// UserHome is the user's home directory, which a leading "~/" of a
	// home stands for; "" leaves such homes as they are.
	UserHome string
	// Profile is the --profile flag, "" when not given.
	Profile string
	// Flags are the flags given: --home, --node, --from (Key) and
	// --miner; "" for a flag not given.
	Flags Settings
	// Getenv returns an environment variable, "" when unset; nil reads
	// no environment.
	Getenv func(string) string
	// HomeNode returns the RPC URL in a home's CometBFT config (the
	// cell CLI passes chain.RPCAddress); nil, or an error, skips this
	// default.
	HomeNode func(home string) (string, error)
	// Defaults are the command's own key and miner, used when no source
	// gives one; "" leaves the setting empty. Defaults.Home and
	// Defaults.Node are ignored: their defaults are the package doc's.
	Defaults Settings
}

// Sources of a Value, besides "flag --NAME", "env NAME" and
// "profile NAME".
const (
	// SourceFile: the profile is the one the file makes active.
	SourceFile = "file"
	// SourceHomeConfig: the node is the RPC address in the home's
	// CometBFT config.
	SourceHomeConfig = "home's CometBFT config"
	// SourceDefault: the built-in default (or the command's own, for a
	// key or a miner).
	SourceDefault = "default"
)

// Value is a resolved setting and where it came from.
type Value struct {
	Value string `json:"value"`
	// Source is "flag --home", "env CELL_HOME", "profile NAME",
	// SourceFile, SourceHomeConfig or SourceDefault.
	Source string `json:"source"`
}

// Given says whether the value was given by a flag or an environment
// variable.
func (v Value) Given() bool {
	return strings.HasPrefix(v.Source, "flag ") || strings.HasPrefix(v.Source, "env ")
}

// Resolved are the settings a command uses.
type Resolved struct {
	// File is the configuration file read.
	File string `json:"file"`
	// Profile is the selected profile's name.
	Profile Value `json:"profile"`
	// SetAside says why the selected profile gives no value, "" when it
	// is used (see the package doc).
	SetAside string `json:"set_aside,omitempty"`
	Home     Value  `json:"home"`
	Node     Value  `json:"node"`
	Key      Value  `json:"key"`
	Miner    Value  `json:"miner"`
	Trust    Value  `json:"trust"`
}

// Get returns the Value of key (one of Keys).
func (r Resolved) Get(key string) Value {
	switch key {
	case Home:
		return r.Home
	case Node:
		return r.Node
	case Key:
		return r.Key
	case Miner:
		return r.Miner
	case Trust:
		return r.Trust
	}
	return Value{}
}

// Flag returns the flag of key: --home, --node, --from or --miner.
func Flag(key string) string {
	switch key {
	case Home:
		return "--home"
	case Node:
		return "--node"
	case Key:
		return "--from"
	case Miner:
		return "--miner"
	case Trust:
		return "--trust"
	}
	return ""
}

// Env returns the environment variable of key: CELL_HOME, CELL_NODE,
// CELL_KEY or CELL_MINER.
func Env(key string) string {
	switch key {
	case Home:
		return EnvHome
	case Node:
		return EnvNode
	case Key:
		return EnvKey
	case Miner:
		return EnvMiner
	case Trust:
		return EnvTrust
	}
	return ""
}

// Resolve resolves every setting in the order of the package doc, from
// the file f (Load; nil is an empty file), which was read from path.
// Errors: the selected profile is not in the file, or a value from the
// environment breaks its rule.
func Resolve(f *File, path string, in Input) (Resolved, error) {
	if f == nil {
		f = &File{}
	}
	getenv := in.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	r := Resolved{File: path, Profile: f.Select(in.Profile, getenv)}
	prof, ok := f.Lookup(r.Profile.Value)
	if !ok {
		return r, fmt.Errorf("profile %q (%s) is not in %s; cell config show lists the profiles", r.Profile.Value, r.Profile.Source, path)
	}
	given := func(key string) (Value, bool, error) {
		if v := in.Flags.Get(key); v != "" {
			return Value{v, "flag " + Flag(key)}, true, nil
		}
		if v := getenv(Env(key)); v != "" {
			if key != Home {
				if err := checkValue(key, v); err != nil {
					return Value{}, false, fmt.Errorf("%s %q: %w", Env(key), v, err)
				}
			}
			return Value{v, "env " + Env(key)}, true, nil
		}
		return Value{}, false, nil
	}

	home, ok, err := given(Home)
	if err != nil {
		return r, err
	}
	profHome := in.Base
	if prof.Home != "" {
		profHome = expand(prof.Home, in.UserHome)
	}
	if ok {
		home.Value = expand(home.Value, in.UserHome)
		if r.Profile.Source == SourceFile || r.Profile.Source == SourceDefault {
			if prof != (Settings{}) && !samePath(home.Value, profHome) {
				by := Flag(Home)
				if home.Source != "flag "+by {
					by = EnvHome
				}
				r.SetAside = fmt.Sprintf("%s names another home than profile %s's (%s)", by, r.Profile.Value, profHome)
				prof = Settings{}
			}
		}
	} else if prof.Home != "" {
		home = Value{profHome, "profile " + r.Profile.Value}
	} else {
		home = Value{in.Base, SourceDefault}
	}
	r.Home = home

	fromProfile := func(key, def string) (Value, error) {
		v, ok, err := given(key)
		switch {
		case err != nil:
			return Value{}, err
		case ok:
			return v, nil
		case prof.Get(key) != "":
			return Value{prof.Get(key), "profile " + r.Profile.Value}, nil
		}
		return Value{def, SourceDefault}, nil
	}
	if r.Node, err = fromProfile(Node, DefaultNode); err != nil {
		return r, err
	}
	if r.Node.Source == SourceDefault && in.HomeNode != nil {
		if a, err := in.HomeNode(r.Home.Value); err == nil && a != "" {
			r.Node = Value{a, SourceHomeConfig}
		}
	}
	if r.Key, err = fromProfile(Key, in.Defaults.Key); err != nil {
		return r, err
	}
	if r.Trust, err = fromProfile(Trust, ""); err != nil {
		return r, err
	}
	if r.Trust.Source == "profile "+r.Profile.Value && r.Node.Source != r.Trust.Source {
		// A profile's trust root is of its own node's chain.
		r.Trust = Value{"", SourceDefault}
	}
	if r.Miner, err = fromProfile(Miner, in.Defaults.Miner); err != nil {
		return r, err
	}
	return r, nil
}

// Select returns the selected profile's name: flag (--profile) when not
// empty, else CELL_PROFILE read with getenv (nil reads none), else the
// active profile. It does not check that the profile exists.
func (f *File) Select(flag string, getenv func(string) string) Value {
	switch {
	case flag != "":
		return Value{flag, "flag --profile"}
	case getenv != nil && getenv(EnvProfile) != "":
		return Value{getenv(EnvProfile), "env " + EnvProfile}
	case f.Profile != "":
		return Value{f.Profile, SourceFile}
	}
	return Value{DefaultProfile, SourceDefault}
}

// expand replaces a leading "~" of path with userHome.
func expand(path, userHome string) string {
	if userHome == "" {
		return path
	}
	if path == "~" {
		return userHome
	}
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		return filepath.Join(userHome, rest)
	}
	return path
}

// samePath says whether a and b name the same directory, as far as their
// absolute, cleaned forms tell.
func samePath(a, b string) bool {
	if x, err := filepath.Abs(a); err == nil {
		a = x
	}
	if x, err := filepath.Abs(b); err == nil {
		b = x
	}
	return a == b
}
