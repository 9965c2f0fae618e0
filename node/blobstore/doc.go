// Package blobstore keeps content-addressed blobs on a node's disk, serves
// them over HTTP and fetches them from other nodes.
//
// A blob is any byte string, named by the SHA-256 of its bytes
// (ARCHITECTURE.md: "Blobs: content-addressed (SHA-256), stored on disk by
// each node, transferred over HTTP, always verified against the hash before
// use"). A .cellpkg file is a blob; note that its blob hash (SHA-256 of the
// file) is not its package id (SHA3-256 of the spec, spec.ID).
//
// # Layout on disk
//
// Open(dir) uses two subdirectories of dir:
//
//	dir/sha256/ab/abcdef…   one file per blob, named by the 64 lowercase hex
//	                        digits of its hash, fanned out by the first byte
//	dir/tmp/                blobs being written; emptied by Open
//
// A directory belongs to one Store at a time: Open removes whatever is left
// in dir/tmp by an earlier process.
//
// # Guarantees
//
//   - A file under dir/sha256 is complete and was hashed while it was
//     written: Put streams into dir/tmp while hashing, fsyncs the file,
//     renames it into place and fsyncs the directory. A crash leaves either
//     no blob or the whole blob, never a partial one under its name.
//   - Put is idempotent, and concurrent Puts of the same content end with
//     one file.
//   - PutExpect stores nothing when the content's hash is not the expected
//     one, so a lying server cannot plant a blob under a hash.
//   - Every write is bounded by the store's size limit (WithMaxSize), or a
//     lower limit of its own (PutLimit), and stops reading as soon as the
//     limit is passed; memory does not grow with a blob's size.
//   - Stores that share a Quota (WithQuota) hold at most its bytes
//     together, blobs being written included (ErrQuota).
//   - Bytes on disk can still rot: Verify rehashes a blob, and
//     WithVerifyOnRead makes every Open rehash before returning.
//   - A blob's modification time is its last use (stored, put again,
//     Touch): garbage collection removes a blob only if it was not used
//     since a given time (DeleteUnusedSince), ordered with the Puts, so
//     that it never removes a blob a Put just returned.
//
// # Use
//
//  1. s, err := blobstore.Open(filepath.Join(home, "blobs"))
//  2. Store: sum, size, err := s.Put(r); or s.PutExpect(r, sum) when the
//     hash is known in advance.
//  3. Serve: mux.Handle("/v1/blobs/", blobstore.Handler(s)) answers
//     GET and HEAD /v1/blobs/{sha256 hex}, with ranges.
//  4. Fetch from other nodes: blobstore.Fetch(ctx, client, urls, sum, s,
//     opts), with a size cap, a time limit per location and a rate floor
//     (FetchOptions), or blobstore.FetchPackage to also decode a .cellpkg
//     and check its package id and envelope against the registry's.
//  5. Collect: Stat and List to choose, DeleteUnusedSince to remove.
package blobstore
