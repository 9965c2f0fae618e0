//go:build wasip1

package service

import "unsafe"

// request is the buffer of the request being served (cell_alloc);
// response and failure keep the last response alive until the host has
// copied it.
var request, response []byte

//go:wasmexport cell_alloc
func cellAlloc(size int32) int32 {
	request = make([]byte, size)
	return ptr(request)
}

//go:wasmexport cell_handle
func cellHandle(port, p, size int32) int64 {
	req := request
	request = nil
	if size < 0 || p != ptr(req) || int(size) > len(req) {
		req = nil // the host broke the ABI; answer with an error
		response = []byte("request buffer not from cell_alloc")
		return -pack(response)
	}
	resp, err := Serve(port, req[:size])
	if err != nil {
		response = []byte(err.Error())
		return -pack(response)
	}
	response = resp
	return pack(response)
}

func ptr(b []byte) int32 {
	if len(b) == 0 {
		return 0
	}
	return int32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
}

func pack(b []byte) int64 { return int64(uint32(ptr(b)))<<32 | int64(uint32(len(b))) }

//go:wasmimport cell child_start
func cellChildStart(idPtr unsafe.Pointer, idLen int32) int64

//go:wasmimport cell child_call
func cellChildCall(handle int64, port int32, reqPtr unsafe.Pointer, reqLen int32) int64

//go:wasmimport cell child_result
func cellChildResult(bufPtr unsafe.Pointer, bufLen int32) int32

//go:wasmimport cell child_stop
func cellChildStop(handle int64) int32

//go:wasmimport cell net_peers
func cellNetPeers(namePtr unsafe.Pointer, nameLen int32) int64

func childStart(id []byte) int64 {
	return cellChildStart(unsafe.Pointer(unsafe.SliceData(id)), int32(len(id)))
}

func childCall(h int64, port int32, req []byte) int64 {
	return cellChildCall(h, port, unsafe.Pointer(unsafe.SliceData(req)), int32(len(req)))
}

func childResult(buf []byte) int32 {
	return cellChildResult(unsafe.Pointer(unsafe.SliceData(buf)), int32(len(buf)))
}

func childStop(h int64) int32 { return cellChildStop(h) }

func netPeers(name string) int64 {
	return cellNetPeers(unsafe.Pointer(unsafe.StringData(name)), int32(len(name)))
}
