package geo

import (
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/paulmach/orb"
)

// Limits on a Grid's cell size. Below the minimum the per-row index grows
// large for no gain; above the maximum a cell no longer narrows anything.
const (
	minCellDeg = 0.001
	maxCellDeg = 90
)

// blockSize is the most points a cell holds before Build splits it into
// blocks with their own bounding boxes, so that a query in a dense city does
// not measure the distance to every point of the cells it touches.
const blockSize = 32

// nearestMarginKm is subtracted from Nearest's lower bounds so that rounding
// in a bound (or in placing a point on a cell edge) can never let a point be
// reported before a nearer one. It is 1 mm.
const nearestMarginKm = 1e-6

// Grid indexes points by cells of a fixed size in degrees, for radius
// (Within) and nearest-first (Nearest) queries. Longitude cells wrap around
// the antimeridian and the polar rows meet at the poles, so queries anywhere
// on the globe are exact.
//
// Queries do not allocate once warm and may run concurrently with each
// other, but not with Build: to replace the points of a Grid in use, build a
// new Grid and swap it in.
type Grid struct {
	rowDeg, colDeg float64 // cell size, adjusted to tile the globe exactly
	nRows, nCols   int

	// The non-empty cells, in row-major order: row r's cells are
	// rowStart[r]:rowStart[r+1], with their columns ascending in cellCol.
	// Cell c's points are positions cellStart[c]:cellStart[c+1] of the
	// point arrays, and if it has more than blockSize of them, it is split
	// into the blocks cellBlock[c]:cellBlock[c+1].
	rowStart  []int32
	cellCol   []int32
	cellStart []int32
	cellBlock []int32

	// Blocks: point positions blockStart[b]:blockEnd[b], all within the
	// latitude and longitude (normalized, in degrees) bounds given.
	blockStart, blockEnd     []int32
	blockLatMin, blockLatMax []float64
	blockLonMin, blockLonMax []float64

	// The points in cell order: latitude and longitude in radians (exactly
	// p[1]*degToRad and p[0]*degToRad, as DistanceKm computes them), the
	// cosine of the latitude, and the index in the slice given to Build.
	lat, lon, cosLat []float64
	id               []int32

	scratch sync.Pool // of *nearestScratch
}

// NewGrid returns an empty Grid whose cells are about cellDeg degrees on a
// side (0.25° is about 28 km north-south). The size is rounded down a little
// so that whole cells tile the globe. NewGrid panics if cellDeg is not
// between 0.001 and 90.
func NewGrid(cellDeg float64) *Grid {
	if !(cellDeg >= minCellDeg && cellDeg <= maxCellDeg) {
		panic(fmt.Sprintf("geo.NewGrid: cell size %v° not in [%v, %v]", cellDeg, minCellDeg, maxCellDeg))
	}
	nRows := int(math.Ceil(180/cellDeg - 1e-9))
	nCols := int(math.Ceil(360/cellDeg - 1e-9))
	g := &Grid{
		rowDeg: 180 / float64(nRows),
		colDeg: 360 / float64(nCols),
		nRows:  nRows,
		nCols:  nCols,
	}
	g.Build(nil)
	return g
}

// Build indexes points, replacing whatever the Grid held. The index a query
// reports for a point is its position in points. Points with a NaN or
// infinite coordinate, or a latitude beyond ±90°, are skipped; longitudes
// outside [-180, 180] are taken modulo 360.
func (g *Grid) Build(points []orb.Point) {
	if g.nRows == 0 {
		panic("geo.Grid.Build: Grid not made by NewGrid")
	}
	if len(points) > math.MaxInt32 {
		panic("geo.Grid.Build: too many points")
	}
	entries := make([]gridEntry, 0, len(points))
	for i, p := range points {
		lon, lat := p[0], p[1]
		if !validLatLon(lat, lon) {
			continue
		}
		lonN := cellLon(lon)
		entries = append(entries, gridEntry{lat: lat, lon: lonN, row: int32(g.row(lat)), col: int32(g.col(lonN)), i: int32(i)})
	}
	slices.SortFunc(entries, func(a, b gridEntry) int {
		if a.row != b.row {
			return int(a.row - b.row)
		}
		if a.col != b.col {
			return int(a.col - b.col)
		}
		return int(a.i - b.i)
	})

	n := len(entries)
	g.lat = make([]float64, n)
	g.lon = make([]float64, n)
	g.cosLat = make([]float64, n)
	g.id = make([]int32, n)
	g.rowStart = make([]int32, g.nRows+1)
	g.cellCol, g.cellStart, g.cellBlock = nil, nil, nil
	g.blockStart, g.blockEnd = nil, nil
	g.blockLatMin, g.blockLatMax, g.blockLonMin, g.blockLonMax = nil, nil, nil, nil
	for start := 0; start < n; {
		end := start + 1
		for end < n && entries[end].row == entries[start].row && entries[end].col == entries[start].col {
			end++
		}
		g.cellCol = append(g.cellCol, entries[start].col)
		g.cellStart = append(g.cellStart, int32(start))
		g.cellBlock = append(g.cellBlock, int32(len(g.blockStart)))
		g.rowStart[entries[start].row+1]++ // counts cells per row, summed below
		if end-start > blockSize {
			g.addBlocks(entries, start, end)
		}
		start = end
	}
	g.cellStart = append(g.cellStart, int32(n))
	g.cellBlock = append(g.cellBlock, int32(len(g.blockStart)))
	for r := 1; r <= g.nRows; r++ {
		g.rowStart[r] += g.rowStart[r-1]
	}
	for k, e := range entries {
		p := points[e.i]
		g.lat[k] = p[1] * degToRad
		g.lon[k] = p[0] * degToRad
		g.cosLat[k] = math.Cos(g.lat[k])
		g.id[k] = e.i
	}
	g.cellCol = slices.Clip(g.cellCol)
	g.cellStart = slices.Clip(g.cellStart)
	g.cellBlock = slices.Clip(g.cellBlock)
}

// Renumber names the points by where the grid stores them: it returns,
// for each storage position k, the index the point had in the slice given
// to Build, and from then on queries call that point k. A caller that lays
// its own per-point data out in the returned order (its element k being
// the old element order[k]) then reads that data sequentially, as the
// grid reads its points, instead of at scattered places (a cache miss a
// point, in a dense city). Points Build skipped (invalid coordinates) are
// not in the order.
func (g *Grid) Renumber() (order []int32) {
	order = slices.Clone(g.id)
	for k := range g.id {
		g.id[k] = int32(k)
	}
	return order
}

// InOrder reports whether the grid stores its points in the order they
// were given to Build (point k at position k), every one of them.
func (g *Grid) InOrder(points int) bool {
	if len(g.id) != points {
		return false
	}
	for k, i := range g.id {
		if int(i) != k {
			return false
		}
	}
	return true
}

// gridEntry is a point being placed by Build.
type gridEntry struct {
	lat, lon    float64 // degrees, lon as cellLon gives it
	row, col, i int32
}

// addBlocks splits the points entries[start:end] of one cell into blocks of
// at most blockSize, roughly square (sort-tile-recursive packing: slices by
// longitude, each cut into blocks by latitude), and records their bounds.
func (g *Grid) addBlocks(entries []gridEntry, start, end int) {
	cell := entries[start:end]
	nBlocks := (len(cell) + blockSize - 1) / blockSize
	nSlices := int(math.Ceil(math.Sqrt(float64(nBlocks))))
	perSlice := (len(cell) + nSlices - 1) / nSlices
	perSlice = (perSlice + blockSize - 1) / blockSize * blockSize // whole blocks
	byLonThenIndex := func(a, b gridEntry) int {
		if c := compareFloat(a.lon, b.lon); c != 0 {
			return c
		}
		return int(a.i - b.i)
	}
	byLatThenIndex := func(a, b gridEntry) int {
		if c := compareFloat(a.lat, b.lat); c != 0 {
			return c
		}
		return int(a.i - b.i)
	}
	slices.SortFunc(cell, byLonThenIndex)
	for s := 0; s < len(cell); s += perSlice {
		slice := cell[s:min(s+perSlice, len(cell))]
		slices.SortFunc(slice, byLatThenIndex)
		for b := 0; b < len(slice); b += blockSize {
			block := slice[b:min(b+blockSize, len(slice))]
			latMin, latMax := block[0].lat, block[0].lat
			lonMin, lonMax := block[0].lon, block[0].lon
			for _, e := range block[1:] {
				latMin, latMax = min(latMin, e.lat), max(latMax, e.lat)
				lonMin, lonMax = min(lonMin, e.lon), max(lonMax, e.lon)
			}
			first := start + s + b
			g.blockStart = append(g.blockStart, int32(first))
			g.blockEnd = append(g.blockEnd, int32(first+len(block)))
			g.blockLatMin = append(g.blockLatMin, latMin)
			g.blockLatMax = append(g.blockLatMax, latMax)
			g.blockLonMin = append(g.blockLonMin, lonMin)
			g.blockLonMax = append(g.blockLonMax, lonMax)
		}
	}
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Len returns the number of points indexed, not counting skipped ones.
func (g *Grid) Len() int { return len(g.id) }

// Within calls fn(i, distKm) for every indexed point i with
// DistanceKm(center, p) <= radiusKm, in no particular order, until fn returns
// false. distKm equals DistanceKm(center, p) exactly.
func (g *Grid) Within(center orb.Point, radiusKm float64, fn func(i int, distKm float64) bool) {
	g.WithinFiltered(center, radiusKm, nil, fn)
}

// WithinFiltered is Within for only the points keep accepts: keep(i) is
// asked before the distance is measured, so a cheap test (a facility's
// services) saves the trigonometry for the points it rejects. A nil keep
// accepts every point.
func (g *Grid) WithinFiltered(center orb.Point, radiusKm float64, keep func(i int) bool, fn func(i int, distKm float64) bool) {
	m := g.Meter(center)
	g.Spans(center, radiusKm, func(s Span) bool {
		for p := s.Start; p < s.End; p++ {
			if keep != nil && !keep(int(g.id[p])) {
				continue
			}
			if d := m.Km(p); d <= radiusKm && !fn(int(g.id[p]), d) {
				return false
			}
		}
		return true
	})
}

// A Span is a run of positions Start..End-1 in a Grid's storage (see
// Grid.ID and Meter.Km) near a circle, as Grid.Spans reports them.
type Span struct {
	Start, End int32
	// Inside says that every point of the span lies within the circle:
	// a caller that needs only to know which points do (to count them)
	// need not measure them.
	Inside bool
	// MinKm is a lower bound (maybe 0) on the distance from the circle's
	// center to the span's points: a caller that keeps the nearest few
	// can skip the span once it holds enough nearer than that.
	MinKm float64
}

// Spans calls fn, until it returns false, with runs of stored points that
// together hold every point within radiusKm of center, each once, in no
// particular order. A span that is not Inside may also hold points outside
// the circle: the caller measures them (Meter.Km) to tell. In a dense
// city most of a circle's points come in Inside spans (blocks of up to
// 32 points whose bounds lie in the circle), whose distances a query
// sorting the nearest few need only measure for the spans that can reach
// its page.
func (g *Grid) Spans(center orb.Point, radiusKm float64, fn func(Span) bool) {
	clon, clat := center[0], center[1]
	if len(g.id) == 0 || !(radiusKm >= 0) || !validLatLon(clat, clon) {
		return
	}
	latMin, latMax, lonHalf, allLon := circleSpan(clat, radiusKm)
	lon := cellLon(clon)
	lonMin, lonMax := lon-lonHalf, lon+lonHalf
	var segs [2]colRange
	nseg := 1
	if allLon {
		segs[0] = colRange{0, g.nCols - 1}
	} else {
		nseg = g.wrapCols(g.colUnwrapped(lonMin), g.colUnwrapped(lonMax), &segs)
	}
	m := g.Meter(center)
	for r, rEnd := g.row(latMin), g.row(latMax); r <= rEnd; r++ {
		for _, s := range segs[:nseg] {
			for c, cEnd := g.cellsIn(r, s); c < cEnd; c++ {
				if g.cellBlock[c] == g.cellBlock[c+1] {
					if !fn(Span{Start: g.cellStart[c], End: g.cellStart[c+1]}) {
						return
					}
					continue
				}
				for b := g.cellBlock[c]; b < g.cellBlock[c+1]; b++ {
					if g.blockLatMax[b] < latMin || g.blockLatMin[b] > latMax ||
						!allLon && !lonOverlap(g.blockLonMin[b], g.blockLonMax[b], lonMin, lonMax) {
						continue
					}
					near, far := m.blockRange(g, b)
					if near > radiusKm {
						continue
					}
					if !fn(Span{Start: g.blockStart[b], End: g.blockEnd[b], Inside: far <= radiusKm, MinKm: near}) {
						return
					}
				}
			}
		}
	}
}

// ID returns the index of the point stored at position p: its position in
// the slice given to Build or, after Renumber, p itself.
func (g *Grid) ID(p int32) int { return int(g.id[p]) }

// A Meter measures distances from one center to a Grid's stored points.
type Meter struct {
	g             *Grid
	lat, lon, cos float64 // the center in radians, as DistanceKm takes it
}

// Meter returns a Meter from center, which must be a valid point.
func (g *Grid) Meter(center orb.Point) Meter {
	lat := center[1] * degToRad
	return Meter{g: g, lat: lat, lon: center[0] * degToRad, cos: math.Cos(lat)}
}

// Km returns the distance from the center to the point stored at position
// p, equal to DistanceKm's bit for bit.
func (m Meter) Km(p int32) float64 {
	g := m.g
	return haversineKm(m.lat, m.lon, m.cos, g.lat[p], g.lon[p], g.cosLat[p])
}

// blockRange returns bounds near <= DistanceKm(center, p) <= far for every
// point p of block b. By the triangle inequality, a point lies within the
// distance to the block's middle plus or minus the block's reach from its
// middle, which is at most the path along the meridian to the point's
// latitude (half the latitude span) and then along that parallel (half the
// longitude span at the widest latitude of the block). The margin covers
// rounding, so that a point the bounds call inside the circle is inside
// by DistanceKm too.
func (m Meter) blockRange(g *Grid, b int32) (near, far float64) {
	latLo, latHi := g.blockLatMin[b], g.blockLatMax[b]
	lonLo, lonHi := g.blockLonMin[b], g.blockLonMax[b]
	midLat := (latLo + latHi) / 2 * degToRad
	d := haversineKm(m.lat, m.lon, m.cos, midLat, (lonLo+lonHi)/2*degToRad, math.Cos(midLat))
	widest := 1.0 // cosine of the block's latitude nearest the equator
	if latLo > 0 {
		widest = math.Cos(latLo * degToRad)
	} else if latHi < 0 {
		widest = math.Cos(latHi * degToRad)
	}
	reach := EarthRadiusKm*((latHi-latLo)/2*degToRad+widest*(lonHi-lonLo)/2*degToRad) + nearestMarginKm
	return max(0, d-reach), d + reach
}

// lonOverlap reports whether the longitude range [lo, hi], within
// [-180, 180], meets [qlo, qhi], which may extend past ±180 but is narrower
// than 360°.
func lonOverlap(lo, hi, qlo, qhi float64) bool {
	for _, shift := range [3]float64{0, -360, 360} {
		if hi+shift >= qlo && lo+shift <= qhi {
			return true
		}
	}
	return false
}

// Nearest calls fn(i, distKm) for indexed points in nondecreasing order of
// distKm = DistanceKm(center, p) (ties in any order) until fn returns false,
// or until every point has been reported exactly once.
//
// It searches outward in rings of cells and reports a point only once no
// unsearched cell could hold a nearer one, so the work done is proportional
// to how far the caller reads: stopping after the nearest 20 is cheap even
// with millions of points.
func (g *Grid) Nearest(center orb.Point, fn func(i int, distKm float64) bool) {
	g.NearestFiltered(center, nil, fn)
}

// NearestFiltered is Nearest for only the points keep accepts: keep(i) is
// asked before the distance is measured, and rejected points never enter
// the search's heap, so a selective filter costs a test per point, not a
// distance and a heap operation. A nil keep accepts every point.
//
// Where no accepted point is near, the rings grow faster (their step
// doubles after each ring that reported nothing), so that a search from
// far out at sea, or for a rare kind of place, crosses the empty cells in
// a few steps rather than one ring of cells at a time.
func (g *Grid) NearestFiltered(center orb.Point, keep func(i int) bool, fn func(i int, distKm float64) bool) {
	clon, clat := center[0], center[1]
	if len(g.id) == 0 || !validLatLon(clat, clon) {
		return
	}
	s, _ := g.scratch.Get().(*nearestScratch)
	if s == nil {
		s = new(nearestScratch)
	}
	defer func() {
		s.heap = s.heap[:0]
		g.scratch.Put(s)
	}()

	q := nearestQuery{
		g:    g,
		s:    s,
		latD: clat,
		lonD: cellLon(clon),
		lat:  clat * degToRad,
		lon:  clon * degToRad,
		keep: keep,
	}
	q.cos = math.Cos(q.lat)
	q.sin = math.Sin(q.lat)
	r0, c0 := g.row(clat), g.col(q.lonD)
	q.c0 = c0

	// Each ring adds a row above and below and enough columns on each side
	// to reach about as far in kilometres: more at high latitudes, where a
	// degree of longitude is short.
	colsPerRow := g.rowDeg / (g.colDeg * max(q.cos, 1e-9))

	rowLo, rowHi, half := r0, r0, 0
	full := false
	q.scan(r0, r0, c0, c0)
	for k, step := 1, 1; ; k += step {
		bound := q.lowerBound(rowLo, rowHi, half, full)
		reported := false
		for len(s.heap) > 0 && s.heap[0].distKm <= bound {
			top := s.pop()
			if top.block >= 0 {
				for p := g.blockStart[top.block]; p < g.blockEnd[top.block]; p++ {
					q.push(p)
				}
				continue
			}
			reported = true
			if !fn(int(g.id[top.pos]), top.distKm) {
				return
			}
		}
		if reported {
			step = 1
		} else {
			step = min(2*step, g.nRows)
		}
		if rowLo == 0 && rowHi == g.nRows-1 && full {
			return // everything scanned and, with bound = +Inf, reported
		}

		newLo, newHi := max(r0-k, 0), min(r0+k, g.nRows-1)
		newHalf, newFull := half, full
		if !full {
			newHalf = int(min(math.Ceil(float64(k)*colsPerRow), float64(g.nCols)))
			newFull = 2*newHalf+1 >= g.nCols
		}

		// The old rows gain columns on both sides...
		if !full {
			if newFull {
				q.scan(rowLo, rowHi, c0+half+1, c0-half-1+g.nCols)
			} else if newHalf > half {
				q.scan(rowLo, rowHi, c0-newHalf, c0-half-1)
				q.scan(rowLo, rowHi, c0+half+1, c0+newHalf)
			}
		}
		// ...and the new rows are scanned across the new width.
		lo, hi := c0-newHalf, c0+newHalf
		if newFull {
			lo, hi = 0, g.nCols-1
		}
		if newLo < rowLo {
			q.scan(newLo, rowLo-1, lo, hi)
		}
		if newHi > rowHi {
			q.scan(rowHi+1, newHi, lo, hi)
		}
		rowLo, rowHi, half, full = newLo, newHi, newHalf, newFull
	}
}

// nearestQuery is the state of one Nearest call.
type nearestQuery struct {
	g          *Grid
	s          *nearestScratch
	latD, lonD float64 // center in degrees, lon as cellLon gives it
	lat, lon   float64 // center in radians, as DistanceKm computes them
	cos, sin   float64 // of lat
	c0         int     // center's column
	keep       func(i int) bool
}

// push puts the point at position p on the heap, if keep accepts it.
func (q *nearestQuery) push(p int32) {
	g := q.g
	if q.keep != nil && !q.keep(int(g.id[p])) {
		return
	}
	d := haversineKm(q.lat, q.lon, q.cos, g.lat[p], g.lon[p], g.cosLat[p])
	q.s.push(heapItem{distKm: d, pos: p, block: -1})
}

// scan puts the contents of the cells in rows rowLo..rowHi and unwrapped
// columns colLo..colHi on the heap: the points of small cells, and the
// blocks of large ones, keyed by a lower bound on their points' distances,
// to be opened only if the search gets that far.
func (q *nearestQuery) scan(rowLo, rowHi, colLo, colHi int) {
	g := q.g
	var segs [2]colRange
	nseg := g.wrapCols(colLo, colHi, &segs)
	for r := rowLo; r <= rowHi; r++ {
		if g.rowStart[r] == g.rowStart[r+1] {
			continue
		}
		for _, seg := range segs[:nseg] {
			for c, cEnd := g.cellsIn(r, seg); c < cEnd; c++ {
				if g.cellBlock[c] == g.cellBlock[c+1] {
					for p := g.cellStart[c]; p < g.cellStart[c+1]; p++ {
						q.push(p)
					}
					continue
				}
				for b := g.cellBlock[c]; b < g.cellBlock[c+1]; b++ {
					q.s.push(heapItem{distKm: q.blockLowerBound(b), pos: -1, block: b})
				}
			}
		}
	}
}

// blockLowerBound returns a distance that no point of block b is nearer than.
func (q *nearestQuery) blockLowerBound(b int32) float64 {
	g := q.g
	latMin, latMax := g.blockLatMin[b], g.blockLatMax[b]
	lonMin, lonMax := g.blockLonMin[b], g.blockLonMax[b]
	if lonMin <= q.lonD && q.lonD <= lonMax {
		// The nearest point is due north or south, or the center is inside.
		return max(0, latMin-q.latD, q.latD-latMax)*degToRad*EarthRadiusKm - nearestMarginKm
	}
	// Otherwise it is on the nearer of the block's east and west edges.
	west := math.Mod(q.lonD-lonMax+360, 360)
	east := math.Mod(lonMin-q.lonD+360, 360)
	return q.meridianDistKm(min(west, east), latMin, latMax) - nearestMarginKm
}

// lowerBound returns a distance in kilometres that no point outside the
// scanned box (rows rowLo..rowHi, columns c0-half..c0+half, or all columns
// if full) can be nearer than: any path from the center to such a point
// crosses one of the box's edges. It is +Inf once the box is the globe.
func (q *nearestQuery) lowerBound(rowLo, rowHi, half int, full bool) float64 {
	g := q.g
	latLo := -90 + float64(rowLo)*g.rowDeg
	latHi := -90 + float64(rowHi+1)*g.rowDeg
	if rowLo == 0 {
		latLo = -90
	}
	if rowHi == g.nRows-1 {
		latHi = 90
	}
	bound := math.Inf(1)
	// The nearest point of a parallel lies on the center's meridian.
	if rowHi < g.nRows-1 {
		bound = min(bound, (latHi-q.latD)*degToRad*EarthRadiusKm)
	}
	if rowLo > 0 {
		bound = min(bound, (q.latD-latLo)*degToRad*EarthRadiusKm)
	}
	if !full {
		west := q.lonD - (-180 + float64(q.c0-half)*g.colDeg)
		east := -180 + float64(q.c0+half+1)*g.colDeg - q.lonD
		bound = min(bound, q.meridianDistKm(west, latLo, latHi), q.meridianDistKm(east, latLo, latHi))
	}
	return bound - nearestMarginKm
}

// meridianDistKm returns the distance from the center to the segment of the
// meridian dLonDeg degrees east (or west) of it, 0 <= dLonDeg <= 180, between
// latitudes latLo and latHi, in degrees.
func (q *nearestQuery) meridianDistKm(dLonDeg, latLo, latHi float64) float64 {
	w := dLonDeg * degToRad
	a, b := latLo*degToRad, latHi*degToRad
	if cw := math.Cos(w); cw > 0 {
		// Along the meridian the distance falls to a minimum at the foot of
		// the perpendicular great circle, then rises again.
		foot := math.Atan2(q.sin, q.cos*cw)
		switch {
		case foot < a:
			return haversineKm(q.lat, 0, q.cos, a, w, math.Cos(a))
		case foot > b:
			return haversineKm(q.lat, 0, q.cos, b, w, math.Cos(b))
		}
		return EarthRadiusKm * math.Asin(min(1, q.cos*math.Abs(math.Sin(w))))
	}
	// More than 90° away there is no minimum inside: it is at an end.
	return min(haversineKm(q.lat, 0, q.cos, a, w, math.Cos(a)), haversineKm(q.lat, 0, q.cos, b, w, math.Cos(b)))
}

// heapItem is a scanned point, by position in the Grid's arrays, with its
// distance, or an unopened block (block >= 0) with a lower bound on it.
type heapItem struct {
	distKm float64
	pos    int32
	block  int32
}

// nearestScratch is the reusable per-query memory of Nearest: a binary
// min-heap of scanned but unreported points and unopened blocks.
// (Hand-rolled because container/heap boxes every element it pushes.)
type nearestScratch struct {
	heap []heapItem
}

func (s *nearestScratch) push(x heapItem) {
	h := append(s.heap, x)
	i := len(h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if h[parent].distKm <= x.distKm {
			break
		}
		h[i] = h[parent]
		i = parent
	}
	h[i] = x
	s.heap = h
}

func (s *nearestScratch) pop() heapItem {
	h := s.heap
	top := h[0]
	n := len(h) - 1
	x := h[n]
	h = h[:n]
	i := 0
	for {
		child := 2*i + 1
		if child >= n {
			break
		}
		if r := child + 1; r < n && h[r].distKm < h[child].distKm {
			child = r
		}
		if x.distKm <= h[child].distKm {
			break
		}
		h[i] = h[child]
		i = child
	}
	if n > 0 {
		h[i] = x
	}
	s.heap = h
	return top
}

// colRange is an inclusive range of (wrapped) columns.
type colRange struct{ lo, hi int }

// wrapCols splits the unwrapped column range lo..hi into at most two ranges
// of columns in [0, nCols), stored in segs; it returns how many.
func (g *Grid) wrapCols(lo, hi int, segs *[2]colRange) int {
	if hi < lo {
		return 0
	}
	if hi-lo+1 >= g.nCols {
		segs[0] = colRange{0, g.nCols - 1}
		return 1
	}
	lo = ((lo % g.nCols) + g.nCols) % g.nCols
	hi = ((hi % g.nCols) + g.nCols) % g.nCols
	if lo <= hi {
		segs[0] = colRange{lo, hi}
		return 1
	}
	segs[0] = colRange{lo, g.nCols - 1}
	segs[1] = colRange{0, hi}
	return 2
}

// cellsIn returns the range of cell numbers in row r whose columns are in s.
func (g *Grid) cellsIn(r int, s colRange) (start, end int) {
	rs, re := int(g.rowStart[r]), int(g.rowStart[r+1])
	cols := g.cellCol[rs:re]
	lo, _ := slices.BinarySearch(cols, int32(s.lo))
	hi := lo
	for hi < len(cols) && int(cols[hi]) <= s.hi {
		hi++
	}
	return rs + lo, rs + hi
}

// row returns the row of latitude lat, clamped to the grid.
func (g *Grid) row(lat float64) int {
	r := int(math.Floor((lat + 90) / g.rowDeg))
	return min(max(r, 0), g.nRows-1)
}

// colUnwrapped returns the column of longitude lon, which may lie outside
// [-180, 180], without wrapping it.
func (g *Grid) colUnwrapped(lon float64) int {
	return int(math.Floor((lon + 180) / g.colDeg))
}

// col returns the column of a longitude as cellLon gives it.
func (g *Grid) col(lon float64) int {
	return min(max(g.colUnwrapped(lon), 0), g.nCols-1)
}

// cellLon maps a longitude onto [-180, 180), the range the cells cover.
func cellLon(lon float64) float64 {
	lon = normalizeLon(lon)
	if lon == 180 {
		return -180
	}
	return lon
}

// sizeBytes returns the memory held by the index, for tests.
func (g *Grid) sizeBytes() int {
	return 8*(cap(g.lat)+cap(g.lon)+cap(g.cosLat)) +
		4*(cap(g.id)+cap(g.rowStart)+cap(g.cellCol)+cap(g.cellStart)+cap(g.cellBlock)) +
		4*(cap(g.blockStart)+cap(g.blockEnd)) +
		8*(cap(g.blockLatMin)+cap(g.blockLatMax)+cap(g.blockLonMin)+cap(g.blockLonMax))
}

func validLatLon(lat, lon float64) bool {
	return lat >= -90 && lat <= 90 && !math.IsNaN(lon) && !math.IsInf(lon, 0)
}
