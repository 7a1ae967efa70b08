// dlib-resnet-dump: writes the parameters of dlib's face recognition network, as dlib computes with them
// (batch normalisation already folded into affine layers), for scripts/dlib-resnet-onnx.py. Usage:
// dlib-resnet-dump dlib_face_recognition_resnet_model_v1.dat out.bin
//
// out.bin: "CMRN", the input's three channel means as float32, then each layer with parameters from the
// input to the output: a one-byte kind ('C' convolution, 'A' affine, 'F' fully connected), six int32
// (filters, rows, columns, stride y, stride x, padding y, padding x; zero where they mean nothing), an
// int32 count of floats and the floats (little-endian, dlib's own order).
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <vector>

#include "../matcher/resnet.h"

using namespace dlib;

namespace {

struct record {
	char kind;
	int32_t dims[7];
	std::vector<float> params;
};

std::vector<float> floats(const tensor& t) { return std::vector<float>(t.host(), t.host() + t.size()); }

struct collect {
	std::vector<record>* out;
	template <long nf, long nr, long nc, int sy, int sx, int py, int px>
	void operator()(const con_<nf, nr, nc, sy, sx, py, px>& l) const {
		out->push_back({'C', {(int32_t)nf, (int32_t)nr, (int32_t)nc, sy, sx, (int32_t)l.padding_y(), (int32_t)l.padding_x()},
		                floats(l.get_layer_params())});
	}
	void operator()(const affine_& l) const {
		const tensor &gamma = l.get_gamma(), &beta = l.get_beta();
		std::vector<float> p = floats(gamma);
		const std::vector<float> b = floats(beta);
		p.insert(p.end(), b.begin(), b.end());
		out->push_back({'A', {(int32_t)gamma.size()}, p});
	}
	template <unsigned long n, fc_bias_mode mode>
	void operator()(const fc_<n, mode>& l) const {
		out->push_back({'F', {(int32_t)n, mode == FC_HAS_BIAS}, floats(l.get_layer_params())});
	}
	template <typename other>
	void operator()(const other&) const {}
};

}  // namespace

int main(int argc, char** argv) {
	if (argc != 3) {
		std::cerr << "usage: dlib-resnet-dump model.dat out.bin\n";
		return 2;
	}
	try {
		cm::resnet net;
		deserialize(argv[1]) >> net;
		std::vector<record> layers;
		visit_computational_layers(net, collect{&layers});
		std::ofstream out(argv[2], std::ios::binary);
		out.write("CMRN", 4);
		const auto& in = input_layer(net);
		const float means[3] = {in.get_avg_red(), in.get_avg_green(), in.get_avg_blue()};
		out.write(reinterpret_cast<const char*>(means), sizeof means);
		for (auto l = layers.rbegin(); l != layers.rend(); ++l) {  // visited from the output down
			out.write(&l->kind, 1);
			out.write(reinterpret_cast<const char*>(l->dims), sizeof l->dims);
			const int32_t n = (int32_t)l->params.size();
			out.write(reinterpret_cast<const char*>(&n), sizeof n);
			out.write(reinterpret_cast<const char*>(l->params.data()), n * sizeof(float));
		}
		if (!out) {
			std::cerr << "writing " << argv[2] << " failed\n";
			return 1;
		}
		std::cout << layers.size() << " layers\n";
	} catch (const std::exception& e) {
		std::cerr << e.what() << "\n";
		return 1;
	}
	return 0;
}
