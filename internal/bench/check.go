package bench

import (
	"cmp"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	bgeo "github.com/blevesearch/bleve/v2/geo"
	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/search"
)

// Allowances of the correctness check.
const (
	// edgeKm: a facility this close to the circle's edge may be in one
	// answer and not another (10 m).
	edgeKm = 0.010
	// tieKm: hits whose distances differ by less may come in either order
	// (1 m).
	tieKm = 0.001
)

// Answer is what an engine answered to one query, kept for the check.
type Answer struct {
	Total  int      `json:"t"`
	IDs    []string `json:"ids,omitempty"`
	Facets []int32  `json:"f,omitempty"` // in the taxonomy's order
	Err    string   `json:"err,omitempty"`
	// Skipped says the query was not run (a page 10 that does not exist).
	Skipped bool `json:"skipped,omitempty"`
}

// answerSlab holds the answers of a timed run in preallocated memory, so
// that recording them allocates nothing while the clock runs.
type answerSlab struct {
	ti      *termIndex
	answers []Answer
	ran     []bool
	ids     []string
	facets  []int32
	limit   int
}

func newAnswerSlab(ti *termIndex, n, limit int) *answerSlab {
	return &answerSlab{ti: ti, answers: make([]Answer, n), ran: make([]bool, n), ids: make([]string, n*limit),
		facets: make([]int32, n*len(ti.refs)), limit: limit}
}

// record keeps answer i. Different i may be recorded concurrently.
func (s *answerSlab) record(i int, res *search.Result, err error) {
	s.ran[i] = true
	if err != nil {
		s.answers[i] = Answer{Err: err.Error()}
		return
	}
	a := &s.answers[i]
	a.Total = res.Total
	n := min(len(res.Hits), s.limit)
	a.IDs = s.ids[i*s.limit : i*s.limit+n : i*s.limit+n]
	for j, h := range res.Hits[:n] {
		a.IDs[j] = h.Facility.ID
	}
	nt := len(s.ti.refs)
	a.Facets = s.facets[i*nt : (i+1)*nt : (i+1)*nt]
	s.ti.facetVector(a.Facets, res.Facets)
}

// Verdict classes, from best to worst.
const (
	verdictExact    = "exact"
	verdictAllowed  = "allowed"
	verdictBleveGeo = "bleve-earth-model"
	verdictMismatch = "mismatch"
)

// CheckRow counts the verdicts of one engine on one workload of a dataset.
type CheckRow struct {
	Workload string `json:"workload"`
	Engine   string `json:"engine"`
	Checked  int    `json:"checked"`
	Exact    int    `json:"exact"`
	// Edge and Tie count answers that differ from the oracle only by
	// facilities within edgeKm of the circle's edge, or by the order of
	// hits less than tieKm apart (an answer may use both).
	Edge int `json:"edge_allowed"`
	Tie  int `json:"tie_allowed"`
	// BleveModel counts answers that differ from the haversine oracle
	// beyond those allowances but equal, within them, the oracle run with
	// Bleve's own distance (its "sloppy" haversine on an ellipsoidal Earth
	// and its quantized points).
	BleveModel int      `json:"bleve_earth_model"`
	Mismatches int      `json:"mismatches"`
	Examples   []string `json:"examples,omitempty"`
}

// maxExamples bounds the mismatches described per row.
const maxExamples = 3

// distanceModel is how an oracle measures distance.
type distanceModel int

const (
	// haversine is the truth the API promises (geo.DistanceKm).
	haversine distanceModel = iota
	// bleveModel is Bleve's distance: its sloppy haversine, with an Earth
	// radius that varies with latitude, on Morton-quantized points.
	bleveModel
)

// oracle answers queries by brute force over a dataset.
type oracle struct {
	ti    *termIndex
	ids   []string
	pts   []orb.Point
	bpts  []orb.Point // the points as Bleve stores them
	terms []termSet
	byID  map[string]int32
	byLat *latOrder
}

func newOracle(ds *Dataset) *oracle {
	n := len(ds.Facilities)
	o := &oracle{
		ti: newTermIndex(directory.DefaultTaxonomy()), ids: make([]string, n), pts: make([]orb.Point, n),
		bpts: make([]orb.Point, n), terms: make([]termSet, n), byID: make(map[string]int32, n),
	}
	for i := range ds.Facilities {
		f := &ds.Facilities[i]
		o.ids[i], o.pts[i], o.terms[i] = f.ID, orb.Point{f.Lon, f.Lat}, o.ti.expanded(f)
		h := bgeo.MortonHash(f.Lon, f.Lat)
		o.bpts[i] = orb.Point{bgeo.MortonUnhashLon(h), bgeo.MortonUnhashLat(h)}
		o.byID[f.ID] = int32(i)
	}
	o.byLat = newLatOrder(o.pts)
	return o
}

func (o *oracle) dist(m distanceModel, c orb.Point, i int) float64 {
	if m == bleveModel {
		return bgeo.Haversin(c[0], c[1], o.bpts[i][0], o.bpts[i][1])
	}
	return geo.DistanceKm(c, o.pts[i])
}

// masks are the oracle's filters: a facility matches a group when its
// terms, expanded with their ancestors, include an asked slug (the same
// rule as expanding the asked slugs to their descendants, derived the
// other way round).
func (o *oracle) masks(q *search.Query) []termSet {
	var masks []termSet
	for _, g := range directory.Groups() {
		if len(q.Filters[g]) == 0 {
			continue
		}
		var m termSet
		for _, s := range q.Filters[g] {
			m.add(o.ti.bit[directory.TermRef{Group: g, Slug: s}])
		}
		masks = append(masks, m)
	}
	return masks
}

// nearMiss reports whether t fails exactly one of masks: such a facility
// counts in the facets of that mask's group.
func nearMiss(t *termSet, masks []termSet) bool {
	n := 0
	for m := range masks {
		if !t.intersects(&masks[m]) {
			n++
		}
	}
	return n == 1
}

func matchesAll(t *termSet, masks []termSet) bool {
	for m := range masks {
		if !t.intersects(&masks[m]) {
			return false
		}
	}
	return true
}

// reference is the oracle's answer to a query, with what an engine may
// differ by.
type reference struct {
	model  distanceModel
	total  int
	facets []int
	// top is the matched set in order, as far as the page needs.
	top []refHit
	// band holds the matching facilities near the circle's edge (or, for
	// Bleve's model, on which the two models disagree); inBand and
	// outBand count their terms inside and outside the circle.
	band            map[int32]bool
	bandIn, bandOut int
	facetsIn        []int
	facetsOut       []int
}

type refHit struct {
	i int32
	d float64
}

func (o *oracle) reference(q search.Query, offset int, m distanceModel) *reference {
	ref := &reference{model: m, facets: make([]int, len(o.ti.refs)), band: map[int32]bool{}}
	ref.facetsIn, ref.facetsOut = make([]int, len(o.ti.refs)), make([]int, len(o.ti.refs))
	masks := o.masks(&q)
	groups := o.ti.groupSets(q.Filters)
	k := offset + q.Limit
	top := make([]refHit, 0, k+1)
	less := func(a, b refHit) int {
		if c := cmp.Compare(a.d, b.d); c != 0 {
			return c
		}
		return strings.Compare(o.ids[a.i], o.ids[b.i])
	}
	for _, i32 := range o.byLat.band(q.Center[1], latSpanDeg(q.RadiusKm)) {
		i := int(i32)
		// Facets are disjunctive: a facility that fails one group's
		// filter counts in that group's facets.
		matches := matchesAll(&o.terms[i], masks)
		if !matches && !nearMiss(&o.terms[i], masks) {
			continue
		}
		d := o.dist(m, q.Center, i)
		in := q.RadiusKm == 0 || d <= q.RadiusKm
		if q.RadiusKm > 0 {
			edge := math.Abs(d-q.RadiusKm) <= edgeKm
			if m == bleveModel {
				h := geo.DistanceKm(q.Center, o.pts[i])
				edge = edge || math.Abs(h-q.RadiusKm) <= edgeKm || (h <= q.RadiusKm) != in
			}
			if edge {
				if in {
					countDisjunctive(&o.terms[i], masks, groups, ref.facetsIn)
				} else {
					countDisjunctive(&o.terms[i], masks, groups, ref.facetsOut)
				}
				if matches {
					ref.band[int32(i)] = true
					if in {
						ref.bandIn++
					} else {
						ref.bandOut++
					}
				}
			}
		}
		if !in {
			continue
		}
		countDisjunctive(&o.terms[i], masks, groups, ref.facets)
		if !matches {
			continue
		}
		ref.total++
		h := refHit{int32(i), d}
		if len(top) < k || less(h, top[len(top)-1]) < 0 {
			at, _ := slices.BinarySearchFunc(top, h, less)
			top = slices.Insert(top, at, h)
			if len(top) > k {
				top = top[:k]
			}
		}
	}
	ref.top = top
	return ref
}

// verdict is the outcome of checking one answer.
type verdict struct {
	class     string
	edge, tie bool
	why       string
}

// compare checks an answer against a reference for query q whose page
// starts at offset.
func (o *oracle) compare(q search.Query, offset int, ref *reference, a Answer) verdict {
	v := verdict{class: verdictExact}
	fail := func(format string, args ...any) verdict {
		return verdict{class: verdictMismatch, why: fmt.Sprintf(format, args...)}
	}
	if a.Err != "" {
		return fail("error: %s", a.Err)
	}
	// The total and the facets, within what the facilities at the edge
	// can change.
	if a.Total != ref.total {
		if a.Total < ref.total-ref.bandIn || a.Total > ref.total+ref.bandOut {
			return fail("total %d, oracle %d", a.Total, ref.total)
		}
		v.edge = true
	}
	if len(a.Facets) != len(ref.facets) {
		return fail("%d facet counts, want %d", len(a.Facets), len(ref.facets))
	}
	for b, want := range ref.facets {
		got := int(a.Facets[b])
		if got == want {
			continue
		}
		if got < want-ref.facetsIn[b] || got > want+ref.facetsOut[b] {
			return fail("facet %s/%s = %d, oracle %d", o.ti.refs[b].Group, o.ti.refs[b].Slug, got, want)
		}
		v.edge = true
	}
	// The page: each hit a match, in order up to ties, and the same hits
	// as the oracle's page up to the edge and to ties at its ends.
	if want := min(q.Limit, max(0, a.Total-offset)); len(a.IDs) != want {
		return fail("%d hits on the page, but the total %d makes it %d", len(a.IDs), a.Total, want)
	}
	masks := o.masks(&q)
	dist := make([]float64, len(a.IDs))
	for j, id := range a.IDs {
		i, ok := o.byID[id]
		if !ok {
			return fail("hit %s is not in the directory", id)
		}
		if !matchesAll(&o.terms[i], masks) {
			return fail("hit %s does not match the filters", id)
		}
		dist[j] = o.dist(ref.model, q.Center, int(i))
		if q.RadiusKm > 0 && dist[j] > q.RadiusKm && !ref.band[i] {
			return fail("hit %s is %.4f km away, beyond the radius %.4f km", id, dist[j], q.RadiusKm)
		}
	}
	for j := range a.IDs {
		for k := j + 1; k < len(a.IDs); k++ {
			if dist[j] < dist[k] || dist[j] == dist[k] && a.IDs[j] < a.IDs[k] {
				continue
			}
			if dist[j]-dist[k] >= tieKm {
				return fail("hit %s (%.6f km) comes before %s (%.6f km)", a.IDs[j], dist[j], a.IDs[k], dist[k])
			}
			v.tie = true
		}
	}
	var want []refHit
	if offset < len(ref.top) {
		want = ref.top[offset:min(offset+q.Limit, len(ref.top))]
	}
	wantIDs := make([]string, len(want))
	for j, h := range want {
		wantIDs[j] = o.ids[h.i]
	}
	if slices.Equal(wantIDs, a.IDs) {
		return v.settle()
	}
	near := func(d float64, ds ...float64) bool {
		for _, x := range ds {
			if math.Abs(d-x) < tieKm {
				return true
			}
		}
		return false
	}
	for j, id := range a.IDs {
		if slices.Contains(wantIDs, id) {
			continue
		}
		i := o.byID[id]
		switch {
		case ref.band[i]:
			v.edge = true
		case len(want) > 0 && near(dist[j], want[0].d, want[len(want)-1].d):
			v.tie = true
		default:
			return fail("hit %s (%.6f km) is not on the oracle's page %v", id, dist[j], wantIDs)
		}
	}
	for _, h := range want {
		if slices.Contains(a.IDs, o.ids[h.i]) {
			continue
		}
		switch {
		case ref.band[h.i]:
			v.edge = true
		case len(dist) > 0 && near(h.d, dist[0], dist[len(dist)-1]):
			v.tie = true
		default:
			return fail("missing %s (%.6f km) of the oracle's page; got %v", o.ids[h.i], h.d, a.IDs)
		}
	}
	v.tie = v.tie || !v.edge // same hits, another order
	return v.settle()
}

func (v verdict) settle() verdict {
	if v.class == verdictExact && (v.edge || v.tie) {
		v.class = verdictAllowed
	}
	return v
}

// checkWorkload checks every engine's answers to workload w, computing the
// oracle's references with all cores.
func (o *oracle) checkWorkload(w Workload, runs map[string][]Answer, engines []string) []CheckRow {
	n := 0
	for _, as := range runs {
		n = max(n, len(as))
	}
	refs := make([]*reference, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				refs[i] = o.reference(w.Queries[i], w.Offset, haversine)
			}
		})
	}
	wg.Wait()
	var rows []CheckRow
	for _, eng := range engines {
		as, ok := runs[eng]
		if !ok {
			continue
		}
		row := CheckRow{Workload: w.Name, Engine: eng}
		for i, a := range as {
			if a.Skipped {
				continue
			}
			row.Checked++
			q := w.Queries[i]
			v := o.compare(q, w.Offset, refs[i], a)
			if v.class == verdictMismatch && eng == EngineBleve {
				if bv := o.compare(q, w.Offset, o.reference(q, w.Offset, bleveModel), a); bv.class != verdictMismatch {
					v = verdict{class: verdictBleveGeo}
				}
			}
			switch v.class {
			case verdictExact:
				row.Exact++
			case verdictAllowed:
				if v.edge {
					row.Edge++
				}
				if v.tie {
					row.Tie++
				}
			case verdictBleveGeo:
				row.BleveModel++
			default:
				row.Mismatches++
				if len(row.Examples) < maxExamples {
					row.Examples = append(row.Examples, fmt.Sprintf("query %d (%s): %s", i, describeQuery(q), v.why))
				}
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// describeQuery says what a query asks, for a mismatch report.
func describeQuery(q search.Query) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%.5f,%.5f", q.Center[1], q.Center[0])
	if q.RadiusKm > 0 {
		fmt.Fprintf(&b, " within %g km", q.RadiusKm)
	} else {
		b.WriteString(" any distance")
	}
	for _, g := range directory.Groups() {
		if len(q.Filters[g]) > 0 {
			fmt.Fprintf(&b, " %s=%s", g, strings.Join(q.Filters[g], ","))
		}
	}
	if q.Text != "" {
		fmt.Fprintf(&b, " q=%q", q.Text)
	}
	return b.String()
}

// TextComparison compares two engines' answers to the text workload, which
// no oracle checks: text analysis (stemming, typo tolerance) has no
// brute-force equivalent.
type TextComparison struct {
	Engines     [2]string `json:"engines"`
	Compared    int       `json:"compared"`
	TotalsEqual int       `json:"totals_equal"`
	PagesEqual  int       `json:"pages_equal"`
	// MeanAbsDiff is the mean |total difference| over queries.
	MeanAbsDiff float64 `json:"mean_abs_total_diff"`
	MeanTotal   float64 `json:"mean_total"`
}

func compareText(a, b []Answer, names [2]string) *TextComparison {
	tc := &TextComparison{Engines: names}
	sum, sumT := 0, 0
	for i := range min(len(a), len(b)) {
		if a[i].Err != "" || b[i].Err != "" || a[i].Skipped || b[i].Skipped {
			continue
		}
		tc.Compared++
		if a[i].Total == b[i].Total {
			tc.TotalsEqual++
		}
		if slices.Equal(a[i].IDs, b[i].IDs) {
			tc.PagesEqual++
		}
		sum += abs(a[i].Total - b[i].Total)
		sumT += a[i].Total
	}
	if tc.Compared > 0 {
		tc.MeanAbsDiff = float64(sum) / float64(tc.Compared)
		tc.MeanTotal = float64(sumT) / float64(tc.Compared)
	}
	return tc
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
