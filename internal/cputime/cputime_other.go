//go:build !unix

package cputime

import "time"

// Process returns 0: the CPU time is only read on Unix.
func Process() time.Duration { return 0 }
