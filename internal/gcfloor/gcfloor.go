// Package gcfloor keeps the garbage collector from running too often while
// the live heap is small.
//
// With the default GOGC of 100 the collector runs each time the heap has
// grown by as much as is live. A server over the 2015 directory has about
// 17 MB live and allocates some 30 KB per search, so at 13,000 searches a
// second it collected more than twenty times a second, and each cycle's
// fixed costs took about a third of the server's CPU. A floor lets the heap
// grow to a fixed size before a cycle, as if GOGC were higher, while the
// live heap is small; once the live heap is large the floor no longer
// matters and GOGC's usual rule (and GOMEMLIMIT, if set) applies. This is
// the technique of Uber's GC tuner, done with a finalizer that runs after
// each cycle.
//
// A headroom caps the other end: once the live heap is past the floor,
// or near it, GOGC's rule would let as much garbage again pile up before a
// cycle (a million facilities keep some 480 MB live, and the heap then
// reached 1 GB while the text index was filled). With a headroom, a cycle
// starts when the garbage reaches it instead, or when the heap reaches the
// floor if that is later. Cycles are cheap when what is live holds
// few pointers, as the search catalog does (its records are in byte
// arenas the collector does not look into), so the cap costs little CPU.
package gcfloor

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// maxPercent bounds the GOGC the floor may set: with a tiny live heap the
// computed percent would be absurd.
const maxPercent = 5000

// minPercent bounds the GOGC the headroom may set: below it, cycles would
// follow each other with little work done between them.
const minPercent = 25

// Floor holds the heap size below which the collector waits. Stop it to
// return to the GOGC it started with.
type Floor struct {
	floor    uint64
	headroom uint64
	base     int
	stopped  atomic.Bool
	sample   []metrics.Sample
	percent  atomic.Int64 // the GOGC last set
}

// Start sets the floor to floor bytes and the headroom to headroom bytes
// (0 disables either) and returns it, or nil when GOGC is set in the
// environment (the operator chose) or both are 0.
func Start(floor, headroom uint64) *Floor {
	if (floor == 0 && headroom == 0) || os.Getenv("GOGC") != "" {
		return nil
	}
	base := debug.SetGCPercent(100)
	debug.SetGCPercent(base)
	if base < 0 {
		return nil // GOGC=off through SetGCPercent elsewhere: leave it
	}
	f := &Floor{floor: floor, headroom: headroom, base: base, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	f.percent.Store(int64(base))
	f.adjust()
	f.arm()
	return f
}

// Percent returns the GOGC the floor set last.
func (f *Floor) Percent() int { return int(f.percent.Load()) }

// Stop removes the floor and restores the GOGC it started with.
func (f *Floor) Stop() {
	if f == nil || f.stopped.Swap(true) {
		return
	}
	debug.SetGCPercent(f.base)
}

// sentinel is an object whose finalizer runs after each collection.
type sentinel struct{ f *Floor }

// arm allocates a sentinel whose finalizer adjusts GOGC and arms the next
// one: finalizers run after the cycle that found the object unreachable.
func (f *Floor) arm() {
	s := &sentinel{f: f}
	runtime.SetFinalizer(s, func(s *sentinel) {
		if s.f.stopped.Load() {
			return
		}
		s.f.adjust()
		s.f.arm()
	})
}

// adjust sets GOGC so that the next cycle starts when the heap reaches the
// floor, or once the headroom is used if that is later, or at GOGC's usual
// point if that is sooner still.
func (f *Floor) adjust() {
	metrics.Read(f.sample)
	if f.sample[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	p := percentFor(f.sample[0].Value.Uint64(), f.floor, f.headroom, f.base)
	if old := int(f.percent.Load()); p == old || (p > old && p-old < old/10) || (p < old && old-p < old/10) {
		return // within a tenth: not worth a change
	}
	f.percent.Store(int64(p))
	debug.SetGCPercent(p)
}

// minLive is the live heap percentFor assumes when less is live: the
// runtime never sets a goal below GOGC percent of 4 MiB (its minimum heap),
// so a percent computed from a smaller live heap would overshoot the
// floor. Before the first cycle the live heap reads 0: a floor of 128 MiB
// then set GOGC 5000 (maxPercent), whose minimum heap is 200 MB, and the
// heap of a server building its catalog reached that before the first
// cycle.
const minLive = 4 << 20

// percentFor returns the GOGC that starts the next cycle, given the live
// heap: when the garbage reaches what base allows (as much as is live, at
// GOGC 100), or headroom if that is less, but never before the heap
// reaches floor. A floor or headroom of 0 is none. The result is within
// minPercent and maxPercent.
//
// The headroom caps the garbage below the floor's size too: a live heap
// of 80 MB (100,000 facilities, their text index being filled) would
// otherwise collect at 160 MB, and the process's memory follows the heap's
// peak.
func percentFor(live, floor, headroom uint64, base int) int {
	live = max(live, minLive)
	garbage := live * uint64(base) / 100
	if headroom > 0 {
		garbage = min(garbage, headroom)
	}
	if floor > live {
		garbage = max(garbage, floor-live)
	}
	return int(min(max(garbage*100/live, minPercent), maxPercent))
}
