package spec

// Regenerate the Go code of the protobuf schema in proto/ with
//
//	go generate ./spec
//
// It needs protoc (Debian's protobuf-compiler); protoc-gen-go is the
// version pinned in go.mod, run through `go tool`.
//go:generate sh -c "protoc --plugin=protoc-gen-go=$(go tool -n protoc-gen-go) -I proto --go_out=specpb --go_opt=module=github.com/celltonomy/celltonomy/spec/specpb celaut/celaut.proto celltonomy/pkg/v1/package.proto"
