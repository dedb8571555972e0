package web

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"
	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/data"
	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/search"
)

// The HSDS 3.0 API (Open Referral's openapi.json) under /hsds/: the
// directory as 211 systems and other referral tools read it. Lists are
// answered from the search index (so postcode and proximity are a geo
// search, search is its text search and taxonomy_term_id its filters) and
// each item from the store's full record.

// HSDS API limits.
const (
	// hsdsDefaultPerPage is the page size when per_page is absent.
	hsdsDefaultPerPage = 20
	// hsdsMaxPerPage bounds per_page: one index page.
	hsdsMaxPerPage = search.MaxLimit
	// hsdsMaxPage bounds page, so that page=1e9 is refused rather than
	// walked.
	hsdsMaxPage = 100000
	// hsdsTimeout bounds one answer; an ndjson stream of everything gets
	// hsdsStreamTimeout.
	hsdsTimeout       = 10 * time.Second
	hsdsStreamTimeout = 5 * time.Minute
	// contentTypeNDJSON is the media type of format=ndjson.
	contentTypeNDJSON = "application/x-ndjson"
)

// ActiveLister lists the active facilities of the store, for the HSDS
// API's modified_after and the lookup of HSDS ids. *directory.Store is one.
type ActiveLister interface {
	// ActiveIDs returns the ids of the active facilities, or of those
	// written on or after since when it is not zero.
	ActiveIDs(ctx context.Context, since time.Time) ([]string, error)
}

var _ ActiveLister = (*directory.Store)(nil)

// hsdsIDs maps the HSDS ids of services, organizations, locations and
// services at locations onto facility ids. It is rebuilt when the index
// has moved on.
type hsdsIDs struct {
	mu  sync.Mutex
	seq int64
	ids map[string]string
}

// hsdsListParams are the parameters each list endpoint accepts.
var (
	hsdsServiceParams = []string{"search", "page", "per_page", "format", "taxonomy_term_id", "taxonomy_id",
		"organization_id", "modified_after", "minimal", "full"}
	hsdsSALParams = []string{"search", "page", "per_page", "format", "taxonomy_term_id", "taxonomy_id",
		"organization_id", "modified_after", "full", "postcode", "proximity"}
	hsdsOrganizationParams = []string{"search", "page", "per_page", "format", "full_service", "full"}
	hsdsTaxonomyParams     = []string{"search", "page", "per_page", "format"}
	hsdsTermParams         = []string{"search", "page", "per_page", "format", "taxonomy_id", "top_only", "parent_id"}
)

func (s *Server) hsdsRoutes(r *mux.Router) {
	s.get(r, "/hsds/", s.serveHSDSRoot)
	s.get(r, "/hsds/services", s.serveHSDSServices)
	s.get(r, "/hsds/services/{id}", s.serveHSDSService)
	s.get(r, "/hsds/service_at_locations", s.serveHSDSServiceAtLocations)
	s.get(r, "/hsds/organizations", s.serveHSDSOrganizations)
	s.get(r, "/hsds/organizations/{id}", s.serveHSDSOrganization)
	s.get(r, "/hsds/taxonomies", s.serveHSDSTaxonomies)
	s.get(r, "/hsds/taxonomy_terms", s.serveHSDSTaxonomyTerms)
}

// hsdsRoot is the answer of GET /hsds/.
type hsdsRoot struct {
	Version    string `json:"version"`
	Profile    string `json:"profile"`
	OpenAPIURL string `json:"openapi_url"`
}

func (s *Server) serveHSDSRoot(w http.ResponseWriter, r *http.Request) error {
	if _, err := parseParams(r); err != nil {
		return err
	}
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	w.Header().Set("Cache-Control", cacheControlPublic)
	return writeJSON(w, http.StatusOK, contentTypeJSON, hsdsRoot{
		Version: data.HSDSVersion, Profile: data.HSDSProfile, OpenAPIURL: scheme + "://" + r.Host + "/api/v1/openapi.json",
	})
}

// hsdsPage is HSDS's paging envelope.
type hsdsPage struct {
	TotalItems int  `json:"total_items"`
	TotalPages int  `json:"total_pages"`
	PageNumber int  `json:"page_number"`
	Size       int  `json:"size"`
	FirstPage  bool `json:"first_page"`
	LastPage   bool `json:"last_page"`
	Empty      bool `json:"empty"`
	Contents   any  `json:"contents"`
}

func newHSDSPage(total, page, perPage int, contents any, size int) hsdsPage {
	pages := (total + perPage - 1) / perPage
	return hsdsPage{TotalItems: total, TotalPages: pages, PageNumber: page, Size: size,
		FirstPage: page == 1, LastPage: page >= pages, Empty: total == 0, Contents: contents}
}

// hsdsPaging is a list request's page, size and format.
type hsdsPaging struct {
	page, perPage int
	ndjson        bool
}

func parseHSDSPaging(p params) (hsdsPaging, error) {
	pg := hsdsPaging{page: 1, perPage: hsdsDefaultPerPage}
	for _, x := range []struct {
		name string
		dst  *int
		max  int
	}{{"page", &pg.page, hsdsMaxPage}, {"per_page", &pg.perPage, hsdsMaxPerPage}} {
		v, err := p.single(x.name)
		if err != nil {
			return pg, err
		}
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > x.max {
			return pg, paramError(x.name, fmt.Sprintf("must be a whole number from 1 to %d", x.max))
		}
		*x.dst = n
	}
	format, err := p.single("format")
	if err != nil {
		return pg, err
	}
	switch strings.ToLower(format) {
	case "", "json":
	case "ndjson":
		pg.ndjson = true
	default:
		return pg, paramError("format", fmt.Sprintf("unknown format %q; use json or ndjson", format))
	}
	return pg, nil
}

// parseBool reads a boolean parameter: true, false, 1, 0 or absent.
func parseBool(p params, name string) (bool, error) {
	v, err := p.single(name)
	if err != nil || v == "" {
		return false, err
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, paramError(name, fmt.Sprintf("%q is not true or false", v))
	}
	return b, nil
}

// hsdsQuery is a parsed list request over facilities.
type hsdsQuery struct {
	q search.Query
	// only restricts the answer to these facility ids (modified_after,
	// organization_id); nil means no restriction.
	only map[string]bool
}

// parseHSDSQuery reads the parameters that select facilities. They
// combine with AND.
func (s *Server) parseHSDSQuery(ctx context.Context, p params) (*hsdsQuery, error) {
	hq := &hsdsQuery{q: search.Query{Filters: map[directory.Group][]string{}}}
	q := &hq.q
	var err error
	if q.Text, err = p.single("search"); err != nil {
		return nil, err
	}
	if err := s.hsdsTermFilter(p, q); err != nil {
		return nil, err
	}
	if err := s.hsdsTaxonomyFilter(p, q); err != nil {
		return nil, err
	}
	restrict := func(ids []string) {
		set := make(map[string]bool, len(ids))
		for _, id := range ids {
			if hq.only == nil || hq.only[id] {
				set[id] = true
			}
		}
		hq.only = set
	}
	if org, err := p.single("organization_id"); err != nil {
		return nil, err
	} else if org != "" {
		id, err := s.hsdsFacilityID(ctx, org, "organization")
		if err != nil {
			return nil, paramError("organization_id", fmt.Sprintf("no organization with id %q", org))
		}
		restrict([]string{id})
	}
	if since, err := p.single("modified_after"); err != nil {
		return nil, err
	} else if since != "" {
		t, ok := parseTimeParam(since)
		if !ok {
			return nil, paramError("modified_after", fmt.Sprintf("%q is not a date-time like 2025-03-01T00:00:00Z", since))
		}
		lister, ok := s.store.(ActiveLister)
		if !ok {
			return nil, paramError("modified_after", "is not supported by this server")
		}
		ids, err := lister.ActiveIDs(ctx, t)
		if err != nil {
			return nil, err
		}
		restrict(ids)
	}
	if err := s.hsdsProximity(p, q); err != nil {
		return nil, err
	}
	return hq, nil
}

// hsdsParamError names, for a query search refused, the HSDS parameter
// that made the field at fault.
func hsdsParamError(err error) error {
	var qe *search.QueryError
	if !errors.As(err, &qe) {
		return err
	}
	param := ""
	switch qe.Field {
	case search.FieldText:
		param = "search"
	case search.FieldCenter, search.FieldRadiusKm:
		param = "proximity"
	case search.FieldFilters:
		param = "taxonomy_term_id"
	case search.FieldLimit:
		param = "per_page"
	}
	return paramError(param, qe.Message, qe.Suggestions...)
}

// parseTimeParam reads a date-time (RFC 3339) or a date.
func parseTimeParam(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// hsdsTermFilter reads taxonomy_term_id: one of CareFinder's term ids.
func (s *Server) hsdsTermFilter(p params, q *search.Query) error {
	id, err := p.single("taxonomy_term_id")
	if err != nil || id == "" {
		return err
	}
	for _, g := range directory.Groups() {
		for _, t := range s.tax.Terms(g) {
			if data.HSDSTermID(g, t.Slug) == id || string(g)+":"+t.Slug == id {
				q.Filters[g] = append(q.Filters[g], t.Slug)
				return nil
			}
		}
	}
	return &apiError{Status: http.StatusBadRequest, Code: directory.EINVALID, Param: "taxonomy_term_id",
		Message: fmt.Sprintf("no taxonomy term with id %q that filters services; see /hsds/taxonomy_terms", id)}
}

// hsdsTaxonomyFilter reads taxonomy_id: services with any term of that
// taxonomy (the group's top terms, which match their children).
func (s *Server) hsdsTaxonomyFilter(p params, q *search.Query) error {
	id, err := p.single("taxonomy_id")
	if err != nil || id == "" {
		return err
	}
	if id == data.HSDSTaxonomyID(data.HSDSFactsTaxonomy) || id == data.HSDSFactsTaxonomy {
		return nil // every facility has facts
	}
	for _, g := range directory.Groups() {
		if data.HSDSTaxonomyID(data.HSDSTaxonomyName(g)) != id && data.HSDSTaxonomyName(g) != id {
			continue
		}
		if len(q.Filters[g]) > 0 {
			return nil // taxonomy_term_id of this taxonomy says more
		}
		for _, t := range s.tax.Terms(g) {
			if t.Parent == "" {
				q.Filters[g] = append(q.Filters[g], t.Slug)
			}
		}
		return nil
	}
	return paramError("taxonomy_id", fmt.Sprintf("no taxonomy with id %q; see /hsds/taxonomies", id))
}

// hsdsProximity reads postcode and proximity (metres from the postcode's
// centroid).
func (s *Server) hsdsProximity(p params, q *search.Query) error {
	postcode, err := p.single("postcode")
	if err != nil {
		return err
	}
	proximity, err := p.single("proximity")
	if err != nil {
		return err
	}
	if postcode == "" {
		if proximity != "" {
			return paramError("proximity", "needs a postcode: the distance is measured from its centroid")
		}
		return nil
	}
	zip := postcode
	if len(zip) == 10 && zip[5] == '-' {
		zip = zip[:5]
	}
	z, ok := s.gaz.LookupZIP(zip)
	if !ok {
		place, err := s.geocode("postcode", postcode)
		if err != nil {
			return err
		}
		if place.Kind != geo.KindZIP {
			return paramError("postcode", fmt.Sprintf("%q is not a U.S. ZIP code", postcode))
		}
		z.Point = orb.Point{place.Lon, place.Lat}
	}
	q.HasLocation, q.Center = true, z.Point
	if proximity != "" {
		m, err := strconv.ParseFloat(proximity, 64)
		if err != nil || !(m > 0) || m/1000 > search.MaxRadiusKm {
			return paramError("proximity", fmt.Sprintf("must be a number of metres more than 0 and at most %.0f", search.MaxRadiusKm*1000))
		}
		q.RadiusKm = m / 1000
	}
	return nil
}

// hsdsMatches returns the ids of the facilities q matches, in order: the
// window [offset, offset+n) of them, or all when n < 0, and their total.
func (s *Server) hsdsMatches(ctx context.Context, hq *hsdsQuery, offset, n int) ([]string, int, error) {
	q := hq.q
	q.Limit = search.MaxLimit
	var out []string
	total, seen := 0, 0
	for {
		res, err := s.index.Search(ctx, q)
		if err != nil {
			return nil, 0, hsdsParamError(err)
		}
		if hq.only == nil {
			total = res.Total
		}
		for _, h := range res.Hits {
			if hq.only != nil && !hq.only[h.Facility.ID] {
				continue
			}
			if seen >= offset && (n < 0 || len(out) < n) {
				out = append(out, h.Facility.ID)
			}
			seen++
		}
		if hq.only != nil {
			total = seen
		}
		// Without a restriction the total is known: stop once the window
		// is full.
		if res.NextCursor == "" || (hq.only == nil && n >= 0 && len(out) >= n) {
			return out, total, nil
		}
		q.Cursor = res.NextCursor
	}
}

// facilities reads the full records of ids from the store, skipping any
// removed since the index answered.
func (s *Server) facilities(ctx context.Context, ids []string) ([]*directory.Facility, error) {
	out := make([]*directory.Facility, 0, len(ids))
	for _, id := range ids {
		f, err := s.store.Get(ctx, id)
		if directory.ErrorCode(err) == directory.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		if f.Active {
			out = append(out, f)
		}
	}
	return out, nil
}

// serveHSDSList answers a list endpoint over facilities: a page of items,
// or with format=ndjson every matching facility's full document, one per
// line.
func (s *Server) serveHSDSList(w http.ResponseWriter, r *http.Request, allowed []string,
	item func(f *directory.Facility, full bool) any, full func(f *directory.Facility) any) error {
	p, err := parseParams(r, allowed...)
	if err != nil {
		return err
	}
	pg, err := parseHSDSPaging(p)
	if err != nil {
		return err
	}
	wantFull, err := parseBool(p, "full")
	if err != nil {
		return err
	}
	if slices.Contains(allowed, "minimal") {
		if _, err := parseBool(p, "minimal"); err != nil {
			return err
		}
	}
	if slices.Contains(allowed, "full_service") {
		fs, err := parseBool(p, "full_service")
		if err != nil {
			return err
		}
		wantFull = wantFull || fs
	}
	timeout := hsdsTimeout
	if pg.ndjson {
		timeout = hsdsStreamTimeout
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	hq, err := s.parseHSDSQuery(ctx, p)
	if err != nil {
		return err
	}
	if pg.ndjson {
		ids, _, err := s.hsdsMatches(ctx, hq, 0, -1)
		if err != nil {
			return err
		}
		return s.streamNDJSON(ctx, w, ids, full)
	}
	ids, total, err := s.hsdsMatches(ctx, hq, (pg.page-1)*pg.perPage, pg.perPage)
	if err != nil {
		return err
	}
	fs, err := s.facilities(ctx, ids)
	if err != nil {
		return err
	}
	contents := make([]any, len(fs))
	for i, f := range fs {
		contents[i] = item(f, wantFull)
	}
	w.Header().Set("Cache-Control", cacheControlPublic)
	return writeJSON(w, http.StatusOK, contentTypeJSON, newHSDSPage(total, pg.page, pg.perPage, contents, len(contents)))
}

// streamNDJSON writes the full document of each facility, one per line,
// reading the store a page at a time. An error once the stream has begun
// can only end it.
func (s *Server) streamNDJSON(ctx context.Context, w http.ResponseWriter, ids []string, full func(f *directory.Facility) any) error {
	h := w.Header()
	h.Set("Content-Type", contentTypeNDJSON)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	for start := 0; start < len(ids); start += hsdsMaxPerPage {
		fs, err := s.facilities(ctx, ids[start:min(start+hsdsMaxPerPage, len(ids))])
		if err != nil {
			s.logger.ErrorContext(ctx, "hsds ndjson stream cut short", "err", err, "request_id", requestIDFrom(ctx))
			break
		}
		for _, f := range fs {
			if err := enc.Encode(full(f)); err != nil {
				s.logger.ErrorContext(ctx, "hsds ndjson stream cut short", "err", err, "request_id", requestIDFrom(ctx))
				return nil
			}
		}
	}
	bw.Flush()
	return nil
}

func (s *Server) serveHSDSServices(w http.ResponseWriter, r *http.Request) error {
	return s.serveHSDSList(w, r, hsdsServiceParams,
		func(f *directory.Facility, full bool) any {
			if full {
				return data.HSDSServiceOf(f, s.tax)
			}
			return data.HSDSServiceListItem(f, s.tax)
		},
		func(f *directory.Facility) any { return data.HSDSServiceOf(f, s.tax) })
}

func (s *Server) serveHSDSServiceAtLocations(w http.ResponseWriter, r *http.Request) error {
	return s.serveHSDSList(w, r, hsdsSALParams,
		func(f *directory.Facility, full bool) any {
			if full {
				return data.HSDSServiceOf(f, s.tax)
			}
			return data.HSDSServiceAtLocationListItem(f, s.tax)
		},
		func(f *directory.Facility) any { return data.HSDSServiceOf(f, s.tax) })
}

func (s *Server) serveHSDSOrganizations(w http.ResponseWriter, r *http.Request) error {
	return s.serveHSDSList(w, r, hsdsOrganizationParams,
		func(f *directory.Facility, full bool) any {
			if full {
				return data.HSDSOrganizationOf(f, s.tax)
			}
			return data.HSDSOrganizationListItem(f)
		},
		func(f *directory.Facility) any { return data.HSDSOrganizationOf(f, s.tax) })
}

// hsdsFacilityID resolves the id of an HSDS object of kind ("service",
// "organization") to its facility's id. A CareFinder facility id is taken
// as is.
func (s *Server) hsdsFacilityID(ctx context.Context, id, kind string) (string, error) {
	notFound := &directory.Error{Code: directory.ENOTFOUND, Param: "id", Message: fmt.Sprintf("no %s with id %q", kind, id)}
	if len(id) > 64 || strings.ContainsAny(id, "/?#% \t\n") {
		return "", notFound
	}
	if f, err := s.store.Get(ctx, id); err == nil && f.Active {
		return f.ID, nil
	}
	lister, ok := s.store.(ActiveLister)
	if !ok {
		return "", notFound
	}
	seq := s.index.Stats().Seq
	s.hsds.mu.Lock()
	defer s.hsds.mu.Unlock()
	if s.hsds.ids == nil || s.hsds.seq != seq {
		ids, err := lister.ActiveIDs(ctx, time.Time{})
		if err != nil {
			return "", err
		}
		m := make(map[string]string, 4*len(ids))
		for _, fid := range ids {
			for _, k := range []string{"service", "organization", "location", "service_at_location"} {
				m[k+"/"+data.HSDSID(k, fid)] = fid
			}
		}
		s.hsds.ids, s.hsds.seq = m, seq
	}
	fid, ok := s.hsds.ids[kind+"/"+id]
	if !ok {
		return "", notFound
	}
	return fid, nil
}

// serveHSDSObject answers /hsds/services/{id} and /hsds/organizations/{id}.
func (s *Server) serveHSDSObject(w http.ResponseWriter, r *http.Request, kind string, allowed []string, doc func(f *directory.Facility) any) error {
	if _, err := parseParams(r, allowed...); err != nil {
		return err
	}
	fid, err := s.hsdsFacilityID(r.Context(), mux.Vars(r)["id"], kind)
	if err != nil {
		return err
	}
	f, err := s.store.Get(r.Context(), fid)
	if err != nil {
		return err
	}
	if !f.Active {
		return &directory.Error{Code: directory.ENOTFOUND, Param: "id", Message: fmt.Sprintf("no %s with id %q", kind, mux.Vars(r)["id"])}
	}
	w.Header().Set("Cache-Control", cacheControlPublic)
	return writeJSON(w, http.StatusOK, contentTypeJSON, doc(f))
}

func (s *Server) serveHSDSService(w http.ResponseWriter, r *http.Request) error {
	return s.serveHSDSObject(w, r, "service", nil, func(f *directory.Facility) any { return data.HSDSServiceOf(f, s.tax) })
}

func (s *Server) serveHSDSOrganization(w http.ResponseWriter, r *http.Request) error {
	return s.serveHSDSObject(w, r, "organization", []string{"full_service"}, func(f *directory.Facility) any { return data.HSDSOrganizationOf(f, s.tax) })
}

// serveHSDSVocabulary pages a fixed list (taxonomies, terms) after
// filtering it with keep.
func serveHSDSVocabulary[T any](w http.ResponseWriter, p params, items []T, keep func(T) bool) error {
	pg, err := parseHSDSPaging(p)
	if err != nil {
		return err
	}
	var kept []T
	for _, it := range items {
		if keep(it) {
			kept = append(kept, it)
		}
	}
	if pg.ndjson {
		h := w.Header()
		h.Set("Content-Type", contentTypeNDJSON)
		w.WriteHeader(http.StatusOK)
		enc := json.NewEncoder(w)
		for _, it := range kept {
			if err := enc.Encode(it); err != nil {
				return nil
			}
		}
		return nil
	}
	start := min((pg.page-1)*pg.perPage, len(kept))
	page := kept[start:min(start+pg.perPage, len(kept))]
	if page == nil {
		page = []T{}
	}
	w.Header().Set("Cache-Control", cacheControlPublic)
	return writeJSON(w, http.StatusOK, contentTypeJSON, newHSDSPage(len(kept), pg.page, pg.perPage, page, len(page)))
}

// matchesText reports whether any of fields contains every word of text,
// ignoring case.
func matchesText(text string, fields ...string) bool {
	all := strings.ToLower(strings.Join(fields, " "))
	for _, w := range strings.Fields(strings.ToLower(text)) {
		if !strings.Contains(all, w) {
			return false
		}
	}
	return true
}

func (s *Server) serveHSDSTaxonomies(w http.ResponseWriter, r *http.Request) error {
	p, err := parseParams(r, hsdsTaxonomyParams...)
	if err != nil {
		return err
	}
	text, err := p.single("search")
	if err != nil {
		return err
	}
	return serveHSDSVocabulary(w, p, data.HSDSTaxonomies(), func(t data.HSDSTaxonomy) bool {
		return matchesText(text, t.Name, t.Description)
	})
}

func (s *Server) serveHSDSTaxonomyTerms(w http.ResponseWriter, r *http.Request) error {
	p, err := parseParams(r, hsdsTermParams...)
	if err != nil {
		return err
	}
	text, err := p.single("search")
	if err != nil {
		return err
	}
	taxID, err := p.single("taxonomy_id")
	if err != nil {
		return err
	}
	parentID, err := p.single("parent_id")
	if err != nil {
		return err
	}
	topOnly, err := parseBool(p, "top_only")
	if err != nil {
		return err
	}
	return serveHSDSVocabulary(w, p, data.HSDSTaxonomyTerms(s.tax), func(t data.HSDSTaxonomyTerm) bool {
		return matchesText(text, t.Code, t.Name, t.Description) &&
			(taxID == "" || t.TaxonomyID == taxID || t.Taxonomy == taxID) &&
			(parentID == "" || t.ParentID == parentID) &&
			(!topOnly || t.ParentID == "")
	})
}
