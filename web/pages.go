package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/search"
)

// templateFiles are the pages' html/template sources: layout.html and one
// file per page.
//
//go:embed templates/*.html
var templateFiles embed.FS

// pageNames are the pages, one template file each.
var pageNames = []string{"home", "search", "facility", "error"}

// Helplines shown on every page.
const (
	helplineNumber = "1-800-662-4357"
	helplineTel    = "tel:+18006624357"
	crisisNumber   = "988"
	crisisTel      = "tel:988"
)

// Cache lifetimes of pages.
const (
	// cacheControlPage lets a browser keep a page for a minute, as the
	// API's answers: a page changes when the directory does.
	cacheControlPage = "public, max-age=60"
)

// parseTemplates parses the layout with each page.
func parseTemplates() map[string]*template.Template {
	funcs := template.FuncMap{"join": strings.Join}
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html"))
	out := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		out[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFiles, "templates/"+name+".html"))
	}
	return out
}

// page is what every template gets: the language and the page's own data
// in Main. Its methods are the templates' words.
type page struct {
	Lang      Lang
	Title     string
	SwitchURL string
	// HomeURL is the home page in this language.
	HomeURL string
	Main    any
	s       *Server
}

// T returns the interface message key in the page's language.
func (p *page) T(key string, args ...any) string { return translate(p.Lang, key, args...) }

// OtherLang is the language the switch offers.
func (p *page) OtherLang() Lang { return p.Lang.other() }

// Asset returns the URL of a static file.
func (p *page) Asset(name string) string { return p.s.assetURL(name) }

// HelplineNumber and the rest give templates the helplines.
func (p *page) HelplineNumber() string { return helplineNumber }

// HelplineTel is the helpline's tel: link.
func (p *page) HelplineTel() template.URL { return template.URL(helplineTel) }

// CrisisNumber is 988, the Suicide & Crisis Lifeline.
func (p *page) CrisisNumber() string { return crisisNumber }

// CrisisTel is 988's tel: link.
func (p *page) CrisisTel() template.URL { return template.URL(crisisTel) }

// newPage starts the page for r in its language.
func (s *Server) newPage(r *http.Request, title string) *page {
	lang := pageLang(r)
	p := &page{Lang: lang, s: s, HomeURL: "/?lang=" + string(lang)}
	if title != "" {
		p.Title = translate(lang, title)
	}
	p.SwitchURL = withLang(r.URL, lang.other())
	return p
}

// withLang returns u's path and query with lang set to l.
func withLang(u *url.URL, l Lang) string {
	q, _ := url.ParseQuery(u.RawQuery)
	q.Set("lang", string(l))
	return u.Path + "?" + q.Encode()
}

// render writes page name with status. It renders into a buffer first, so
// that a template failure can still become an error page.
func (s *Server) render(w http.ResponseWriter, status int, name string, p *page) error {
	buf := bufPool.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			bufPool.Put(buf)
		}
	}()
	if err := s.tmpl[name].ExecuteTemplate(buf, "layout", p); err != nil {
		return fmt.Errorf("render %s page: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Content-Security-Policy", s.pageCSP)
	h.Add("Vary", "Accept-Language")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", cacheControlPage)
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
	return nil
}

// adaptPage is adapt for pages: an error becomes an HTML error page.
func (s *Server) adaptPage(route string, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setRoute(r.Context(), route)
		if err := h(w, r); err != nil {
			s.servePageError(w, r, err)
		}
	})
}

// errorView is the error page's content.
type errorView struct {
	Heading string
	Body    string
	Detail  string
}

// servePageError answers a page request that failed with an HTML page:
// 404s and other user errors say what happened; anything else is logged
// (by describe) and answered with a plain apology and the helplines.
func (s *Server) servePageError(w http.ResponseWriter, r *http.Request, err error) {
	detail, status := s.describe(r, err)
	p := s.newPage(r, "error_title")
	v := errorView{Heading: p.T("error_title"), Body: p.T("error_body")}
	switch {
	case status == http.StatusNotFound:
		p.Title = p.T("not_found_title")
		v = errorView{Heading: p.Title, Body: p.T("not_found_body")}
	case status < 500:
		v.Detail = p.T("err_detail", detail.Message)
	}
	p.Main = v
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Del("Vary")
	if err := s.render(w, status, "error", p); err != nil {
		s.logger.ErrorContext(r.Context(), "render error page", "err", err, "request_id", requestIDFrom(r.Context()))
		http.Error(w, internalMessage, http.StatusInternalServerError)
	}
}

// serveNotFound answers a path nothing serves: JSON under /api/, a page
// elsewhere.
func (s *Server) serveNotFound(w http.ResponseWriter, r *http.Request) error {
	err := &apiError{Status: http.StatusNotFound, Code: directory.ENOTFOUND,
		Message: "there is nothing at " + r.URL.Path + "; see /api/v1/openapi.json"}
	if strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/hsds/") {
		return err // machines get JSON, people a page
	}
	s.servePageError(w, r, err)
	return nil
}

// homeView is the home page's content.
type homeView struct {
	Form searchForm
	Care []termView
}

// serveHome answers GET /: one question first (where are you?), then an
// optional one (what kind of help?).
func (s *Server) serveHome(w http.ResponseWriter, r *http.Request) error {
	p := s.newPage(r, "")
	p.Title = p.T("site_name") + " — " + p.T("tagline")
	v := homeView{Form: s.newSearchForm(p.Lang, url.Values{})}
	for _, t := range s.tax.Terms(directory.GroupCare) {
		if t.Parent == "" { // the kinds of care, not their variants
			v.Care = append(v.Care, s.newTermView(p.Lang, t, 0, false))
		}
	}
	p.Main = v
	return s.render(w, http.StatusOK, "home", p)
}

// termView is one taxonomy term as a choice.
type termView struct {
	Group       directory.Group
	Slug        string
	Label       string
	Explanation string
	Count       int
	Checked     bool
	Child       bool
}

func (s *Server) newTermView(l Lang, t directory.Term, count int, checked bool) termView {
	return termView{Group: t.Group, Slug: t.Slug, Label: label(l, t.Label), Explanation: label(l, t.Explanation),
		Count: count, Checked: checked, Child: t.Parent != ""}
}

// label picks the text of l.
func label(l Lang, t directory.Text) string {
	if l == Spanish && t.ES != "" {
		return t.ES
	}
	return t.EN
}

// termLabel returns the label of g/slug in l, or the slug.
func (s *Server) termLabel(l Lang, g directory.Group, slug string) string {
	if t, ok := s.tax.Lookup(g, slug); ok {
		return label(l, t.Label)
	}
	return slug
}

// termLabels joins the labels of slugs of group g.
func (s *Server) termLabels(l Lang, g directory.Group, slugs []string) string {
	var b strings.Builder
	for i, slug := range slugs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(s.termLabel(l, g, slug))
	}
	return b.String()
}

// searchForm is the search form's fields as the person left them, with the
// message for the field at fault.
type searchForm struct {
	Lang    Lang
	Near    string
	Lat     string
	Lon     string
	Q       string
	Sort    string
	Limit   string
	Radius  []option
	Filters map[directory.Group][]string
	// Errors holds a plain-language message per field: "near", "radius",
	// "q", "filters" or "form".
	Errors      map[string]string
	Suggestions []link
	// SuggestBefore and SuggestAfter go around the suggestions' links:
	// "Did you mean:" … "?".
	SuggestBefore, SuggestAfter string
}

// option is one choice of a select.
type option struct {
	Value    string
	Label    string
	Selected bool
}

// link is a link's text and URL.
type link struct {
	Text string
	URL  string
}

// radiusChoices are the distances the form offers, in miles.
var radiusChoices = []string{"5", "10", "25", "50", "100", "any"}

// newSearchForm fills the form from raw query values.
func (s *Server) newSearchForm(l Lang, v url.Values) searchForm {
	f := searchForm{Lang: l, Near: v.Get("near"), Lat: v.Get("lat"), Lon: v.Get("lon"), Q: v.Get("q"), Sort: v.Get("sort"),
		Limit: v.Get("limit"), Filters: map[directory.Group][]string{}, Errors: map[string]string{}}
	current := strings.ToLower(strings.TrimSpace(v.Get("radius")))
	if current == "" {
		current = strconv.Itoa(defaultRadiusMi)
	}
	current = strings.TrimSuffix(strings.TrimSuffix(current, "mi"), " ")
	found := false
	for _, c := range radiusChoices {
		o := option{Value: c, Selected: c == current}
		if c == "any" {
			o.Label = translate(l, "radius_any")
		} else {
			o.Value = c + "mi"
			o.Label = translate(l, "radius_miles", c)
		}
		found = found || o.Selected
		f.Radius = append(f.Radius, o)
	}
	if _, _, ok := splitRadius(current); !found && ok { // a radius the form does not offer: keep it
		o := option{Value: current, Label: translate(l, "radius_miles", current), Selected: true}
		if strings.HasSuffix(current, "km") {
			o.Label = translate(l, "radius_km", strings.TrimSpace(strings.TrimSuffix(current, "km")))
		} else {
			o.Value += "mi"
		}
		f.Radius = append(f.Radius, o)
	}
	for _, g := range directory.Groups() {
		for _, raw := range v[string(g)] {
			for _, slug := range strings.Split(raw, ",") {
				if slug = strings.ToLower(strings.TrimSpace(slug)); slug != "" {
					f.Filters[g] = append(f.Filters[g], slug)
				}
			}
		}
	}
	return f
}

// Checked reports whether the form has g=slug.
func (f searchForm) Checked(g directory.Group, slug string) bool {
	return slices.Contains(f.Filters[g], slug)
}

// searchView is the results page's content.
type searchView struct {
	Form     searchForm
	Searched bool
	Heading  string
	// OtherPlaces, when near named a city without its state, searches
	// the other cities of the name; OtherPrompt introduces them.
	OtherPlaces []link
	OtherPrompt string
	Status      string
	Total       int
	Results     []resultView
	Groups      []groupView
	NextURL     string
	FirstURL    string
	CSVURL      string
	ClearURL    string
	// Nearest, on an empty answer, says how far the nearest match is;
	// WidenURL searches far enough to reach it.
	Nearest      string
	WidenURL     string
	WidenText    string
	NoneAnywhere bool
	Remove       []link
	Map          mapView
	// Words every result repeats, looked up once per page.
	Words resultWords
}

// resultWords are the labels each result shows.
type resultWords struct {
	Care, Payment, Directions, Website, Open247 string
}

// mapView is what the map script needs, as data attributes.
type mapView struct {
	Tiles       string
	Attribution string
	LeafletJS   string
	LeafletCSS  string
	Lat, Lon    string
}

// groupView is one taxonomy group of filters.
type groupView struct {
	Group directory.Group
	Label string
	Open  bool
	Terms []termView
}

// resultView is one facility in the results.
type resultView struct {
	N          int
	ID         string
	Name       string
	Subtitle   string
	Distance   string
	Address    string
	Lat, Lon   string
	Care       string
	Payment    string
	Phone      string
	Call       string
	Tel        template.URL
	Directions string
	Website    string
	Open247    bool
	DetailURL  string
}

// pageSearchParams are the parameters /search takes: the API's, and lang.
var pageSearchParams = append(slices.Clone(searchParamNames), "lang")

// serveSearchPage answers GET /search: the results page, rendered on the
// server from the same parsing and search as the API.
func (s *Server) serveSearchPage(w http.ResponseWriter, r *http.Request) error {
	p := s.newPage(r, "results_title_all")
	raw, _ := url.ParseQuery(r.URL.RawQuery)
	v := &searchView{Form: s.newSearchForm(p.Lang, raw), Heading: p.T("results_title_all")}
	v.Map = mapView{Tiles: s.tileURL, Attribution: s.tileAttribution,
		LeafletJS: s.assetURL("vendor/leaflet/leaflet.js"), LeafletCSS: s.assetURL("vendor/leaflet/leaflet.css")}
	p.Main = v
	req, err := s.parseSearchWith(r, pageSearchParams)
	if err == nil && !req.query.HasLocation && req.query.Text == "" {
		// An empty form: ask where, rather than list the whole country.
		v.Form.Errors["near"] = p.T("prompt_where")
		return s.render(w, http.StatusOK, "search", p)
	}
	var res *search.Result
	if err == nil {
		ctx, cancel := context.WithTimeout(r.Context(), searchTimeout)
		defer cancel()
		if res, err = s.index.Search(ctx, req.query); err == nil {
			req.echoQuery(&res.Query)
		}
	}
	if err != nil {
		if !s.formError(r, p, &v.Form, err) {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		return s.render(w, http.StatusBadRequest, "search", p)
	}
	s.fillResults(p, v, r, raw, req, res)
	return s.render(w, http.StatusOK, "search", p)
}

// formError puts err, if it is the user's, next to the field at fault in
// plain words, and reports whether it did.
func (s *Server) formError(r *http.Request, p *page, f *searchForm, err error) bool {
	var param, message, why string
	var suggestions []string
	var ae *apiError
	var qe *search.QueryError
	var de *directory.Error
	switch {
	case errors.As(err, &ae) && ae.Status == http.StatusBadRequest:
		param, message, suggestions, why = ae.Param, ae.Message, ae.Suggestions, ae.Why
	case errors.As(err, &qe):
		ae := queryParamError(r, qe)
		param, message, suggestions = ae.Param, ae.Message, ae.Suggestions
	case errors.As(err, &de) && de.Code == directory.EINVALID:
		param, message = de.Param, de.Message
	default:
		return false
	}
	switch param {
	case "near", "lat", "lon":
		switch why {
		case geo.WhyWholeState: // "Tennessee": found, but where in it?
			f.Errors["near"] = p.T("err_near_state")
			f.SuggestBefore, f.SuggestAfter = p.T("err_near_cities"), "."
		case geo.WhySharedName: // "Springfield": which one?
			f.Errors["near"] = p.T("err_near_which", strings.TrimSpace(f.Near))
			f.SuggestAfter = "."
		default:
			f.Errors["near"] = p.T("err_near")
			f.SuggestBefore, f.SuggestAfter = p.T("err_near_suggest"), "?"
		}
		// Each suggestion searches there with the filters chosen kept.
		base := pageQuery(r.URL.Query(), p.Lang)
		for _, k := range []string{"cursor", "lat", "lon"} {
			base.Del(k)
		}
		for _, sg := range suggestions {
			q := cloneValues(base)
			q.Set("near", sg)
			f.Suggestions = append(f.Suggestions, link{Text: sg, URL: "/search?" + q.Encode()})
		}
	case "radius":
		f.Errors["radius"] = p.T("err_radius")
	case "q":
		f.Errors["q"] = p.T("err_no_words") // only words too common to search
		if len(f.Q) > search.MaxTextLength {
			f.Errors["q"] = p.T("err_words")
		}
	case "cursor":
		f.Errors["form"] = p.T("err_cursor")
	default:
		if _, ok := directory.ParseGroup(param); ok {
			f.Errors["filters"] = p.T("err_filter")
			f.Filters = map[directory.Group][]string{} // the choices below start afresh
		} else {
			f.Errors["form"] = p.T("err_other")
		}
	}
	f.Errors["detail"] = p.T("err_detail", message)
	return true
}

// fillResults turns a search result into the page.
func (s *Server) fillResults(p *page, v *searchView, r *http.Request, raw url.Values, req *searchRequest, res *search.Result) {
	l := p.Lang
	q := req.query
	v.Searched, v.Total = true, res.Total
	place := ""
	if req.echo.Label != nil {
		place = *req.echo.Label
		if latLonRE.MatchString(v.Form.Near) || v.Form.Lat != "" {
			place = p.T("your_location")
		}
		v.Heading = p.T("results_title", place)
		p.Title = v.Heading
	}
	radius := ""
	if q.HasLocation && q.RadiusKm > 0 {
		radius = formatRadius(req.echo.Radius)
	}
	// The status line, announced to screen readers.
	var parts []string
	if res.Total == 1 {
		parts = append(parts, p.T("found_one"))
	} else {
		parts = append(parts, p.T("found_other", formatCount(l, res.Total)))
	}
	switch {
	case radius != "":
		parts = append(parts, p.T("within", radius, place))
	case q.HasLocation:
		parts = append(parts, p.T("nearest_to", place))
	}
	if q.Text != "" {
		parts = append(parts, p.T("for_words", q.Text))
	}
	v.Status = strings.Join(parts, " ") + "."
	if res.Total == 0 {
		v.Status = p.T("none_found_plain")
		if radius != "" {
			v.Status = p.T("none_found", radius, place)
		}
	}

	base := pageQuery(raw, l)
	if len(req.echo.alternatives) > 0 && req.echo.Label != nil {
		// The name of the city placed, as the others have it: "Atlanta"
		// for "Midtown Atlanta" or "atlanta".
		name, _, _ := strings.Cut(*req.echo.Label, ", ")
		v.OtherPrompt = p.T("other_places", name)
		for _, alt := range req.echo.alternatives {
			u := cloneValues(base)
			u.Del("cursor")
			u.Set("near", alt)
			v.OtherPlaces = append(v.OtherPlaces, link{Text: alt, URL: "/search?" + u.Encode()})
		}
	}
	v.Words = resultWords{Care: p.T("care_label"), Payment: p.T("payment_label"), Directions: p.T("directions"),
		Website: p.T("website"), Open247: p.T("open247")}
	for i, h := range res.Hits {
		v.Results = append(v.Results, s.newResultView(l, i+1, h))
	}
	if res.NextCursor != "" {
		next := cloneValues(base)
		next.Set("cursor", res.NextCursor)
		v.NextURL = "/search?" + next.Encode()
	}
	if q.Cursor != "" {
		first := cloneValues(base)
		first.Del("cursor")
		v.FirstURL = "/search?" + first.Encode()
	}
	csv := cloneValues(base)
	csv.Del("lang")
	csv.Del("cursor")
	csv.Set("format", "csv")
	v.CSVURL = "/api/v1/search?" + csv.Encode()
	clear := cloneValues(base)
	for _, g := range directory.Groups() {
		clear.Del(string(g))
	}
	clear.Del("cursor")
	v.ClearURL = "/search?" + clear.Encode()

	// Filters, with disjunctive counts: what ticking each would give.
	for _, g := range directory.Groups() {
		gv := groupView{Group: g, Label: p.T("group_" + string(g)), Open: len(q.Filters[g]) > 0}
		for _, t := range s.tax.Terms(g) {
			n := res.Facets.Count(g, t.Slug)
			checked := slices.Contains(q.Filters[g], t.Slug)
			if n == 0 && !checked {
				continue // a choice that would find nothing is only noise
			}
			tv := s.newTermView(l, t, n, checked)
			if g != directory.GroupCare {
				tv.Explanation = "" // kept short: explanations are on the facility page
			}
			gv.Terms = append(gv.Terms, tv)
		}
		if len(gv.Terms) > 0 {
			v.Groups = append(v.Groups, gv)
		}
	}

	if q.HasLocation {
		v.Map.Lat, v.Map.Lon = formatDegrees(q.Center[1]), formatDegrees(q.Center[0])
	}
	if res.Total > 0 {
		return
	}
	// Nothing found: how far is the nearest match, and what to change.
	if res.NearestKm != nil {
		mi := geo.KmToMi(*res.NearestKm)
		v.Nearest = p.T("nearest_is", formatMiles(l, mi))
		widen := cloneValues(base)
		widen.Del("cursor")
		if r := widerRadius(mi); r != "" {
			widen.Set("radius", r+"mi")
			v.WidenText = p.T("widen", r)
		} else {
			widen.Set("radius", "any")
			v.WidenText = p.T("widen_any")
		}
		v.WidenURL = "/search?" + widen.Encode()
	} else if q.HasLocation && len(q.Filters) > 0 {
		v.NoneAnywhere = true
	}
	for _, g := range directory.Groups() {
		for _, slug := range q.Filters[g] {
			drop := cloneValues(base)
			drop.Del("cursor")
			drop.Del(string(g))
			for _, other := range q.Filters[g] {
				if other != slug {
					drop.Add(string(g), other)
				}
			}
			v.Remove = append(v.Remove, link{Text: p.T("remove", s.termLabel(l, g, slug)), URL: "/search?" + drop.Encode()})
		}
	}
}

// FiltersHTML renders the filter groups: many small choices, each with
// its count, written directly rather than through the template engine,
// whose per-value reflection made them most of the page's time. Every
// value is escaped here; they come from the taxonomy and the counts, never
// from the directory.
func (v *searchView) FiltersHTML() template.HTML {
	var b strings.Builder
	esc := template.HTMLEscapeString
	for _, g := range v.Groups {
		b.WriteString(`<details class="group"`)
		if g.Open {
			b.WriteString(" open")
		}
		label := esc(g.Label)
		b.WriteString(">\n<summary>" + label + "</summary>\n<fieldset>\n<legend class=\"vh\">" + label + "</legend>\n")
		for _, t := range g.Terms {
			group, slug := esc(string(t.Group)), esc(t.Slug)
			id := "f-" + group + "-" + slug
			b.WriteString(`<div class="check`)
			if t.Child {
				b.WriteString(" child")
			}
			b.WriteString(`">` + "\n" + `<input type="checkbox" id="` + id + `" name="` + group + `" value="` + slug + `"`)
			if t.Checked {
				b.WriteString(" checked")
			}
			b.WriteString(">\n" + `<label for="` + id + `">` + esc(t.Label) + ` <span class="n">(` + strconv.Itoa(t.Count) + ")</span></label>\n")
			if t.Explanation != "" {
				b.WriteString(`<p class="x">` + esc(t.Explanation) + "</p>\n")
			}
			b.WriteString("</div>\n")
		}
		b.WriteString("</fieldset>\n</details>\n")
	}
	return template.HTML(b.String()) // escaped above
}

// widerRadii are the radii, in miles, an empty answer offers.
var widerRadii = []float64{10, 25, 50, 100, 250, 500}

// widerRadius returns the smallest of widerRadii that reaches mi, or "".
func widerRadius(mi float64) string {
	for _, r := range widerRadii {
		if mi <= r {
			return strconv.FormatFloat(r, 'f', -1, 64)
		}
	}
	return ""
}

// latLonRE matches a "lat,lon" location, as the geolocation button sends.
var latLonRE = regexp.MustCompile(`^\s*-?[0-9.]+\s*,\s*-?[0-9.]+\s*$`)

// pageQuery returns the query a results page links with: every search
// parameter as given, and lang.
func pageQuery(raw url.Values, l Lang) url.Values {
	out := url.Values{}
	for _, name := range searchParamNames {
		for _, v := range raw[name] {
			if strings.TrimSpace(v) != "" {
				out.Add(name, v)
			}
		}
	}
	out.Set("lang", string(l))
	return out
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// formatRadius words a radius echo ("25mi") for the status line.
func formatRadius(r *string) string {
	if r == nil {
		return ""
	}
	s := *r
	if n, ok := strings.CutSuffix(s, "mi"); ok {
		return n + " mi"
	}
	if n, ok := strings.CutSuffix(s, "km"); ok {
		return n + " km"
	}
	return s
}

// formatMiles words a distance in miles: one decimal below 10.
func formatMiles(l Lang, mi float64) string {
	var n string
	if mi < 10 {
		n = strconv.FormatFloat(math.Round(mi*10)/10, 'f', 1, 64)
	} else {
		n = formatCount(l, int(math.Round(mi)))
	}
	return translate(l, "distance_mi", n)
}

// formatCount writes n with thousands separators: 1,234 in English, 1.234
// in Spanish.
func formatCount(l Lang, n int) string {
	s := strconv.Itoa(n)
	sep := ","
	if l == Spanish {
		sep = "."
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + sep + s[i:]
	}
	return s
}

// newResultView turns a hit into what a result shows.
func (s *Server) newResultView(l Lang, n int, h search.Hit) resultView {
	f := h.Facility
	v := resultView{
		N: n, ID: f.ID, Name: f.Name, Address: f.Address.String(),
		Lat: formatDegrees(f.Lat), Lon: formatDegrees(f.Lon),
		Phone: f.Phones.Best(), Directions: mapsDirections(f), Website: websiteURL(f.Website),
		Open247:   f.Open247 != nil && *f.Open247,
		DetailURL: "/facilities/" + url.PathEscape(f.ID) + "?lang=" + string(l),
	}
	if len(f.AlternateNames) > 0 {
		v.Subtitle = f.AlternateNames[0]
	}
	if !math.IsNaN(h.DistanceKm) {
		v.Distance = formatMiles(l, geo.KmToMi(h.DistanceKm))
	}
	v.Tel = telURL(v.Phone)
	v.Call = translate(l, "call", v.Phone)
	v.Care = s.termLabels(l, directory.GroupCare, f.Services.Care)
	v.Payment = s.termLabels(l, directory.GroupPayment, f.Services.Payment)
	return v
}

// extensionRE finds a phone number's extension: "ext. 5", "x12".
var extensionRE = regexp.MustCompile(`(?i)\s*(?:ext\.?|extension|x)\s*([0-9]+)\s*$`)

// telURL turns a phone number as listed ("(334) 673-2100 ext. 5") into a
// tel: link that dials it (tel:+13346732100,5: the comma waits, then
// dials the extension). It returns "" for a number without digits.
func telURL(phone string) template.URL {
	ext := ""
	if m := extensionRE.FindStringSubmatchIndex(phone); m != nil {
		ext = phone[m[2]:m[3]]
		phone = phone[:m[0]]
	}
	var digits strings.Builder
	for _, r := range phone {
		if r >= '0' && r <= '9' {
			digits.WriteRune(r)
		}
	}
	d := digits.String()
	switch {
	case d == "":
		return ""
	case len(d) == 10:
		d = "+1" + d
	case len(d) == 11 && d[0] == '1':
		d = "+" + d
	}
	if ext != "" {
		d += "," + ext
	}
	return template.URL("tel:" + d) // digits, '+' and ',' only: safe
}

// mapsDirections links to directions to a facility's street address
// (Google Maps URLs, api=1), or to its point when it has no address.
func mapsDirections(f *directory.Facility) string {
	addr := f.Address.String()
	if len(f.Address.Lines) == 0 && f.Address.City == "" {
		return directionsURL(f.Lat, f.Lon)
	}
	return "https://www.google.com/maps/dir/?api=1&destination=" + url.QueryEscape(addr)
}

// websiteURL returns a facility's website as a link, or "" if it is not a
// web address (a bare "example.org" gets https://).
func websiteURL(site string) string {
	site = strings.TrimSpace(site)
	if site == "" || strings.ContainsAny(site, " \t\n<>\"") {
		return ""
	}
	u, err := url.Parse(site)
	if err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return u.String()
	}
	if err == nil && u.Scheme == "" && strings.Contains(site, ".") {
		return "https://" + site
	}
	return ""
}

// facilityView is the facility page's content.
type facilityView struct {
	F            *directory.Facility
	Subtitle     string
	Alternates   []string
	Address      string
	Directions   string
	Website      string
	Phones       []phoneView
	Open247      string
	Hours        []hoursView
	HoursNote    string
	Groups       []serviceGroup
	Accredits    []string
	Source       string
	LastVerified string
	Report       reportForm
}

type phoneView struct {
	Label  string
	Number string
	Tel    template.URL
}

type hoursView struct {
	Day   string
	Times string
}

// serviceGroup is one taxonomy group of a facility's services.
type serviceGroup struct {
	Label string
	Terms []termView
}

// reportForm is the "report a problem" form.
type reportForm struct {
	Action  string
	Token   string
	Kinds   []option
	Message string
	Contact string
	Errors  map[string]string
	Thanks  bool
}

// serveFacilityPage answers GET /facilities/{id}: the full record from the
// store.
func (s *Server) serveFacilityPage(w http.ResponseWriter, r *http.Request) error {
	f, err := s.requestFacility(r)
	if err != nil {
		return err
	}
	p := s.newPage(r, "")
	v := s.newFacilityView(p, f)
	if r.URL.Query().Get("reported") == "1" {
		v.Report.Thanks = true
		w.Header().Set("Cache-Control", "no-store")
	}
	p.Main = v
	return s.render(w, http.StatusOK, "facility", p)
}

// requestFacility reads the active facility the request's {id} names (see
// activeFacility).
func (s *Server) requestFacility(r *http.Request) (*directory.Facility, error) {
	f, _, err := s.activeFacility(r.Context(), mux.Vars(r)["id"])
	return f, err
}

// months are month names, January first.
var months = map[Lang][]string{
	English: {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	Spanish: {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
}

// formatDate words a YYYY-MM-DD date: "June 30, 2015", "30 de junio de 2015".
func formatDate(l Lang, date string) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	if l == Spanish {
		return fmt.Sprintf("%d de %s de %d", t.Day(), months[l][t.Month()-1], t.Year())
	}
	return fmt.Sprintf("%s %d, %d", months[l][t.Month()-1], t.Day(), t.Year())
}

func (s *Server) newFacilityView(p *page, f *directory.Facility) *facilityView {
	l := p.Lang
	p.Title = f.Name
	v := &facilityView{F: f, Address: f.Address.String(), Directions: mapsDirections(f), Website: websiteURL(f.Website),
		HoursNote: f.HoursNote, LastVerified: formatDate(l, f.LastVerified)}
	if len(f.AlternateNames) > 0 {
		v.Subtitle = f.AlternateNames[0]
		v.Alternates = f.AlternateNames[1:]
	}
	for _, ph := range []struct{ key, number string }{
		{"phone_hotline", f.Phones.Hotline}, {"phone_intake", f.Phones.Intake}, {"phone_main", f.Phones.Main},
	} {
		if ph.number != "" {
			v.Phones = append(v.Phones, phoneView{Label: p.T(ph.key), Number: ph.number, Tel: telURL(ph.number)})
		}
	}
	switch {
	case f.Open247 == nil:
	case *f.Open247:
		v.Open247 = p.T("open247_yes")
	default:
		v.Open247 = p.T("open247_no")
	}
	for day := range 7 {
		var times []string
		for _, h := range f.Hours {
			if int(h.Day) == day {
				times = append(times, h.Opens+"–"+h.Closes)
			}
		}
		if len(f.Hours) > 0 {
			t := strings.Join(times, ", ")
			if t == "" {
				t = p.T("closed")
			}
			v.Hours = append(v.Hours, hoursView{Day: p.T(fmt.Sprintf("day_%d", day)), Times: t})
		}
	}
	for _, g := range directory.Groups() {
		sg := serviceGroup{Label: p.T("group_" + string(g))}
		for _, slug := range f.Services.Get(g) {
			if t, ok := s.tax.Lookup(g, slug); ok {
				sg.Terms = append(sg.Terms, s.newTermView(l, t, 0, false))
			}
		}
		v.Groups = append(v.Groups, sg)
	}
	v.Accredits = append(slices.Clone(f.Accreditations), f.Licenses...)
	v.Source = f.Source
	if _, ok := messages["source_"+f.Source]; ok {
		v.Source = p.T("source_" + f.Source)
	}
	v.Report = s.newReportForm(l, f.ID)
	return v
}
