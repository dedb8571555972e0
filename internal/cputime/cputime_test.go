//go:build unix

package cputime

import (
	"testing"
	"time"
)

// TestProcessCounts checks that busy work shows in the CPU time.
func TestProcessCounts(t *testing.T) {
	before := Process()
	x := 0
	for start := time.Now(); time.Since(start) < 50*time.Millisecond; {
		x++
	}
	if got := Process() - before; got <= 0 {
		t.Errorf("CPU time grew by %v over 50 ms of busy work (%d loops)", got, x)
	}
}
