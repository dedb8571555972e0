package web

import (
	"net/http"
	"time"

	"github.com/gorilla/mux"
)

// Route is a registered route, for tests that compare the router with the
// OpenAPI document.
type Route struct {
	Path    string
	Methods []string
}

// Routes lists the router's routes.
func (s *Server) Routes() []Route {
	var out []Route
	s.router.Walk(func(r *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		path, err := r.GetPathTemplate()
		if err != nil {
			return err
		}
		methods, _ := r.GetMethods()
		out = append(out, Route{Path: path, Methods: methods})
		return nil
	})
	return out
}

// OpenAPIDoc is the embedded OpenAPI document.
var OpenAPIDoc = openAPIDoc

// WithChain wraps h, in place of the router, in the server's middleware
// chain, for tests that need a handler to misbehave.
func (s *Server) WithChain(h http.Handler) http.Handler {
	saved := s.routes
	defer func() { s.routes = saved }()
	r := mux.NewRouter()
	r.PathPrefix("/").Handler(h)
	s.routes = r
	return s.Handler()
}

// SearchParamNames are the parameters the search endpoint accepts.
var SearchParamNames = searchParamNames

// ClientIP is clientIP, for tests.
var ClientIP = clientIP

// KeyedLimiter is keyedLimiter, for tests.
type KeyedLimiter = keyedLimiter

// NewKeyedLimiter is newKeyedLimiter, for tests.
var NewKeyedLimiter = newKeyedLimiter

// Allow is allow, for tests.
func (k *keyedLimiter) Allow(key string, perMinute int) (bool, time.Duration) {
	return k.allow(key, perMinute)
}

// Size is size, for tests.
func (k *keyedLimiter) Size() int { return k.size() }

// TelURL is telURL.
var TelURL = telURL

// Messages is the interface's message catalogue.
var Messages = messages

// ReferenceSearch answers a search request as the API did before the
// hand-written encoder (encode_ref_test.go): encoding/json over structs.
// Tests compare it byte for byte with the handler's answer.
func (s *Server) ReferenceSearch(r *http.Request) ([]byte, error) {
	req, err := s.parseSearch(r)
	if err != nil {
		return nil, err
	}
	res, err := s.index.Search(r.Context(), req.query)
	if err != nil {
		return nil, err
	}
	req.echoQuery(&res.Query)
	return referenceSearch(req.echo, res, s.tax, req.geojson)
}
