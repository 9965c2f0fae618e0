package replayfile

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/reputation"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestExample1Golden replays reputation.md example 1 (OTHER is 0x…0a,
// WORKER 0x…0b) and compares the JSON output with
// testdata/example1.golden.json; -update rewrites it.
func TestExample1Golden(t *testing.T) {
	data, err := os.ReadFile("testdata/example1.json")
	if err != nil {
		t.Fatal(err)
	}
	in, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Replay(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	const golden = "testdata/example1.golden.json"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("output differs from %s (run with -update to accept):\n%s", golden, got)
	}
	// The values of reputation.md example 1.
	values := map[string]string{}
	for _, l := range out.Cycles[0].Leaves {
		values[l.User[len(l.User)-2:]+"/"+itoa(l.Skill)] = l.Amount
	}
	for key, want := range map[string]string{
		"0b/6": "100", "0b/5": "100", "0a/6": "0", "0a/5": "900", "0a/1": "1900",
		"00/6": "100", "00/5": "1000", "00/1": "2000",
	} {
		if values[key] != want {
			t.Errorf("%s = %q, want %s", key, values[key], want)
		}
	}
	text := out.Text()
	for _, want := range []string{"cycle 0", out.Cycles[0].Root, out.Cycles[0].JRH, "(colony-wide)", "0x000000000000000000000000000000000000000a"} {
		if !strings.Contains(text, want) {
			t.Errorf("text output lacks %q:\n%s", want, text)
		}
	}
}

func itoa(n uint64) string { return string(rune('0' + n)) }

func TestTwoCyclesDecayAndBech32(t *testing.T) {
	const src = `{"colony": "0x0000000000000000000000000000000000000001",
	  "decay": {"numerator": 1, "denominator": "2"},
	  "skills": [{"id": 1}],
	  "cycles": [
	    {"log": [{"user": "%s", "amount": 1000, "skill": 1}]},
	    {"log": [{"user": "0x0000000000000000000000000000000000000000", "amount": "0", "skill": 1, "minerReward": true}]}
	  ]}`
	// cell1 bech32 of 20 bytes 0x01…0x14.
	user := "cell1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5djys79"
	in, err := Parse([]byte(strings.Replace(src, "%s", user, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if in.Logs[0][0].User != (reputation.Address{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}) {
		t.Fatalf("user = %x", in.Logs[0][0].User)
	}
	out, err := Replay(in)
	if err != nil {
		t.Fatal(err)
	}
	c := out.Cycles[1]
	// The user's 1000 halves to 500, as does the colony-wide total; the
	// miner reward of 0 to the zero user adds 0 to the colony-wide total twice.
	if c.NLeaves != 2 || c.Leaves[0].Amount != "500" || c.Leaves[1].Amount != "500" {
		t.Fatalf("cycle 1 = %+v", c)
	}
}

func TestParseErrors(t *testing.T) {
	const okSkills = `"skills": [{"id": 1, "parent": 0}, {"id": 2, "parent": 1}]`
	tests := []struct{ src, want string }{
		{`{`, "replay file:"},
		{`{"colony": "0x01"}`, `colony: "0x01" is not 0x and 40 hex digits`},
		{`{"skills": []}`, "colony: missing"},
		{`{"colony": "0x0000000000000000000000000000000000000001", "extra": 1}`, "unknown field"},
		{`{"colony": "0x0000000000000000000000000000000000000001", "skills": [{"id": 2}]}`, "skills[0].id: 2, want 1"},
		{`{"colony": "0x0000000000000000000000000000000000000001", "skills": [{"id": 1, "parent": 1}]}`, "skills[0].parent: 1 is not an earlier skill"},
		{`{"colony": "0x0000000000000000000000000000000000000001", "skills": [{"id": "x"}]}`, `skills[0].id: "x" is not a whole number`},
		{`{"colony": "0x0000000000000000000000000000000000000001", "decay": {"numerator": 3, "denominator": 2}}`, "decay:"},
		{`{"colony": "0x0000000000000000000000000000000000000001", ` + okSkills + `, "cycles": [{"log": [
			{"user": "0x0000000000000000000000000000000000000002", "amount": "1", "skill": 2},
			{"user": "0x0000000000000000000000000000000000000002", "amount": "abc", "skill": 2}]}]}`,
			`cycles[0].log[1].amount: "abc" is not a decimal integer`},
		{`{"colony": "0x0000000000000000000000000000000000000001", ` + okSkills + `, "cycles": [{"log": [
			{"user": "bob", "amount": "1", "skill": 2}]}]}`, `cycles[0].log[0].user: "bob" is neither`},
		{`{"colony": "0x0000000000000000000000000000000000000001", ` + okSkills + `, "cycles": [{}, {"log": [
			{"user": "0x0000000000000000000000000000000000000002", "amount": "1", "skill": 3}]}]}`, "cycles[1].log[0].skill: 3 is not in skills"},
		{`{"colony": "0x0000000000000000000000000000000000000001", ` + okSkills + `, "cycles": [{"log": [
			{"user": "0x0000000000000000000000000000000000000002", "amount": "1"}]}]}`, "cycles[0].log[0].skill: missing"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.src))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%.60s…) = %v, want an error containing %q", tt.src, err, tt.want)
		}
	}
}

// FuzzParse checks that no input makes Parse or Replay panic, and that
// whatever parses also replays.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("testdata/example1.json"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"colony": "0x0000000000000000000000000000000000000001", "skills": [{"id": 1}, {"id": 2, "parent": 1}], "cycles": [{"log": [{"user": "0x0000000000000000000000000000000000000002", "amount": "-5", "skill": 1}]}, {}]}`))
	f.Add([]byte(`{"colony": "cell1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5djys79", "decay": {"numerator": 0, "denominator": 1}, "cycles": [{"log": []}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := Parse(data)
		if err != nil {
			return
		}
		if in.Skills.Len() > 200 || len(in.Logs) > 20 {
			return // keep each input fast
		}
		out, err := Replay(in)
		if err != nil {
			t.Fatalf("parsed input does not replay: %v", err)
		}
		if len(out.Cycles) != len(in.Logs) {
			t.Fatalf("%d cycles out of %d", len(out.Cycles), len(in.Logs))
		}
		out.Text()
	})
}
