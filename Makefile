# Celltonomy build targets. `make` builds the cell binary and the example
# packages; `make check` is what CI runs.

GO ?= go

.PHONY: all demo cell examples generate check-generated fmt-check vet test fuzz-smoke bench clean

all: cell examples

# The main jobs end to end: a fresh devnet orders the digest of phage λ as a
# compute package and as a lab protocol run by its simulated bot.
demo: all
	bin/cell demo

# The cell binary, in bin/.
cell:
	$(GO) build -o bin/cell ./cmd/cell

# WebAssembly modules of the example packages (e.g. examples/digest/digest.wasm).
examples:
	$(GO) generate ./examples/...

# Regenerate the protobuf Go code (needs protoc: apt-get install protobuf-compiler).
generate:
	$(GO) generate ./spec ./ledger

# Fail if the committed generated code differs from what the schema gives.
check-generated: generate
	git diff --exit-code -- spec/specpb ledger/ledgerpb || { echo "generated protobuf code is stale: run 'make generate' and commit" >&2; exit 1; }

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:" >&2; echo "$$out" >&2; exit 1; fi

vet:
	$(GO) vet ./...

# The test command of the README.
test:
	$(GO) test ./...

# A short run of every fuzz target, as a smoke test.
fuzz-smoke:
	$(GO) test ./spec -run '^$$' -fuzz FuzzDecodeSpec -fuzztime 10s
	$(GO) test ./spec -run '^$$' -fuzz FuzzDecodePackage -fuzztime 10s
	$(GO) test ./examples/digest -run '^$$' -fuzz FuzzReadFASTA -fuzztime 10s
	$(GO) test ./ledger/app -run '^$$' -fuzz FuzzTx -fuzztime 10s
	$(GO) test ./ledger/app -run '^$$' -fuzz FuzzSignedBody -fuzztime 10s
	$(GO) test ./ledger/app -run '^$$' -fuzz FuzzVerifierRevealVerdict -fuzztime 10s
	$(GO) test ./node -run '^$$' -fuzz FuzzParseInputs -fuzztime 10s
	$(GO) test ./cmd/cell/cli -run '^$$' -fuzz FuzzParseProposal -fuzztime 10s
	$(GO) test ./nodeapi -run '^$$' -fuzz FuzzVerify -fuzztime 10s
	$(GO) test ./reputation/replayfile -run '^$$' -fuzz FuzzParse -fuzztime 10s
	$(GO) test ./protocol -run '^$$' -fuzz FuzzParse -fuzztime 10s
	$(GO) test ./protocol -run '^$$' -fuzz FuzzFill -fuzztime 10s
	$(GO) test ./protocol -run '^$$' -fuzz FuzzBotSpecParse -fuzztime 10s
	$(GO) test ./runtime/labsim -run '^$$' -fuzz FuzzRun -fuzztime 10s
	$(GO) test ./node/bot -run '^$$' -fuzz FuzzParseLabelText -fuzztime 10s
	$(GO) test ./runtime/botlog -run '^$$' -fuzz FuzzDecode -fuzztime 10s
	$(GO) test ./reputation/patricia -run '^$$' -fuzz FuzzVerify -fuzztime 10s
	$(GO) test ./miner/proofapi -run '^$$' -fuzz FuzzVerifyReputation -fuzztime 10s
	$(GO) test ./runtime/protopkg -run '^$$' -fuzz FuzzLoad -fuzztime 10s

bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x ./examples/digest ./runtime/wasm ./runtime/labsim

clean:
	rm -rf bin examples/*/*.wasm *.cellpkg
