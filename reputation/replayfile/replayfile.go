// Package replayfile reads the JSON input of `cell rep replay` — a skill
// tree and the reputation update logs of consecutive cycles — replays it
// with package reputation, and formats the result as JSON or text. It
// does no I/O: the caller reads the file and prints the output.
//
// The input:
//
//	{
//	  "colony": "0x<40 hex>",
//	  "decay": {"numerator": "999679150010889", "denominator": "1000000000000000"},
//	  "skills": [{"id": 1, "parent": 0}, {"id": 2, "parent": 1}],
//	  "cycles": [{"log": [{"user": "0x<40 hex>", "amount": "-100", "skill": 2}]}]
//	}
//
// Skills are listed in creation order (ids 1, 2, 3, …; parent 0 = none).
// Users and the colony are 20-byte addresses, as 0x-prefixed hex or as
// bech32 "cell1…". Amounts are decimal integers, as strings or numbers;
// entries are appended with the rules of the update log (amount 0 and the
// zero user are skipped, amounts clamped to [−2^127, 2^127−1]) unless
// "minerReward" is true. "decay" is optional (default
// reputation.DefaultParams). Each cycle decays the previous cycle's state
// before its log; the first has nothing to decay.
package replayfile

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/btcsuite/btcd/btcutil/bech32"

	"github.com/celltonomy/celltonomy/reputation"
)

// Input is a parsed replay file.
type Input struct {
	// Colony every entry is in.
	Colony reputation.Address
	// Params are the decay parameters.
	Params reputation.Params
	// Skills is the skill tree, complete before the first cycle.
	Skills *reputation.SkillTree
	// Logs are the reputation update logs of the cycles, in order.
	Logs []reputation.Log
}

type fileJSON struct {
	Colony *string     `json:"colony"`
	Decay  *decayJSON  `json:"decay"`
	Skills []skillJSON `json:"skills"`
	Cycles []cycleJSON `json:"cycles"`
}

type decayJSON struct {
	Numerator   json.RawMessage `json:"numerator"`
	Denominator json.RawMessage `json:"denominator"`
}

type skillJSON struct {
	ID     json.RawMessage `json:"id"`
	Parent json.RawMessage `json:"parent"`
}

type cycleJSON struct {
	Log []entryJSON `json:"log"`
}

type entryJSON struct {
	User        string          `json:"user"`
	Amount      json.RawMessage `json:"amount"`
	Skill       json.RawMessage `json:"skill"`
	MinerReward bool            `json:"minerReward"`
}

// maxDigits bounds the length of an amount: anything longer is far beyond
// the clamp and only costs time to parse.
const maxDigits = 100

// Parse parses a replay file. Errors name the field, e.g.
// `cycles[0].log[3].amount: "abc" is not a decimal integer`.
func Parse(data []byte) (*Input, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f fileJSON
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("replay file: %w", err)
	}
	if dec.More() {
		return nil, errors.New("replay file: data after the top-level object")
	}
	in := &Input{Params: reputation.DefaultParams(), Skills: &reputation.SkillTree{}}
	if f.Colony == nil {
		return nil, errors.New("colony: missing")
	}
	var err error
	if in.Colony, err = ParseAddress(*f.Colony); err != nil {
		return nil, fmt.Errorf("colony: %w", err)
	}
	if f.Decay != nil {
		if in.Params.DecayNumerator, err = parseUint(f.Decay.Numerator); err != nil {
			return nil, fmt.Errorf("decay.numerator: %w", err)
		}
		if in.Params.DecayDenominator, err = parseUint(f.Decay.Denominator); err != nil {
			return nil, fmt.Errorf("decay.denominator: %w", err)
		}
		if err := in.Params.Validate(); err != nil {
			return nil, fmt.Errorf("decay: %w", err)
		}
	}
	for i, s := range f.Skills {
		id, err := parseUint(s.ID)
		if err != nil {
			return nil, fmt.Errorf("skills[%d].id: %w", i, err)
		}
		if id != uint64(i)+1 {
			return nil, fmt.Errorf("skills[%d].id: %d, want %d: list skills in creation order from 1", i, id, i+1)
		}
		var parent uint64
		if s.Parent != nil {
			if parent, err = parseUint(s.Parent); err != nil {
				return nil, fmt.Errorf("skills[%d].parent: %w", i, err)
			}
		}
		if parent >= id {
			return nil, fmt.Errorf("skills[%d].parent: %d is not an earlier skill", i, parent)
		}
		if _, err := in.Skills.Add(parent); err != nil {
			return nil, fmt.Errorf("skills[%d]: %w", i, err)
		}
	}
	for c, cycle := range f.Cycles {
		var log reputation.Log
		for i, e := range cycle.Log {
			path := fmt.Sprintf("cycles[%d].log[%d]", c, i)
			user, err := ParseAddress(e.User)
			if err != nil {
				return nil, fmt.Errorf("%s.user: %w", path, err)
			}
			amount, err := parseInt(e.Amount)
			if err != nil {
				return nil, fmt.Errorf("%s.amount: %w", path, err)
			}
			skill, err := parseUint(e.Skill)
			if err != nil {
				return nil, fmt.Errorf("%s.skill: %w", path, err)
			}
			if _, ok := in.Skills.Skill(skill); !ok {
				return nil, fmt.Errorf("%s.skill: %d is not in skills", path, skill)
			}
			if e.MinerReward {
				err = log.AppendMinerReward(in.Skills, in.Colony, user, skill, amount)
			} else {
				_, err = log.Append(in.Skills, in.Colony, user, skill, amount)
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
		}
		in.Logs = append(in.Logs, log)
	}
	return in, nil
}

// ParseAddress parses a 20-byte address written as "0x" and 40 hex digits
// or as bech32 with the prefix "cell".
func ParseAddress(s string) (reputation.Address, error) {
	var a reputation.Address
	if h, ok := strings.CutPrefix(s, "0x"); ok {
		b, err := hex.DecodeString(h)
		if err != nil || len(b) != reputation.AddressSize {
			return a, fmt.Errorf("%q is not 0x and 40 hex digits", s)
		}
		return reputation.Address(b), nil
	}
	hrp, b, err := bech32.DecodeToBase256(s)
	if err != nil || hrp != "cell" || len(b) != reputation.AddressSize {
		return a, fmt.Errorf("%q is neither 0x and 40 hex digits nor a cell1… bech32 address", s)
	}
	return reputation.Address(b), nil
}

// number returns the text of a JSON number or string.
func number(raw json.RawMessage) (string, error) {
	if raw == nil {
		return "", errors.New("missing")
	}
	s := string(raw)
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
	}
	return s, nil
}

func parseUint(raw json.RawMessage) (uint64, error) {
	s, err := number(raw)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number below 2^64", s)
	}
	return v, nil
}

func parseInt(raw json.RawMessage) (*big.Int, error) {
	s, err := number(raw)
	if err != nil {
		return nil, err
	}
	v, ok := new(big.Int), false
	if len(s) <= maxDigits {
		_, ok = v.SetString(s, 10)
	}
	if !ok {
		return nil, fmt.Errorf("%q is not a decimal integer of at most %d digits", s, maxDigits)
	}
	return v, nil
}

// Output is the result of a replay, as `cell rep replay --output json`
// prints it.
type Output struct {
	Cycles []Cycle `json:"cycles"`
}

// Cycle is the state after one cycle: what a miner submits (root,
// nLeaves, JRH) and every leaf.
type Cycle struct {
	// Root is the reputation root, 0x and 64 hex digits.
	Root string `json:"root"`
	// NLeaves is the number of leaves, the highest UID.
	NLeaves uint64 `json:"nLeaves"`
	// JRH is the justification root hash, 0x and 64 hex digits.
	JRH string `json:"jrh"`
	// Leaves in UID order.
	Leaves []Leaf `json:"leaves"`
}

// Leaf is one leaf of the reputation tree.
type Leaf struct {
	UID   uint64 `json:"uid"`
	Skill uint64 `json:"skill"`
	// User is 0x and 40 hex digits; all zeros for the colony-wide total.
	User string `json:"user"`
	// Amount is the reputation, a decimal integer.
	Amount string `json:"amount"`
}

// Replay replays every cycle of in from an empty state. Errors are those
// of reputation.Replay.
func Replay(in *Input) (*Output, error) {
	out := &Output{Cycles: []Cycle{}}
	state := reputation.NewState()
	for c, log := range in.Logs {
		res, err := reputation.Replay(state, in.Skills, in.Params, log)
		if err != nil {
			return nil, fmt.Errorf("cycle %d: %w", c, err)
		}
		state = res.State
		jrh := res.Justification.Root()
		cy := Cycle{Root: "0x" + hex.EncodeToString(res.Root[:]), NLeaves: res.NLeaves, JRH: "0x" + hex.EncodeToString(jrh[:]), Leaves: []Leaf{}}
		for _, l := range state.Leaves() {
			cy.Leaves = append(cy.Leaves, Leaf{UID: l.UID, Skill: l.Key.Skill, User: "0x" + hex.EncodeToString(l.Key.User[:]), Amount: l.Reputation.String()})
		}
		out.Cycles = append(out.Cycles, cy)
	}
	return out, nil
}

// Text returns o as a table per cycle, for people.
func (o *Output) Text() string {
	var b strings.Builder
	for c, cy := range o.Cycles {
		if c > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "cycle %d\n  root     %s\n  nLeaves  %d\n  jrh      %s\n", c, cy.Root, cy.NLeaves, cy.JRH)
		fmt.Fprintf(&b, "  %6s  %6s  %-42s  %s\n", "uid", "skill", "user", "reputation")
		for _, l := range cy.Leaves {
			user := l.User
			if strings.Trim(user[2:], "0") == "" {
				user = "(colony-wide)"
			}
			fmt.Fprintf(&b, "  %6d  %6d  %-42s  %s\n", l.UID, l.Skill, user, l.Amount)
		}
	}
	return b.String()
}
