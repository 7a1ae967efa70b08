"""Writes MTCNN's three networks (P-Net, R-Net, O-Net) as ONNX files from the weights PyPI's mtcnn==0.1.1
ships (mtcnn/data/mtcnn_weights.npy, MIT licence): the face detector matcher/mtcnn.go runs before dlib's HOG.

usage: mtcnn-onnx.py WEIGHTS.npy OUTDIR

The weights are Keras's (convolution kernels [kh, kw, in, out], PReLU slopes per channel, dense kernels
[in, out]) for networks that read images transposed (rows are x: the original Caffe model was trained in
MATLAB's column order). The graphs written here read ordinary images instead, float32 NCHW RGB scaled as
(v - 127.5) / 128: each convolution kernel is transposed in space, which makes the convolution of the
ordinary image equal the Keras convolution of the transposed one, the square pools are the same either way,
and before a dense layer the feature map is put back in the transposed order Keras flattened. Outputs:

  pnet: input [1, 3, H, W] -> prob [1, 2, h, w] (softmax over the channel; 1 is "face"), reg [1, 4, h, w]
        (the box's x1, y1, x2, y2 offsets as fractions of the 12 px window), one cell per 2 px of input.
  rnet: input [N, 3, 24, 24] -> prob [N, 2], reg [N, 4]
  onet: input [N, 3, 48, 48] -> prob [N, 2], reg [N, 4], points [N, 10] (x of five points, then y)
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

from onnxgraph import Builder


class Graph(Builder):
    def __init__(self, name, weights):
        super().__init__(name + "_")
        self.name, self.w = name, list(weights)

    def take(self):
        return np.asarray(self.w.pop(0), dtype=np.float32)

    def conv(self, x):
        k, b = self.take(), self.take()  # [kh, kw, in, out], [out]
        # ONNX wants [out, in, kh, kw]; the spatial axes swapped turn the transposed-image model upright.
        k = np.transpose(k, (3, 2, 1, 0))
        return self.op("Conv", [x, self.const(k), self.const(b)])

    def prelu(self, x, spatial):
        a = self.take().reshape(-1)
        return self.op("PRelu", [x, self.const(a.reshape(-1, 1, 1) if spatial else a)])

    def pool(self, x, size, stride, same):
        attrs = {"kernel_shape": [size, size], "strides": [stride, stride]}
        if same:
            attrs["auto_pad"] = "SAME_UPPER"  # Keras's "same": output ceil(n / stride), padding at the end
        return self.op("MaxPool", [x], **attrs)

    def dense(self, x):
        k, b = self.take(), self.take()  # [in, out], [out]
        return self.op("Gemm", [x, self.const(k), self.const(b)])

    def flatten(self, x):
        # Keras flattened [N, X, Y, C] (its rows are x): from NCHW, that is perm (0, 3, 2, 1).
        return self.op("Flatten", [self.op("Transpose", [x], perm=[0, 3, 2, 1])], axis=1)

    def save(self, path, size, outputs):
        dims = ["n", 3, size, size] if size else [1, 3, "h", "w"]
        inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, dims)
        outs = []
        for name, tensor, width in outputs:
            self.nodes.append(helper.make_node("Identity", [tensor], [name]))
            shape = ["n", width] if size else [1, width, "oh", "ow"]
            outs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, shape))
        assert not self.w, f"{self.name}: {len(self.w)} weight arrays left over"
        graph = helper.make_graph(self.nodes, self.name, [inp], outs, self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="childmatch")
        model.ir_version = 8
        onnx.checker.check_model(model)
        onnx.save(model, path)


def pnet(weights, path):
    g = Graph("pnet", weights)
    x = g.prelu(g.conv("input"), True)
    x = g.pool(x, 2, 2, True)
    x = g.prelu(g.conv(x), True)
    x = g.prelu(g.conv(x), True)
    prob = g.op("Softmax", [g.conv(x)], axis=1)  # Keras's order: the score's 1x1 convolution, then the box's
    reg = g.conv(x)
    g.save(path, 0, [("prob", prob, 2), ("reg", reg, 4)])


def trunk(g):
    """The layers R-Net and O-Net begin with: convolution, pool (same), convolution, pool (valid), convolution."""
    x = g.prelu(g.conv("input"), True)
    x = g.pool(x, 3, 2, True)
    x = g.prelu(g.conv(x), True)
    x = g.pool(x, 3, 2, False)
    return g.prelu(g.conv(x), True)


def head(g, x):
    """The layers R-Net and O-Net end with: dense, then the score and the box's offsets."""
    x = g.prelu(g.dense(g.flatten(x)), False)
    return x, g.op("Softmax", [g.dense(x)], axis=1), g.dense(x)


def rnet(weights, path):
    g = Graph("rnet", weights)
    _, prob, reg = head(g, trunk(g))
    g.save(path, 24, [("prob", prob, 2), ("reg", reg, 4)])


def onet(weights, path):
    g = Graph("onet", weights)
    x = g.pool(trunk(g), 2, 2, True)
    x, prob, reg = head(g, g.prelu(g.conv(x), True))
    g.save(path, 48, [("prob", prob, 2), ("reg", reg, 4), ("points", g.dense(x), 10)])


def main():
    weights, out = sys.argv[1], sys.argv[2]
    w = np.load(weights, allow_pickle=True).tolist()
    pnet(w["pnet"], f"{out}/mtcnn_pnet.onnx")
    rnet(w["rnet"], f"{out}/mtcnn_rnet.onnx")
    onet(w["onet"], f"{out}/mtcnn_onet.onnx")


if __name__ == "__main__":
    main()
