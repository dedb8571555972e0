package directory

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/paulmach/orb"
)

// Limits and defaults of partners.
const (
	// DefaultPartnerRateLimit is a key's requests per minute when none is
	// given: one partner's page shares it among all its visitors, so it is
	// well above the anonymous limit for one address.
	DefaultPartnerRateLimit = 600
	// MaxPartnerNameLength bounds a partner's name.
	MaxPartnerNameLength = 200
	// MaxPartnerOrigins bounds how many origins one key may be used from.
	MaxPartnerOrigins = 20
	// maxRegionPositions bounds the vertices of a region's polygons: every
	// keyed search tests facilities against them.
	maxRegionPositions = 200_000
	// keyIDPrefix starts every key id, so a key is recognisable in a page.
	keyIDPrefix = "pk_"
	// keyIDBytes and secretBytes are the randomness of a key: the id only
	// needs to be unique; the secret is 256 bits, so a plain SHA-256 of it
	// is as strong as a password hash would be.
	keyIDBytes  = 10
	secretBytes = 32
)

// Partner is a site that embeds CareFinder's search with its own key: its
// origins, its defaults and the region its searches are restricted to.
type Partner struct {
	// KeyID is the public half of the key, stored in clear for lookup.
	KeyID string `json:"key_id"`
	Name  string `json:"name"`
	// SecretHash is the hex SHA-256 of the key's secret half; the secret
	// itself is shown once, when the key is made, and never stored.
	SecretHash string `json:"-"`
	// Origins are the web origins (scheme://host[:port]) the key may be
	// used from.
	Origins []string `json:"origins"`
	// Defaults are search parameters applied when a request does not give
	// them ("care=detox&radius=50mi"); the request's own win.
	Defaults url.Values `json:"defaults"`
	// Region restricts the partner's searches to an area; zero means
	// everywhere.
	Region Region `json:"region"`
	// RateLimit is the key's requests per minute, all visitors together.
	RateLimit int       `json:"rate_limit"`
	Enabled   bool      `json:"enabled"`
	CreatedAt time.Time `json:"created_at"`
	// DisabledAt is when the key was disabled; zero while it is enabled.
	DisabledAt time.Time `json:"disabled_at,omitzero"`
}

// Region is an area a partner's searches are restricted to: facilities
// whose address is in one of States, or whose point is inside Area.
type Region struct {
	// States are two-letter codes (TN), matched against a facility's
	// address.
	States []string `json:"states,omitempty"`
	// Area is a GeoJSON (RFC 7946) MultiPolygon geometry, longitude first.
	Area json.RawMessage `json:"area,omitempty"`
}

// IsZero reports whether r restricts nothing.
func (r Region) IsZero() bool { return len(r.States) == 0 && len(r.Area) == 0 }

// Polygons returns r's area, or nil when it has none.
func (r Region) Polygons() (orb.MultiPolygon, error) {
	if len(r.Area) == 0 {
		return nil, nil
	}
	return ParseRegionGeoJSON(r.Area)
}

// ParseRegionGeoJSON reads an area from GeoJSON: a Polygon or MultiPolygon
// geometry, a Feature with one, or a FeatureCollection of them (their
// union). Errors say what is wrong and where. (orb/geojson would bring the
// MongoDB driver's BSON package along; these few shapes need none of it.)
func ParseRegionGeoJSON(b []byte) (orb.MultiPolygon, error) {
	var obj geoJSONObject
	if err := json.Unmarshal(b, &obj); err != nil {
		return nil, Errorf(EINVALID, "not GeoJSON: %v", err)
	}
	var mp orb.MultiPolygon
	switch obj.Type {
	case "Polygon", "MultiPolygon":
		g, err := obj.area("")
		if err != nil {
			return nil, err
		}
		mp = g
	case "Feature":
		if obj.Geometry == nil {
			return nil, Errorf(EINVALID, "the Feature has no geometry")
		}
		g, err := obj.Geometry.area("the Feature's geometry: ")
		if err != nil {
			return nil, err
		}
		mp = g
	case "FeatureCollection":
		if len(obj.Features) == 0 {
			return nil, Errorf(EINVALID, "the FeatureCollection has no features")
		}
		for i, f := range obj.Features {
			where := fmt.Sprintf("feature %d: ", i+1)
			if f.Type != "Feature" || f.Geometry == nil {
				return nil, Errorf(EINVALID, "%snot a Feature with a geometry", where)
			}
			g, err := f.Geometry.area(where)
			if err != nil {
				return nil, err
			}
			mp = append(mp, g...)
		}
	case "":
		return nil, Errorf(EINVALID, `not GeoJSON: no "type" member`)
	default:
		return nil, Errorf(EINVALID, "a %s is not an area; give a Polygon or MultiPolygon (or a Feature or FeatureCollection of them)", obj.Type)
	}
	if err := checkPolygons(mp); err != nil {
		return nil, err
	}
	return mp, nil
}

// geoJSONObject is the part of a GeoJSON object an area is read from.
type geoJSONObject struct {
	Type        string           `json:"type"`
	Coordinates json.RawMessage  `json:"coordinates"`
	Geometry    *geoJSONObject   `json:"geometry"`
	Features    []*geoJSONObject `json:"features"`
}

// area reads a Polygon or MultiPolygon geometry.
func (g *geoJSONObject) area(where string) (orb.MultiPolygon, error) {
	switch g.Type {
	case "Polygon":
		var rings [][][]float64
		if err := json.Unmarshal(g.Coordinates, &rings); err != nil {
			return nil, Errorf(EINVALID, "%sPolygon coordinates must be an array of rings of [longitude, latitude] positions", where)
		}
		p, err := polygonOf(rings, where)
		if err != nil {
			return nil, err
		}
		return orb.MultiPolygon{p}, nil
	case "MultiPolygon":
		var polys [][][][]float64
		if err := json.Unmarshal(g.Coordinates, &polys); err != nil {
			return nil, Errorf(EINVALID, "%sMultiPolygon coordinates must be an array of polygons, each an array of rings of [longitude, latitude] positions", where)
		}
		var mp orb.MultiPolygon
		for _, rings := range polys {
			p, err := polygonOf(rings, where)
			if err != nil {
				return nil, err
			}
			mp = append(mp, p)
		}
		return mp, nil
	case "":
		return nil, Errorf(EINVALID, `%sno "type" member`, where)
	}
	return nil, Errorf(EINVALID, "%sa %s is not an area; give a Polygon or MultiPolygon", where, g.Type)
}

func polygonOf(rings [][][]float64, where string) (orb.Polygon, error) {
	p := make(orb.Polygon, 0, len(rings))
	for _, r := range rings {
		ring := make(orb.Ring, 0, len(r))
		for _, pos := range r {
			if len(pos) < 2 {
				return nil, Errorf(EINVALID, "%sa position has %d numbers; it needs [longitude, latitude]", where, len(pos))
			}
			ring = append(ring, orb.Point{pos[0], pos[1]})
		}
		p = append(p, ring)
	}
	return p, nil
}

// regionGeoJSON encodes an area as a GeoJSON MultiPolygon geometry.
func regionGeoJSON(mp orb.MultiPolygon) ([]byte, error) {
	coords := make([][][][2]float64, len(mp))
	for i, p := range mp {
		coords[i] = make([][][2]float64, len(p))
		for j, r := range p {
			coords[i][j] = make([][2]float64, len(r))
			for k, pt := range r {
				coords[i][j][k] = [2]float64{pt[0], pt[1]}
			}
		}
	}
	return json.Marshal(struct {
		Type        string           `json:"type"`
		Coordinates [][][][2]float64 `json:"coordinates"`
	}{"MultiPolygon", coords})
}

// checkPolygons checks what RFC 7946 asks of polygons that point-in-polygon
// tests rely on: closed rings of four or more positions, in range.
func checkPolygons(mp orb.MultiPolygon) error {
	if len(mp) == 0 {
		return Errorf(EINVALID, "the area has no polygons")
	}
	n := 0
	for i, p := range mp {
		if len(p) == 0 {
			return Errorf(EINVALID, "polygon %d has no rings", i+1)
		}
		for j, ring := range p {
			where := fmt.Sprintf("polygon %d, ring %d", i+1, j+1)
			if len(ring) < 4 {
				return Errorf(EINVALID, "%s has %d positions; a ring needs at least 4 (the first repeated at the end)", where, len(ring))
			}
			if !ring[0].Equal(ring[len(ring)-1]) {
				return Errorf(EINVALID, "%s is not closed: its last position must repeat its first", where)
			}
			for k, pt := range ring {
				lon, lat := pt[0], pt[1]
				if math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
					return Errorf(EINVALID, "%s, position %d (%v, %v) is not [longitude, latitude] in degrees", where, k+1, lon, lat)
				}
			}
			n += len(ring)
		}
	}
	if n > maxRegionPositions {
		return Errorf(EINVALID, "the area has %d positions; at most %d (simplify it)", n, maxRegionPositions)
	}
	return nil
}

// NormalizeOrigin checks that s is a web origin, scheme://host[:port], and
// returns it as browsers send it in the Origin header: lower case, without
// a default port or a trailing slash.
func NormalizeOrigin(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return "", Errorf(EINVALID, "%q is not an origin like https://example.org or http://localhost:8000", s)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return "", Errorf(EINVALID, "%q: an origin is http:// or https://", s)
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || strings.Contains(s, "*") {
		return "", Errorf(EINVALID, "%q: an origin is only scheme://host[:port], with no path, query or wildcard", s)
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, nil
}

// Validate checks a partner before it is stored, normalizing its origins
// and region states.
func (p *Partner) Validate() error {
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" {
		return ParamErrorf("name", "is required")
	}
	if len(p.Name) > MaxPartnerNameLength {
		return ParamErrorf("name", "is %d characters long; at most %d", len(p.Name), MaxPartnerNameLength)
	}
	if len(p.Origins) == 0 {
		return ParamErrorf("origin", "give at least one origin the widget will run on, like https://example.org")
	}
	if len(p.Origins) > MaxPartnerOrigins {
		return ParamErrorf("origin", "%d origins; at most %d", len(p.Origins), MaxPartnerOrigins)
	}
	origins := make([]string, 0, len(p.Origins))
	for _, o := range p.Origins {
		n, err := NormalizeOrigin(o)
		if err != nil {
			return &Error{Code: EINVALID, Param: "origin", Message: err.(*Error).Message}
		}
		if !slices.Contains(origins, n) {
			origins = append(origins, n)
		}
	}
	p.Origins = origins
	for i, st := range p.Region.States {
		st = strings.ToUpper(strings.TrimSpace(st))
		if len(st) != 2 || st[0] < 'A' || st[0] > 'Z' || st[1] < 'A' || st[1] > 'Z' {
			return ParamErrorf("region", "state %q is not a two-letter code like TN", p.Region.States[i])
		}
		p.Region.States[i] = st
	}
	if len(p.Region.Area) > 0 {
		mp, err := ParseRegionGeoJSON(p.Region.Area)
		if err != nil {
			return &Error{Code: EINVALID, Param: "region", Message: err.(*Error).Message}
		}
		area, err := regionGeoJSON(mp)
		if err != nil {
			return fmt.Errorf("encode region: %w", err)
		}
		p.Region.Area = area
	}
	if p.RateLimit < 0 {
		return ParamErrorf("rate-limit", "must be 0 or more requests per minute")
	}
	return nil
}

// NewPartnerKey makes a new key: its id, its secret, and the key a partner
// pastes, KEYID.SECRET.
func NewPartnerKey() (keyID, secret, key string) {
	id := make([]byte, keyIDBytes)
	rand.Read(id) // never fails (crypto/rand)
	sec := make([]byte, secretBytes)
	rand.Read(sec)
	keyID = keyIDPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(id))
	secret = base64.RawURLEncoding.EncodeToString(sec)
	return keyID, secret, keyID + "." + secret
}

// HashSecret returns the hex SHA-256 of a key's secret, as stored.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// SplitPartnerKey splits a key into its id and secret; ok is false when it
// does not have the shape of one.
func SplitPartnerKey(key string) (keyID, secret string, ok bool) {
	keyID, secret, ok = strings.Cut(key, ".")
	if !ok || !strings.HasPrefix(keyID, keyIDPrefix) || len(keyID) > 64 || secret == "" || len(secret) > 128 {
		return "", "", false
	}
	return keyID, secret, true
}

// CheckSecret reports whether secret is this partner's, comparing hashes in
// constant time so that the time taken says nothing of how much matched.
func (p *Partner) CheckSecret(secret string) bool {
	want, err := hex.DecodeString(p.SecretHash)
	if err != nil || len(want) != sha256.Size {
		return false
	}
	got := sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(got[:], want) == 1
}

// partnerRow is a partners row.
type partnerRow struct {
	KeyID      string `db:"key_id"`
	Name       string `db:"name"`
	SecretHash string `db:"secret_hash"`
	Origins    string `db:"origins"`
	Defaults   string `db:"defaults"`
	Region     string `db:"region"`
	RateLimit  int    `db:"rate_limit"`
	Enabled    bool   `db:"enabled"`
	CreatedAt  string `db:"created_at"`
	DisabledAt string `db:"disabled_at"`
}

const partnerColumns = `key_id, name, secret_hash, origins, defaults, region, rate_limit, enabled, created_at, disabled_at`

func (r partnerRow) partner() (*Partner, error) {
	p := &Partner{KeyID: r.KeyID, Name: r.Name, SecretHash: r.SecretHash, RateLimit: r.RateLimit, Enabled: r.Enabled}
	if err := json.Unmarshal([]byte(r.Origins), &p.Origins); err != nil {
		return nil, fmt.Errorf("decode partner %s origins: %w", r.KeyID, err)
	}
	var err error
	if p.Defaults, err = url.ParseQuery(r.Defaults); err != nil {
		return nil, fmt.Errorf("decode partner %s defaults: %w", r.KeyID, err)
	}
	if r.Region != "" {
		if err := json.Unmarshal([]byte(r.Region), &p.Region); err != nil {
			return nil, fmt.Errorf("decode partner %s region: %w", r.KeyID, err)
		}
	}
	if p.CreatedAt, err = time.Parse(time.RFC3339Nano, r.CreatedAt); err != nil {
		return nil, fmt.Errorf("decode partner %s: %w", r.KeyID, err)
	}
	if r.DisabledAt != "" {
		if p.DisabledAt, err = time.Parse(time.RFC3339Nano, r.DisabledAt); err != nil {
			return nil, fmt.Errorf("decode partner %s: %w", r.KeyID, err)
		}
	}
	return p, nil
}

// AddPartner validates p, gives it a new key and stores it, enabled. It
// returns the key, KEYID.SECRET: the only time the secret is seen, as only
// its hash is kept.
func (s *Store) AddPartner(ctx context.Context, p *Partner) (string, error) {
	if p.RateLimit == 0 {
		p.RateLimit = DefaultPartnerRateLimit
	}
	if err := p.Validate(); err != nil {
		return "", err
	}
	keyID, secret, key := NewPartnerKey()
	p.KeyID, p.SecretHash, p.Enabled, p.CreatedAt, p.DisabledAt = keyID, HashSecret(secret), true, s.now(), time.Time{}
	if p.Defaults == nil {
		p.Defaults = url.Values{}
	}
	origins, err := json.Marshal(p.Origins)
	if err != nil {
		return "", fmt.Errorf("add partner: %w", err)
	}
	region := ""
	if !p.Region.IsZero() {
		b, err := json.Marshal(p.Region)
		if err != nil {
			return "", fmt.Errorf("add partner: %w", err)
		}
		region = string(b)
	}
	err = s.transact(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO partners (`+partnerColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			p.KeyID, p.Name, p.SecretHash, string(origins), p.Defaults.Encode(), region, p.RateLimit, true,
			p.CreatedAt.Format(time.RFC3339Nano), "")
		return err
	})
	if err != nil {
		return "", fmt.Errorf("add partner %q: %w", p.Name, err)
	}
	return key, nil
}

// Partners returns every partner, enabled or not, oldest first.
func (s *Store) Partners(ctx context.Context) ([]*Partner, error) {
	var rows []partnerRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+partnerColumns+` FROM partners ORDER BY created_at, key_id`); err != nil {
		return nil, fmt.Errorf("list partners: %w", err)
	}
	out := make([]*Partner, 0, len(rows))
	for _, r := range rows {
		p, err := r.partner()
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// PartnerByKeyID returns the partner with the given key id, enabled or
// not, or an error with code ENOTFOUND.
func (s *Store) PartnerByKeyID(ctx context.Context, keyID string) (*Partner, error) {
	var row partnerRow
	err := s.db.GetContext(ctx, &row, s.db.Rebind(`SELECT `+partnerColumns+` FROM partners WHERE key_id = ?`), keyID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &Error{Code: ENOTFOUND, Param: "key", Message: fmt.Sprintf("no partner key %q", keyID)}
	}
	if err != nil {
		return nil, fmt.Errorf("get partner %s: %w", keyID, err)
	}
	return row.partner()
}

// DisablePartner turns a key off for good: requests with it are refused
// from then on (a running server notices within seconds). Disabling a
// disabled key changes nothing.
func (s *Store) DisablePartner(ctx context.Context, keyID string) error {
	return s.transact(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE partners SET enabled = FALSE, disabled_at = ? WHERE key_id = ? AND enabled = TRUE`),
			s.now().Format(time.RFC3339Nano), keyID)
		if err != nil {
			return fmt.Errorf("disable partner %s: %w", keyID, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		var count int
		if err := tx.GetContext(ctx, &count, tx.Rebind(`SELECT COUNT(*) FROM partners WHERE key_id = ?`), keyID); err != nil {
			return fmt.Errorf("disable partner %s: %w", keyID, err)
		}
		if count == 0 {
			return &Error{Code: ENOTFOUND, Param: "key", Message: fmt.Sprintf("no partner key %q", keyID)}
		}
		return nil
	})
}

// Usage is how many requests a partner's key made on one UTC day.
type Usage struct {
	KeyID string `db:"key_id" json:"key_id"`
	// Day is YYYY-MM-DD, UTC.
	Day      string `db:"day" json:"day"`
	Requests int64  `db:"requests" json:"requests"`
}

// UsageDay is the Day of Usage that t falls on.
func UsageDay(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// RecordUsage adds counts to the partners' daily totals in one
// transaction. Callers count in memory and record every few seconds, not
// once per request. Counts for unknown keys are dropped.
func (s *Store) RecordUsage(ctx context.Context, counts []Usage) error {
	if len(counts) == 0 {
		return nil
	}
	return s.transact(ctx, func(tx *sqlx.Tx) error {
		for _, u := range counts {
			if u.Requests <= 0 {
				continue
			}
			_, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO partner_usage (key_id, day, requests)
				SELECT key_id, CAST(? AS TEXT), CAST(? AS BIGINT) FROM partners WHERE key_id = ?
				ON CONFLICT (key_id, day) DO UPDATE SET requests = partner_usage.requests + excluded.requests`),
				u.Day, u.Requests, u.KeyID)
			if err != nil {
				return fmt.Errorf("record usage of %s: %w", u.KeyID, err)
			}
		}
		return nil
	})
}

// PartnerUsage returns every partner's daily counts from day since
// (YYYY-MM-DD) on, by key id then day.
func (s *Store) PartnerUsage(ctx context.Context, since string) ([]Usage, error) {
	var out []Usage
	if err := s.db.SelectContext(ctx, &out, s.db.Rebind(
		`SELECT key_id, day, requests FROM partner_usage WHERE day >= ? ORDER BY key_id, day`), since); err != nil {
		return nil, fmt.Errorf("read partner usage: %w", err)
	}
	return out, nil
}
