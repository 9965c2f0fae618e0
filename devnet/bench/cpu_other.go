//go:build !unix

package bench

import "time"

// processCPU is 0 where getrusage is missing: the CPU times read 0.
func processCPU() time.Duration { return 0 }
