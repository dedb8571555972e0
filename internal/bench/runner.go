package bench

import (
	"context"
	"errors"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carefinder/carefinder/search"
)

// Stats summarizes the latencies of a timed run.
type Stats struct {
	N      int     `json:"n"`
	Errors int     `json:"errors"`
	P50Ms  float64 `json:"p50_ms"`
	P90Ms  float64 `json:"p90_ms"`
	P99Ms  float64 `json:"p99_ms"`
	MaxMs  float64 `json:"max_ms"`
	MeanMs float64 `json:"mean_ms"`
	// PerSecond is the throughput: completed operations per second of wall
	// time.
	PerSecond float64 `json:"per_second"`
	WallMs    float64 `json:"wall_ms"`
	// AllocsPerOp and BytesPerOp are the process's allocations during the
	// run divided by the operations (-1 when not measured).
	AllocsPerOp float64 `json:"allocs_per_op"`
	BytesPerOp  float64 `json:"bytes_per_op"`
}

// Percentile returns the p-th percentile (0 < p ≤ 100) of sorted
// latencies by the nearest-rank method: the smallest value with at least
// p% of the values at or below it.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// Summarize computes Stats from latencies (in any order) and the wall time
// they took; it sorts lat.
func Summarize(lat []time.Duration, wall time.Duration, errs int) Stats {
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	s := Stats{N: len(lat), Errors: errs, WallMs: ms(wall), AllocsPerOp: -1, BytesPerOp: -1}
	if len(lat) == 0 {
		return s
	}
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	s.P50Ms, s.P90Ms, s.P99Ms = ms(Percentile(lat, 50)), ms(Percentile(lat, 90)), ms(Percentile(lat, 99))
	s.MaxMs, s.MeanMs = ms(lat[len(lat)-1]), ms(sum)/float64(len(lat))
	if wall > 0 {
		s.PerSecond = float64(len(lat)) / wall.Seconds()
	}
	return s
}

// maxTimedCalls bounds the calls of one timed run, and so the latencies
// it keeps.
const maxTimedCalls = 2_000_000

// limits bound a timed run in time.
type limits struct {
	// min: an engine that answers every query sooner goes round them
	// again, so that a fast engine's run spans several garbage
	// collections.
	min time.Duration
	// max: a slow engine stops taking new queries after it (0: never).
	max time.Duration
}

// timedRun runs the queries on eng with the given concurrency, in order,
// and measures each call, within the limits. After each call of the first
// round, outside the timed span, record receives the query's index and
// outcome; it must not allocate, as allocations are counted over the whole
// run. It returns the stats and how many of the queries ran (a prefix of
// qs, unless lim.max cut the run short).
func timedRun(ctx context.Context, eng Engine, qs []search.Query, concurrency int, lim limits, record func(i int, res *search.Result, err error)) (Stats, int) {
	if len(qs) == 0 {
		return Summarize(nil, 0, 0), 0
	}
	workers := max(concurrency, 1)
	lats := make([][]time.Duration, workers)
	var next, nerr, ran atomic.Int64
	var wg sync.WaitGroup
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	for w := range workers {
		lat := make([]time.Duration, 0, 2*len(qs)/workers+1)
		wg.Go(func() {
			defer func() { lats[w] = lat }()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				elapsed := time.Since(start)
				if i >= len(qs) && (i >= maxTimedCalls || elapsed >= lim.min) || i > 0 && lim.max > 0 && elapsed >= lim.max {
					return
				}
				t := time.Now()
				res, err := eng.Search(ctx, qs[i%len(qs)])
				lat = append(lat, time.Since(t))
				if err != nil {
					nerr.Add(1)
				}
				if i < len(qs) {
					ran.Add(1)
					record(i, res, err)
				}
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	runtime.ReadMemStats(&after)
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	s := Summarize(all, wall, int(nerr.Load()))
	if n := float64(len(all)); n > 0 {
		s.AllocsPerOp = float64(after.Mallocs-before.Mallocs) / n
		s.BytesPerOp = float64(after.TotalAlloc-before.TotalAlloc) / n
	}
	return s, int(ran.Load())
}

// warmUp runs queries one at a time, untimed, for at most maxTime; it
// returns how many it ran.
func warmUp(ctx context.Context, eng Engine, qs []search.Query, maxTime time.Duration) (int, error) {
	start := time.Now()
	for i, q := range qs {
		if time.Since(start) >= maxTime {
			return i, nil
		}
		if _, err := eng.Search(ctx, q); err != nil && !errors.Is(err, errUnsupported) {
			return i, err
		}
		if err := ctx.Err(); err != nil {
			return i, err
		}
	}
	return len(qs), nil
}
