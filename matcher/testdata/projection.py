"""Writes the small ONNX models the ONNX embedder's tests load (matcher/onnx_test.go).

projection.onnx stands in for an ArcFace-class model with its interface and none of its skill: input
"data" float32 [N, 3, 112, 112] (dynamic batch), output "embedding" float32 [N, 512], computed as an 8x8
average pool (to 3x14x14), flattened, times a fixed seeded matrix. The matrix is also written raw
(projection.f32, little-endian, 588 rows of 512) so the test computes the same product in Go and checks
ORT's answer, and with it the tensor layout and the pixel normalisation the embedder feeds.

The other files are models a deployment might wrongly configure, each with one fault:
  side96.onnx     input [N, 3, 96, 96]
  flat.onnx       output [N, 512, 1] (rank 3)
  int_input.onnx  input of int64
  fixed1.onnx     as projection.onnx with a batch fixed to 1 (a valid model: the embedder runs one face a run)

Usage: projection.py OUTDIR
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
POOLED = 3 * 14 * 14
DIM = 512


def model(path, batch="N", side=112, out_rank3=False, in_type=TensorProto.FLOAT, weights=None):
    nodes = []
    x = "data"
    if in_type != TensorProto.FLOAT:
        nodes.append(helper.make_node("Cast", [x], ["as_float"], to=TensorProto.FLOAT))
        x = "as_float"
    nodes += [
        helper.make_node("AveragePool", [x], ["pooled"], kernel_shape=[8, 8], strides=[8, 8]),
        helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
        helper.make_node("MatMul", ["flat", "w"], ["embedding" if not out_rank3 else "e2"]),
    ]
    out_shape = [batch, DIM]
    if out_rank3:
        nodes.append(helper.make_node("Unsqueeze", ["e2", "axes"], ["embedding"]))
        out_shape = [batch, DIM, 1]
    if weights is None:
        weights = np.ones((3 * (side // 8) ** 2, DIM), dtype=np.float32)
    inits = [numpy_helper.from_array(weights, "w")]
    if out_rank3:
        inits.append(numpy_helper.from_array(np.array([2], dtype=np.int64), "axes"))
    graph = helper.make_graph(
        nodes, "projection",
        [helper.make_tensor_value_info("data", in_type, [batch, 3, side, side])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, out_shape)],
        inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="childmatch-test")
    onnx.checker.check_model(m)
    onnx.save(m, path)


def main(out):
    w = (np.random.default_rng(15).standard_normal((POOLED, DIM)) / np.sqrt(POOLED)).astype(np.float32)
    w.astype("<f4").tofile(f"{out}/projection.f32")
    model(f"{out}/projection.onnx", weights=w)
    model(f"{out}/fixed1.onnx", batch=1, weights=w)
    model(f"{out}/side96.onnx", side=96)
    model(f"{out}/flat.onnx", out_rank3=True, weights=w)
    model(f"{out}/int_input.onnx", in_type=TensorProto.INT64, weights=w)


if __name__ == "__main__":
    main(sys.argv[1])
