package geo_test

import (
	"cmp"
	"encoding/csv"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/internal/sharedtest"
)

// Issue 6's "done when": every city of the 2015 directory with at least
// minFacilities facilities geocodes by name ("City, ST") to a point with at
// least one of them within findRadiusMi.
const (
	minFacilities = 3
	findRadiusMi  = 25
)

// TestDirectoryCitiesFindTheirFacilities geocodes each city of the 2015
// SAMHSA directory with minFacilities or more facilities and checks that a
// search there of findRadiusMi finds at least one of them. It logs how far
// each city's point is from the median of its facilities.
func TestDirectoryCitiesFindTheirFacilities(t *testing.T) {
	path := sharedtest.File(t, "data/samhsa-directory-2015.csv")
	byCity := readDirectoryCities(t, path)
	g, err := geo.NewGazetteer()
	if err != nil {
		t.Fatal(err)
	}

	type cityKey struct{ city, state string }
	var keys []cityKey
	for k, pts := range byCity {
		if len(pts) >= minFacilities {
			keys = append(keys, cityKey{k[0], k[1]})
		}
	}
	slices.SortFunc(keys, func(a, b cityKey) int {
		return cmp.Or(strings.Compare(a.state, b.state), strings.Compare(a.city, b.city))
	})

	found := 0
	worst, worstCity := 0.0, ""
	for _, k := range keys {
		q := k.city + ", " + k.state
		p, err := g.Geocode(q)
		if err != nil {
			t.Errorf("Geocode(%q): %v", q, err)
			continue
		}
		pts := byCity[[2]string{k.city, k.state}]
		nearest := -1.0
		for _, f := range pts {
			if d := geo.DistanceKm(p.Point, f); nearest < 0 || d < nearest {
				nearest = d
			}
		}
		if geo.KmToMi(nearest) <= findRadiusMi {
			found++
		} else {
			t.Errorf("Geocode(%q) = %s at %.4f,%.4f: the nearest of its %d facilities is %.1f mi away, want at most %d",
				q, p.Label, p.Lat, p.Lon, len(pts), geo.KmToMi(nearest), findRadiusMi)
		}
		if d := geo.KmToMi(geo.DistanceKm(p.Point, median(pts))); d > worst {
			worst, worstCity = d, q
		}
	}
	t.Logf("%d cities with %d or more facilities; %d find one within %d mi; worst city point to facilities' median: %.1f mi (%s)",
		len(keys), minFacilities, found, findRadiusMi, worst, worstCity)
	if len(keys) < 1000 {
		t.Errorf("only %d cities with %d or more facilities; the 2015 directory has over 1,000", len(keys), minFacilities)
	}
}

// readDirectoryCities reads the facilities' points of the 2015 directory by
// city and state, as written there, skipping rows without coordinates.
func readDirectoryCities(tb testing.TB, path string) map[[2]string][]orb.Point {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatalf("read %s: %v", path, err)
	}
	if len(records) < 2 {
		tb.Fatalf("%s has no rows", path)
	}
	col := map[string]int{}
	for i, name := range records[0] {
		col[name] = i
	}
	for _, name := range []string{"City", "State", "Longitude", "Latitude"} {
		if _, ok := col[name]; !ok {
			tb.Fatalf("%s has no column %s", path, name)
		}
	}
	byCity := map[[2]string][]orb.Point{}
	for _, r := range records[1:] {
		lon, err1 := strconv.ParseFloat(r[col["Longitude"]], 64)
		lat, err2 := strconv.ParseFloat(r[col["Latitude"]], 64)
		if err1 != nil || err2 != nil || lat == 0 && lon == 0 {
			continue
		}
		k := [2]string{r[col["City"]], r[col["State"]]}
		byCity[k] = append(byCity[k], orb.Point{lon, lat})
	}
	return byCity
}

// median is the point of the median longitude and the median latitude.
func median(pts []orb.Point) orb.Point {
	var m orb.Point
	for axis := range 2 {
		v := make([]float64, len(pts))
		for i, p := range pts {
			v[i] = p[axis]
		}
		slices.Sort(v)
		if n := len(v); n%2 == 1 {
			m[axis] = v[n/2]
		} else {
			m[axis] = (v[n/2-1] + v[n/2]) / 2
		}
	}
	return m
}
