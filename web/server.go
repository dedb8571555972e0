// Package web is CareFinder's HTTP interface: the search pages people use
// (/, /search, /facilities/{id}, server-rendered with html/template in
// English and Spanish, with their static files embedded), the public JSON
// and GeoJSON API (search, facilities, taxonomy, geocoding, reports of
// problems), its OpenAPI document, and the operational endpoints
// (/healthz, /readyz, /metrics).
//
// Handlers return errors; one adapter turns them into JSON error bodies of
// the shape {"error": {"code", "message", "param"}}, another into HTML
// error pages.
package web

import (
	"context"
	"crypto/rand"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

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
	// Get returns the summary of an active facility the index holds:
	// what a result shows. It stands in for the store's full record when
	// the store cannot be reached.
	Get(id string) (*directory.Facility, bool)
}

// FacilityGetter reads one facility from the source of truth.
type FacilityGetter interface {
	// Get returns the facility with the given id, active or not, or an
	// error with code directory.ENOTFOUND.
	Get(ctx context.Context, id string) (*directory.Facility, error)
}

// ReportStore keeps reports of problems with listings.
type ReportStore interface {
	// AddReport stores r, giving it an id; it fails with
	// directory.ENOTFOUND for a facility that is not active.
	AddReport(ctx context.Context, r *directory.Report) error
}

var (
	_ Searcher       = (*search.Index)(nil)
	_ FacilityGetter = (*directory.Store)(nil)
	_ ReportStore    = (*directory.Store)(nil)
)

// The map's tiles by default: OpenStreetMap's tile server, which asks for
// this attribution.
const (
	DefaultTileURL         = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
	DefaultTileAttribution = `© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors`
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
	// AccessLog says which requests the access log records; the zero
	// value records all.
	AccessLog AccessLogPolicy
	// Ready reports whether the server can serve searches (the index is
	// open and has caught up with the store). Nil means always ready.
	Ready func() bool
	// Partners, when set, makes partner keys work (key= or
	// X-CareFinder-Key); without it every key is refused.
	Partners PartnerSource
	// RateLimit is how many public API requests a minute one client
	// address may make without a key; 0 means no limit.
	RateLimit int
	// TrustedProxies are the proxies whose X-Forwarded-For names the
	// client; from any other peer the header is ignored.
	TrustedProxies []netip.Prefix
	// Reports keeps reports of problems with listings; it defaults to
	// Store when Store is one (as *directory.Store is).
	Reports ReportStore
	// TileURL is the map tiles' URL template ({z}/{x}/{y}, and {s} for
	// subdomains); it defaults to DefaultTileURL. TileAttribution is the
	// HTML credit the tile server asks for (DefaultTileAttribution with
	// the default URL).
	TileURL         string
	TileAttribution string
	// Secret keys the report form's tokens and the hashes of reporters'
	// addresses; a random one is made when it is empty (forms then expire
	// when the server restarts).
	Secret []byte
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

	accessLogPolicy AccessLogPolicy
	router          *mux.Router
	// routes is the router with searches sent straight to their handler
	// (routeSearch).
	routes http.Handler
	// enc writes search answers (encode.go).
	enc     *searchEncoder
	metrics *metrics
	// hdr holds the header values API answers share.
	hdr *sharedHeaders
	// compress gzips answers for clients that accept it (compress.go).
	compress func(http.Handler) http.Handler

	widget         widgetAsset
	partners       *partnerSet // nil without Config.Partners
	usage          usageCounter
	limiter        *keyedLimiter
	rateLimit      int
	trustedProxies []netip.Prefix

	reports         ReportStore
	reportLimiter   *keyedLimiter
	tileURL         string
	tileAttribution string
	pageCSP         string
	secret          []byte
	tmpl            map[string]*template.Template
	assets          map[string]*asset
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

		accessLogPolicy: cfg.AccessLog,

		limiter:        newKeyedLimiter(nil),
		rateLimit:      cfg.RateLimit,
		trustedProxies: cfg.TrustedProxies,
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
	s.metrics = newMetrics(s)
	s.enc = newSearchEncoder(s.tax)
	s.hdr = newSharedHeaders()
	s.compress = newCompressor(s.hdr)
	if cfg.Partners != nil {
		s.partners = &partnerSet{src: cfg.Partners, logger: s.logger}
	}
	s.reports = cfg.Reports
	if s.reports == nil {
		s.reports, _ = cfg.Store.(ReportStore)
	}
	s.reportLimiter = newKeyedLimiter(nil)
	s.tileURL, s.tileAttribution = cfg.TileURL, cfg.TileAttribution
	if s.tileURL == "" {
		s.tileURL = DefaultTileURL
	}
	if s.tileAttribution == "" && s.tileURL == DefaultTileURL {
		s.tileAttribution = DefaultTileAttribution
	}
	s.pageCSP = pageCSP(s.tileURL)
	s.secret = cfg.Secret
	if len(s.secret) == 0 {
		s.secret = make([]byte, 32)
		rand.Read(s.secret) // never fails (crypto/rand)
	}
	s.tmpl = parseTemplates()
	s.assets = loadAssets()
	s.router = s.newRouter()
	s.routes = s.routeSearch(s.router)
	return s
}

// pageCSP is the Content-Security-Policy of the pages: scripts, styles and
// requests from this site only (no inline script or style at all), images
// from here and the tile server, forms posted only here, no framing.
func pageCSP(tileURL string) string {
	img := "'self' data:"
	if u, err := url.Parse(strings.NewReplacer("{s}", "a", "{z}", "0", "{x}", "0", "{y}", "0", "{r}", "").Replace(tileURL)); err == nil && u.Host != "" {
		host := u.Host
		if strings.Contains(tileURL, "{s}.") {
			_, rest, _ := strings.Cut(host, ".")
			host = "*." + rest
		}
		img += " " + u.Scheme + "://" + host
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src " + img +
		"; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
}

// Handler returns the server's HTTP handler: the router behind the
// middleware chain.
func (s *Server) Handler() http.Handler {
	// The chain, outermost first. Logging and metrics sit outside panic
	// recovery so that a recovered panic is logged and counted as a 500.
	// guardPublic (keys, CORS, rate limits) reads the query string only
	// once limitQuery has bounded it.
	var h http.Handler = s.routes
	h = s.guardPublic(h)
	h = s.limitQuery(h)
	h = s.recoverPanics(h)
	h = securityHeaders(h)
	h = s.compress(h)
	h = s.metrics.middleware(h)
	h = s.accessLog(h)
	h = requestID(h)
	return h
}

// searchPath is the search API's path: the busiest route by far.
const searchPath = "/api/v1/search"

// routeSearch sends searches straight to their handler and every other
// request to router, which would have sent searches to the same handler
// (newRouter registers it for GET and HEAD on searchPath) after trying
// its routes' regular expressions in turn and copying the request twice
// to record the route it matched, which no search reads.
func (s *Server) routeSearch(router http.Handler) http.Handler {
	search := s.adapt(searchPath, s.serveSearch)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == searchPath && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			search.ServeHTTP(w, r)
			return
		}
		router.ServeHTTP(w, r)
	})
}

// newRouter registers every route. Each one is documented in openapi.json;
// a test checks that the two agree.
func (s *Server) newRouter() *mux.Router {
	r := mux.NewRouter()
	s.page(r, "/", s.serveHome)
	s.page(r, "/search", s.serveSearchPage)
	s.page(r, "/facilities/{id}", s.serveFacilityPage)
	r.Handle("/facilities/{id}/report", s.adaptPage("/facilities/{id}/report", s.serveReportForm)).Methods(http.MethodPost)
	s.get(r, "/static/{path:.+}", s.serveStatic)
	s.get(r, "/healthz", s.serveHealth)
	s.get(r, "/readyz", s.serveReady)
	s.get(r, "/metrics", s.serveMetrics)
	s.get(r, searchPath, s.serveSearch)
	s.get(r, "/api/v1/facilities/{id}", s.serveFacility)
	s.get(r, "/api/v1/taxonomy", s.serveTaxonomy)
	s.get(r, "/api/v1/geocode", s.serveGeocode)
	s.get(r, "/api/v1/openapi.json", s.serveOpenAPI)
	s.get(r, "/widget.js", s.serveWidgetJS)
	s.get(r, "/embed", s.serveEmbed)
	s.get(r, "/widget/demo", s.serveWidgetDemo)
	r.Handle("/api/v1/facilities/{id}/reports", s.adapt("/api/v1/facilities/{id}/reports", s.serveReportAPI)).Methods(http.MethodPost)
	s.hsdsRoutes(r)
	r.NotFoundHandler = s.adapt("", s.serveNotFound)
	r.MethodNotAllowedHandler = s.adapt("", s.serveMethodNotAllowed)
	return r
}

// page registers a page: GET and HEAD, errors as HTML.
func (s *Server) page(r *mux.Router, path string, h handlerFunc) {
	r.Handle(path, s.adaptPage(path, h)).Methods(http.MethodGet, http.MethodHead)
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
