package web

import (
	"bytes"
	_ "embed"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
)

// maxFacilityIDLength is the longest id a facility can have
// (directory.Facility.Validate).
const maxFacilityIDLength = 64

// serveFacility answers GET /api/v1/facilities/{id} with the facility as
// the store has it: the store, not the index, is the source of truth.
func (s *Server) serveFacility(w http.ResponseWriter, r *http.Request) error {
	if _, err := parseParams(r); err != nil {
		return err
	}
	id := mux.Vars(r)["id"]
	notFound := &directory.Error{Code: directory.ENOTFOUND, Param: "id", Message: fmt.Sprintf("no facility with id %q", id)}
	if len(id) > maxFacilityIDLength || strings.ContainsAny(id, "/?#% \t\n") {
		return notFound
	}
	f, err := s.store.Get(r.Context(), id)
	if err != nil {
		return err
	}
	if !f.Active {
		return notFound
	}
	return writeJSON(w, http.StatusOK, contentTypeJSON, f)
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
	Query string  `json:"query"`
	Kind  string  `json:"kind"`
	Lat   float64 `json:"lat"`
	Lon   float64 `json:"lon"`
	Label string  `json:"label"`
	ZIP   string  `json:"zip,omitempty"`
	City  string  `json:"city,omitempty"`
	State string  `json:"state,omitempty"`
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
	return placeJSON{Query: p.Query, Kind: p.Kind, Lat: p.Lat, Lon: p.Lon, Label: p.Label, ZIP: p.ZIP, City: p.City, State: p.State}
}

// statusJSON is the answer of /healthz and /readyz.
type statusJSON struct {
	Status     string `json:"status"`
	Version    string `json:"version,omitempty"`
	Facilities *int   `json:"facilities,omitempty"`
	Seq        *int64 `json:"seq,omitempty"`
}

// serveHealth answers GET /healthz: 200 while the process runs.
func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, contentTypeJSON, statusJSON{Status: "ok", Version: s.version})
}

// serveReady answers GET /readyz: 200 when searches can be served, 503
// otherwise, so that a load balancer sends traffic elsewhere.
func (s *Server) serveReady(w http.ResponseWriter, r *http.Request) error {
	if !s.ready() {
		return &apiError{Status: http.StatusServiceUnavailable, Code: codeUnavailable,
			Message: "not ready: the search index is still catching up with the directory"}
	}
	st := s.index.Stats()
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, contentTypeJSON, statusJSON{Status: "ready", Version: s.version, Facilities: &st.Facilities, Seq: &st.Seq})
}

// serveMetrics answers GET /metrics in the Prometheus text format.
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) error {
	st := s.index.Stats()
	ready := 0.0
	if s.ready() {
		ready = 1
	}
	built := 0.0
	if !st.BuiltAt.IsZero() {
		built = float64(st.BuiltAt.UnixNano()) / 1e9
	}
	var buf bytes.Buffer
	s.metrics.write(&buf, []gauge{
		{name: "carefinder_index_facilities", help: "Active facilities in the search index.", value: float64(st.Facilities)},
		{name: "carefinder_index_seq", help: "Last directory change applied to the search catalog.", value: float64(st.Seq)},
		{name: "carefinder_index_text_seq", help: "Last directory change applied to the full-text index.", value: float64(st.IndexSeq)},
		{name: "carefinder_index_built_timestamp_seconds", help: "When the search index was last opened or rebuilt.", value: built},
		{name: "carefinder_ready", help: "Whether the server can serve searches (1) or not (0).", value: ready},
		{name: "carefinder_build_info", help: "The running build; the value is always 1.", labels: "{version=" + labelValue(s.version) + "}", value: 1},
	})
	h := w.Header()
	h.Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
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
