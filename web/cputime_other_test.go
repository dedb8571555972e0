//go:build !unix

package web_test

import "time"

// cpuTime returns 0: the CPU time is only read on Unix.
func cpuTime() time.Duration { return 0 }
