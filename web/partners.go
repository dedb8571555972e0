package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/search"
)

// PartnerSource is where partner keys come from and where their usage is
// recorded: the directory store.
type PartnerSource interface {
	// Partners returns every partner, enabled or not.
	Partners(ctx context.Context) ([]*directory.Partner, error)
	// RecordUsage adds request counts to partners' daily totals.
	RecordUsage(ctx context.Context, counts []directory.Usage) error
}

var _ PartnerSource = (*directory.Store)(nil)

const (
	// keyHeader carries a partner key, as the key= parameter does.
	keyHeader = "X-CareFinder-Key"
	// partnerRefresh is how often the partners are read again from the
	// store: a key added or disabled by `carefinder partner` works, or
	// stops working, within this long.
	partnerRefresh = 5 * time.Second
)

// Error codes of partner keys and rate limits.
const (
	codeInvalidKey       = "invalid_key"
	codeKeyDisabled      = "key_disabled"
	codeOriginNotAllowed = "origin_not_allowed"
	codeRateLimited      = "rate_limited"
)

// partnerDefaultNames are the search parameters a partner may set defaults
// for. Location is near only (lat and lon would fight a visitor's near).
var partnerDefaultNames = []string{
	"near", "radius", "lang", "limit",
	string(directory.GroupCare), string(directory.GroupTherapy), string(directory.GroupMedication),
	string(directory.GroupPayment), string(directory.GroupPopulation), string(directory.GroupGender),
	string(directory.GroupLanguage),
}

// partner is a partner as requests need it: its region compiled once.
type partner struct {
	*directory.Partner
	region  *search.Region // nil: everywhere
	origins map[string]bool
}

// partnerSet holds the partners in memory, read again from the source
// every partnerRefresh by the first request that finds them stale.
type partnerSet struct {
	src    PartnerSource
	logger *slog.Logger

	mu     sync.RWMutex
	byID   map[string]*partner
	loaded time.Time
}

// get returns the partner with the given key id, or nil.
func (ps *partnerSet) get(ctx context.Context, keyID string) (*partner, error) {
	ps.mu.RLock()
	fresh := ps.byID != nil && time.Since(ps.loaded) < partnerRefresh
	p := ps.byID[keyID]
	ps.mu.RUnlock()
	if fresh {
		return p, nil
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.byID == nil || time.Since(ps.loaded) >= partnerRefresh {
		if err := ps.load(ctx); err != nil {
			if ps.byID == nil {
				return nil, err
			}
			// Keep serving the partners last read; try again later.
			ps.logger.ErrorContext(ctx, "read partners", "err", err)
			ps.loaded = time.Now()
		}
	}
	return ps.byID[keyID], nil
}

// load reads every partner; ps.mu is held.
func (ps *partnerSet) load(ctx context.Context) error {
	all, err := ps.src.Partners(ctx)
	if err != nil {
		return fmt.Errorf("read partners: %w", err)
	}
	byID := make(map[string]*partner, len(all))
	for _, dp := range all {
		p := &partner{Partner: dp, origins: map[string]bool{}}
		for _, o := range dp.Origins {
			p.origins[o] = true
		}
		if !dp.Region.IsZero() {
			area, err := dp.Region.Polygons()
			if err != nil {
				// Stored by an older or hand-edited row: refuse the key
				// rather than serve it everywhere.
				ps.logger.ErrorContext(ctx, "partner region unreadable; its key is refused", "key_id", dp.KeyID, "err", err)
				continue
			}
			p.region = search.NewRegion(dp.Region.States, area)
		}
		byID[dp.KeyID] = p
	}
	ps.byID, ps.loaded = byID, time.Now()
	return nil
}

// usageCounter counts keyed requests per partner per UTC day in memory;
// FlushUsage writes them out in one batch.
type usageCounter struct {
	mu     sync.Mutex
	counts map[directory.Usage]int64 // Requests zero: the key is the id and day
}

func (u *usageCounter) add(keyID string, now time.Time) {
	k := directory.Usage{KeyID: keyID, Day: directory.UsageDay(now)}
	u.mu.Lock()
	if u.counts == nil {
		u.counts = map[directory.Usage]int64{}
	}
	u.counts[k]++
	u.mu.Unlock()
}

// take empties the counter and returns what it held.
func (u *usageCounter) take() []directory.Usage {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make([]directory.Usage, 0, len(u.counts))
	for k, n := range u.counts {
		k.Requests = n
		out = append(out, k)
	}
	u.counts = nil
	slices.SortFunc(out, func(a, b directory.Usage) int {
		return strings.Compare(a.KeyID+a.Day, b.KeyID+b.Day)
	})
	return out
}

// giveBack returns counts that could not be written.
func (u *usageCounter) giveBack(counts []directory.Usage) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.counts == nil {
		u.counts = map[directory.Usage]int64{}
	}
	for _, c := range counts {
		n := c.Requests
		c.Requests = 0
		u.counts[c] += n
	}
}

// FlushUsage records the partner requests counted since the last flush.
// The server's owner calls it every few seconds and once at shutdown; on
// failure the counts are kept for the next call.
func (s *Server) FlushUsage(ctx context.Context) error {
	if s.partners == nil {
		return nil
	}
	counts := s.usage.take()
	if len(counts) == 0 {
		return nil
	}
	if err := s.partners.src.RecordUsage(ctx, counts); err != nil {
		s.usage.giveBack(counts)
		return fmt.Errorf("record partner usage: %w", err)
	}
	return nil
}

type partnerContextKey struct{}

// partnerFrom returns the partner whose key the request carries, or nil.
func partnerFrom(ctx context.Context) *partner {
	p, _ := ctx.Value(partnerContextKey{}).(*partner)
	return p
}

// requestKey returns the partner key of r, from key= or X-CareFinder-Key,
// or "" when it has none.
func requestKey(r *http.Request) (string, error) {
	var fromQuery string
	if strings.Contains(r.URL.RawQuery, "key=") {
		v, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return "", paramError("", "the query string is malformed: "+err.Error())
		}
		if len(v["key"]) > 1 {
			return "", paramError("key", "is given more than once; give it once")
		}
		fromQuery = strings.TrimSpace(v.Get("key"))
	}
	fromHeader := strings.TrimSpace(r.Header.Get(keyHeader))
	if fromQuery != "" && fromHeader != "" && fromQuery != fromHeader {
		return "", paramError("key", "the key= parameter and the "+keyHeader+" header differ; give one")
	}
	if fromQuery != "" {
		return fromQuery, nil
	}
	return fromHeader, nil
}

// authenticate returns the enabled partner that key belongs to. The key's
// secret is checked against the stored hash in constant time.
func (s *Server) authenticate(ctx context.Context, key string) (*partner, error) {
	invalid := &apiError{Status: http.StatusUnauthorized, Code: codeInvalidKey, Param: "key",
		Message: "this is not a valid CareFinder partner key; check the key printed by `carefinder partner add`"}
	keyID, secret, ok := directory.SplitPartnerKey(key)
	if !ok || s.partners == nil {
		return nil, invalid
	}
	p, err := s.partners.get(ctx, keyID)
	if err != nil {
		return nil, err
	}
	if p == nil || !p.CheckSecret(secret) {
		return nil, invalid
	}
	if !p.Enabled {
		return nil, &apiError{Status: http.StatusForbidden, Code: codeKeyDisabled, Param: "key",
			Message: "this partner key was disabled; ask CareFinder for a new one"}
	}
	return p, nil
}

// allowsOrigin reports whether a request from origin (its Origin header)
// may use p's key: one of p's origins, CareFinder's own pages (the iframe
// embed), or no Origin at all (not a browser's cross-origin request).
func (p *partner) allowsOrigin(r *http.Request, origin string) bool {
	if origin == "" || p.origins[origin] {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// applyDefaults fills in p's defaults for the parameters v does not give.
// A location default applies only when the request has no location, and a
// radius default only when there is a location to measure from.
func (p *partner) applyDefaults(v url.Values) {
	given := func(name string) bool {
		for _, s := range v[name] {
			if strings.TrimSpace(s) != "" {
				return true
			}
		}
		return false
	}
	hasLocation := given("near") || given("lat") || given("lon")
	for _, name := range partnerDefaultNames {
		d := p.Defaults[name]
		if len(d) == 0 || given(name) {
			continue
		}
		switch name {
		case "near":
			if hasLocation {
				continue
			}
			hasLocation = true
		case "radius":
			if !hasLocation {
				continue
			}
		}
		v[name] = d
	}
}

// CheckPartnerDefaults checks partner defaults as a search would read them,
// so that `carefinder partner add` refuses what every search would refuse.
func CheckPartnerDefaults(defaults url.Values, gaz *geo.Gazetteer, tax *directory.Taxonomy) error {
	for name := range defaults {
		if !slices.Contains(partnerDefaultNames, name) {
			return fmt.Errorf("%q cannot have a default; use one of %s", name, strings.Join(partnerDefaultNames, ", "))
		}
	}
	s := &Server{gaz: gaz, tax: tax}
	if s.tax == nil {
		s.tax = directory.DefaultTaxonomy()
	}
	r, err := http.NewRequest(http.MethodGet, "/api/v1/search?"+defaults.Encode(), nil)
	if err != nil {
		return err
	}
	if !defaults.Has("near") && defaults.Has("radius") {
		// A radius needs a location; check it against any point.
		r.URL.RawQuery += "&lat=0&lon=0"
	}
	req, err := s.parseSearch(r)
	if err == nil {
		err = req.query.Normalize(s.tax) // the checks a search would make
	}
	if err != nil {
		var ae *apiError
		var qe *search.QueryError
		var de *directory.Error
		switch {
		case errors.As(err, &ae):
			return fmt.Errorf("%s: %s", ae.Param, ae.Message)
		case errors.As(err, &qe):
			ae := queryParamError(r, qe)
			return fmt.Errorf("%s: %s", ae.Param, ae.Message)
		case errors.As(err, &de):
			return fmt.Errorf("%s: %s", de.Param, de.Message)
		}
		return err
	}
	return nil
}

// guardPublic stands in front of the public API: it reads the partner key,
// answers CORS, and applies the rate limits.
//
//   - No key: anyone may read the API, from any page (Access-Control-
//     Allow-Origin: *, never with credentials: the API has no cookies or
//     sessions); each client address has its own bucket of
//     Config.RateLimit requests a minute.
//   - A key: it must be known, enabled, and used from one of its origins.
//     Then Access-Control-Allow-Origin names that origin (Vary: Origin),
//     the partner's defaults and region apply, and the key's bucket of
//     the partner's rate limit is charged. A refused key gets a 401 or
//     403 without CORS headers, so a page on another origin cannot use it.
func (s *Server) guardPublic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !publicAPI(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		s.hdr.addVary(h, keyHeader)
		origin := r.Header.Get("Origin")
		preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
		var p *partner
		key, err := requestKey(r)
		if err == nil && key != "" {
			p, err = s.authenticate(r.Context(), key)
		}
		if err == nil && p != nil {
			h.Add("Vary", "Origin")
			if !p.allowsOrigin(r, origin) {
				err = &apiError{Status: http.StatusForbidden, Code: codeOriginNotAllowed, Param: "key",
					Message: fmt.Sprintf("this key may not be used from %s; add the origin with `carefinder partner add` or use the key from its own site", quoteOrigin(origin))}
			}
		}
		if err != nil {
			// Refused: no CORS headers. Refusals count against the
			// client's own bucket, like anonymous requests.
			if !preflight && !s.takeToken(w, r, clientBucket(clientIP(r, s.trustedProxies)), s.rateLimit) {
				return
			}
			if ae := (*apiError)(nil); errors.As(err, &ae) && ae.Status == http.StatusUnauthorized {
				h.Set("WWW-Authenticate", `CareFinder-Key realm="CareFinder"`)
			}
			s.serveError(w, r, err)
			return
		}
		if p == nil {
			h["Access-Control-Allow-Origin"] = s.hdr.anyOrigin
		} else if origin != "" {
			h.Set("Access-Control-Allow-Origin", origin)
		}
		if preflight {
			h.Set("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS") // POST: reports of problems with a listing
			h.Set("Access-Control-Allow-Headers", "Accept, Accept-Language, Content-Type, X-Request-Id, "+keyHeader)
			h.Set("Access-Control-Max-Age", strconv.Itoa(corsMaxAgeSeconds))
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h["Access-Control-Expose-Headers"] = s.hdr.exposeHeaders
		if p == nil {
			// The client's bucket only when there is a limit: naming it
			// costs allocations every request would pay.
			if s.rateLimit > 0 && !s.takeToken(w, r, clientBucket(clientIP(r, s.trustedProxies)), s.rateLimit) {
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		if !s.takeToken(w, r, "key:"+p.KeyID, p.RateLimit) {
			return
		}
		s.usage.add(p.KeyID, time.Now())
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), partnerContextKey{}, p)))
	})
}

// takeToken charges one request to bucket at perMinute (0: no limit). When
// the bucket is empty it answers 429 with Retry-After and returns false.
func (s *Server) takeToken(w http.ResponseWriter, r *http.Request, bucket string, perMinute int) bool {
	if perMinute <= 0 {
		return true
	}
	ok, wait := s.limiter.allow(bucket, perMinute)
	if ok {
		return true
	}
	secs := retryAfterSeconds(wait)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	s.serveError(w, r, &apiError{Status: http.StatusTooManyRequests, Code: codeRateLimited,
		Message: fmt.Sprintf("too many requests; try again in %d seconds", secs)})
	return false
}

// quoteOrigin describes an Origin header value for a message.
func quoteOrigin(origin string) string {
	if origin == "" {
		return "this page"
	}
	return strconv.Quote(origin)
}
