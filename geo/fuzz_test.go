package geo_test

import (
	"errors"
	"math"
	"testing"

	"github.com/carefinder/carefinder/geo"
)

// FuzzGeocode feeds arbitrary location strings to the geocoder: it must
// place them or refuse them with a GeocodeError, never panic, and never
// give a point off the globe.
func FuzzGeocode(f *testing.F) {
	for _, s := range []string{
		"37203", "37203-1234", "372031234", "6040", "Nashville, TN", "nashville tennessee", "St. Louis, MO",
		"123 Main St, Nashville, TN 37203", "36.16,-86.78", "-86.78,36.16", "36.16 -86.78", "Anchorage, AK",
		"", " ", ",", "NaN,NaN", "1e400,0", "Paris", "Kīhei, HI", "\xff\xfe", "City, ZZ", "99999",
	} {
		f.Add(s)
	}
	g, err := geo.NewGazetteer()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := g.Geocode(s)
		if err != nil {
			var ge *geo.GeocodeError
			if !errors.As(err, &ge) || ge.Reason == "" {
				t.Fatalf("Geocode(%q) = %v: not a GeocodeError with a reason", s, err)
			}
			return
		}
		if math.IsNaN(p.Lat) || math.IsNaN(p.Lon) || p.Lat < -90 || p.Lat > 90 || p.Lon < -180 || p.Lon > 180 || p.Label == "" {
			t.Fatalf("Geocode(%q) = %+v", s, p)
		}
	})
}
