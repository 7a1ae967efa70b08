# childmatch: `make run` and `make test` install what is missing, then run or test. Every step is skipped
# when its result is already there.
SHELL := /bin/bash
GO := $(shell scripts/install-go.sh 2>/dev/null || echo go)
export CHILDMATCH_MODELS_DIR ?= $(CURDIR)/models
export CHILDMATCH_MINIO_BIN ?= $(CURDIR)/bin/minio
# Where the shared test photos are; tests find them there by default.
FACES ?= $(abspath ../shared/testdata/faces)

.PHONY: run test bench eval packages models minio build clean

run: packages models minio build
	scripts/run.sh

test: packages models minio
	$(GO) vet ./...
	$(GO) test -race -count=1 ./index/... ./minio/...
	$(GO) test -count=1 -timeout 25m ./...

bench: packages models minio
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 20x ./index/ ./matcher/

eval: packages models build
	bin/childmatch eval --data $(FACES) --out bench/out/eval

packages:
	@scripts/install-packages.sh

models: packages
	@scripts/fetch-models.sh

minio: packages
	@GO=$(GO) scripts/build-minio.sh

build: packages
	$(GO) build -o bin/childmatch ./cmd/childmatch

clean:
	rm -rf bin/childmatch
