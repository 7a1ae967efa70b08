# childmatch: `make run` and `make test` install what is missing, then run or test. Every step is skipped
# when its result is already there.
SHELL := /bin/bash
GO := $(shell scripts/install-go.sh 2>/dev/null || echo go)
export CHILDMATCH_MODELS_DIR ?= $(CURDIR)/models
export CHILDMATCH_MINIO_BIN ?= $(CURDIR)/bin/minio
# Where the shared test photos are; tests find them there by default.
FACES ?= $(abspath ../shared/testdata/faces)

.PHONY: run test bench levers load eval packages modules models minio onnx build clean

run: packages models minio build
	scripts/run.sh

# The tests, then short fuzz runs (about 10 s each here) of every JSON body and of the index snapshot reader;
# the corpus they grew on longer runs is kept in each package's testdata/fuzz (README: fuzzing). Their budgets
# are counts of executions, not durations: Go 1.26's fuzz coordinator can report its own -fuzztime deadline
# as a failure (golang/go#75804, fixed in Go 1.27), and a count has no deadline to race.
test: packages modules models minio onnx
	$(GO) vet ./...
	$(GO) test -race -count=1 ./index/... ./minio/...
	$(GO) test -count=1 -timeout 25m ./...
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeJSON$$' -fuzztime 150000x -fuzzminimizetime 1000x ./api/jsonbody/
	$(GO) test -run '^$$' -fuzz '^FuzzReadSnapshot$$' -fuzztime 40000x -fuzzminimizetime 1000x ./index/

# Go benchmarks of the index, JPEG decoding and encoding beside image/jpeg, the pipeline (resizing beside
# imaging), the proposals per found child, dedupe passes (in memory, and the command over a real MinIO, 20,000
# faces: about 4 minutes), the memory of hostile photos, uploads, searches under a flood of
# photos without a face, restarts, alert fan-outs, and the lists at 100,000 cases (README: Lists that scale), then
# enrolment and re-embedding side by side with Python's face_recognition (bench/results/enrol.md), 1,000 cases
# through childmatch import beside the pipeline's rate (bench/results/import.md), and the index beside FAISS and
# hnswlib (bench/results/index.md).
bench: packages modules models minio onnx
	$(GO) test -run '^$$' -bench 'BenchmarkSearch|BenchmarkAdd|BenchmarkSnapshot|BenchmarkFlatSearch' -benchtime 20x ./index/
	$(GO) test -run '^$$' -bench 'BenchmarkDecode|BenchmarkEncode' -benchtime 10x ./libjpeg/
	$(GO) test -run '^$$' -bench 'BenchmarkAnalyze|BenchmarkShrink|BenchmarkDecodeReduced|BenchmarkONNXEmbed|BenchmarkResNet' -benchtime 10x ./matcher/
	$(GO) test -run '^$$' -bench 'BenchmarkProposals' -benchtime 1x .
	$(GO) test -run '^$$' -bench 'BenchmarkDedupe' -benchtime 1x ./service/
	$(GO) test -run '^$$' -bench 'BenchmarkDedupeMinIO' -benchtime 1x ./cmd/childmatch/
	$(GO) test -run '^$$' -bench 'BenchmarkHostileMemory' -benchtime 1x ./matcher/
	$(GO) test -run '^$$' -bench 'BenchmarkUpload/' -benchtime 20x ./api/
	$(GO) test -run '^$$' -bench 'BenchmarkSearchUnderFlood' -benchtime 1x ./api/
	$(GO) test -run '^$$' -bench 'BenchmarkRestart' -benchtime 3x ./cmd/childmatch/
	$(GO) test -run '^$$' -bench 'BenchmarkFanout' -benchtime 1x -timeout 30m ./delivery/
	$(GO) test -run '^$$' -bench 'BenchmarkListsAt100k' -benchtime 20x ./api/
	$(GO) test -run '^$$' -bench 'BenchmarkListsInMemory' -benchtime 50x ./service/
	GO=$(GO) bench/enrol.sh $(FACES)
	GO=$(GO) bench/import.sh $(FACES)
	GO=$(GO) bench/index.sh $(FACES)

# The pipeline's levers, one eval run each (bench/results/levers.md); about ten minutes.
levers: packages models build
	bench/levers.sh $(FACES)

# The service under load, bounded and on 127.0.0.1 only: 8 and 32 clients, 70% search, 20% upload, 10%
# reads, LOAD_DURATION (default 5m) each (bench/results/load.md); about 12 minutes.
load: packages models minio build
	GO=$(GO) bench/load.sh $(FACES)

eval: packages models build
	bin/childmatch eval --data $(FACES) --out bench/out/eval

packages:
	@scripts/install-packages.sh

# The Go modules, fetched quietly once (go build and go vet name every module they download).
modules:
	@$(GO) mod download

# dlib's three models, MTCNN's networks and dlib's face recognition network written as ONNX with the onnx
# package (hence onnx first).
models: packages onnx
	@scripts/fetch-models.sh
	@scripts/fetch-detector.sh
	@scripts/dlib-resnet.sh

minio: packages
	@GO=$(GO) scripts/build-minio.sh

# ONNX Runtime's library and the onnx package, for the optional second face model and its tests (the script
# prints the library's path, for CHILDMATCH_ONNX_LIB).
onnx: packages
	@scripts/install-onnxruntime.sh >/dev/null

build: packages modules
	$(GO) build -o bin/childmatch ./cmd/childmatch

clean:
	rm -rf bin/childmatch
