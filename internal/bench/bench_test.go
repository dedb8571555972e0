package bench

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/search"
)

// mustDataset generates a synthetic directory of n facilities.
func mustDataset(tb testing.TB, n int) *Dataset {
	tb.Helper()
	ds, err := LoadDataset(context.Background(), SyntheticName(n), "")
	if err != nil {
		tb.Fatal(err)
	}
	return ds
}

// mustEngines builds every engine over ds.
func mustEngines(tb testing.TB, ds *Dataset) []Engine {
	tb.Helper()
	dir := tb.TempDir()
	var engines []Engine
	for _, name := range AllEngines() {
		e, err := OpenEngine(context.Background(), name, ds, dir)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { e.Close() })
		engines = append(engines, e)
	}
	return engines
}

func mustQueries(tb testing.TB, kind string, n int, ds *Dataset) Workload {
	tb.Helper()
	gaz, err := geo.NewGazetteer()
	if err != nil {
		tb.Fatal(err)
	}
	w, err := Queries(kind, n, DefaultSeed, gaz.ZIPs(), ds)
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

// answer runs q (at the workload's offset) on e.
func answer(tb testing.TB, e Engine, w Workload, q search.Query) Answer {
	tb.Helper()
	ctx := context.Background()
	if w.Offset > 0 {
		c, err := e.(pager).CursorAt(ctx, q, w.Offset)
		if err != nil {
			tb.Fatalf("%s: cursor of page %d: %v", e.Name(), w.Offset/pageSize+1, err)
		}
		q.Cursor = c
	}
	res, err := e.Search(ctx, q)
	slab := newAnswerSlab(newTermIndex(directory.DefaultTaxonomy()), 1, pageSize)
	slab.record(0, res, err)
	return slab.answers[0]
}

// TestEnginesAgree runs every workload on the three engines over a few
// thousand demo facilities and checks each answer against the oracle.
func TestEnginesAgree(t *testing.T) {
	n, queries := 4000, 100
	if testing.Short() {
		n, queries = 1500, 25
	}
	ds := mustDataset(t, n)
	engines := mustEngines(t, ds)
	o := newOracle(ds)
	for _, kind := range AllWorkloads() {
		t.Run(kind, func(t *testing.T) {
			w := mustQueries(t, kind, queries, ds)
			if kind == WorkloadDeep {
				// A few thousand facilities seldom fill page 10 within
				// 100 mi; page 3 takes the same paths (cursors, offsets),
				// at any distance where 100 mi holds too few.
				w = mustQueries(t, WorkloadRadius100, queries, ds)
				w.Name, w.Offset = WorkloadDeep, 2*pageSize
				c := newMatchCounter(ds)
				for i, q := range w.Queries {
					if c.count(q) <= w.Offset {
						w.Queries[i].RadiusKm = 0
					}
				}
			}
			if w.Skipped() > queries/2 {
				t.Fatalf("%d of %d queries skipped: the directory is too sparse for page 10", w.Skipped(), queries)
			}
			answers := map[string][]Answer{}
			for _, e := range engines {
				for i, q := range w.Queries {
					a := Answer{Skipped: true}
					if !w.Skip[i] && !(kind == WorkloadText && e.Name() == EngineScan) {
						a = answer(t, e, w, q)
					}
					answers[e.Name()] = append(answers[e.Name()], a)
				}
			}
			if kind == WorkloadText {
				tc := compareText(answers[EngineCareFinder], answers[EngineBleve], [2]string{EngineCareFinder, EngineBleve})
				if tc.Compared != queries || tc.TotalsEqual < tc.Compared*9/10 {
					t.Errorf("text: totals equal in %d of %d queries", tc.TotalsEqual, tc.Compared)
				}
				return
			}
			for _, row := range o.checkWorkload(w, answers, AllEngines()) {
				if row.Checked != queries-w.Skipped() || row.Mismatches > 0 {
					t.Errorf("%s: checked %d (want %d), %d mismatches: %v", row.Engine, row.Checked, queries-w.Skipped(), row.Mismatches, row.Examples)
				}
				if row.Engine != EngineBleve && row.Exact != row.Checked {
					t.Errorf("%s: %d exact of %d: an exact haversine engine needs no allowance", row.Engine, row.Exact, row.Checked)
				}
			}
		})
	}
}

// TestCheckerCatchesWrongAnswers makes sure the check is not vacuous: a
// correct answer, spoiled in each way an engine could err, must fail.
func TestCheckerCatchesWrongAnswers(t *testing.T) {
	ds := mustDataset(t, 3000)
	o := newOracle(ds)
	scan := newScan(ds, directory.DefaultTaxonomy())
	w := mustQueries(t, WorkloadRadius100, 40, ds)
	var q search.Query
	var good Answer
	for _, cand := range w.Queries { // a query with a full page and more
		if a := answer(t, scan, w, cand); a.Total > 2*pageSize {
			q, good = cand, a
			break
		}
	}
	if good.Total == 0 {
		t.Fatal("no query with more than a page of results; draw others")
	}
	ref := o.reference(q, 0, haversine)
	if v := o.compare(q, 0, ref, good); v.class != verdictExact {
		t.Fatalf("the correct answer is %s: %s", v.class, v.why)
	}
	farther := answer(t, scan, w, search.Query{HasLocation: true, Center: q.Center, RadiusKm: q.RadiusKm, Filters: q.Filters, Limit: pageSize, Cursor: offsetCursor(2 * pageSize)})
	spoil := map[string]func(a *Answer){
		"total off by one":     func(a *Answer) { a.Total++ },
		"a facet off by one":   func(a *Answer) { a.Facets[3]++ },
		"two hits swapped":     func(a *Answer) { a.IDs[0], a.IDs[5] = a.IDs[5], a.IDs[0] },
		"a hit dropped":        func(a *Answer) { a.IDs = append(a.IDs[:4:4], append(a.IDs[5:], farther.IDs[0])...) },
		"a hit from page 3":    func(a *Answer) { a.IDs[7] = farther.IDs[0] },
		"an unknown hit":       func(a *Answer) { a.IDs[2] = "no-such-facility" },
		"a short page":         func(a *Answer) { a.IDs = a.IDs[:pageSize-1] },
		"an error":             func(a *Answer) { a.Err = "boom" },
		"a hit off the filter": func(a *Answer) { a.IDs[pageSize-1] = offFilter(o, q) },
	}
	for name, f := range spoil {
		t.Run(name, func(t *testing.T) {
			a := good
			a.IDs, a.Facets = slices.Clone(good.IDs), slices.Clone(good.Facets)
			f(&a)
			if v := o.compare(q, 0, ref, a); v.class != verdictMismatch {
				t.Errorf("spoiled answer passed as %s", v.class)
			}
		})
	}
}

// offFilter returns a facility near q's center that fails its filters.
func offFilter(o *oracle, q search.Query) string {
	masks := o.masks(&q)
	best, bestD := "", 1e9
	for i := range o.ids {
		if d := o.dist(haversine, q.Center, i); d < bestD && !matchesAll(&o.terms[i], masks) {
			best, bestD = o.ids[i], d
		}
	}
	return best
}

func TestPercentile(t *testing.T) {
	var lat []time.Duration
	for i := 100; i >= 1; i-- { // unsorted on purpose
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	s := Summarize(lat, 2*time.Second, 1)
	want := Stats{N: 100, Errors: 1, P50Ms: 50, P90Ms: 90, P99Ms: 99, MaxMs: 100, MeanMs: 50.5, PerSecond: 50, WallMs: 2000, AllocsPerOp: -1, BytesPerOp: -1}
	if diff := gocmp.Diff(want, s); diff != "" {
		t.Errorf("Summarize (-want +got):\n%s", diff)
	}
	tests := []struct {
		lat  []time.Duration
		p    float64
		want time.Duration
	}{
		{nil, 50, 0},
		{[]time.Duration{7}, 1, 7},
		{[]time.Duration{7}, 99, 7},
		{[]time.Duration{1, 2}, 50, 1},
		{[]time.Duration{1, 2}, 50.1, 2},
		{[]time.Duration{1, 2, 3, 4}, 75, 3},
		{[]time.Duration{1, 2, 3, 4}, 99, 4},
		{[]time.Duration{1, 2, 3, 4}, 100, 4},
	}
	for _, tt := range tests {
		if got := Percentile(tt.lat, tt.p); got != tt.want {
			t.Errorf("Percentile(%v, %v) = %v, want %v", tt.lat, tt.p, got, tt.want)
		}
	}
}

// TestTimedRunRepeatsAndRecords checks that a fast engine goes round the
// queries until the minimum time, and that answers are those of the first
// round.
func TestTimedRunRepeatsAndRecords(t *testing.T) {
	ds := mustDataset(t, 500)
	e := newScan(ds, directory.DefaultTaxonomy())
	w := mustQueries(t, WorkloadTypical, 10, ds)
	slab := newAnswerSlab(newTermIndex(directory.DefaultTaxonomy()), len(w.Queries), pageSize)
	s, ran := timedRun(context.Background(), e, w.Queries, 2, limits{min: 50 * time.Millisecond}, slab.record)
	if ran != len(w.Queries) || s.N <= len(w.Queries) || s.WallMs < 50 || s.Errors != 0 {
		t.Errorf("ran %d of %d queries in %d calls over %.1f ms, %d errors", ran, len(w.Queries), s.N, s.WallMs, s.Errors)
	}
	for i, q := range w.Queries {
		if want := answer(t, e, w, q); !gocmp.Equal(want, slab.answers[i]) {
			t.Errorf("answer %d: %+v, want %+v", i, slab.answers[i], want)
		}
	}
	// A 30 ms engine and a 70 ms limit: it may take one query or three,
	// never more (three take at least 90 ms), however busy the machine.
	slow := slowEngine{e, 30 * time.Millisecond}
	_, ran = timedRun(context.Background(), slow, w.Queries, 1, limits{max: 70 * time.Millisecond}, func(int, *search.Result, error) {})
	if ran < 1 || ran > 3 {
		t.Errorf("a 30 ms engine with 70 ms ran %d queries, want 1 to 3", ran)
	}
}

type slowEngine struct {
	Engine
	delay time.Duration
}

func (e slowEngine) Search(ctx context.Context, q search.Query) (*search.Result, error) {
	time.Sleep(e.delay)
	return e.Engine.Search(ctx, q)
}

// TestHTTPLoad serves a small index through the web handler and runs both
// load generators against it.
func TestHTTPLoad(t *testing.T) {
	ds := mustDataset(t, 1000)
	e, err := OpenEngine(context.Background(), EngineCareFinder, ds, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	w := mustQueries(t, WorkloadTypical, 50, ds)
	var urls []string
	for _, q := range w.Queries {
		urls = append(urls, SearchURL(q))
	}
	runs, err := runHTTP(context.Background(), e.(*careFinder).ix, ds, urls, HTTPConfig{Duration: 300 * time.Millisecond, Connections: 2, Rate: 200}, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 {
		t.Fatalf("%d runs, want closed and open", len(runs))
	}
	for _, r := range runs {
		if r.Requests == 0 || r.Non200+r.Errors+r.Dropped > 0 || r.FirstError != "" {
			t.Errorf("%s loop: %+v", r.Mode, r)
		}
	}
	if open := runs[1]; open.Requests != 60 {
		t.Errorf("open loop at 200/s for 0.3 s sent %d requests, want 60", open.Requests)
	}
}

// TestOpenLoopCountsQueueing checks that the open loop measures latency
// from the schedule: against a server slower than the rate, requests queue
// and their latency grows, where a closed loop would only see the service
// time (coordinated omission).
func TestOpenLoopCountsQueueing(t *testing.T) {
	const service = 20 * time.Millisecond
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(service)
		fmt.Fprintln(w, "{}")
	}))
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("test server at %s, not on loopback", srv.URL)
	}
	c := newLoadClient(srv.URL, []string{"/"}, 1)
	defer c.close()
	// 100 requests a second for 0.4 s: 40 requests, 20 ms each on one
	// connection, so the last is answered about 0.4 s after it was due.
	run := c.openLoop(context.Background(), 1, 100, 400*time.Millisecond)
	if run.Requests != 40 || run.Errors+run.Non200 > 0 {
		t.Fatalf("open loop: %+v", run)
	}
	// Lower bounds only: the server cannot answer faster than it sleeps,
	// so these hold however busy the machine is.
	if run.Stats.MaxMs < 300 || run.Stats.P50Ms < 100 {
		t.Errorf("open loop p50 %.1f ms, max %.1f ms: queueing behind a %s server not counted", run.Stats.P50Ms, run.Stats.MaxMs, service)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestParseDatasetName(t *testing.T) {
	for name, want := range map[string]int{"real": 0, "5k": 5000, "100k": 100_000, "1m": 1_000_000, "2500": 2500} {
		if got, err := ParseDatasetName(name); err != nil || got != want {
			t.Errorf("ParseDatasetName(%q) = %d, %v; want %d", name, got, err, want)
		}
		if want > 0 {
			if back := SyntheticName(want); back != name {
				t.Errorf("SyntheticName(%d) = %q, want %q", want, back, name)
			}
		}
	}
	for _, bad := range []string{"", "k", "0k", "-5k", "10g", "6m", "fake"} {
		if _, err := ParseDatasetName(bad); err == nil {
			t.Errorf("ParseDatasetName(%q) succeeded", bad)
		}
	}
}

func TestSearchURL(t *testing.T) {
	q := search.Query{HasLocation: true, RadiusKm: geo.MiToKm(25), Filters: map[directory.Group][]string{
		directory.GroupCare: {"detox", "inpatient"}, directory.GroupPayment: {"medicaid"}}}
	q.Center[0], q.Center[1] = -86.78, 36.16
	want := "/api/v1/search?care=detox%2Cinpatient&lat=36.16&lon=-86.78&payment=medicaid&radius=25mi"
	if got := SearchURL(q); got != want {
		t.Errorf("SearchURL = %s, want %s", got, want)
	}
	q.RadiusKm, q.Filters, q.Text = 0, nil, "methadone clinic"
	if got, want := SearchURL(q), "/api/v1/search?lat=36.16&lon=-86.78&q=methadone+clinic&radius=any"; got != want {
		t.Errorf("SearchURL = %s, want %s", got, want)
	}
}
