package spec

import (
	"cmp"
	"slices"

	"github.com/celltonomy/celltonomy/spec/specpb"
)

// keyed is any key-value entry of the spec.
type keyed interface{ GetKey() string }

// LastValue returns the value of the last entry for key in a
// map<string, bytes> list, as a reader of a key-value list must
// (service-spec.md: "a reader takes the last entry for a key").
func LastValue(list []*specpb.BytesKeyValue, key string) ([]byte, bool) {
	i := lastIndex(list, key)
	if i < 0 {
		return nil, false
	}
	return list[i].GetValue(), true
}

func lastIndex[T keyed](list []T, key string) int {
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].GetKey() == key {
			return i
		}
	}
	return -1
}

// SortedKV returns a list with one entry per key, the last one given for
// each key, sorted by key in UTF-8 byte order: the form in which every
// key-value list is written (service-spec.md: "Key-value lists are written
// sorted by key, one entry per key").
func SortedKV[T keyed](list []T) []T {
	out := make([]T, 0, len(list))
	for i, e := range list {
		if lastIndex(list, e.GetKey()) == i {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b T) int { return cmp.Compare(a.GetKey(), b.GetKey()) })
	return out
}
