package directory_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/directory"
)

// square is a GeoJSON Polygon around Nashville.
const square = `{"type":"Polygon","coordinates":[[[-87,36],[-86.5,36],[-86.5,36.5],[-87,36.5],[-87,36]]]}`

func TestPartnerStore(t *testing.T) {
	for name, open := range storeKinds(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			p := &directory.Partner{
				Name:     "Davidson County Health",
				Origins:  []string{"https://Health.Example.org:443/", "http://localhost:8000"},
				Defaults: url.Values{"care": {"detox,residential"}, "radius": {"50mi"}},
				Region:   directory.Region{States: []string{"tn"}, Area: []byte(square)},
			}
			key, err := s.AddPartner(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			keyID, secret, ok := directory.SplitPartnerKey(key)
			if !ok || keyID != p.KeyID || !strings.HasPrefix(keyID, "pk_") || len(secret) < 40 {
				t.Fatalf("key %q: id %q secret %q ok %v; partner id %q", key, keyID, secret, ok, p.KeyID)
			}
			got, err := s.PartnerByKeyID(ctx, keyID)
			if err != nil {
				t.Fatal(err)
			}
			// The secret is stored only as its SHA-256.
			sum := sha256.Sum256([]byte(secret))
			if got.SecretHash != hex.EncodeToString(sum[:]) || strings.Contains(got.SecretHash, secret) {
				t.Errorf("stored hash %q is not the SHA-256 of the secret", got.SecretHash)
			}
			want := &directory.Partner{
				KeyID: keyID, Name: "Davidson County Health", SecretHash: got.SecretHash,
				Origins:   []string{"https://health.example.org", "http://localhost:8000"},
				Defaults:  url.Values{"care": {"detox,residential"}, "radius": {"50mi"}},
				RateLimit: directory.DefaultPartnerRateLimit, Enabled: true,
			}
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(directory.Partner{}, "CreatedAt", "Region")); diff != "" {
				t.Errorf("stored partner (-want +got):\n%s", diff)
			}
			mp, err := got.Region.Polygons()
			if err != nil || len(mp) != 1 || got.Region.States[0] != "TN" {
				t.Errorf("region: %v %v %v", got.Region.States, mp, err)
			}
			if !got.CheckSecret(secret) {
				t.Error("CheckSecret refuses the right secret")
			}
			for _, bad := range []string{"", secret[:len(secret)-1], secret + "x", strings.ToUpper(secret), got.SecretHash} {
				if got.CheckSecret(bad) {
					t.Errorf("CheckSecret accepts %q", bad)
				}
			}

			// A second partner, and usage recorded in batches.
			if _, err := s.AddPartner(ctx, &directory.Partner{Name: "Clinic", Origins: []string{"https://clinic.example"}, RateLimit: 60}); err != nil {
				t.Fatal(err)
			}
			all, err := s.Partners(ctx)
			if err != nil || len(all) != 2 || all[0].KeyID != keyID || all[1].RateLimit != 60 {
				t.Fatalf("Partners: %v, %v", all, err)
			}
			batches := [][]directory.Usage{
				{{KeyID: keyID, Day: "2026-03-01", Requests: 5}, {KeyID: all[1].KeyID, Day: "2026-03-01", Requests: 2}},
				{{KeyID: keyID, Day: "2026-03-01", Requests: 7}, {KeyID: keyID, Day: "2026-03-02", Requests: 1}, {KeyID: "pk_unknown", Day: "2026-03-02", Requests: 9}},
			}
			for _, b := range batches {
				if err := s.RecordUsage(ctx, b); err != nil {
					t.Fatal(err)
				}
			}
			usage, err := s.PartnerUsage(ctx, "2026-03-01")
			if err != nil {
				t.Fatal(err)
			}
			wantUsage := []directory.Usage{
				{KeyID: keyID, Day: "2026-03-01", Requests: 12}, {KeyID: keyID, Day: "2026-03-02", Requests: 1},
				{KeyID: all[1].KeyID, Day: "2026-03-01", Requests: 2},
			}
			if keyID > all[1].KeyID {
				wantUsage = append(wantUsage[2:], wantUsage[:2]...)
			}
			if diff := cmp.Diff(wantUsage, usage); diff != "" {
				t.Errorf("usage (-want +got):\n%s", diff)
			}
			if later, _ := s.PartnerUsage(ctx, "2026-03-02"); len(later) != 1 {
				t.Errorf("usage since 2026-03-02: %v", later)
			}

			// Disabling: once, again (no change), and a key that is not there.
			if err := s.DisablePartner(ctx, keyID); err != nil {
				t.Fatal(err)
			}
			if err := s.DisablePartner(ctx, keyID); err != nil {
				t.Errorf("disabling again: %v", err)
			}
			if err := s.DisablePartner(ctx, "pk_nope"); directory.ErrorCode(err) != directory.ENOTFOUND {
				t.Errorf("disabling an unknown key: %v", err)
			}
			got, _ = s.PartnerByKeyID(ctx, keyID)
			if got.Enabled || got.DisabledAt.IsZero() {
				t.Errorf("after disable: enabled %v at %v", got.Enabled, got.DisabledAt)
			}
			if _, err := s.PartnerByKeyID(ctx, "pk_nope"); directory.ErrorCode(err) != directory.ENOTFOUND {
				t.Errorf("unknown key: %v", err)
			}
		})
	}
}

func TestPartnerKeysAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id, secret, key := directory.NewPartnerKey()
		if seen[id] || seen[secret] || key != id+"."+secret {
			t.Fatalf("key %q repeats or is malformed", key)
		}
		seen[id], seen[secret] = true, true
	}
}

func TestSplitPartnerKey(t *testing.T) {
	tests := []struct {
		key, id, secret string
		ok              bool
	}{
		{"pk_abc.s3cret", "pk_abc", "s3cret", true},
		{"pk_abc.s3c.ret", "pk_abc", "s3c.ret", true},
		{"pk_abc", "", "", false},
		{"pk_abc.", "", "", false},
		{"abc.s3cret", "", "", false},
		{"", "", "", false},
		{"pk_" + strings.Repeat("a", 80) + ".x", "", "", false},
	}
	for _, tt := range tests {
		id, secret, ok := directory.SplitPartnerKey(tt.key)
		if id != tt.id || secret != tt.secret || ok != tt.ok {
			t.Errorf("SplitPartnerKey(%q) = %q, %q, %v; want %q, %q, %v", tt.key, id, secret, ok, tt.id, tt.secret, tt.ok)
		}
	}
}

func TestPartnerValidate(t *testing.T) {
	tests := []struct {
		name string
		p    directory.Partner
		want string // in the error; "" for none
	}{
		{"ok", directory.Partner{Name: "A", Origins: []string{"https://a.example"}}, ""},
		{"no name", directory.Partner{Origins: []string{"https://a.example"}}, "name: is required"},
		{"no origin", directory.Partner{Name: "A"}, "at least one origin"},
		{"path", directory.Partner{Name: "A", Origins: []string{"https://a.example/widget"}}, "no path"},
		{"no scheme", directory.Partner{Name: "A", Origins: []string{"a.example"}}, "not an origin"},
		{"ftp", directory.Partner{Name: "A", Origins: []string{"ftp://a.example"}}, "http:// or https://"},
		{"wildcard", directory.Partner{Name: "A", Origins: []string{"https://*.a.example"}}, "wildcard"},
		{"bad state", directory.Partner{Name: "A", Origins: []string{"https://a.example"}, Region: directory.Region{States: []string{"Tennessee"}}}, "two-letter"},
		{"negative limit", directory.Partner{Name: "A", Origins: []string{"https://a.example"}, RateLimit: -1}, "rate-limit"},
		{"bad geojson", directory.Partner{Name: "A", Origins: []string{"https://a.example"}, Region: directory.Region{Area: []byte(`{"type":"Point","coordinates":[1,2]}`)}}, "Point is not an area"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("Validate = %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestNormalizeOrigin(t *testing.T) {
	tests := map[string]string{
		"https://Example.ORG":      "https://example.org",
		"https://example.org/":     "https://example.org",
		"https://example.org:443":  "https://example.org",
		"http://example.org:80":    "http://example.org",
		"http://localhost:8000":    "http://localhost:8000",
		"https://example.org:8443": "https://example.org:8443",
		"http://[::1]:9000":        "http://[::1]:9000",
	}
	for in, want := range tests {
		if got, err := directory.NormalizeOrigin(in); got != want || err != nil {
			t.Errorf("NormalizeOrigin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "example.org", "https://", "https://a.example?x=1", "https://user@a.example", "javascript:alert(1)"} {
		if got, err := directory.NormalizeOrigin(bad); err == nil {
			t.Errorf("NormalizeOrigin(%q) = %q, want an error", bad, got)
		}
	}
}

func TestParseRegionGeoJSON(t *testing.T) {
	ring := orb.Ring{{-87, 36}, {-86.5, 36}, {-86.5, 36.5}, {-87, 36.5}, {-87, 36}}
	tests := []struct {
		name, in string
		want     orb.MultiPolygon
		err      string
	}{
		{"polygon", square, orb.MultiPolygon{{ring}}, ""},
		{"multipolygon", `{"type":"MultiPolygon","coordinates":[[[[-87,36],[-86.5,36],[-86.5,36.5],[-87,36.5],[-87,36]]]]}`, orb.MultiPolygon{{ring}}, ""},
		{"feature", `{"type":"Feature","properties":{"name":"x"},"geometry":` + square + `}`, orb.MultiPolygon{{ring}}, ""},
		{"collection", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":` + square + `},{"type":"Feature","geometry":` + square + `}]}`, orb.MultiPolygon{{ring}, {ring}}, ""},
		{"not json", `{"type":`, nil, "not GeoJSON"},
		{"no type", `{}`, nil, `no "type"`},
		{"point", `{"type":"Point","coordinates":[1,2]}`, nil, "a Point is not an area"},
		{"feature with a line", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":` + square + `},{"type":"Feature","geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}]}`, nil, "feature 2: a LineString is not an area"},
		{"open ring", `{"type":"Polygon","coordinates":[[[-87,36],[-86.5,36],[-86.5,36.5],[-87,36.5]]]}`, nil, "polygon 1, ring 1 is not closed"},
		{"short ring", `{"type":"Polygon","coordinates":[[[-87,36],[-86.5,36],[-87,36]]]}`, nil, "needs at least 4"},
		{"out of range", `{"type":"Polygon","coordinates":[[[36,-87],[36,-86.5],[36.5,-186.5],[36,-87]]]}`, nil, "position 3"},
		{"bad coordinates", `{"type":"Polygon","coordinates":[1,2]}`, nil, "array of rings"},
		{"empty collection", `{"type":"FeatureCollection","features":[]}`, nil, "no features"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := directory.ParseRegionGeoJSON([]byte(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("area (-want +got):\n%s", diff)
			}
		})
	}
}

// Migrations apply by version, whatever the order they arrive in: a store
// that has 0101 and 0103 still gets 0102 when it lands later, and nothing
// runs twice (nor do the embedded ones, already applied).
func TestMigrationsToleratesGapsAndLateArrivals(t *testing.T) {
	for name, open := range storeKinds(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t) // applies the embedded migrations
			first := fstest.MapFS{
				// An embedded one again: rerunning it would fail (the table exists).
				"migrations/0001_facilities.sql": {Data: []byte("CREATE TABLE facilities (id TEXT);")},
				"migrations/0101_a.sql":          {Data: []byte("CREATE TABLE a_things (id TEXT);")},
				"migrations/0103_c.sql":          {Data: []byte("CREATE TABLE c_things (id TEXT);")},
			}
			if err := s.Migrate(ctx, first); err != nil {
				t.Fatal(err)
			}
			later := fstest.MapFS{
				"migrations/0001_facilities.sql": first["migrations/0001_facilities.sql"],
				"migrations/0101_a.sql":          first["migrations/0101_a.sql"],
				"migrations/0103_c.sql":          first["migrations/0103_c.sql"],
				"migrations/0102_b.sql":          {Data: []byte("CREATE TABLE b_things (id TEXT PRIMARY KEY);\nINSERT INTO b_things (id) VALUES ('r1');")},
			}
			if err := s.Migrate(ctx, later); err != nil {
				t.Fatal(err)
			}
			if n, err := s.QueryInt(ctx, `SELECT COUNT(*) FROM b_things`); err != nil || n != 1 {
				t.Errorf("0102 arriving after 0103 was not applied: %d, %v", n, err)
			}
			if n, err := s.QueryInt(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version > 100`); err != nil || n != 3 {
				t.Errorf("%d migrations recorded, want 3: %v", n, err)
			}
			if err := s.Migrate(ctx, later); err != nil {
				t.Errorf("migrating again: %v", err)
			}
		})
	}
}
