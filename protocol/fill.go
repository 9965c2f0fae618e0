package protocol

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Limits on template parameters.
const (
	// MaxParams bounds the parameters passed to Fill.
	MaxParams = 100
	// MaxParamBytes bounds one parameter's value, in bytes.
	MaxParamBytes = 4096
)

// Fill replaces every "{{NAME}}" placeholder in the string values of a
// protocol template with params[NAME], JSON-escaped, and returns the
// filled document. NAME is [A-Za-z_][A-Za-z0-9_]*; a placeholder may be
// the whole string or part of it ("{{ENZYME}}-buffer"). It is
// deterministic: the output depends only on the template and the map's
// contents. It returns an error (matching ErrInvalid) when the template is
// over MaxProtocolBytes or not valid JSON (a placeholder outside a string
// value makes it so: only string values may be placeholders), a "{{" in a
// string is not a well-formed placeholder, a placeholder's parameter is missing (the error names it),
// a parameter is not used by the template (refused, naming them all, so a
// misspelt name is caught rather than silently ignored), there are more
// than MaxParams parameters or a value is over MaxParamBytes.
func Fill(template []byte, params map[string]string) ([]byte, error) {
	if len(template) > MaxProtocolBytes {
		return nil, fieldErr("template", "%d bytes, over the limit of %d", len(template), MaxProtocolBytes)
	}
	if !json.Valid(template) {
		return nil, fieldErr("template", "not valid JSON")
	}
	if len(params) > MaxParams {
		return nil, fieldErr("params", "%d parameters, over the limit of %d", len(params), MaxParams)
	}
	var out bytes.Buffer
	used := map[string]bool{}
	inString := false
	for i := 0; i < len(template); i++ {
		c := template[i]
		switch {
		case inString && c == '\\':
			out.WriteByte(c)
			i++
			out.WriteByte(template[i]) // valid JSON: an escape has a next byte
			continue
		case c == '"':
			inString = !inString
		case inString && c == '{' && i+1 < len(template) && template[i+1] == '{':
			end := bytes.Index(template[i:], []byte("}}"))
			if end < 0 {
				return nil, fieldErr("template", "unterminated placeholder at byte %d", i)
			}
			name := string(template[i+2 : i+end])
			if !validParamName(name) {
				return nil, fieldErr("template", "placeholder %q at byte %d: want {{NAME}} with NAME [A-Za-z_][A-Za-z0-9_]*", truncate(template[i:i+end+2]), i)
			}
			val, ok := params[name]
			if !ok {
				return nil, fieldErr("params."+name, "missing: the template uses {{%s}}", name)
			}
			if len(val) > MaxParamBytes {
				return nil, fieldErr("params."+name, "%d bytes, over the limit of %d", len(val), MaxParamBytes)
			}
			esc, _ := json.Marshal(val)
			out.Write(esc[1 : len(esc)-1])
			used[name] = true
			i += end + 1
			continue
		}
		out.WriteByte(c)
	}
	var unused []string
	for _, name := range sortedKeys(params) {
		if !used[name] {
			unused = append(unused, name)
		}
	}
	if len(unused) > 0 {
		return nil, fieldErr("params", "not used by the template: %s", strings.Join(unused, ", "))
	}
	if out.Len() > MaxProtocolBytes {
		return nil, fieldErr("template", "filled document of %d bytes, over the limit of %d", out.Len(), MaxProtocolBytes)
	}
	return out.Bytes(), nil
}

// sortedKeys returns m's keys in sorted order without ranging over the map
// (internal/purity forbids it): encoding/json writes a map's keys sorted.
func sortedKeys(m map[string]string) []string {
	b, _ := json.Marshal(m)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.Token() // {
	keys := make([]string, 0, len(m))
	for dec.More() {
		k, _ := dec.Token()
		dec.Token() // the value
		keys = append(keys, k.(string))
	}
	return keys
}

func validParamName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i, c := range []byte(s) {
		letter := c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}
