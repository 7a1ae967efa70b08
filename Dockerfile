# childmatch image: built with Debian's dlib, run on slim Debian with the runtime libraries and the models.
# The same steps as the Makefile's `make run`: scripts/install-packages.sh's packages, ONNX Runtime from
# PyPI (scripts/install-onnxruntime.sh), then `make models`' three scripts, so the image runs the service's
# detector and network as `make run` does (mtcnn+hog+cnn, dlib's network in ONNX Runtime).
# go-face compiles with -march=native: run the image on the CPU family it was built on.
FROM golang:1.26-bookworm AS build
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      g++ libdlib-dev libopenblas-dev libatlas-base-dev liblapack-dev libjpeg62-turbo-dev python3-pip python3-venv \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN mkdir -p /out && cp "$(scripts/install-onnxruntime.sh)" /out/libonnxruntime.so \
    && scripts/fetch-models.sh && scripts/fetch-detector.sh && scripts/dlib-resnet.sh
RUN go build -trimpath -o /out/childmatch ./cmd/childmatch

FROM debian:bookworm-slim
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libdlib19.1 libopenblas0-pthread libatlas3-base libjpeg62-turbo ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/childmatch /usr/local/bin/childmatch
COPY --from=build /out/libonnxruntime.so /usr/local/lib/childmatch/libonnxruntime.so
COPY --from=build /src/models/*.dat /src/models/*.onnx /models/
ENV CHILDMATCH_MODELS_DIR=/models CHILDMATCH_ONNX_LIB=/usr/local/lib/childmatch/libonnxruntime.so CHILDMATCH_ADDR=:8080
USER 65534:65534
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/childmatch"]
