package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/search"
)

// Error codes of the HTTP layer, beside directory's EINVALID, ENOTFOUND,
// ECONFLICT and EINTERNAL.
const (
	codeMethodNotAllowed = "method_not_allowed"
	codeURITooLong       = "uri_too_long"
	codeUnavailable      = "unavailable"
)

// internalMessage is all a user learns of an internal failure; the log has
// the rest, under the request id.
const internalMessage = "internal error"

// apiError is an error with an HTTP status, for conditions that only HTTP
// has (wrong method, URI too long) or that carry suggestions.
type apiError struct {
	Status      int
	Code        string
	Message     string
	Param       string
	Suggestions []string
	// RetryAfter, when set, is sent as the Retry-After header.
	RetryAfter time.Duration
	// Why is the geocoder's reason for refusing a place it named
	// (geo.WhyWholeState, geo.WhySharedName), for the page's own words;
	// the API's body does not carry it.
	Why string
}

func (e *apiError) Error() string {
	if e.Param != "" {
		return e.Param + ": " + e.Message
	}
	return e.Message
}

// paramError returns a 400 error naming param.
func paramError(param, message string, suggestions ...string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: directory.EINVALID, Param: param, Message: message, Suggestions: suggestions}
}

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code        string   `json:"code"`
	Message     string   `json:"message"`
	Param       string   `json:"param,omitempty"`
	Suggestions []string `json:"suggestions,omitempty"`
}

// handlerFunc is an HTTP handler that returns its failure instead of
// writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// adapt turns h into an http.Handler that records route (the path template,
// for metrics) and serves h's error, if any.
func (s *Server) adapt(route string, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setRoute(r.Context(), route)
		if err := h(w, r); err != nil {
			s.serveError(w, r, err)
		}
	})
}

// serveError writes err as a JSON error body. Errors the user caused get a
// 4xx and their own message; anything else is logged with the request id
// and answered with a bare 500.
func (s *Server) serveError(w http.ResponseWriter, r *http.Request, err error) {
	detail, status := s.describe(r, err)
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Del("Vary")
	if ae := (*apiError)(nil); errors.As(err, &ae) && ae.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int(ae.RetryAfter.Seconds())))
	}
	if err := writeJSON(w, status, contentTypeJSON, errorBody{detail}); err != nil {
		http.Error(w, internalMessage, http.StatusInternalServerError)
	}
}

// describe maps err onto what the user sees.
func (s *Server) describe(r *http.Request, err error) (errorDetail, int) {
	var ae *apiError
	if errors.As(err, &ae) {
		return errorDetail{Code: ae.Code, Message: ae.Message, Param: ae.Param, Suggestions: ae.Suggestions}, ae.Status
	}
	var qe *search.QueryError
	if errors.As(err, &qe) {
		ae := queryParamError(r, qe)
		return errorDetail{Code: ae.Code, Message: ae.Message, Param: ae.Param, Suggestions: ae.Suggestions}, ae.Status
	}
	var de *directory.Error
	if errors.As(err, &de) && de.Code != directory.EINTERNAL {
		status := http.StatusBadRequest
		switch de.Code {
		case directory.ENOTFOUND:
			status = http.StatusNotFound
		case directory.ECONFLICT:
			status = http.StatusConflict
		}
		return errorDetail{Code: de.Code, Message: de.Message, Param: de.Param}, status
	}
	ctx := r.Context()
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		// The client went away; nobody reads this answer.
		s.logger.DebugContext(ctx, "request canceled", "request_id", requestIDFrom(ctx), "path", r.URL.Path)
		return errorDetail{Code: codeUnavailable, Message: "the request was canceled"}, http.StatusServiceUnavailable
	}
	if errors.Is(err, context.DeadlineExceeded) {
		s.logger.WarnContext(ctx, "request timed out", "err", err, "request_id", requestIDFrom(ctx), "path", r.URL.Path)
		return errorDetail{Code: codeUnavailable, Message: "the search took too long; try a smaller radius or fewer words"}, http.StatusServiceUnavailable
	}
	s.logger.ErrorContext(ctx, "internal error", "err", err, "request_id", requestIDFrom(ctx),
		"method", r.Method, "path", r.URL.Path)
	return errorDetail{Code: directory.EINTERNAL, Message: internalMessage}, http.StatusInternalServerError
}

// queryParamError turns a query search refused into a 400 naming the
// request parameter that became the field at fault: search names the
// fields of its Query, web knows which parameter made each.
func queryParamError(r *http.Request, qe *search.QueryError) *apiError {
	msg := qe.Message
	param := ""
	switch qe.Field {
	case search.FieldCenter:
		param = "near"
		if r.URL.Query().Has("lat") {
			param = "lat"
		}
	case search.FieldRadiusKm:
		param = "radius"
		if r.URL.Query().Has("radius") && (r.URL.Query().Has("near") || r.URL.Query().Has("lat")) {
			msg += "; for no limit, use radius=any"
		} else {
			msg = "a radius needs a location: give near, or lat and lon"
		}
	case search.FieldFilters:
		param = string(qe.Group)
	case search.FieldText:
		param = "q"
	case search.FieldSort:
		param = "sort"
		if qe.Message == "sorting by distance needs a location to measure from" {
			msg += ": give near, or lat and lon"
		}
	case search.FieldLimit:
		param = "limit"
	case search.FieldCursor:
		param = "cursor"
	}
	return paramError(param, msg, qe.Suggestions...)
}

// Content types of responses.
const (
	contentTypeJSON    = "application/json"
	contentTypeGeoJSON = "application/geo+json"
)

// bufPool recycles response buffers: a search answer is about 16 KB, and
// allocating it afresh for every request feeds the garbage collector.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer keeps an occasional huge response's buffer out of the
// pool.
const maxPooledBuffer = 256 << 10

// writeJSON encodes v into a buffer and only then writes the headers and
// body, so that an encoding failure can still become a proper 500.
func writeJSON(w http.ResponseWriter, status int, contentType string, v any) error {
	buf := bufPool.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			bufPool.Put(buf)
		}
	}()
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes()) // a failed write means the client left; nothing to do
	return nil
}

func joinComma(s []string) string { return strings.Join(s, ", ") }
