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

# A short run of every fuzz target, as a smoke test: every func Fuzz… of
# every _test.go file, found in the source so that none is left out.
FUZZTIME ?= 10s
fuzz-smoke:
	@for f in $$(grep -rl --include='*_test.go' '^func Fuzz' . | sort); do \
		d=$$(dirname $$f); \
		for t in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/p' $$f); do \
			echo "$(GO) test $$d -run '^$$' -fuzz '^$$t$$' -fuzztime $(FUZZTIME)"; \
			$(GO) test $$d -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) || exit 1; \
		done; \
	done

bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x ./examples/digest ./examples/digest-c ./examples/digest-rust ./runtime/wasm ./runtime/labsim

clean:
	rm -rf bin examples/*/*.wasm *.cellpkg
