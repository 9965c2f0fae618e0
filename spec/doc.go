// Package spec defines Celltonomy packages: the CEL-AUT service
// specification (BOX, API, NET), the package envelope, their ids, their
// validation and the .cellpkg file that carries both.
//
// The contract is shared/specs/service-spec.md. In short:
//
//  1. A spec is a serialized celaut.Service (specpb.Service). Its bytes are
//     never re-serialized once received: Spec keeps the raw bytes and the
//     decoded message side by side, and unknown fields survive because the
//     protobuf runtime keeps them.
//  2. The service id, which is also the package id, is SHA3-256 over the raw
//     spec bytes (ServiceID). As a celaut.Hash it is tagged with the
//     algorithm's own digest of the empty input (SHA3256Tag).
//  3. Key-value lists are written sorted by key, one entry per key; a reader
//     takes the last entry for a key (LastValue).
//  4. The package filesystem lives in Container.filesystem as the raw bytes
//     of a serialized Filesystem. Tree decodes it, resolves links and serves
//     it as an io/fs.FS, which is how the WebAssembly runtime mounts it.
//  5. Validate and ValidateEnvelope report every problem they find, each as
//     a *FieldError naming the field and the rule, joined with errors.Join.
//  6. A Package is a spec plus its Envelope, stored in a .cellpkg file
//     (a specpb.PackageFile) by Encode and read back by DecodePackage.
//
// Building a package from a directory with a cell.toml manifest is the job of
// package spec/packer.
//
// Decisions the spec leaves open, taken here:
//
//   - Names in a directory must be non-empty, must not be "." or "..", and must
//     not contain '/', '\\' or NUL.
//   - A link's src is its target (nodo's reading): absolute from the package
//     root ("/a/b") or relative to the directory holding the link. dst, when
//     set, must be the link's own absolute path. Targets must exist inside
//     the package and resolution must end (no cycles); at most MaxLinkHops
//     links are followed.
//   - Init.entry_path is the program's path only: non-empty segments joined
//     by "/" (each may itself hold "/"), with no white space and no "." or
//     ".." element; it must resolve to a file. Fixed arguments are the
//     Init.xattrs entry ArgsXattr, a JSON array of strings.
//   - Per-entry metadata (ItemBranch.xattrs, MetadataKeys) is all seven
//     keys or none; the root xattr read_mode is "ro", "rw" or absent (= "rw")
//     and "ro" requires the metadata on every entry. Writers put each
//     ItemBranch's fields in field-number order (MarshalFilesystem).
//   - Sysresources benchmarks are field 99; field 6 is read as a fallback
//     (Benchmarks).
//   - A spec received from another node may hold nodo's block pointers;
//     DecodeReceived expands them (ExpandBlocks) and hashes the result.
//   - Known architectures are listed in Architectures; a compute package must
//     name wasm32-wasip1, a protocol package autoprotocol/1 with its
//     template protocol.json as entry path.
package spec
