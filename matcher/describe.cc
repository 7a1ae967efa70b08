// describe.cc: dlib's shape predictor and face recognition network on a face whose box is known, from the
// pixels Go holds: what go-face's Recognize does after its detector, without the JPEG in between, and for
// the one face asked for rather than every face in the image.
#include <dlib/dnn.h>
#include <dlib/image_processing.h>
#include <dlib/image_transforms.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "describe.h"
#include "resnet.h"

using namespace dlib;

namespace {

struct describer {
	shape_predictor sp;
	std::unique_ptr<cm::resnet> net;  // null when ONNX Runtime runs the network instead
	dlib::rand rnd;                    // the jitter's, seeded as dlib seeds it
};

void put(const matrix<rgb_pixel>& chip, uint8_t* out) {
	for (long r = 0; r < CM_CHIP; r++)
		for (long c = 0; c < CM_CHIP; c++) {
			const rgb_pixel p = chip(r, c);
			out[r * CM_CHIP + c] = p.red;
			out[CM_CHIP * CM_CHIP + r * CM_CHIP + c] = p.green;
			out[2 * CM_CHIP * CM_CHIP + r * CM_CHIP + c] = p.blue;
		}
}

}  // namespace

extern "C" {

cm_describer* cm_describer_new(const char* shape_predictor, const char* net, char** err) {
	try {
		std::unique_ptr<describer> d(new describer);
		deserialize(shape_predictor) >> d->sp;
		if (net) {
			d->net.reset(new cm::resnet);
			deserialize(net) >> *d->net;
		}
		return reinterpret_cast<cm_describer*>(d.release());
	} catch (const std::exception& e) {
		*err = strdup(e.what());
		return nullptr;
	}
}

void cm_describer_free(cm_describer* d) { delete reinterpret_cast<describer*>(d); }

int cm_chips(cm_describer* p, cm_pixels px, const uint8_t* y, const uint8_t* cb, const uint8_t* cr, const long* box,
             int jitter, uint8_t* chips, long* shape) {
	try {
		describer& d = *reinterpret_cast<describer*>(p);
		array2d<rgb_pixel> img;
		cm::load(img, px, y, cb, cr);
		const full_object_detection landmarks = d.sp(img, rectangle(box[0], box[1], box[2], box[3]));
		matrix<rgb_pixel> chip;
		// 150 px with 0.25 padding: dlib's defaults, what the model was trained on.
		extract_image_chip(img, get_face_chip_details(landmarks, CM_CHIP, 0.25), chip);
		if (jitter > 0) {
			for (int i = 0; i < jitter; i++) put(jitter_image(chip, d.rnd), chips + (size_t)i * CM_CHIP_BYTES);
		} else {
			put(chip, chips);
		}
		for (unsigned long i = 0; i < landmarks.num_parts(); i++) {
			shape[2 * i] = landmarks.part(i).x();
			shape[2 * i + 1] = landmarks.part(i).y();
		}
		return 0;
	} catch (...) {
		return -1;
	}
}

int cm_resnet(cm_describer* p, const uint8_t* chips, int n, float* descriptors) {
	try {
		describer& d = *reinterpret_cast<describer*>(p);
		if (!d.net) return -1;
		std::vector<matrix<rgb_pixel>> in(n);
		for (int i = 0; i < n; i++) {
			const uint8_t* c = chips + (size_t)i * CM_CHIP_BYTES;
			in[i].set_size(CM_CHIP, CM_CHIP);
			for (long r = 0; r < CM_CHIP; r++)
				for (long k = 0; k < CM_CHIP; k++)
					in[i](r, k) = rgb_pixel(c[r * CM_CHIP + k], c[CM_CHIP * CM_CHIP + r * CM_CHIP + k],
					                        c[2 * CM_CHIP * CM_CHIP + r * CM_CHIP + k]);
		}
		const std::vector<matrix<float, 0, 1>> out = (*d.net)(in);
		for (int i = 0; i < n; i++)
			for (long j = 0; j < out[i].size(); j++) descriptors[(size_t)i * out[i].size() + j] = out[i](j);
		return 0;
	} catch (...) {
		return -1;
	}
}
}
