package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/internal/storetest"
	"github.com/carefinder/carefinder/search"
	"github.com/carefinder/carefinder/search/searchtest"
	"github.com/carefinder/carefinder/web"
)

// fixture facility ids.
const (
	idMusicCity    = "nash-musiccity"
	idCumberland   = "nash-cumberland"
	idMidtown      = "nash-midtown"
	idFranklin     = "nash-franklin"
	idMurfreesboro = "nash-murfreesboro"
	idClarksville  = "clarksville"
	idMemphis      = "memphis"
	idKnoxville    = "knoxville"
	idAllston      = "bos-allston"
	idCambridge    = "bos-cambridge"
	idBrookline    = "bos-brookline"
	idVenice       = "la-venice"
	idRemoved      = "nash-removed"
)

// facility returns a test facility with services given as "group:slug".
func facility(id, name string, lat, lon float64, services ...string) directory.Facility {
	f := directory.Facility{
		ID:         id,
		Name:       name,
		Lat:        lat,
		Lon:        lon,
		Address:    directory.Address{Lines: []string{"1 Main St"}, City: "Somewhere", State: "TN", ZIP: "37203"},
		Phones:     directory.Phones{Main: "615-555-0100"},
		Provenance: directory.Provenance{Source: "test", SourceID: id, LastVerified: "2024-05-01"},
	}
	for _, s := range services {
		g, slug, _ := strings.Cut(s, ":")
		f.Services.Add(directory.Group(g), slug)
	}
	return f
}

// fixtureFacilities are a small directory around Nashville (ZIP 37203) and
// Boston (02134), with a few far away.
func fixtureFacilities() []directory.Facility {
	fs := []directory.Facility{
		facility(idMusicCity, "Music City Detox", 36.1627, -86.7816, "care:detox", "payment:medicaid", "payment:self-pay", "language:en"),
		facility(idCumberland, "Cumberland Residential", 36.1745, -86.7680, "care:residential-short-term", "payment:private-insurance", "language:en"),
		facility(idMidtown, "Midtown Outpatient Clinic", 36.1520, -86.7990, "care:standard-outpatient", "medication:buprenorphine", "language:es", "language:en"),
		facility(idFranklin, "Franklin Detox Center", 35.9251, -86.8689, "care:detox", "care:hospital-inpatient", "payment:medicaid", "language:es"),
		facility(idMurfreesboro, "Murfreesboro Long Term Recovery", 35.8456, -86.3903, "care:residential-long-term", "care:detox", "payment:medicaid"),
		facility(idClarksville, "Clarksville Recovery", 36.5298, -87.3595, "care:detox", "care:outpatient", "population:veterans"),
		facility(idMemphis, "Memphis Detox", 35.1495, -90.0490, "care:detox", "payment:self-pay"),
		facility(idKnoxville, "Knoxville Outpatient", 35.9606, -83.9207, "care:outpatient", "medication:methadone"),
		facility(idAllston, "Allston Detox", 42.3535, -71.1320, "care:detox", "population:women", "payment:medicaid"),
		facility(idCambridge, "Cambridge Outpatient", 42.3736, -71.1097, "care:intensive-outpatient", "medication:naltrexone", "payment:medicaid"),
		facility(idBrookline, "Brookline Residential", 42.3318, -71.1212, "care:residential-short-term", "population:veterans"),
		facility(idVenice, "Venice Beach Recovery", 33.9850, -118.4695, "care:detox", "language:es"),
		facility(idRemoved, "Closed Detox", 36.1600, -86.7800, "care:detox"),
	}
	fs[0].Phones = directory.Phones{Hotline: "615-555-0199", Intake: "615-555-0101", Main: "615-555-0100"}
	fs[0].Open247 = directory.Known(true)
	fs[0].Website = "https://musiccitydetox.example"
	return fs
}

// env is a running server over a real store and index.
type env struct {
	srv    *httptest.Server
	server *web.Server
	store  *directory.Store
	index  *search.Index
	gaz    *geo.Gazetteer
	logs   *syncBuffer
	ready  *atomic.Bool
	// active are the facilities searches can find.
	active []directory.Facility
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// mustServer stores the fixture in a fresh SQLite store, removes
// idRemoved, indexes the rest and serves them.
func mustServer(tb testing.TB) *env {
	tb.Helper()
	return mustServerWith(tb, fixtureFacilities(), []string{idRemoved}, nil)
}

// mustServerWith serves facilities, less the removed ones, with the
// Config changed by configure (when not nil; it may add partners to the
// store first). The store is SQLite, or PostgreSQL with
// CAREFINDER_TEST_STORE=postgres (internal/storetest).
func mustServerWith(tb testing.TB, all []directory.Facility, removed []string, configure func(store *directory.Store, cfg *web.Config)) *env {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	store := storetest.Open(tb, dir)
	if _, err := store.Import(ctx, slices.Clone(all), directory.ImportOptions{}); err != nil {
		tb.Fatal(err)
	}
	for _, id := range removed {
		if err := store.Delete(ctx, id); err != nil {
			tb.Fatal(err)
		}
	}
	index, err := search.Open(ctx, filepath.Join(dir, "index"), store, directory.DefaultTaxonomy())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { index.Close() })
	gaz, err := geo.NewGazetteer()
	if err != nil {
		tb.Fatal(err)
	}
	e := &env{store: store, index: index, gaz: gaz, logs: &syncBuffer{}, ready: &atomic.Bool{}}
	e.ready.Store(true)
	for _, f := range all {
		if !slices.Contains(removed, f.ID) {
			e.active = append(e.active, f)
		}
	}
	cfg := web.Config{
		Index:     index,
		Store:     store,
		Gazetteer: gaz,
		Taxonomy:  directory.DefaultTaxonomy(),
		Logger:    slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Version:   "test-1.2.3",
		Ready:     e.ready.Load,
	}
	if configure != nil {
		configure(store, &cfg)
	}
	e.server = web.NewServer(cfg)
	e.srv = httptest.NewServer(e.server.Handler())
	tb.Cleanup(e.srv.Close)
	return e
}

// response is what a test request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request to the test server; path includes the query string.
func (e *env) do(tb testing.TB, method, path string, header http.Header) response {
	tb.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return response{res.StatusCode, res.Header, body}
}

func (e *env) get(tb testing.TB, path string) response {
	tb.Helper()
	return e.do(tb, http.MethodGet, path, nil)
}

// getJSON gets path, expects status, and decodes the JSON body into v.
func (e *env) getJSON(tb testing.TB, path string, status int, v any) response {
	tb.Helper()
	r := e.get(tb, path)
	if r.status != status {
		tb.Fatalf("GET %s: status %d, want %d; body %s", path, r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/") || !strings.Contains(ct, "json") {
		tb.Fatalf("GET %s: Content-Type %q, want JSON", path, ct)
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		tb.Fatalf("GET %s: decode %s: %v", path, r.body, err)
	}
	return r
}

// place geocodes q with the real gazetteer.
func (e *env) place(tb testing.TB, q string) geo.Place {
	tb.Helper()
	p, err := e.gaz.Geocode(q)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// oracleQuery is a search as the oracle understands it.
type oracleQuery struct {
	center   *orb.Point
	radiusKm float64 // 0: no limit
	filters  map[directory.Group][]string
}

// oracleHit is a facility the oracle finds, with its distance (NaN
// without a center).
type oracleHit struct {
	id   string
	name string
	dist float64
}

// oracle answers q by brute force over the active fixture
// (search/searchtest). Hits are nearest first with a center, else by name.
func (e *env) oracle(q oracleQuery) []oracleHit {
	sq := search.Query{RadiusKm: q.radiusKm, Filters: q.filters}
	if q.center != nil {
		sq.HasLocation, sq.Center = true, *q.center
	}
	a := searchtest.Answer(e.active, sq)
	names := map[string]string{}
	for _, f := range e.active {
		names[f.ID] = f.Name
	}
	hits := []oracleHit{}
	for _, id := range a.IDs {
		hits = append(hits, oracleHit{id, names[id], a.Dists[id]})
	}
	return hits
}

func ids(hits []oracleHit) []string {
	out := []string{}
	for _, h := range hits {
		out = append(out, h.id)
	}
	return out
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
