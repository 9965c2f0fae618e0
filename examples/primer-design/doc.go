// Command primer-design is the Celltonomy example service "primer-design":
// for a target region of phage λ it designs PCR primer pairs whose product
// spans the region, rejects primers that bind λ anywhere else by asking its
// child service seq-index (examples/seq-index) through the node's gateway,
// and returns the pairs with their amplicon sizes, each also in the form
// "FORWARD=… REVERSE=…" that the protocol package
// examples/protocols/lambda-pcr takes unchanged. It is a service package:
// a WASI reactor (sdk/service) that a node keeps running; λ (the package
// file /lambda.fa, a copy of examples/data/lambda.fa) is read on the first
// call and the seq-index child, once started, is kept for later calls, so
// its index is built once.
//
//	make examples
//	cell service start examples/primer-design --blocks 600 --max-price 200000
//	echo '{"start": 20200, "end": 20800, "index": "<seq-index id>"}' | cell service call ORDER --port 1 --data -
//
// # The child
//
// The seq-index child is named by its service id (the package id, 64 hex
// digits): the request's "index" field or else the environment variable
// SEQ_INDEX, declared in the spec as the parameter SEQ_INDEX (an order's
// parameter; `cell service start` sets none, so from the CLI give the
// request's field). The node fetches the child by that id from the
// registry, runs it in the parent's memory, and stops it with the parent.
//
// # The design
//
// Coordinates are 1-based inclusive on λ's top strand. For the region
// start..end:
//
//   - forward candidates are every primer of min_length..max_length nt on
//     the top strand ending before start and starting no more than window
//     bp before it; reverse candidates the reverse complements of every
//     stretch starting after end and ending no more than window bp after
//     it;
//   - each candidate's Tm (bio/oligo.TmMC, OligoCalc's basic formula, the
//     one runtime/labsim's PCR model uses) must lie in min_tm..max_tm °C —
//     at least 50 °C: lambda-pcr anneals at 55 °C and the model lets a
//     primer anneal at most 5 °C above its Tm — and its GC content in
//     min_gc..max_gc %;
//   - seq-index then returns each candidate's exact binding sites on both
//     strands (3'-end 12-mer, extended to the whole primer); a candidate
//     with any site but its own is rejected (listed in "rejected");
//   - a pair is a kept forward and reverse primer whose Tms differ by at
//     most max_tm_diff °C and whose amplicon (from the forward's start to
//     the reverse's end, both included) is at most max_amplicon bp
//     (lambda-pcr extends 90 s at 1 kb/min: 1,500 bp). Pairs come smallest amplicon first (then the closer Tms,
//     then position), at most pairs of them.
//
// Since each primer of a pair binds λ exactly once, the simulated PCR of
// lambda-pcr makes exactly one product, of the amplicon size.
//
// # Slot 1 (protocol primer-design/1)
//
// The request is JSON, at most 4 KiB; fields other than start and end are
// optional and default to
//
//	{"start": 20200, "end": 20800, "min_length": 18, "max_length": 24,
//	 "min_tm": 52, "max_tm": 62, "max_tm_diff": 5, "min_gc": 40, "max_gc": 60,
//	 "window": 200, "max_amplicon": 1500, "pairs": 5, "index": "<hex id>"}
//
// with bounds: lengths 14–40 nt (lambda-pcr's), window up to 1,000 bp, the
// region plus two primers within max_amplicon, pairs 1–50. A bad request
// is an error response naming the field and the rule, e.g. "min_tm: 45 °C,
// want at least 50 (lambda-pcr anneals at 55 °C)".
//
// The answer (indented JSON) repeats the request with its defaults, counts
// the candidates, lists the rejected primers and their number of sites,
// and the pairs:
//
//	{"pairs": [{
//	   "forward": {"sequence": "AGCAAAGGCCACTGAAGCG", "start": 20180, "end": 20198, "strand": "+", "tm_mc": 53247, "gc_permille": 578},
//	   "reverse": {"sequence": "GTTCGTTTCATCCATTACCACCT", "start": 20803, "end": 20825, "strand": "-", "tm_mc": 53491, "gc_permille": 434},
//	   "amplicon_bp": 646,
//	   "params": "FORWARD=AGCAAAGGCCACTGAAGCG REVERSE=GTTCGTTTCATCCATTACCACCT"}, …]}
//
// tm_mc is in m°C, gc_permille in ‰.
package main
