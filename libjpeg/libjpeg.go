package libjpeg

/*
#cgo LDFLAGS: -ljpeg
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

// An error handler that returns to encode instead of exiting the process, as libjpeg's default does.
struct cm_error {
	struct jpeg_error_mgr pub;
	jmp_buf jump;
	char message[JMSG_LENGTH_MAX];
};

static void cm_error_exit(j_common_ptr c) {
	struct cm_error *e = (struct cm_error *)c->err;
	(*c->err->format_message)(c, e->message);
	longjmp(e->jump, 1);
}

// Warnings are not printed: nothing of ours goes to stderr behind the logger's back.
static void cm_output_message(j_common_ptr c) {}

// A warning is an error: a truncated or corrupt file is refused instead of decoded with grey filling in.
static void cm_emit_message(j_common_ptr c, int level) {
	if (level < 0) {
		cm_error_exit(c);
	}
}

// cm_errors sets e up to return through its jump buffer, for a compress or decompress struct's err field.
static struct jpeg_error_mgr *cm_errors(struct cm_error *e) {
	jpeg_std_error(&e->pub);
	e->pub.error_exit = cm_error_exit;
	e->pub.output_message = cm_output_message;
	e->pub.emit_message = cm_emit_message;
	return &e->pub;
}

// A destination that grows a malloc'd buffer this file owns, so it can be freed on any error (libjpeg's
// jpeg_mem_dest frees and replaces its buffer as it grows, out of the caller's reach).
struct cm_dest {
	struct jpeg_destination_mgr pub;
	unsigned char *buf;
	size_t cap;
};

static void cm_init_destination(j_compress_ptr c) {}
static void cm_term_destination(j_compress_ptr c) {}

// Called when the buffer is full: double it and go on after what is written.
static boolean cm_empty_output_buffer(j_compress_ptr c) {
	struct cm_dest *d = (struct cm_dest *)c->dest;
	unsigned char *b = realloc(d->buf, d->cap * 2);
	if (b == NULL) {
		ERREXIT(c, JERR_OUT_OF_MEMORY);
	}
	d->pub.next_output_byte = b + d->cap;
	d->pub.free_in_buffer = d->cap;
	d->buf = b;
	d->cap *= 2;
	return TRUE;
}

// cm_planes is a decoded image: the three component planes at their decoded sizes, malloc'd.
struct cm_planes {
	unsigned char *pix[3];
	int w[3], h[3];
};

// cm_job is one decoding's or encoding's state on the heap: its pointer is set before setjmp and never
// changed, so it is valid after the longjmp of an error, which local variables changed after setjmp would
// not be.
struct cm_job {
	union {
		struct jpeg_decompress_struct d;
		struct jpeg_compress_struct c;
	};
	struct cm_error e;
	struct cm_dest dest;
};

// cm_job_new returns a zeroed job whose errors return through its jump buffer, or NULL and message. Zeroed,
// its struct has no memory manager until jpeg_create_* makes one, so jpeg_destroy is safe at any point.
static struct cm_job *cm_job_new(char *message) {
	struct cm_job *job = calloc(1, sizeof(struct cm_job));
	if (job == NULL) {
		snprintf(message, JMSG_LENGTH_MAX, "out of memory");
		return NULL;
	}
	job->d.err = cm_errors(&job->e);
	return job;
}

// cm_job_fail ends a job after the longjmp of an error: it frees what the job holds and reports the error.
static int cm_job_fail(struct cm_job *job, char *message) {
	jpeg_destroy((j_common_ptr)&job->d);
	free(job->dest.buf);
	snprintf(message, JMSG_LENGTH_MAX, "%s", job->e.message);
	free(job);
	return 1;
}

// cm_decode decodes a three-component YCbCr JPEG into its component planes, each reduced by eighths/8 in the
// inverse DCT, without upsampling the chroma. libjpeg may decode a subsampled chroma component at a larger
// DCT size when scaling, so the planes' sizes are what it reports. Returns 0, or 1 and message; the planes
// are the caller's to free either way.
static int cm_decode(const unsigned char *data, unsigned long len, int eighths, struct cm_planes *out,
		char *message) {
	struct cm_job *const job = cm_job_new(message);
	if (job == NULL) {
		return 1;
	}
	if (setjmp(job->e.jump)) {
		return cm_job_fail(job, message);
	}
	jpeg_create_decompress(&job->d);
	jpeg_mem_src(&job->d, data, len);
	jpeg_read_header(&job->d, TRUE);
	if (job->d.num_components != 3 || job->d.jpeg_color_space != JCS_YCbCr) {
		snprintf(job->e.message, JMSG_LENGTH_MAX, "not a YCbCr JPEG");
		longjmp(job->e.jump, 1);
	}
	job->d.raw_data_out = TRUE;
	job->d.scale_num = eighths;
	job->d.scale_denom = 8;
	jpeg_start_decompress(&job->d);
	JSAMPARRAY rows[3];
	int per_row[3];
	for (int ci = 0; ci < 3; ci++) {
		jpeg_component_info *comp = &job->d.comp_info[ci];
		out->w[ci] = comp->downsampled_width;
		out->h[ci] = comp->downsampled_height;
		out->pix[ci] = malloc((size_t)out->w[ci] * out->h[ci]);
		if (out->pix[ci] == NULL) {
			ERREXIT(&job->d, JERR_OUT_OF_MEMORY);
		}
		// One iMCU row of the component, padded to whole blocks as libjpeg writes it.
		per_row[ci] = comp->v_samp_factor * comp->DCT_scaled_size;
		rows[ci] = (*job->d.mem->alloc_sarray)((j_common_ptr)&job->d, JPOOL_IMAGE,
			comp->width_in_blocks * comp->DCT_scaled_size, per_row[ci]);
	}
	for (int imcu = 0; job->d.output_scanline < job->d.output_height; imcu++) {
		if (jpeg_read_raw_data(&job->d, rows, job->d.max_v_samp_factor * job->d.min_DCT_scaled_size) == 0) {
			// Only a suspending source returns nothing; a memory source never does, but a loop must end.
			snprintf(job->e.message, JMSG_LENGTH_MAX, "the decoder returned no rows");
			longjmp(job->e.jump, 1);
		}
		for (int ci = 0; ci < 3; ci++) {
			for (int r = 0; r < per_row[ci]; r++) {
				int y = imcu * per_row[ci] + r;
				if (y < out->h[ci]) {
					memcpy(out->pix[ci] + (size_t)y * out->w[ci], rows[ci][r], out->w[ci]);
				}
			}
		}
	}
	jpeg_finish_decompress(&job->d);
	jpeg_destroy_decompress(&job->d);
	free(job);
	return 0;
}

// cm_encode compresses height rows of width 4-byte RGBX pixels, stride bytes apart, at quality. On success
// it returns 0 and a malloc'd *out of *out_len bytes for the caller to free; on failure, 1 and message.
static int cm_encode(const unsigned char *pix, int width, int height, int stride, int quality,
		unsigned char **out, size_t *out_len, char *message) {
	struct cm_job *const job = cm_job_new(message);
	if (job == NULL) {
		return 1;
	}
	if (setjmp(job->e.jump)) {
		return cm_job_fail(job, message);
	}
	jpeg_create_compress(&job->c);
	job->dest.cap = (size_t)width * height / 2 + 4096;
	job->dest.buf = malloc(job->dest.cap);
	if (job->dest.buf == NULL) {
		ERREXIT(&job->c, JERR_OUT_OF_MEMORY);
	}
	job->dest.pub.next_output_byte = job->dest.buf;
	job->dest.pub.free_in_buffer = job->dest.cap;
	job->dest.pub.init_destination = cm_init_destination;
	job->dest.pub.empty_output_buffer = cm_empty_output_buffer;
	job->dest.pub.term_destination = cm_term_destination;
	job->c.dest = &job->dest.pub;
	job->c.image_width = width;
	job->c.image_height = height;
	job->c.input_components = 4;
	job->c.in_color_space = JCS_EXT_RGBX;
	jpeg_set_defaults(&job->c);
	jpeg_set_quality(&job->c, quality, TRUE);
	jpeg_start_compress(&job->c, TRUE);
	while (job->c.next_scanline < job->c.image_height) {
		JSAMPROW row = (JSAMPROW)(pix + (size_t)job->c.next_scanline * stride);
		jpeg_write_scanlines(&job->c, &row, 1);
	}
	jpeg_finish_compress(&job->c);
	*out = job->dest.buf;
	*out_len = job->dest.cap - job->dest.pub.free_in_buffer;
	jpeg_destroy_compress(&job->c);
	free(job);
	return 0;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"image"
	"unsafe"
)

// EncodeRGBA encodes an opaque RGBA image (alpha is ignored) as a three-channel baseline JPEG with 4:2:0
// chroma at quality 1–100.
func EncodeRGBA(img *image.RGBA, quality int) ([]byte, error) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("libjpeg: cannot encode an empty %d×%d image", w, h)
	}
	if quality < 1 || quality > 100 {
		return nil, fmt.Errorf("libjpeg: quality %d is not within 1–100", quality)
	}
	var out *C.uchar
	var n C.size_t
	var message [C.JMSG_LENGTH_MAX]C.char
	pix := img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y):]
	if C.cm_encode((*C.uchar)(unsafe.Pointer(&pix[0])), C.int(w), C.int(h), C.int(img.Stride), C.int(quality),
		&out, &n, &message[0]) != 0 {
		return nil, errors.New("libjpeg: " + C.GoString(&message[0]))
	}
	defer C.free(unsafe.Pointer(out))
	return C.GoBytes(unsafe.Pointer(out), C.int(n)), nil
}

// layouts are the chroma layouts image.YCbCr holds, by their subsampling shifts: chroma shared by 2^hs
// pixels of a row and 2^vs of a column.
var layouts = map[[2]uint]image.YCbCrSubsampleRatio{
	{0, 0}: image.YCbCrSubsampleRatio444, {1, 0}: image.YCbCrSubsampleRatio422, {1, 1}: image.YCbCrSubsampleRatio420,
	{0, 1}: image.YCbCrSubsampleRatio440, {2, 0}: image.YCbCrSubsampleRatio411, {2, 1}: image.YCbCrSubsampleRatio410,
}

// Layout is the image.YCbCr layout of chroma subsampled by shifts hs (across) and vs (down), if it has one.
func Layout(hs, vs uint) (image.YCbCrSubsampleRatio, bool) {
	r, ok := layouts[[2]uint{hs, vs}]
	return r, ok
}

// Shifts returns an image.YCbCr layout as its subsampling shifts across and down.
func Shifts(r image.YCbCrSubsampleRatio) (hs, vs uint) {
	for s, layout := range layouts {
		if layout == r {
			return s[0], s[1]
		}
	}
	return 0, 0
}

// subsampling returns the shift s with chroma = ⌈luma/2^s⌉, if there is one.
func subsampling(luma, chroma int) (uint, bool) {
	for s := uint(0); s <= 2; s++ {
		if (luma+1<<s-1)>>s == chroma {
			return s, true
		}
	}
	return 0, false
}

// DecodeYCbCr decodes a YCbCr JPEG reduced by eighths/8 (1 to 8) inside the inverse DCT, into an image of
// ⌈width·eighths/8⌉ × ⌈height·eighths/8⌉ in its own planes, as image/jpeg would decode it at full size (no
// chroma upsampling). It refuses what image/jpeg may still read: a grey, RGB or CMYK JPEG, one with a
// chroma layout image.YCbCr cannot hold, and a damaged one (libjpeg's warnings are errors here).
func DecodeYCbCr(data []byte, eighths int) (*image.YCbCr, error) {
	if eighths < 1 || eighths > 8 {
		return nil, fmt.Errorf("libjpeg: scale %d/8 is not within 1/8–8/8", eighths)
	}
	if len(data) == 0 {
		return nil, errors.New("libjpeg: no data")
	}
	var p C.struct_cm_planes
	var message [C.JMSG_LENGTH_MAX]C.char
	rc := C.cm_decode((*C.uchar)(unsafe.Pointer(&data[0])), C.ulong(len(data)), C.int(eighths), &p, &message[0])
	defer func() {
		for _, pix := range p.pix {
			C.free(unsafe.Pointer(pix))
		}
	}()
	if rc != 0 {
		return nil, errors.New("libjpeg: " + C.GoString(&message[0]))
	}
	w, h := int(p.w[0]), int(p.h[0])
	hs, across := subsampling(w, int(p.w[1]))
	vs, down := subsampling(h, int(p.h[1]))
	ratio, held := Layout(hs, vs)
	if !across || !down || !held || p.w[2] != p.w[1] || p.h[2] != p.h[1] {
		return nil, fmt.Errorf("libjpeg: chroma planes of %d×%d and %d×%d beside luma of %d×%d are not a layout image.YCbCr holds",
			p.w[1], p.h[1], p.w[2], p.h[2], w, h)
	}
	img := image.NewYCbCr(image.Rect(0, 0, w, h), ratio)
	for i, dst := range [][]uint8{img.Y, img.Cb, img.Cr} {
		pw, ph := int(p.w[i]), int(p.h[i])
		src := unsafe.Slice((*uint8)(unsafe.Pointer(p.pix[i])), pw*ph)
		stride := img.CStride
		if i == 0 {
			stride = img.YStride
		}
		for y := range ph {
			copy(dst[y*stride:y*stride+pw], src[y*pw:(y+1)*pw])
		}
	}
	return img, nil
}
