"""The small graph builder scripts/mtcnn-onnx.py and scripts/dlib-resnet-onnx.py write their ONNX graphs
with: constants and nodes named in the order they are made, under a prefix."""
import numpy as np
from onnx import helper, numpy_helper


class Builder:
    def __init__(self, prefix=""):
        self.prefix, self.nodes, self.inits, self.n = prefix, [], [], 0

    def const(self, array):
        self.n += 1
        name = f"{self.prefix}c{self.n}"
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name))
        return name

    def op(self, kind, inputs, **attrs):
        self.n += 1
        out = f"{self.prefix}t{self.n}"
        self.nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out
