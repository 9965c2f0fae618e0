//go:build !wasip1

package service

import "github.com/celltonomy/celltonomy/runtime/wasm/abi"

// Outside WebAssembly there is no gateway: every call fails with
// abi.CodeNoGateway.

func childStart([]byte) int64              { return int64(abi.CodeNoGateway) }
func childCall(int64, int32, []byte) int64 { return int64(abi.CodeNoGateway) }
func childResult([]byte) int32             { return abi.CodeNoGateway }
func childStop(int64) int32                { return abi.CodeNoGateway }
func netPeers(string) int64                { return int64(abi.CodeNoGateway) }
