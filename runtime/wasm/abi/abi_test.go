package abi_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/celltonomy/celltonomy/runtime/wasm/abi"
)

// TestCodes pins the code table: codes are never renumbered, and an error
// survives the trip host → code → guest.
func TestCodes(t *testing.T) {
	for _, tc := range []struct {
		code int32
		err  error
	}{
		{-1, abi.ErrNoGateway},
		{-2, abi.ErrDepthExceeded},
		{-3, abi.ErrCycle},
		{-4, abi.ErrBudgetExhausted},
		{-5, abi.ErrNetworkNotDeclared},
		{-6, abi.ErrUnknownService},
		{-7, abi.ErrPeerFailed},
		{-8, abi.ErrChildFailed},
		{-9, abi.ErrBadRequest},
		{-10, abi.ErrMemoryLimit},
		{-11, abi.ErrNoResult},
		{-12, abi.ErrTooLarge},
		{-13, abi.ErrInternal},
	} {
		wrapped := fmt.Errorf("start child 1234: %w", tc.err)
		if got := abi.Code(wrapped); got != tc.code {
			t.Errorf("Code(%v) = %d, want %d", wrapped, got, tc.code)
		}
		if got := abi.Err(tc.code); got != tc.err {
			t.Errorf("Err(%d) = %v, want %v", tc.code, got, tc.err)
		}
	}
	if abi.Code(errors.New("disk full")) != abi.CodeInternal || abi.Code(nil) != abi.CodeInternal {
		t.Error("an unknown error is not CodeInternal")
	}
	if abi.Err(-1000) != abi.ErrInternal {
		t.Error("an unknown code is not ErrInternal")
	}
}
