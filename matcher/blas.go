package matcher

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

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
