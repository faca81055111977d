//go:build !unix

package load

// processCPUSeconds reports no CPU time where rusage does not exist;
// the report then gives the server's CPU only.
func processCPUSeconds() (float64, bool) { return 0, false }
