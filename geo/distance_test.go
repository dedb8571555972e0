package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

func TestDistanceKm(t *testing.T) {
	tests := []struct {
		name string
		a, b orb.Point
		want float64
		tol  float64 // relative
	}{
		{"same point", orb.Point{-86.78, 36.16}, orb.Point{-86.78, 36.16}, 0, 0},
		{"quarter meridian", orb.Point{0, 0}, orb.Point{0, 90}, math.Pi / 2 * EarthRadiusKm, 1e-15},
		{"equator 1 degree", orb.Point{10, 0}, orb.Point{11, 0}, math.Pi / 180 * EarthRadiusKm, 1e-14},
		{"across antimeridian", orb.Point{179.5, 0}, orb.Point{-179.5, 0}, math.Pi / 180 * EarthRadiusKm, 1e-12},
		{"antipodal on equator", orb.Point{0, 0}, orb.Point{180, 0}, math.Pi * EarthRadiusKm, 1e-15},
		{"antipodal", orb.Point{-86.78, 36.16}, orb.Point{93.22, -36.16}, math.Pi * EarthRadiusKm, 1e-15},
		{"pole to pole", orb.Point{12, 90}, orb.Point{-170, -90}, math.Pi * EarthRadiusKm, 1e-15},
		{"one micro-degree", orb.Point{0, 0}, orb.Point{0, 1e-6}, 1e-6 * math.Pi / 180 * EarthRadiusKm, 1e-12},
		// Nashville (BNA) to Los Angeles (LAX), as vectorDistanceKm gives it.
		{"BNA-LAX", orb.Point{-86.6782, 36.1245}, orb.Point{-118.4085, 33.9416}, 2886.392368835, 1e-12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DistanceKm(tt.a, tt.b)
			if math.Abs(got-tt.want) > tt.tol*tt.want {
				t.Errorf("DistanceKm(%v, %v) = %.15g, want %.15g", tt.a, tt.b, got, tt.want)
			}
			if back := DistanceKm(tt.b, tt.a); back != got {
				t.Errorf("DistanceKm not symmetric: %.17g vs %.17g", got, back)
			}
		})
	}
}

// TestDistanceKmMatchesVectorFormula checks the haversine against the
// atan2(|a×b|, a·b) formula, which is well-conditioned at every distance.
func TestDistanceKmMatchesVectorFormula(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		a := randomGlobePoint(rng)
		var b orb.Point
		switch rng.IntN(3) {
		case 0:
			b = randomGlobePoint(rng)
		case 1: // nearby
			b = orb.Point{a[0] + rng.NormFloat64()*1e-4, math.Max(-90, math.Min(90, a[1]+rng.NormFloat64()*1e-4))}
		case 2: // nearly antipodal
			b = orb.Point{a[0] + 180 + rng.NormFloat64()*1e-4, math.Max(-90, math.Min(90, -a[1]+rng.NormFloat64()*1e-4))}
		}
		got, want := DistanceKm(a, b), vectorDistanceKm(a, b)
		if math.Abs(got-want) > 1e-9+1e-12*want {
			t.Fatalf("DistanceKm(%v, %v) = %.15g, vector formula %.15g", a, b, got, want)
		}
	}
}

func vectorDistanceKm(a, b orb.Point) float64 {
	xyz := func(p orb.Point) [3]float64 {
		lat, lon := p[1]*math.Pi/180, p[0]*math.Pi/180
		return [3]float64{math.Cos(lat) * math.Cos(lon), math.Cos(lat) * math.Sin(lon), math.Sin(lat)}
	}
	u, v := xyz(a), xyz(b)
	cross := [3]float64{u[1]*v[2] - u[2]*v[1], u[2]*v[0] - u[0]*v[2], u[0]*v[1] - u[1]*v[0]}
	dot := u[0]*v[0] + u[1]*v[1] + u[2]*v[2]
	return EarthRadiusKm * math.Atan2(math.Hypot(math.Hypot(cross[0], cross[1]), cross[2]), dot)
}

func TestMilesKm(t *testing.T) {
	if got := MiToKm(1); got != 1.609344 {
		t.Errorf("MiToKm(1) = %v, want 1.609344", got)
	}
	if got := KmToMi(1.609344); got != 1 {
		t.Errorf("KmToMi(1.609344) = %v, want 1", got)
	}
	if got := MiToKm(25); math.Abs(got-40.2336) > 1e-12 {
		t.Errorf("MiToKm(25) = %v, want 40.2336", got)
	}
}

func TestCircleBoundShape(t *testing.T) {
	tests := []struct {
		name     string
		center   orb.Point
		radiusKm float64
		fullLon  bool
		poleN    bool
		poleS    bool
	}{
		{"Nashville 40 km", orb.Point{-86.78, 36.16}, 40, false, false, false},
		{"contains north pole", orb.Point{10, 89.5}, 100, true, true, false},
		{"contains south pole", orb.Point{10, -89.9}, 20, true, false, true},
		{"crosses antimeridian", orb.Point{179.9, 10}, 50, true, false, false},
		{"crosses antimeridian westward", orb.Point{-179.9, -10}, 50, true, false, false},
		{"near but not over the antimeridian", orb.Point{179, 0}, 50, false, false, false},
		{"huge", orb.Point{0, 0}, 15000, true, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := CircleBound(tt.center, tt.radiusKm)
			if !b.Contains(tt.center) {
				t.Errorf("bound %v does not contain its center", b)
			}
			if full := b.Min[0] == -180 && b.Max[0] == 180; full != tt.fullLon {
				t.Errorf("bound %v: full longitude = %v, want %v", b, full, tt.fullLon)
			}
			if got := b.Max[1] == 90; got != tt.poleN {
				t.Errorf("bound %v: reaches north pole = %v, want %v", b, got, tt.poleN)
			}
			if got := b.Min[1] == -90; got != tt.poleS {
				t.Errorf("bound %v: reaches south pole = %v, want %v", b, got, tt.poleS)
			}
		})
	}
}

// TestCircleBoundContainsCircle checks, for random circles, that random
// points within the radius (including points just inside the edge, where
// rounding matters) lie in the bound, and that the bound is not loose.
func TestCircleBoundContainsCircle(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		center := randomCenter(rng)
		radius := randomRadiusKm(rng)
		b := CircleBound(center, radius)
		for range 20 {
			p := pointNearCircle(rng, center, radius)
			if d := DistanceKm(center, p); d <= radius && !b.Contains(p) {
				t.Fatalf("CircleBound(%v, %v) = %v misses %v at distance %v", center, radius, b, p, d)
			}
		}
		// Not loose: the bound's latitude extent matches the radius.
		if b.Max[1] < 90 && b.Min[1] > -90 {
			want := 2 * radius / EarthRadiusKm / degToRad
			if got := b.Max[1] - b.Min[1]; got > want*(1+1e-9)+1e-8 {
				t.Fatalf("CircleBound(%v, %v) = %v: latitude extent %v, want %v", center, radius, b, got, want)
			}
		}
	}
}

func TestNormalizeLon(t *testing.T) {
	for _, tt := range []struct{ in, want float64 }{
		{0, 0}, {180, 180}, {-180, -180}, {181, -179}, {-181, 179}, {540, 180 - 360}, {725, 5}, {-725, -5},
	} {
		if got := normalizeLon(tt.in); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("normalizeLon(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// randomGlobePoint returns a point uniformly distributed on the sphere.
func randomGlobePoint(rng *rand.Rand) orb.Point {
	return orb.Point{rng.Float64()*360 - 180, math.Asin(rng.Float64()*2-1) / degToRad}
}

// randomCenter returns a query center: anywhere, or near a pole or the
// antimeridian, or exactly on a pole.
func randomCenter(rng *rand.Rand) orb.Point {
	switch rng.IntN(6) {
	case 0:
		return orb.Point{rng.Float64()*360 - 180, (89 + rng.Float64()) * float64(1-2*rng.IntN(2))}
	case 1:
		return orb.Point{(179 + rng.Float64()) * float64(1-2*rng.IntN(2)), rng.Float64()*160 - 80}
	case 2:
		return orb.Point{rng.Float64()*360 - 180, 90 * float64(1-2*rng.IntN(2))}
	default:
		return randomGlobePoint(rng)
	}
}

// randomRadiusKm returns a radius log-uniform in [0.1, 2000] km.
func randomRadiusKm(rng *rand.Rand) float64 {
	return 0.1 * math.Pow(20000, rng.Float64())
}

// pointNearCircle returns a point at a random bearing from center, at a
// distance either anywhere within radiusKm or within a hair of it.
func pointNearCircle(rng *rand.Rand, center orb.Point, radiusKm float64) orb.Point {
	d := radiusKm * rng.Float64()
	if rng.IntN(2) == 0 {
		d = radiusKm * (1 - rng.Float64()*1e-9)
	}
	return destination(center, rng.Float64()*360, d)
}

// destination returns the point distKm from p along the initial bearing
// bearingDeg, with its longitude in [-180, 180].
func destination(p orb.Point, bearingDeg, distKm float64) orb.Point {
	lat1, lon1 := p[1]*degToRad, p[0]*degToRad
	brg, delta := bearingDeg*degToRad, distKm/EarthRadiusKm
	lat2 := math.Asin(math.Sin(lat1)*math.Cos(delta) + math.Cos(lat1)*math.Sin(delta)*math.Cos(brg))
	lon2 := lon1 + math.Atan2(math.Sin(brg)*math.Sin(delta)*math.Cos(lat1), math.Cos(delta)-math.Sin(lat1)*math.Sin(lat2))
	return orb.Point{normalizeLon(lon2 / degToRad), lat2 / degToRad}
}
