package web

import (
	"context"
	_ "embed"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/search"
)

// serveFacility answers GET /api/v1/facilities/{id} with the facility as
// the store has it: the store, not the index, is the source of truth.
func (s *Server) serveFacility(w http.ResponseWriter, r *http.Request) error {
	if _, err := parseParams(r); err != nil {
		return err
	}
	f, fromIndex, err := s.activeFacility(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if fromIndex {
		w.Header().Set("X-CareFinder-Partial", "the directory store is unreachable: this is the search index's summary of the record")
		w.Header().Set("Cache-Control", "no-store")
	}
	return writeJSON(w, http.StatusOK, contentTypeJSON, f)
}

// activeFacility reads the active facility id names (see facility); an id
// no facility could have (directory.Facility.Validate) is not found, without
// asking the store.
func (s *Server) activeFacility(ctx context.Context, id string) (f *directory.Facility, fromIndex bool, err error) {
	notFound := &directory.Error{Code: directory.ENOTFOUND, Param: "id", Message: fmt.Sprintf("no facility with id %q", id)}
	if directory.CheckID(id) != nil {
		return nil, false, notFound
	}
	if f, fromIndex, err = s.facility(ctx, id); err != nil {
		return nil, false, err
	}
	if !f.Active {
		return nil, false, notFound
	}
	return f, fromIndex, nil
}

// storeRetryAfter is how long a client is told to wait when the directory
// store cannot be reached.
const storeRetryAfter = 30 * time.Second

// facility reads a facility from the store, the source of truth. When the
// store fails (not a "not found"), it falls back to the search index's
// summary of the record, so that a person still gets the phone number and
// the address; fromIndex says so. Without either it is a 503 with
// Retry-After.
func (s *Server) facility(ctx context.Context, id string) (f *directory.Facility, fromIndex bool, err error) {
	f, err = s.store.Get(ctx, id)
	if err == nil || directory.ErrorCode(err) != directory.EINTERNAL || ctx.Err() != nil {
		return f, false, err
	}
	s.logger.ErrorContext(ctx, "read facility from the store", "id", id, "err", err, "request_id", requestIDFrom(ctx))
	if sum, ok := s.index.Get(id); ok {
		return sum, true, nil
	}
	return nil, false, &apiError{Status: http.StatusServiceUnavailable, Code: codeUnavailable, RetryAfter: storeRetryAfter,
		Message: "the directory cannot be reached right now; try again in a minute"}
}

// taxonomyJSON is the answer of /api/v1/taxonomy: every group in display
// order, each with its terms.
type taxonomyJSON struct {
	Groups []groupJSON `json:"groups"`
}

type groupJSON struct {
	Group directory.Group `json:"group"`
	Terms []termJSON      `json:"terms"`
}

type termJSON struct {
	Slug        string         `json:"slug"`
	Parent      *string        `json:"parent"`
	Label       directory.Text `json:"label"`
	Explanation directory.Text `json:"explanation"`
	SAMHSACodes []string       `json:"samhsa_codes"`
	// Keywords are other words people type for the term; a text search
	// (q) matches them as it matches the labels.
	Keywords []string `json:"keywords"`
	// Children are the terms directly below this one; a search for this
	// term also finds them.
	Children []string `json:"children"`
}

// serveTaxonomy answers GET /api/v1/taxonomy.
func (s *Server) serveTaxonomy(w http.ResponseWriter, r *http.Request) error {
	if _, err := parseParams(r); err != nil {
		return err
	}
	out := taxonomyJSON{Groups: []groupJSON{}}
	for _, g := range directory.Groups() {
		terms := s.tax.Terms(g)
		gj := groupJSON{Group: g, Terms: make([]termJSON, 0, len(terms))}
		for _, t := range terms {
			tj := termJSON{
				Slug:        t.Slug,
				Label:       t.Label,
				Explanation: t.Explanation,
				SAMHSACodes: nonNil(t.SAMHSACodes),
				Keywords:    nonNil(t.Keywords),
				Children:    []string{},
			}
			if t.Parent != "" {
				tj.Parent = &t.Parent
			}
			for _, c := range terms {
				if c.Parent == t.Slug {
					tj.Children = append(tj.Children, c.Slug)
				}
			}
			gj.Terms = append(gj.Terms, tj)
		}
		out.Groups = append(out.Groups, gj)
	}
	w.Header().Set("Cache-Control", cacheControlPublic)
	return writeJSON(w, http.StatusOK, contentTypeJSON, out)
}

// placeJSON is a geocoded place.
type placeJSON struct {
	Query     string  `json:"query"`
	Kind      string  `json:"kind"`
	Lat       float64 `json:"lat"`
	Lon       float64 `json:"lon"`
	Precision string  `json:"precision"` // "point", "zip" or "city"
	Label     string  `json:"label"`
	Note      string  `json:"note,omitempty"`
	// Alternatives are other cities of the name, when a city was named
	// without its state.
	Alternatives []string `json:"alternatives,omitempty"`
	ZIP          string   `json:"zip,omitempty"`
	City         string   `json:"city,omitempty"`
	State        string   `json:"state,omitempty"`
}

// serveGeocode answers GET /api/v1/geocode?q=, so that a page can show
// where a search will look before it runs.
func (s *Server) serveGeocode(w http.ResponseWriter, r *http.Request) error {
	p, err := parseParams(r, "q")
	if err != nil {
		return err
	}
	q, err := p.single("q")
	if err != nil {
		return err
	}
	if q == "" {
		return paramError("q", `is required: a ZIP code, "City, ST" or "lat,lon"`)
	}
	place, err := s.geocode("q", q)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", cacheControlPublic)
	return writeJSON(w, http.StatusOK, contentTypeJSON, newPlace(place))
}

func newPlace(p geo.Place) placeJSON {
	return placeJSON{Query: p.Query, Kind: p.Kind, Lat: p.Lat, Lon: p.Lon, Precision: p.Precision, Label: p.Label, Note: p.Note, Alternatives: p.Alternatives, ZIP: p.ZIP, City: p.City, State: p.State}
}

// statusJSON is the answer of /healthz and /readyz.
type statusJSON struct {
	Status     string        `json:"status"`
	Version    string        `json:"version,omitempty"`
	Facilities *int          `json:"facilities,omitempty"`
	Seq        *int64        `json:"seq,omitempty"`
	Problems   []string      `json:"problems,omitempty"`
	Index      *search.Stats `json:"index,omitempty"`
}

// serveHealth answers GET /healthz: 200 while the process runs.
func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, contentTypeJSON, statusJSON{Status: "ok", Version: s.version})
}

// serveReady answers GET /readyz: 200 while searches can be served, 503
// otherwise, so that a load balancer sends traffic elsewhere. An index
// that is behind the store (it failed a write, or the store is down) still
// answers searches: it is "degraded", and says why, but ready.
func (s *Server) serveReady(w http.ResponseWriter, r *http.Request) error {
	st := s.index.Stats()
	w.Header().Set("Cache-Control", "no-store")
	if !s.ready() || st.Generation == "" {
		return &apiError{Status: http.StatusServiceUnavailable, Code: codeUnavailable,
			Message: "not ready: the search index is not open yet"}
	}
	out := statusJSON{Status: "ready", Version: s.version, Facilities: &st.Facilities, Seq: &st.Seq, Index: &st}
	if st.Broken != "" {
		out.Problems = append(out.Problems, fmt.Sprintf("the search index failed a write at %s and answers from what it held then (%d changes behind); it is being rebuilt: %s",
			st.BrokenSince.UTC().Format(time.RFC3339), st.Lag, st.Broken))
	}
	if st.DiskLow != "" {
		out.Problems = append(out.Problems, fmt.Sprintf("the search index's disk has been too full to take changes since %s; searches answer from what it holds (%d changes behind): %s",
			st.DiskLowSince.UTC().Format(time.RFC3339), st.Lag, st.DiskLow))
	}
	if st.StoreError != "" {
		out.Problems = append(out.Problems, fmt.Sprintf("the directory store has been unreachable since %s; searches answer from the index, facility pages from its summaries: %s",
			st.StoreErrorSince.UTC().Format(time.RFC3339), st.StoreError))
	}
	if len(out.Problems) > 0 {
		out.Status = "degraded"
	}
	return writeJSON(w, http.StatusOK, contentTypeJSON, out)
}

// serveMetrics answers GET /metrics in the Prometheus text format.
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	s.metrics.handler().ServeHTTP(w, r)
	return nil
}

//go:embed openapi.json
var openAPIDoc []byte

// serveOpenAPI answers GET /api/v1/openapi.json with the API's OpenAPI 3.1
// description.
func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request) error {
	if _, err := parseParams(r); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", contentTypeJSON)
	h.Set("Content-Length", strconv.Itoa(len(openAPIDoc)))
	h.Set("Cache-Control", cacheControlPublic)
	w.WriteHeader(http.StatusOK)
	w.Write(openAPIDoc)
	return nil
}
