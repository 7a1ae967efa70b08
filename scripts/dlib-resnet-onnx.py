"""Writes dlib's face recognition network (dlib_face_recognition_resnet_model_v1.dat) as an ONNX graph, from
the parameters scripts/dlib-resnet-dump.cc writes: the same network run by ONNX Runtime (matcher/describe.go),
about twice as fast as dlib's own forward pass on one core.

usage: dlib-resnet-onnx.py PARAMS.bin OUT.onnx

The graph computes what dlib's network computes (matcher/resnet.h), layer for layer:

  chip [N, 3, 150, 150] float32, RGB planes of pixel values 0-255 (dlib's 150 px chip)
    -> (v - channel mean) / 256, as dlib's input layer
    -> 7×7/2 convolution, affine, relu, 3×3/2 max pool
    -> residual stages of 32, 64, 128, 256 and 256 filters (3, 4, 3, 3 and 1 blocks; the first of each
       stage after the first halves the size: a 3×3/2 convolution beside a 2×2/2 average pool)
    -> the mean over the map, a 256×128 product: descriptor [N, 128]

dlib's strided layers have no padding (its default: padding only when the stride is 1), and its addition of
two maps of different sizes treats what one lacks as zeros at the end of each dimension; both are written
out here as they are.
"""
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

from onnxgraph import Builder


def read(path):
    data = open(path, "rb").read()
    if data[:4] != b"CMRN":
        sys.exit(f"{path}: not written by dlib-resnet-dump")
    means = struct.unpack_from("<3f", data, 4)
    at, layers = 16, []
    while at < len(data):
        kind = chr(data[at])
        dims = struct.unpack_from("<7i", data, at + 1)
        (n,) = struct.unpack_from("<i", data, at + 29)
        params = np.frombuffer(data, dtype="<f4", count=n, offset=at + 33).astype(np.float32)
        layers.append((kind, dims, params))
        at += 33 + 4 * n
    return means, layers


class Graph(Builder):
    def __init__(self, layers):
        super().__init__()
        self.layers = list(layers)

    def take(self, kind):
        got, dims, params = self.layers.pop(0)
        if got != kind:
            sys.exit(f"expected a layer of kind {kind}, the dump has {got}")
        return dims, params

    def conv(self, x, shape):
        """dlib's con_ on x of shape (channels, rows, columns); answers the output and its shape."""
        (filters, rows, cols, sy, sx, py, px), params = self.take("C")
        k = shape[0]
        size = filters * k * rows * cols
        if len(params) not in (size, size + filters):
            sys.exit(f"a convolution of {filters}×{k}×{rows}×{cols} with {len(params)} parameters")
        inputs = [x, self.const(params[:size].reshape(filters, k, rows, cols))]
        if len(params) == size + filters:
            inputs.append(self.const(params[size:]))
        y = self.op("Conv", inputs, kernel_shape=[rows, cols], strides=[sy, sx], pads=[py, px, py, px])
        return y, (filters, 1 + (shape[1] + 2 * py - rows) // sy, 1 + (shape[2] + 2 * px - cols) // sx)

    def affine(self, x, shape):
        (k, *_), params = self.take("A")
        if k != shape[0] or len(params) != 2 * k:
            sys.exit(f"an affine layer of {k} channels after {shape[0]}")
        y = self.op("Mul", [x, self.const(params[:k].reshape(1, k, 1, 1))])
        return self.op("Add", [y, self.const(params[k:].reshape(1, k, 1, 1))])

    def pair(self, x, shape):
        y, s = self.conv(x, shape)
        y = self.op("Relu", [self.affine(y, s)])
        y, s = self.conv(y, s)
        return self.affine(y, s), s

    def padded(self, x, shape, to):
        """x of shape zero-padded at the end of each dimension to shape to, as dlib's add of two sizes."""
        if shape == to:
            return x
        ends = [0] + [t - s for s, t in zip(shape, to)]
        pads = self.op("Constant", [], value=helper.make_tensor("p", TensorProto.INT64, [8], [0] * 4 + ends))
        return self.op("Pad", [x, pads])

    def add(self, a, sa, b, sb):
        to = tuple(max(x, y) for x, y in zip(sa, sb))
        return self.op("Relu", [self.op("Add", [self.padded(a, sa, to), self.padded(b, sb, to)])]), to

    def same(self, x, shape):
        y, s = self.pair(x, shape)
        return self.add(y, s, x, shape)

    def down(self, x, shape):
        y, s = self.pair(x, shape)
        p = self.op("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2])
        return self.add(y, s, p, (shape[0], 1 + (shape[1] - 2) // 2, 1 + (shape[2] - 2) // 2))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    means, layers = read(sys.argv[1])
    g = Graph(layers)
    x = g.op("Sub", ["chip", g.const(np.array(means, dtype=np.float32).reshape(1, 3, 1, 1))])
    x = g.op("Mul", [x, g.const(np.full((1,), 1 / 256, dtype=np.float32))])
    x, s = g.conv(x, (3, 150, 150))
    x = g.op("Relu", [g.affine(x, s)])
    x = g.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2])
    s = (s[0], 1 + (s[1] - 3) // 2, 1 + (s[2] - 3) // 2)
    for blocks in (["same"] * 3, ["down"] + ["same"] * 3, ["down"] + ["same"] * 2, ["down"] + ["same"] * 2, ["down"]):
        for block in blocks:
            x, s = getattr(g, block)(x, s)
    x = g.op("Flatten", [g.op("GlobalAveragePool", [x])])
    (outputs, bias, *_), params = g.take("F")
    if bias or len(params) != s[0] * outputs or g.layers:
        sys.exit("the network does not end as dlib's face recognition network does")
    g.nodes.append(helper.make_node("MatMul", [x, g.const(params.reshape(s[0], outputs))], ["descriptor"]))
    graph = helper.make_graph(
        g.nodes,
        "dlib_face_recognition_resnet_model_v1",
        [helper.make_tensor_value_info("chip", TensorProto.FLOAT, ["n", 3, 150, 150])],
        [helper.make_tensor_value_info("descriptor", TensorProto.FLOAT, ["n", outputs])],
        g.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="childmatch")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, sys.argv[2])


main()
