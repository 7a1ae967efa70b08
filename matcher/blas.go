package matcher

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>

// single_threaded_blas asks OpenBLAS, if it is the BLAS in use, to run each call on the calling thread.
// Looked up at run time so that the program still links and runs with another BLAS.
static int single_threaded_blas(void) {
	void (*set)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "openblas_set_num_threads");
	if (!set) return 0;
	set(1);
	return 1;
}
*/
import "C"

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// singleThreadedBLAS makes OpenBLAS run each matrix product on its caller's thread. The matcher already
// runs one recognizer per core; OpenBLAS's own threads on top of that fight for the same cores and spin
// waiting for each other. Measured with BenchmarkEnrol on 2 cores: 14.1 photos/s with OpenBLAS's threads,
// 21.5 without, 17.1 with ATLAS (README: levers). It reports whether OpenBLAS was found.
func singleThreadedBLAS() bool { return C.single_threaded_blas() == 1 }

// LinkedBLAS lists the BLAS and LAPACK libraries loaded into this process, from /proc/self/maps: the
// proof at run time of which implementation dlib's matrix products use (OpenBLAS is the intended one;
// ATLAS is installed only for the libcblas.so name go-face links).
func LinkedBLAS() []string {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(string(maps), "\n") {
		i := strings.Index(line, "/")
		if i < 0 {
			continue
		}
		path := line[i:]
		if base := filepath.Base(path); strings.Contains(base, "blas") || strings.Contains(base, "lapack") || strings.Contains(base, "atlas") {
			if real, err := filepath.EvalSymlinks(path); err == nil {
				path = real
			}
			seen[path] = true
		}
	}
	var libs []string
	for p := range seen {
		libs = append(libs, p)
	}
	sort.Strings(libs)
	return libs
}
