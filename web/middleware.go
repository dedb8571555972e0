package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/carefinder/carefinder/directory"
)

// Limits on requests.
const (
	// maxQueryBytes bounds the raw query string of any request: a search
	// needs a few hundred bytes at most, and parsing, geocoding and
	// validating more only costs.
	maxQueryBytes = 2048
	// maxRequestIDLength bounds an X-Request-Id taken from the client.
	maxRequestIDLength = 64
)

type contextKey int

const (
	requestStateKey contextKey = iota
)

// requestState is what the middleware chain records about one request, in
// a single context value (one copy of the request, not one per
// middleware): its id, and the route it matched, which the router's
// handler fills in for the metrics.
type requestState struct {
	id    string
	route string
}

// stateFrom returns the request's state, or nil outside the chain.
func stateFrom(ctx context.Context) *requestState {
	st, _ := ctx.Value(requestStateKey).(*requestState)
	return st
}

// withState returns r with a request state in its context, and the state:
// the one already there, or a new one.
func withState(r *http.Request) (*http.Request, *requestState) {
	if st := stateFrom(r.Context()); st != nil {
		return r, st
	}
	st := &requestState{route: unmatchedRoute}
	return r.WithContext(context.WithValue(r.Context(), requestStateKey, st)), st
}

// requestID gives every request an id, taken from a well-formed incoming
// X-Request-Id (so that a proxy's id carries through) or made up, and
// returns it in the X-Request-Id response header.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header()["X-Request-Id"] = []string{id}
		r, st := withState(r)
		st.id = id
		next.ServeHTTP(w, r)
	})
}

func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLength {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// requestIDFrom returns the request id in ctx, or "".
func requestIDFrom(ctx context.Context) string {
	if st := stateFrom(ctx); st != nil {
		return st.id
	}
	return ""
}

// setRoute records the matched route's path template in ctx, where the
// middleware chain left a place for it.
func setRoute(ctx context.Context, route string) {
	if st := stateFrom(ctx); st != nil && route != "" {
		st.route = route
	}
}

// responseRecorder remembers the status written through it.
type responseRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (rec *responseRecorder) WriteHeader(status int) {
	if rec.status == 0 {
		rec.status = status
	}
	rec.ResponseWriter.WriteHeader(status)
}

func (rec *responseRecorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	n, err := rec.ResponseWriter.Write(b)
	rec.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (rec *responseRecorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// statusOr returns the status written, or def if none was.
func (rec *responseRecorder) statusOr(def int) int {
	if rec.status == 0 {
		return def
	}
	return rec.status
}

// accessLog logs one line per request. It logs the path but never the
// query string: searches say where a person in crisis is and what they
// need, which has no place in logs. Nor does it log any header.
func (s *Server) accessLog(next http.Handler) http.Handler {
	policy := s.accessLogPolicy
	if policy.Off {
		return next
	}
	var n atomic.Uint64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &responseRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		status := rec.statusOr(http.StatusOK)
		if status < 400 && (policy.ErrorsOnly || (policy.SampleEvery > 1 && n.Add(1)%uint64(policy.SampleEvery) != 0)) {
			return
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelWarn
		}
		s.logger.LogAttrs(r.Context(), level, "http request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Int("bytes", rec.bytes),
			slog.Duration("duration", time.Since(start)),
			slog.String("request_id", requestIDFrom(r.Context())),
		)
	})
}

// AccessLogPolicy says which requests the access log records. Requests
// answered with an error (4xx, 5xx) are always logged unless the log is off.
type AccessLogPolicy struct {
	// Off turns the access log off.
	Off bool
	// ErrorsOnly logs only requests answered with an error.
	ErrorsOnly bool
	// SampleEvery, above 1, logs one in that many successful requests.
	SampleEvery int
}

// ParseAccessLogPolicy reads "all", "errors", "off" or "1/N" (one in N
// successful requests).
func ParseAccessLogPolicy(s string) (AccessLogPolicy, error) {
	switch s {
	case "", "all":
		return AccessLogPolicy{}, nil
	case "errors":
		return AccessLogPolicy{ErrorsOnly: true}, nil
	case "off":
		return AccessLogPolicy{Off: true}, nil
	}
	if rest, ok := strings.CutPrefix(s, "1/"); ok {
		if n, err := strconv.Atoi(rest); err == nil && n >= 1 {
			return AccessLogPolicy{SampleEvery: n}, nil
		}
	}
	return AccessLogPolicy{}, fmt.Errorf("access log %q: use all, errors, off or 1/N (one in N successful requests)", s)
}

// recoverPanics turns a panic in a handler into a logged 500 with a JSON
// body (when nothing was written yet), instead of a dropped connection.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The metrics' recorder, when it is the writer, serves: nothing
		// is written between the two.
		rec, ok := w.(*responseRecorder)
		if !ok || rec.status != 0 {
			rec = &responseRecorder{ResponseWriter: w}
		}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.logger.ErrorContext(r.Context(), "panic serving request", "panic", fmt.Sprint(v),
				"request_id", requestIDFrom(r.Context()), "method", r.Method, "path", r.URL.Path,
				"stack", string(debug.Stack()))
			if rec.status == 0 {
				detail := errorDetail{Code: directory.EINTERNAL, Message: internalMessage}
				w.Header().Set("Cache-Control", "no-store")
				writeJSON(w, http.StatusInternalServerError, contentTypeJSON, errorBody{detail})
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// securityHeaders sets the headers every response carries. No referrer
// leaves the site: a search URL says where someone is and what they seek.
func securityHeaders(next http.Handler) http.Handler {
	// Each value is one slice shared by every response (set straight into
	// the header map, its keys canonical): a handler that changes one
	// replaces it (Set) or appends to it, which copies, since its capacity
	// is its length.
	set := []struct {
		key string
		v   []string
	}{
		{"X-Content-Type-Options", []string{"nosniff"}},
		{"Referrer-Policy", []string{"no-referrer"}},
		// Nothing runs or loads unless a response says otherwise (pages
		// set their own policy); geolocation only for this site's pages.
		{"Content-Security-Policy", []string{"default-src 'none'; frame-ancestors 'none'"}},
		{"Permissions-Policy", []string{"geolocation=(self), camera=(), microphone=()"}},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for _, kv := range set {
			h[kv.key] = kv.v
		}
		next.ServeHTTP(w, r)
	})
}

// sharedHeaders are header values that most API answers send, each one
// slice shared by every response and set straight into the header map
// (its key canonical), as securityHeaders sets its own: Header.Set and Add
// allocate a slice per value, per response. A handler that changes one
// replaces it (Set) or appends to it, which copies, since each slice's
// capacity is its length.
type sharedHeaders struct {
	contentTypeJSON, contentTypeGeoJSON []string
	cacheControlPublic                  []string
	anyOrigin, exposeHeaders            []string
	// vary lists, by what they hold; varyLists holds them all, for
	// addVary.
	varyKey, varyAccept, varyKeyAccept []string
	varyEncoding                       []string
	varyLists                          [][]string
}

func newSharedHeaders() *sharedHeaders {
	one := func(vs ...string) []string { return slices.Clip(vs) }
	sh := &sharedHeaders{
		contentTypeJSON:    one(contentTypeJSON),
		contentTypeGeoJSON: one(contentTypeGeoJSON),
		cacheControlPublic: one(cacheControlPublic),
		anyOrigin:          one("*"),
		exposeHeaders:      one("X-Request-Id, Retry-After"),
		varyKey:            one(keyHeader),
		varyAccept:         one("Accept"),
		varyKeyAccept:      one(keyHeader, "Accept"),
		varyEncoding:       one(acceptEncoding),
	}
	sh.varyLists = [][]string{sh.varyKey, sh.varyAccept, sh.varyKeyAccept, sh.varyEncoding,
		one(acceptEncoding, keyHeader), one(acceptEncoding, "Accept"), one(acceptEncoding, keyHeader, "Accept")}
	return sh
}

// addVary adds name to h's Vary values, as h.Add would, with a shared
// list when one holds the result.
func (sh *sharedHeaders) addVary(h http.Header, name string) {
	old := h["Vary"]
	for _, l := range sh.varyLists {
		if len(l) == len(old)+1 && l[len(old)] == name && slices.Equal(l[:len(old)], old) {
			h["Vary"] = l
			return
		}
	}
	h["Vary"] = append(old, name)
}

// publicAPI reports whether path belongs to the public read-only API,
// which any web page may call (guardPublic).
func publicAPI(path string) bool {
	return strings.HasPrefix(path, "/api/v1/") && !strings.HasPrefix(path, "/api/v1/admin/")
}

// corsMaxAgeSeconds is how long a browser may cache a preflight answer.
const corsMaxAgeSeconds = 86400

// limitQuery refuses query strings longer than maxQueryBytes.
func (s *Server) limitQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n := len(r.URL.RawQuery); n > maxQueryBytes {
			s.serveError(w, r, &apiError{Status: http.StatusRequestURITooLong, Code: codeURITooLong,
				Message: fmt.Sprintf("the query string is %d bytes long; at most %d", n, maxQueryBytes)})
			return
		}
		next.ServeHTTP(w, r)
	})
}
