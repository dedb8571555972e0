package geo_test

import (
	"errors"
	"fmt"

	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/geo"
)

func ExampleGazetteer_Geocode() {
	g, err := geo.NewGazetteer()
	if err != nil {
		panic(err)
	}
	for _, q := range []string{"37203", "nashville, tennessee", "36.16, -86.78", "Nashvile, TN"} {
		p, err := g.Geocode(q)
		var ge *geo.GeocodeError
		if errors.As(err, &ge) {
			fmt.Printf("%s: %s %q\n", q, ge.Reason, ge.Suggestions)
			continue
		}
		fmt.Printf("%s: %s (%s) at %.2f,%.2f\n", q, p.Label, p.Kind, p.Lat, p.Lon)
	}
	// Output:
	// 37203: Nashville, TN 37203 (zip) at 36.15,-86.79
	// nashville, tennessee: Nashville, TN (city) at 36.17,-86.78
	// 36.16, -86.78: 36.16,-86.78 (latlon) at 36.16,-86.78
	// Nashvile, TN: no city named "Nashvile" in Tennessee; did you mean Nashville, TN? ["Nashville, TN"]
}

func ExampleGrid_Nearest() {
	facilities := []struct {
		name string
		at   orb.Point
	}{
		{"Downtown", orb.Point{-86.7816, 36.1627}},
		{"Memphis", orb.Point{-90.0490, 35.1495}},
		{"Franklin", orb.Point{-86.8689, 35.9251}},
		{"Knoxville", orb.Point{-83.9207, 35.9606}},
	}
	points := make([]orb.Point, len(facilities))
	for i, f := range facilities {
		points[i] = f.at
	}
	grid := geo.NewGrid(0.25)
	grid.Build(points)

	// The nearest two to Brentwood, TN.
	n := 0
	grid.Nearest(orb.Point{-86.7828, 36.0331}, func(i int, km float64) bool {
		fmt.Printf("%s %.1f mi\n", facilities[i].name, geo.KmToMi(km))
		n++
		return n < 2
	})
	// Output:
	// Franklin 8.9 mi
	// Downtown 9.0 mi
}

func ExampleGrid_Within() {
	grid := geo.NewGrid(0.25)
	grid.Build([]orb.Point{{-86.7816, 36.1627}, {-90.0490, 35.1495}, {-86.8689, 35.9251}})
	count := 0
	grid.Within(orb.Point{-86.7828, 36.0331}, geo.MiToKm(25), func(i int, km float64) bool {
		count++
		return true
	})
	fmt.Println(count, "within 25 miles")
	// Output:
	// 2 within 25 miles
}

func ExampleCircleBound() {
	b := geo.CircleBound(orb.Point{-86.78, 36.16}, 100)
	fmt.Printf("lat %.2f..%.2f, lon %.2f..%.2f\n", b.Min[1], b.Max[1], b.Min[0], b.Max[0])
	// Output:
	// lat 35.26..37.06, lon -87.89..-85.67
}
