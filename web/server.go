// Package web is CareFinder's HTTP interface: the public read-only JSON and
// GeoJSON API (search, facilities, taxonomy, geocoding), its OpenAPI
// document, and the operational endpoints (/healthz, /readyz, /metrics).
//
// Handlers return errors; one adapter turns them into JSON error bodies of
// the shape {"error": {"code", "message", "param"}}.
package web

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/search"
)

// Searcher answers searches of the directory and describes the index
// behind them.
type Searcher interface {
	// Search answers q; bad queries get a *directory.Error naming the
	// parameter at fault.
	Search(ctx context.Context, q search.Query) (*search.Result, error)
	// Stats describes the index, for /readyz and /metrics.
	Stats() search.Stats
}

// FacilityGetter reads one facility from the source of truth.
type FacilityGetter interface {
	// Get returns the facility with the given id, active or not, or an
	// error with code directory.ENOTFOUND.
	Get(ctx context.Context, id string) (*directory.Facility, error)
}

var (
	_ Searcher       = (*search.Index)(nil)
	_ FacilityGetter = (*directory.Store)(nil)
)

// Config holds what a Server needs. Index, Store and Gazetteer are
// required.
type Config struct {
	Index     Searcher
	Store     FacilityGetter
	Gazetteer *geo.Gazetteer
	// Taxonomy defaults to directory.DefaultTaxonomy().
	Taxonomy *directory.Taxonomy
	// Logger receives the access log and internal errors; it defaults to
	// slog.Default().
	Logger *slog.Logger
	// Version is the build's version, shown by /healthz and /metrics.
	Version string
	// Ready reports whether the server can serve searches (the index is
	// open and has caught up with the store). Nil means always ready.
	Ready func() bool
}

// Server serves CareFinder's HTTP API. Create it with NewServer.
type Server struct {
	index   Searcher
	store   FacilityGetter
	gaz     *geo.Gazetteer
	tax     *directory.Taxonomy
	logger  *slog.Logger
	version string
	ready   func() bool

	router  *mux.Router
	metrics *metrics
	// hsds maps HSDS ids onto facility ids for /hsds/.
	hsds hsdsIDs
}

// NewServer returns a server for cfg. It panics if a required dependency
// is missing, as that is a wiring mistake, not a runtime condition.
func NewServer(cfg Config) *Server {
	if cfg.Index == nil || cfg.Store == nil || cfg.Gazetteer == nil {
		panic("web.NewServer: Config.Index, Config.Store and Config.Gazetteer are required")
	}
	s := &Server{
		index:   cfg.Index,
		store:   cfg.Store,
		gaz:     cfg.Gazetteer,
		tax:     cfg.Taxonomy,
		logger:  cfg.Logger,
		version: cfg.Version,
		ready:   cfg.Ready,
		metrics: newMetrics(),
	}
	if s.tax == nil {
		s.tax = directory.DefaultTaxonomy()
	}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	if s.ready == nil {
		s.ready = func() bool { return true }
	}
	s.router = s.newRouter()
	return s
}

// Handler returns the server's HTTP handler: the router behind the
// middleware chain.
func (s *Server) Handler() http.Handler {
	// The chain, outermost first. Logging and metrics sit outside panic
	// recovery so that a recovered panic is logged and counted as a 500.
	var h http.Handler = s.router
	h = s.limitQuery(h)
	h = s.recoverPanics(h)
	h = cors(h)
	h = securityHeaders(h)
	h = s.metrics.middleware(h)
	h = s.accessLog(h)
	h = requestID(h)
	return h
}

// newRouter registers every route. Each one is documented in openapi.json;
// a test checks that the two agree.
func (s *Server) newRouter() *mux.Router {
	r := mux.NewRouter()
	s.get(r, "/", s.serveRoot)
	s.get(r, "/healthz", s.serveHealth)
	s.get(r, "/readyz", s.serveReady)
	s.get(r, "/metrics", s.serveMetrics)
	s.get(r, "/api/v1/search", s.serveSearch)
	s.get(r, "/api/v1/facilities/{id}", s.serveFacility)
	s.get(r, "/api/v1/taxonomy", s.serveTaxonomy)
	s.get(r, "/api/v1/geocode", s.serveGeocode)
	s.get(r, "/api/v1/openapi.json", s.serveOpenAPI)
	s.hsdsRoutes(r)
	r.NotFoundHandler = s.adapt("", func(w http.ResponseWriter, r *http.Request) error {
		return &apiError{Status: http.StatusNotFound, Code: directory.ENOTFOUND,
			Message: "there is nothing at " + r.URL.Path + "; see /api/v1/openapi.json"}
	})
	r.MethodNotAllowedHandler = s.adapt("", s.serveMethodNotAllowed)
	return r
}

// get registers h for GET (and so HEAD) requests to the path template.
func (s *Server) get(r *mux.Router, path string, h handlerFunc) {
	r.Handle(path, s.adapt(path, h)).Methods(http.MethodGet, http.MethodHead)
}

// serveMethodNotAllowed answers a request whose path exists but not with
// its method, listing the methods that path does answer.
func (s *Server) serveMethodNotAllowed(w http.ResponseWriter, r *http.Request) error {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		var match mux.RouteMatch
		if s.router.Match(probe, &match) && match.MatchErr == nil {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", joinComma(allowed))
	}
	return &apiError{Status: http.StatusMethodNotAllowed, Code: codeMethodNotAllowed,
		Message: r.Method + " is not allowed here; use " + joinComma(allowed)}
}
