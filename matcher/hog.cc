// hog.cc: dlib's HOG face detector (get_frontal_face_detector) computing exactly what its
// object_detector call computes, with the work spread over threads: the pyramid's images one after
// another, each level's features and each of the detector's filters on each level as tasks that start as
// soon as what they need is there, then dlib's own ordering and non-maximum suppression over the results.
#include <dlib/image_processing/frontal_face_detector.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#include "hog.h"

using namespace dlib;

namespace {

typedef scan_fhog_pyramid<pyramid_down<6>> scanner_type;
typedef scanner_type::fhog_filterbank filterbank;
typedef std::vector<std::pair<double, rectangle>> scored;

struct detector {
	frontal_face_detector det;
	std::vector<filterbank> banks;  // each filter of det, as scanner_type::detect builds it
	std::vector<double> bias;       // each filter's threshold, the last element of its weights
};

int put(const std::vector<rectangle>& rects, long* out, int max) {
	for (size_t i = 0; i < rects.size() && (int)i < max; i++) {
		out[4 * i] = rects[i].left();
		out[4 * i + 1] = rects[i].top();
		out[4 * i + 2] = rects[i].right();
		out[4 * i + 3] = rects[i].bottom();
	}
	return (int)rects.size();
}

// levels is how many pyramid levels scan_fhog_pyramid's load makes for an image of w×h pixels.
unsigned long levels(const scanner_type& sc, int w, int h) {
	pyramid_down<6> pyr;
	rectangle rect(0, 0, w - 1, h - 1);
	unsigned long n = 0;
	do {
		rect = pyr.rect_down(rect);
		++n;
	} while (rect.width() >= sc.get_min_pyramid_layer_width() && rect.height() >= sc.get_min_pyramid_layer_height() &&
	         n < sc.get_max_pyramid_levels());
	return n;
}

std::vector<rectangle> detect(const detector& d, const cm_pixels& px, const uint8_t* py, const uint8_t* pcb, const uint8_t* pcr,
                              int threads) {
	const scanner_type& sc = d.det.get_scanner();
	const auto& fe = sc.get_feature_extractor();
	const long fw = sc.get_fhog_window_width(), fh = sc.get_fhog_window_height();
	const long pad = sc.get_padding();
	const int cell = sc.get_cell_size();
	const unsigned long n = levels(sc, px.w, px.h);

	// The work, as a few threads share it: the pyramid's images, each 5/6 of the one before as
	// scan_fhog_pyramid makes them, one after another on the first thread; each level's features as soon
	// as its image is there; each filter on each level (as impl::detect_from_fhog_pyramid scans them) as
	// soon as its features are. Features go first, so that filters fill the time spent waiting for images.
	std::vector<array2d<rgb_pixel>> imgs(n);
	cm::load(imgs[0], px, py, pcb, pcr);
	dlib::array<dlib::array<array2d<float>>> feats;
	feats.set_max_size(n);
	feats.set_size(n);
	const size_t nf = d.banks.size();
	std::vector<scored> found(nf * n);
	std::mutex mu;
	std::condition_variable changed;
	std::vector<char> built(n, 0), featured(n, 0);
	built[0] = 1;
	size_t next_level = 0, next_filter = 0;  // the next features and the next filter task to start
	auto extract = [&](size_t l) { fe(imgs[l], feats[l], cell, fh, fw); };
	auto filter = [&](size_t task) {
		const size_t l = task / nf, f = task % nf;
		pyramid_down<6> pyr;
		array2d<float> saliency;
		const rectangle area = impl::apply_filters_to_fhog(d.banks[f], feats[l], saliency);
		for (long r = area.top(); r <= area.bottom(); ++r)
			for (long c = area.left(); c <= area.right(); ++c)
				if (saliency[r][c] >= d.bias[f]) {
					rectangle rect = fe.feats_to_image(centered_rect(point(c, r), fw - 2 * pad, fh - 2 * pad), cell, fh, fw);
					found[task].push_back(std::make_pair(saliency[r][c], pyr.rect_up(rect, l)));
				}
	};
	bool failed = false;  // a thread ran out of memory: the others stop, and the detection fails
	auto run = [&](bool builder) {
		if (builder) {
			pyramid_down<6> pyr;
			for (size_t l = 1; l < n; l++) {
				pyr(imgs[l - 1], imgs[l]);
				std::lock_guard<std::mutex> lock(mu);
				built[l] = 1;
				changed.notify_all();
			}
		}
		std::unique_lock<std::mutex> lock(mu);
		for (;;) {
			if (next_level < n && built[next_level]) {
				const size_t l = next_level++;
				lock.unlock();
				extract(l);
				lock.lock();
				featured[l] = 1;
				changed.notify_all();
			} else if (next_filter < nf * n && featured[next_filter / nf]) {
				const size_t task = next_filter++;
				lock.unlock();
				filter(task);
				lock.lock();
			} else if (next_filter == nf * n || failed) {
				return;
			} else {
				changed.wait(lock);
			}
		}
	};
	auto work = [&](bool builder) {
		try {
			run(builder);
		} catch (...) {
			std::lock_guard<std::mutex> lock(mu);
			failed = true;
			changed.notify_all();
		}
	};
	std::vector<std::thread> pool;
	for (int t = 1; t < threads; t++) pool.emplace_back(work, false);
	work(true);
	for (auto& t : pool) t.join();
	if (failed) throw std::bad_alloc();

	// What object_detector's call does with scan_fhog_pyramid::detect's answers: each filter's detections
	// best first, all of them best first, and each kept unless it overlaps one kept before.
	std::vector<rect_detection> all;
	for (size_t f = 0; f < nf; f++) {
		scored dets;
		for (size_t l = 0; l < n; l++) dets.insert(dets.end(), found[l * nf + f].begin(), found[l * nf + f].end());
		std::sort(dets.rbegin(), dets.rend(), impl::compare_pair_rect);
		for (const auto& s : dets) all.push_back(rect_detection{s.first - d.bias[f], f, s.second});
	}
	if (nf > 1) std::sort(all.rbegin(), all.rend());
	const test_box_overlap& overlap = d.det.get_overlap_tester();
	std::vector<rectangle> kept;
	for (const auto& det : all) {
		if (std::none_of(kept.begin(), kept.end(), [&](const rectangle& k) { return overlap(k, det.rect); }))
			kept.push_back(det.rect);
	}
	return kept;
}

}  // namespace

extern "C" {

cm_hog* cm_hog_new(void) {
	try {
		detector* d = new detector;
		d->det = get_frontal_face_detector();
		const scanner_type& sc = d->det.get_scanner();
		for (unsigned long i = 0; i < d->det.num_detectors(); i++) {
			d->banks.push_back(sc.build_fhog_filterbank(d->det.get_w(i)));
			d->bias.push_back(d->det.get_w(i)(sc.get_num_dimensions()));
		}
		return reinterpret_cast<cm_hog*>(d);
	} catch (...) {
		return nullptr;
	}
}

void cm_hog_free(cm_hog* h) { delete reinterpret_cast<detector*>(h); }

int cm_hog_detect(const cm_hog* h, cm_pixels px, const uint8_t* y, const uint8_t* cb, const uint8_t* cr, int threads,
                  long* out, int max) {
	try {
		return put(detect(*reinterpret_cast<const detector*>(h), px, y, cb, cr, std::max(1, threads)), out, max);
	} catch (...) {
		return -1;
	}
}

int cm_hog_detect_dlib(const cm_hog* h, cm_pixels px, const uint8_t* y, const uint8_t* cb, const uint8_t* cr, long* out,
                       int max) {
	try {
		frontal_face_detector det = reinterpret_cast<const detector*>(h)->det;
		array2d<rgb_pixel> img;
		cm::load(img, px, y, cb, cr);
		return put(det(img), out, max);
	} catch (...) {
		return -1;
	}
}
}
