package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/carefinder/carefinder/directory"
)

// Limits on reports.
const (
	// maxReportBody bounds a report's request body: the longest message
	// and contact fit many times over.
	maxReportBody = 16 << 10
	// formTokenMaxAge is how long a report form stays good: a person may
	// leave the page open, but not for days.
	formTokenMaxAge = 24 * time.Hour
	// defaultReportBurst and defaultReportEvery limit reports per client
	// address: 5 at once, then one every 2 minutes.
	defaultReportBurst = 5
	defaultReportEvery = 2 * time.Minute
)

// Error codes of reports (codeRateLimited is the API's).
const (
	codeUnsupportedMedia = "unsupported_media_type"
	codeTooLarge         = "payload_too_large"
)

// formToken returns the token a report form for facility id carries: when
// it was made, signed with the server's secret. With the same-origin check
// it keeps other sites from posting reports in a visitor's name.
func (s *Server) formToken(id string, now time.Time) string {
	ts := strconv.FormatInt(now.Unix(), 36)
	return ts + "." + s.sign("report-form", id, ts)
}

// checkFormToken reports whether tok is a token for facility id made in
// the last formTokenMaxAge.
func (s *Server) checkFormToken(id, tok string, now time.Time) bool {
	ts, sig, ok := strings.Cut(tok, ".")
	if !ok {
		return false
	}
	sec, err := strconv.ParseInt(ts, 36, 64)
	if err != nil {
		return false
	}
	age := now.Sub(time.Unix(sec, 0))
	return age >= -time.Minute && age <= formTokenMaxAge && hmac.Equal([]byte(sig), []byte(s.sign("report-form", id, ts)))
}

// sign returns an HMAC of parts under the server's secret.
func (s *Server) sign(parts ...string) string {
	m := hmac.New(sha256.New, s.secret)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// clientHash identifies a report's sender for admins without keeping its
// address: a keyed hash of the address and the browser.
func (s *Server) clientHash(r *http.Request) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("client\x00" + clientIP(r, s.trustedProxies) + "\x00" + r.UserAgent()))
	return hex.EncodeToString(m.Sum(nil)[:12])
}

// sameOrigin reports whether a form post comes from this site's own pages:
// the browser's Sec-Fetch-Site and Origin headers, when sent, must say so.
// The pages' no-referrer policy makes browsers send "Origin: null" with
// their own forms; Sec-Fetch-Site must then vouch for the post.
func sameOrigin(r *http.Request) bool {
	site := r.Header.Get("Sec-Fetch-Site")
	switch site {
	case "", "same-origin", "none":
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	switch origin {
	case "":
		return true // an old browser: the form's token still guards
	case "null":
		return site == "same-origin"
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

func (s *Server) newReportForm(l Lang, id string) reportForm {
	f := reportForm{Action: "/facilities/" + url.PathEscape(id) + "/report?lang=" + string(l),
		Token: s.formToken(id, time.Now()), Errors: map[string]string{}}
	for _, k := range directory.ReportKinds() {
		f.Kinds = append(f.Kinds, option{Value: string(k), Label: translate(l, "kind_"+string(k))})
	}
	return f
}

// serveReportForm answers POST /facilities/{id}/report, the form on the
// facility page: it stores the report and sends the person back to the
// page with a thank-you, or shows the page again with what to fix.
func (s *Server) serveReportForm(w http.ResponseWriter, r *http.Request) error {
	f, err := s.requestFacility(r)
	if err != nil {
		return err
	}
	p := s.newPage(r, "")
	v := s.newFacilityView(p, f)
	p.Main = v
	form := &v.Report
	again := func(status int, field, key string) error {
		form.Errors[field] = p.T(key)
		w.Header().Set("Cache-Control", "no-store")
		return s.render(w, status, "facility", p)
	}
	if !sameOrigin(r) {
		return again(http.StatusForbidden, "form", "report_err_form")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxReportBody)
	if err := r.ParseForm(); err != nil {
		return again(http.StatusBadRequest, "form", "report_err_form")
	}
	kind := r.PostForm.Get("kind")
	for i := range form.Kinds {
		form.Kinds[i].Selected = form.Kinds[i].Value == kind
	}
	form.Message, form.Contact = r.PostForm.Get("message"), r.PostForm.Get("contact")
	if !s.checkFormToken(f.ID, r.PostForm.Get("token"), time.Now()) {
		return again(http.StatusForbidden, "form", "report_err_form")
	}
	rep := directory.Report{FacilityID: f.ID, Kind: directory.ReportKind(kind), Message: form.Message, Contact: form.Contact,
		ClientHash: s.clientHash(r)}
	if err := rep.Validate(); err != nil {
		return again(http.StatusBadRequest, reportField(err), "report_err_"+reportField(err))
	}
	if ok, wait := s.reportLimiter.allowRate(clientIP(r, s.trustedProxies), rate.Every(defaultReportEvery), defaultReportBurst); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(wait)))
		return again(http.StatusTooManyRequests, "form", "report_too_many")
	}
	if err := s.reports.AddReport(r.Context(), &rep); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, "/facilities/"+url.PathEscape(f.ID)+"?lang="+string(p.Lang)+"&reported=1#report", http.StatusSeeOther)
	return nil
}

// reportField maps a report validation error onto the form's field names.
func reportField(err error) string {
	var de *directory.Error
	if errors.As(err, &de) {
		switch de.Param {
		case "kind":
			return "kind"
		case "message":
			return "msg"
		case "contact":
			return "contact"
		}
	}
	return "form"
}

// reportRequest is the body of POST /api/v1/facilities/{id}/reports.
type reportRequest struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Contact string `json:"contact"`
}

// reportCreated is its answer.
type reportCreated struct {
	ID         string    `json:"id"`
	FacilityID string    `json:"facility_id"`
	Kind       string    `json:"kind"`
	Status     string    `json:"status"`
	CreatedAt  time.Time `json:"created_at"`
}

// serveReportAPI answers POST /api/v1/facilities/{id}/reports: a report of
// a problem with a listing, as JSON, rate-limited per client address.
func (s *Server) serveReportAPI(w http.ResponseWriter, r *http.Request) error {
	if _, err := parseParams(r); err != nil {
		return err
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != contentTypeJSON {
		return &apiError{Status: http.StatusUnsupportedMediaType, Code: codeUnsupportedMedia, Param: "Content-Type",
			Message: "send the report as application/json"}
	}
	f, err := s.requestFacility(r)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxReportBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	var req reportRequest
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &apiError{Status: http.StatusRequestEntityTooLarge, Code: codeTooLarge,
				Message: fmt.Sprintf("the report is larger than %d bytes", maxReportBody)}
		}
		return paramError("body", "is not a report: "+err.Error()+`; send {"kind": "wrong-phone", "message": "…", "contact": "…"}`)
	}
	rep := directory.Report{FacilityID: f.ID, Kind: directory.ReportKind(req.Kind), Message: req.Message, Contact: req.Contact,
		ClientHash: s.clientHash(r)}
	if err := rep.Validate(); err != nil {
		return err
	}
	if ok, wait := s.reportLimiter.allowRate(clientIP(r, s.trustedProxies), rate.Every(defaultReportEvery), defaultReportBurst); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(wait)))
		return &apiError{Status: http.StatusTooManyRequests, Code: codeRateLimited,
			Message: "too many reports from this address; try again later"}
	}
	if err := s.reports.AddReport(r.Context(), &rep); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", "/api/v1/facilities/"+url.PathEscape(f.ID))
	return writeJSON(w, http.StatusCreated, contentTypeJSON, reportCreated{ID: rep.ID, FacilityID: rep.FacilityID,
		Kind: string(rep.Kind), Status: rep.Status, CreatedAt: rep.CreatedAt})
}
