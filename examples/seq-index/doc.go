// Command seq-index is the Celltonomy example service "seq-index": a k-mer
// index of phage λ (examples/data/lambda.fa, 48,502 bp, held in the
// package filesystem at /lambda.fa) that answers where a sequence, such as
// a PCR primer, binds. It is a service package: a WASI reactor (sdk/service)
// that a node keeps running, so the index, built from the genome on the
// first call, stays in memory for every later call of the instance.
//
//	make examples                                  # builds seq-index.wasm, copies lambda.fa
//	cell service start examples/seq-index --blocks 600 --max-price 200000
//	echo '{"sequences":["TCCGTGGTGGCACAGAGTAC"]}' | cell service call ORDER --port 1 --data -
//
// examples/primer-design starts it as its child through the node's
// gateway, to reject primers that bind λ more than once.
//
// # The index and the binding rule
//
// Every K-mer (K = 12 nt) of the genome is indexed on both strands: the
// top strand's K-mer at each position and its reverse complement (the
// bottom strand's, read 5'→3'), as sorted 64-bit entries (2 bits a base,
// strand, position; about 97,000 entries, 0.8 MB for λ). K-mers with a
// letter other than A, C, G, T are left out.
//
// A query binds where its 3'-end K-mer matches exactly, extended to the
// whole query, which must match exactly too: the 3' end is where a
// polymerase extends, and runtime/labsim's PCR model, like this index,
// only counts exact matches of the whole primer. So the sites are exactly
// the exact occurrences of the query on the top strand ("+") and of its
// reverse complement on the top strand ("-").
//
// # Slots
//
// Port 1 (protocol seq-index/1): the request is JSON
//
//	{"sequences": ["TCCGTGGTGGCACAGAGTAC", ...]}
//
// 1 to 1,024 sequences of 12 to 64 nt of upper-case A, C, G, T, at most
// 64 KiB. The answer is, per sequence in order, its sites, in top-strand
// order, at most 64 (then "more": true):
//
//	{"k": 12, "length": 48502, "results": [
//	  {"sequence": "TCCGTGGTGGCACAGAGTAC", "sites": [{"start": 20001, "end": 20020, "strand": "+"}]}]}
//
// start and end are 1-based inclusive top-strand coordinates of the bases
// the query pairs with; on "+" the query's 5' end is at start, on "-" at
// end. A bad request is an error response naming the field and the rule
// (e.g. "sequences[3]: length 9 nt, want 12 to 64").
//
// Port 2 (protocol seq-index-info/1): any request; the answer is the
// genome's id and length, K, the number of entries, and the builds and
// calls of this instance (builds stays 1: the index is kept across calls).
package main
