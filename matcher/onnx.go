package matcher

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"childmatch"
)

// ONNXConfig chooses a face model a deployment provides as an ONNX file (README: a stronger face model).
type ONNXConfig struct {
	Model   string // the .onnx file
	Library string // ONNX Runtime's shared library (libonnxruntime.so), `make onnx` installs one
	// Name keys the model's vectors in Face.Embeddings; "" is the model file's name without its extension.
	Name string
	// Metric is how its vectors compare: Cosine for ArcFace-class models (the default), or Euclidean.
	Metric childmatch.Metric
}

// ONNX is an ArcFace-class face model run by ONNX Runtime: each face is aligned from dlib's landmarks to
// the ArcFace template (align.go), the faces of a photo run as one batch, and the output is one vector per
// face. The model reads float32 [batch, 3, 112, 112] (RGB, (v-127.5)/127.5) and writes float32
// [batch, dim]; its batch may be dynamic or fixed.
type ONNX struct {
	name    string
	metric  childmatch.Metric
	dim     int
	batch   int // the model's fixed batch size; 0 when it is dynamic
	session *ort.DynamicAdvancedSession
}

var _ childmatch.Embedder = (*ONNX)(nil)

// ortEnv is ONNX Runtime's environment: one per process, bound to the library it was started with.
var ortEnv struct {
	sync.Mutex
	library string
}

// startORT starts ONNX Runtime with library, once per process; a second library is refused.
func startORT(library string) error {
	ortEnv.Lock()
	defer ortEnv.Unlock()
	if ortEnv.library != "" {
		if ortEnv.library != library {
			return fmt.Errorf("ONNX Runtime is already running from %s; one process uses one library, not also %s",
				ortEnv.library, library)
		}
		return nil
	}
	if _, err := os.Stat(library); err != nil {
		return fmt.Errorf("ONNX Runtime's library is missing (CHILDMATCH_ONNX_LIB=%s); `make onnx` installs it: %w", library, err)
	}
	ort.SetSharedLibraryPath(library)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		return fmt.Errorf("starting ONNX Runtime from %s (this build's binding wants onnxruntime 1.24): %w", library, err)
	}
	ortEnv.library = library
	return nil
}

// oneThread is session options that run each call on the calling thread alone.
func oneThread() (*ort.SessionOptions, error) {
	opts, err := ort.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	if err = opts.SetIntraOpNumThreads(1); err == nil {
		err = opts.SetInterOpNumThreads(1)
	}
	if err != nil {
		opts.Destroy()
		return nil, err
	}
	return opts, nil
}

// oneThreadSession starts ONNX Runtime from library and loads the model at path, each run on its caller's
// thread alone: the matcher's callers already run side by side on the cores.
func oneThreadSession(library, path string, ins, outs []string) (*ort.DynamicAdvancedSession, error) {
	if err := startORT(library); err != nil {
		return nil, err
	}
	opts, err := oneThread()
	if err != nil {
		return nil, err
	}
	defer opts.Destroy()
	return ort.NewDynamicAdvancedSession(path, ins, outs, opts)
}

// NewONNX loads the model and checks that its input and output have an ArcFace-class model's shapes, naming
// what is wrong when they do not.
func NewONNX(cfg ONNXConfig) (*ONNX, error) {
	if _, err := os.Stat(cfg.Model); err != nil {
		return nil, fmt.Errorf("the ONNX face model is missing (CHILDMATCH_ONNX_MODEL=%s): %w", cfg.Model, err)
	}
	switch cfg.Metric {
	case "":
		cfg.Metric = childmatch.Cosine
	case childmatch.Cosine, childmatch.Euclidean:
	default:
		return nil, fmt.Errorf("unknown metric %q for the ONNX face model: use %q or %q", cfg.Metric, childmatch.Cosine, childmatch.Euclidean)
	}
	if cfg.Name == "" {
		cfg.Name = strings.TrimSuffix(filepath.Base(cfg.Model), filepath.Ext(cfg.Model))
	}
	if cfg.Name == childmatch.DlibModel {
		return nil, fmt.Errorf("the ONNX face model cannot be named %q, which is dlib's", cfg.Name)
	}
	if err := startORT(cfg.Library); err != nil {
		return nil, err
	}
	ins, outs, err := ort.GetInputOutputInfo(cfg.Model)
	if err != nil {
		return nil, fmt.Errorf("reading the ONNX face model %s: %w", cfg.Model, err)
	}
	e := &ONNX{name: cfg.Name, metric: cfg.Metric}
	if e.batch, e.dim, err = checkShapes(ins, outs); err != nil {
		return nil, fmt.Errorf("the ONNX face model %s is not an ArcFace-class model: %w", cfg.Model, err)
	}
	// One thread a run: the matcher's workers run faces in parallel, and they share the cores with dlib.
	opts, err := oneThread()
	if err != nil {
		return nil, err
	}
	defer opts.Destroy()
	e.session, err = ort.NewDynamicAdvancedSession(cfg.Model, []string{ins[0].Name}, []string{outs[0].Name}, opts)
	if err != nil {
		return nil, fmt.Errorf("loading the ONNX face model %s: %w", cfg.Model, err)
	}
	return e, nil
}

// checkShapes accepts one float32 input [batch, 3, 112, 112] and one float32 output [batch, dim], and
// returns the batch (0 when dynamic) and dim.
func checkShapes(ins, outs []ort.InputOutputInfo) (batch, dim int, err error) {
	if len(ins) != 1 || len(outs) != 1 {
		return 0, 0, fmt.Errorf("it has %d inputs and %d outputs; want one of each", len(ins), len(outs))
	}
	in, out := ins[0], outs[0]
	want := ort.NewShape(-1, 3, arcSide, arcSide)
	if in.OrtValueType != ort.ONNXTypeTensor || in.DataType != ort.TensorElementDataTypeFloat ||
		len(in.Dimensions) != 4 || !in.Dimensions[1:].Equals(want[1:]) {
		return 0, 0, fmt.Errorf("input %q is %v of %v; want float [batch, 3, %d, %d]", in.Name, in.Dimensions, in.DataType, arcSide, arcSide)
	}
	if out.OrtValueType != ort.ONNXTypeTensor || out.DataType != ort.TensorElementDataTypeFloat ||
		len(out.Dimensions) != 2 || out.Dimensions[1] <= 0 {
		return 0, 0, fmt.Errorf("output %q is %v of %v; want float [batch, dim]", out.Name, out.Dimensions, out.DataType)
	}
	if in.Dimensions[0] != out.Dimensions[0] {
		return 0, 0, fmt.Errorf("input %q has batch %d but output %q %d", in.Name, in.Dimensions[0], out.Name, out.Dimensions[0])
	}
	return int(max(0, in.Dimensions[0])), int(out.Dimensions[1]), nil
}

// Close frees the session.
func (e *ONNX) Close() { e.session.Destroy() }

func (e *ONNX) Name() string              { return e.name }
func (e *ONNX) Dim() int                  { return e.dim }
func (e *ONNX) Metric() childmatch.Metric { return e.metric }

// Embed aligns each face and runs them in batches of the model's batch size (all at once when dynamic).
func (e *ONNX) Embed(ctx context.Context, faces []childmatch.EmbedFace) ([][]float32, error) {
	out := make([][]float32, 0, len(faces))
	step := len(faces)
	if e.batch > 0 {
		step = e.batch
	}
	const faceLen = 3 * arcSide * arcSide
	for lo := 0; lo < len(faces); lo += step {
		if err := stopped(ctx); err != nil {
			return nil, err
		}
		group := faces[lo:min(len(faces), lo+step)]
		n := max(len(group), e.batch) // a fixed batch is filled up with blank faces
		input := make([]float32, n*faceLen)
		for i, f := range group {
			if !alignArc(f.Photo, f.Landmarks, input[i*faceLen:(i+1)*faceLen]) {
				return nil, fmt.Errorf("face %d has no usable landmarks for alignment (%d points)", lo+i, len(f.Landmarks))
			}
		}
		vecs, err := e.run(input, n, len(group))
		if err != nil {
			return nil, err
		}
		out = append(out, vecs...)
	}
	return out, nil
}

// run runs one batch of n aligned faces and returns the vectors of the first keep, unit length under Cosine.
func (e *ONNX) run(input []float32, n, keep int) ([][]float32, error) {
	in, err := ort.NewTensor(ort.NewShape(int64(n), 3, arcSide, arcSide), input)
	if err != nil {
		return nil, err
	}
	defer in.Destroy()
	res, err := ort.NewEmptyTensor[float32](ort.NewShape(int64(n), int64(e.dim)))
	if err != nil {
		return nil, err
	}
	defer res.Destroy()
	if err := e.session.Run([]ort.Value{in}, []ort.Value{res}); err != nil {
		return nil, fmt.Errorf("running the ONNX face model %s: %w", e.name, err)
	}
	data := res.GetData()
	vecs := make([][]float32, keep)
	for i := range vecs {
		v := append([]float32(nil), data[i*e.dim:(i+1)*e.dim]...)
		var sq float64
		for _, x := range v {
			sq += float64(x) * float64(x)
		}
		if math.IsNaN(sq) || math.IsInf(sq, 0) || (e.metric == childmatch.Cosine && sq == 0) {
			return nil, fmt.Errorf("the ONNX face model %s gave face %d a vector that cannot be compared (norm² %g)", e.name, i, sq)
		}
		if e.metric == childmatch.Cosine {
			inv := float32(1 / math.Sqrt(sq))
			for j := range v {
				v[j] *= inv
			}
		}
		vecs[i] = v
	}
	return vecs, nil
}
