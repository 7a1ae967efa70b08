package matcher

import (
	"fmt"
	"os"
	"path/filepath"

	ort "github.com/yalue/onnxruntime_go"

	"childmatch"
)

// ResNetONNX is dlib's face recognition network written as ONNX (scripts/dlib-resnet-onnx.py, by `make
// models`), which the matcher runs through ONNX Runtime instead of dlib's own forward pass wherever
// Config.ONNXLibrary is set: the same descriptors (TestResNetIsDlibs) in about half the time on one core.
const ResNetONNX = "dlib_face_recognition_resnet_model_v1.onnx"

// resnet is that network in ONNX Runtime, one session for every worker (a session runs calls side by side),
// each call on its caller's thread.
type resnet struct{ session *ort.DynamicAdvancedSession }

func newResNet(dir, library string) (*resnet, error) {
	path := filepath.Join(dir, ResNetONNX)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("dlib's face model as ONNX is missing: %s not in %s; run `make models`", ResNetONNX, dir)
	}
	s, err := oneThreadSession(library, path, []string{"chip"}, []string{"descriptor"})
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", path, err)
	}
	return &resnet{session: s}, nil
}

func (r *resnet) close() { r.session.Destroy() }

// describe answers the descriptors of n chips (RGB planes of dlibChip × dlibChip bytes, one after another).
func (r *resnet) describe(chips []byte, n int) ([]float32, error) {
	input := make([]float32, len(chips))
	for i, v := range chips {
		input[i] = float32(v)
	}
	in, err := ort.NewTensor(ort.NewShape(int64(n), 3, dlibChip, dlibChip), input)
	if err != nil {
		return nil, err
	}
	defer in.Destroy()
	out, err := ort.NewEmptyTensor[float32](ort.NewShape(int64(n), childmatch.DescriptorLen))
	if err != nil {
		return nil, err
	}
	defer out.Destroy()
	if err := r.session.Run([]ort.Value{in}, []ort.Value{out}); err != nil {
		return nil, fmt.Errorf("running dlib's face model in ONNX Runtime: %w", err)
	}
	return append([]float32(nil), out.GetData()...), nil
}
