package matcher

/*
#include <malloc.h>
*/
import "C"

import "runtime/debug"

// release gives freed memory back to the system: the Go heap's (debug.FreeOSMemory, which collects first)
// and the C heap's, where dlib's C++ allocations live (glibc's malloc_trim; glibc keeps freed memory in its
// arenas otherwise). It runs after a spike only: after the CNN, and after dropping a huge decoded image.
func release() {
	debug.FreeOSMemory()
	C.malloc_trim(0)
}
