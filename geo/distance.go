// Package geo knows points, distances, bounds and geocoding: great-circle
// distances on a spherical Earth, a spatial grid for radius and nearest-first
// queries, and an offline gazetteer that places ZIP codes, cities, street
// addresses and coordinates from an embedded U.S. ZIP table and a table of
// U.S. populated places.
//
// Points are orb.Point values, which hold [longitude, latitude] in degrees.
package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// EarthRadiusKm is the mean radius of the Earth (IUGG R1) in kilometres.
// Every distance in this package is a haversine distance on a sphere of this
// radius; the API promises it, so results are stable across releases.
const EarthRadiusKm = 6371.0088

// kmPerMile is the international mile, exactly.
const kmPerMile = 1.609344

const degToRad = math.Pi / 180

// boundMarginDeg widens computed bounds so that rounding in the trigonometry
// cannot leave a point at exactly the radius outside them. It is about 0.1 mm.
const boundMarginDeg = 1e-9

// DistanceKm returns the great-circle distance between a and b in kilometres,
// by the haversine formula on a sphere of radius EarthRadiusKm. It is accurate
// for coincident, nearby and antipodal points alike.
func DistanceKm(a, b orb.Point) float64 {
	lat1, lat2 := a[1]*degToRad, b[1]*degToRad
	return haversineKm(lat1, a[0]*degToRad, math.Cos(lat1), lat2, b[0]*degToRad, math.Cos(lat2))
}

// haversineKm is DistanceKm on coordinates in radians with the cosines of the
// latitudes given, so that Grid can precompute them. Grid's results must equal
// DistanceKm's bit for bit, so the explicit conversions stop the compiler from
// fusing multiply-adds differently in different callers.
func haversineKm(lat1, lon1, cos1, lat2, lon2, cos2 float64) float64 {
	sLat := math.Sin((lat2 - lat1) / 2)
	sLon := math.Sin((lon2 - lon1) / 2)
	h := float64(sLat*sLat) + float64(float64(cos1*cos2)*float64(sLon*sLon))
	// h leaves [0, 1] only through rounding (or for latitudes beyond ±90°).
	if h < 0 {
		h = 0
	} else if h > 1 {
		h = 1
	}
	// d = 2R·atan2(√h, √(1-h)), which unlike 2R·asin(√h) is well-conditioned
	// near the antipode, provided 1-h is: computed by subtraction it is not,
	// once h nears 1. For far points, take it from the identity
	// 1-h = cos²(Δφ/2)·cos²(Δλ/2) + sin²((φ1+φ2)/2)·sin²(Δλ/2), a sum of
	// squares with no cancellation.
	rest := 1 - h
	if h > 0.5 {
		cLat := math.Cos((lat2 - lat1) / 2)
		cLon := math.Cos((lon2 - lon1) / 2)
		sSum := math.Sin((lat1 + lat2) / 2)
		rest = float64(float64(cLat*cLat)*float64(cLon*cLon)) + float64(float64(sSum*sSum)*float64(sLon*sLon))
	}
	return 2 * EarthRadiusKm * math.Atan2(math.Sqrt(h), math.Sqrt(rest))
}

// KmToMi converts kilometres to international miles.
func KmToMi(km float64) float64 { return km / kmPerMile }

// MiToKm converts international miles (exactly 1.609344 km) to kilometres.
func MiToKm(mi float64) float64 { return mi * kmPerMile }

// CircleBound returns a latitude/longitude box that contains every point
// within radiusKm of center, as measured by DistanceKm, for longitudes in
// [-180, 180]. The box is slightly larger than the circle's exact extent.
//
// Latitudes are clamped to [-90, 90]. If the circle contains a pole, or
// crosses the antimeridian (±180°), the box spans all longitudes, -180 to 180,
// because an orb.Bound cannot wrap around. A negative or NaN radius gives the
// empty box at center.
func CircleBound(center orb.Point, radiusKm float64) orb.Bound {
	if !(radiusKm >= 0) {
		return orb.Bound{Min: center, Max: center}
	}
	lon := normalizeLon(center[0])
	latMin, latMax, lonHalf, allLon := circleSpan(center[1], radiusKm)
	lonMin, lonMax := lon-lonHalf, lon+lonHalf
	if allLon || lonMin < -180 || lonMax > 180 {
		lonMin, lonMax = -180, 180
	}
	return orb.Bound{Min: orb.Point{lonMin, latMin}, Max: orb.Point{lonMax, latMax}}
}

// circleSpan returns, in degrees, the latitude range of the circle of
// radiusKm around latitude lat and the half-width of its longitude range.
// allLon reports that the circle contains a pole, so spans every longitude.
func circleSpan(lat, radiusKm float64) (latMin, latMax, lonHalf float64, allLon bool) {
	delta := radiusKm / EarthRadiusKm // angular radius, radians
	deltaDeg := delta/degToRad*(1+1e-12) + boundMarginDeg
	latMin, latMax = lat-deltaDeg, lat+deltaDeg
	if latMin <= -90 || latMax >= 90 {
		return max(latMin, -90), min(latMax, 90), 180, true
	}
	// The widest point of a circle of angular radius δ around latitude φ is
	// where sin Δλ = sin δ / cos φ (the meridians tangent to the circle).
	s := math.Sin(delta) / math.Cos(lat*degToRad)
	if !(s < 1) {
		return latMin, latMax, 180, true
	}
	lonHalf = math.Asin(s)/degToRad*(1+1e-12) + boundMarginDeg
	return latMin, latMax, lonHalf, false
}

// normalizeLon maps a longitude onto [-180, 180].
func normalizeLon(lon float64) float64 {
	if lon >= -180 && lon <= 180 {
		return lon
	}
	lon = math.Mod(lon+180, 360)
	if lon < 0 {
		lon += 360
	}
	return lon - 180
}
