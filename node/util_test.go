package node

import (
	"encoding/json"
	"testing"
)

func jsonRoundTrip(t *testing.T, v any) ([]byte, error) {
	t.Helper()
	return json.Marshal(v)
}
