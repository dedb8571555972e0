package gcfloor

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
)

func TestPercentFor(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		name                  string
		live, floor, headroom uint64
		base, want            int
	}{
		{"small heap waits for the floor", 16 * mib, 128 * mib, 0, 100, 700},
		{"live heap at the floor", 128 * mib, 128 * mib, 0, 100, 100},
		{"live heap above the floor", 500 * mib, 128 * mib, 0, 100, 100},
		{"never below the base", 100 * mib, 128 * mib, 0, 100, 100},
		{"a higher base stays", 16 * mib, 128 * mib, 0, 1000, 1000},
		{"tiny heap counts as the runtime's minimum", 1, 128 * mib, 0, 100, 3100},
		{"no live heap reading", 0, 128 * mib, 0, 100, 3100},
		{"huge floor is bounded", 0, 1024 * mib, 0, 100, maxPercent},
		{"headroom caps a large heap's garbage", 512 * mib, 128 * mib, 256 * mib, 100, 50},
		{"headroom wider than the base's rule", 200 * mib, 128 * mib, 256 * mib, 100, 100},
		{"headroom does not lower the floor", 16 * mib, 128 * mib, 8 * mib, 100, 700},
		{"headroom caps the garbage below the floor", 96 * mib, 128 * mib, 48 * mib, 100, 50},
		{"floor beyond the headroom", 64 * mib, 128 * mib, 48 * mib, 100, 100},
		{"headroom bounded below", 4096 * mib, 128 * mib, 256 * mib, 100, minPercent},
		{"headroom alone", 1024 * mib, 0, 256 * mib, 100, 25},
		{"headroom with a higher base", 512 * mib, 128 * mib, 256 * mib, 200, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentFor(tt.live, tt.floor, tt.headroom, tt.base); got != tt.want {
				t.Errorf("percentFor(%d, %d, %d, %d) = %d, want %d", tt.live, tt.floor, tt.headroom, tt.base, got, tt.want)
			}
		})
	}
}

// TestFloorFollowsCollections starts a floor in this (small-heap) test
// process, checks that it raised GOGC after collections, and that Stop
// restores it.
func TestFloorFollowsCollections(t *testing.T) {
	t.Setenv("GOGC", "") // Start leaves an operator's GOGC alone; clear it for the test
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	f := Start(256<<20, 1<<30)
	if f == nil {
		t.Fatal("Start returned nil with GOGC unset")
	}
	for range 3 {
		runtime.GC()
		runtime.Gosched()
	}
	if p := f.Percent(); p <= 100 {
		t.Errorf("GOGC %d after collections with a small heap, want above 100", p)
	}
	if got := debug.SetGCPercent(100); got != f.Percent() {
		t.Errorf("runtime GOGC %d, floor says %d", got, f.Percent())
	}
	debug.SetGCPercent(f.Percent())
	f.Stop()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC %d after Stop, want the 100 it started with", got)
	}
}

func TestStartLeavesOperatorsGOGC(t *testing.T) {
	t.Setenv("GOGC", "200")
	if f := Start(256<<20, 0); f != nil {
		f.Stop()
		t.Fatal("Start set a floor although GOGC is set")
	}
	if f := Start(0, 0); f != nil {
		t.Fatal("Start(0, 0) set a floor")
	}
}

// TestStartGoalIsTheFloor checks the heap goal the runtime sets once a
// floor starts, before and after a collection: the heap may grow to the
// floor, not beyond (a floor started before the first collection once let
// it reach 200 MB, whatever the floor).
func TestStartGoalIsTheFloor(t *testing.T) {
	t.Setenv("GOGC", "")
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	const floor = 64 << 20
	f := Start(floor, 0)
	if f == nil {
		t.Fatal("Start returned nil with GOGC unset")
	}
	defer f.Stop()
	goal := func() uint64 {
		s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	if g := goal(); g > floor*11/10 {
		t.Errorf("heap goal %d MiB once started, want at most the floor, %d MiB", g>>20, floor>>20)
	}
	runtime.GC()
	runtime.GC() // the finalizer of the first cycle adjusts the second's goal
	if g := goal(); g > floor*11/10 || g < floor/2 {
		t.Errorf("heap goal %d MiB after collections, want about the floor, %d MiB", g>>20, floor>>20)
	}
}
