package data

import (
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
)

func mustZIPs(tb testing.TB) []geo.ZIPPlace {
	tb.Helper()
	gz, err := geo.NewGazetteer()
	if err != nil {
		tb.Fatal(err)
	}
	return gz.ZIPs()
}

func TestGenerateDemoReproducible(t *testing.T) {
	zips := mustZIPs(t)
	now := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	a := GenerateDemo(DemoOptions{Seed: 7, N: 500, ZIPs: zips, Now: now})
	b := GenerateDemo(DemoOptions{Seed: 7, N: 500, ZIPs: zips, Now: now})
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different output (-first +second):\n%s", diff)
	}
	short := GenerateDemo(DemoOptions{Seed: 7, N: 100, ZIPs: zips, Now: now})
	if diff := cmp.Diff(a[:100], short); diff != "" {
		t.Errorf("the first 100 of N=500 differ from N=100 (-500 +100):\n%s", diff)
	}
	other := GenerateDemo(DemoOptions{Seed: 8, N: 500, ZIPs: zips, Now: now})
	if cmp.Equal(a, other) {
		t.Error("seeds 7 and 8 gave the same directory")
	}
	if n := len(GenerateDemo(DemoOptions{ZIPs: zips})); n != DefaultDemoN {
		t.Errorf("N = 0 gave %d facilities, want %d", n, DefaultDemoN)
	}
}

func TestGenerateDemoValid(t *testing.T) {
	now := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	zips := mustZIPs(t)
	tests := []struct {
		name string
		opts DemoOptions
	}{
		{"ZIP table", DemoOptions{Seed: 1, N: 5000, ZIPs: zips, Now: now}},
		{"metros only", DemoOptions{Seed: 2, N: 2000, Now: now}},
	}
	phoneRE := regexp.MustCompile(`^\([0-9]{3}\) 555-01[0-9]{2}$`)
	oldest := now.AddDate(-1, 0, 0).Format(time.DateOnly)
	tax := directory.DefaultTaxonomy()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			places := map[string]geo.ZIPPlace{}
			for _, z := range tt.opts.ZIPs {
				places[z.ZIP] = z
			}
			if tt.opts.ZIPs == nil {
				for _, m := range usMetros {
					places[m.ZIP] = geo.ZIPPlace{ZIP: m.ZIP, City: m.City, State: m.State, Point: orb.Point{m.Lon, m.Lat}}
				}
			}
			fs := GenerateDemo(tt.opts)
			if len(fs) != tt.opts.N {
				t.Fatalf("got %d facilities, want %d", len(fs), tt.opts.N)
			}
			for i, f := range fs {
				if err := f.Validate(tax); err != nil {
					t.Fatalf("%s: %v", f.ID, err)
				}
				var problems []string
				if want := fmt.Sprintf("demo-%05d", i+1); f.ID != want {
					problems = append(problems, "id is not "+want)
				}
				if f.Source != DemoSource || f.SourceID != f.ID || !f.Active {
					problems = append(problems, "provenance")
				}
				if f.LastVerified < oldest || f.LastVerified > now.Format(time.DateOnly) {
					problems = append(problems, "last verified "+f.LastVerified)
				}
				norm := f.Services
				norm.Normalize()
				if !cmp.Equal(norm, f.Services) {
					problems = append(problems, "services not normalized")
				}
				if !slices.Contains(f.Services.Language, "en") || len(f.Services.Care) == 0 || len(f.Services.Payment) == 0 {
					problems = append(problems, "services lack English, care or payment")
				}
				for _, p := range []string{f.Phones.Main, f.Phones.Intake, f.Phones.Hotline} {
					if p != "" && !phoneRE.MatchString(p) {
						problems = append(problems, "phone "+p)
					}
				}
				if f.Open247 == nil || *f.Open247 != (len(f.Hours) == 7 && f.Hours[0].Closes == "24:00") {
					problems = append(problems, "open 24/7 but hours say otherwise")
				}
				z, ok := places[f.Address.ZIP]
				switch {
				case !ok || f.Address.City == "" || z.City != f.Address.City || z.State != f.Address.State:
					problems = append(problems, "address "+f.Address.String())
				case geo.DistanceKm(z.Point, orb.Point{f.Lon, f.Lat}) > demoJitterKm+0.01:
					problems = append(problems, fmt.Sprintf("%.1f km from its ZIP code's centre", geo.DistanceKm(z.Point, orb.Point{f.Lon, f.Lat})))
				}
				if len(problems) > 0 {
					t.Errorf("%s %q: %v", f.ID, f.Name, problems)
				}
			}
		})
	}
}

// TestGenerateDemoMix checks that the directory looks like the real one:
// shares of care types, medications, payments and languages.
func TestGenerateDemoMix(t *testing.T) {
	fs := GenerateDemo(DemoOptions{Seed: 3, N: 20000, ZIPs: mustZIPs(t)})
	has := func(group []string, slugs ...string) bool {
		for _, s := range slugs {
			if slices.Contains(group, s) {
				return true
			}
		}
		return false
	}
	tests := []struct {
		name     string
		is       func(f directory.Facility) bool
		min, max float64
	}{
		{"outpatient", func(f directory.Facility) bool { return has(f.Services.Care, "outpatient") }, 0.60, 0.85},
		{"detox", func(f directory.Facility) bool { return has(f.Services.Care, "detox") }, 0.15, 0.25},
		{"residential", func(f directory.Facility) bool { return has(f.Services.Care, "residential") }, 0.20, 0.30},
		{"hospital inpatient", func(f directory.Facility) bool { return has(f.Services.Care, "hospital-inpatient") }, 0.03, 0.09},
		{"telehealth", func(f directory.Facility) bool { return has(f.Services.Care, "telehealth") }, 0.15, 0.35},
		{"medication for opioid use disorder", func(f directory.Facility) bool {
			return has(f.Services.Medication, "methadone", "buprenorphine", "naltrexone")
		}, 0.25, 0.38},
		{"methadone", func(f directory.Facility) bool { return has(f.Services.Medication, "methadone") }, 0.06, 0.10},
		{"self-pay", func(f directory.Facility) bool { return has(f.Services.Payment, "self-pay") }, 0.80, 0.95},
		{"medicaid", func(f directory.Facility) bool { return has(f.Services.Payment, "medicaid") }, 0.55, 0.65},
		{"private insurance", func(f directory.Facility) bool { return has(f.Services.Payment, "private-insurance") }, 0.60, 0.70},
		{"spanish", func(f directory.Facility) bool { return has(f.Services.Language, "es") }, 0.25, 0.40},
		{"open 24/7", func(f directory.Facility) bool { return f.Open247 != nil && *f.Open247 }, 0.28, 0.40},
		{"website", func(f directory.Facility) bool { return f.Website != "" }, 0.70, 0.80},
		// The New York metro holds 6% of Americans; SAMHSA's 2015 directory
		// has 4.5% of its facilities within 50 km of Midtown Manhattan, and
		// 2.5% in these five states.
		{"near New York", func(f directory.Facility) bool {
			return geo.DistanceKm(orb.Point{f.Lon, f.Lat}, orb.Point{-73.9855, 40.7580}) < 50
		}, 0.04, 0.09},
		{"in Alaska, Montana, Wyoming or the Dakotas", func(f directory.Facility) bool {
			return slices.Contains([]string{"AK", "MT", "WY", "ND", "SD"}, f.Address.State)
		}, 0.01, 0.06},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			for _, f := range fs {
				if tt.is(f) {
					n++
				}
			}
			share := float64(n) / float64(len(fs))
			t.Logf("%.3f", share)
			if share < tt.min || share > tt.max {
				t.Errorf("%.3f of facilities, want %.2f to %.2f", share, tt.min, tt.max)
			}
		})
	}
}

// TestDemoMetros checks the hand-written metro table against the ZIP
// table: each downtown ZIP code exists, in the right state, near the
// coordinates given, and has ZIP codes around it to place facilities in.
func TestDemoMetros(t *testing.T) {
	gz, err := geo.NewGazetteer()
	if err != nil {
		t.Fatal(err)
	}
	pools := metroZIPs(gz.ZIPs())
	for i, m := range usMetros {
		z, ok := gz.LookupZIP(m.ZIP)
		if !ok {
			t.Errorf("%s, %s: ZIP code %s is not in the ZIP table", m.City, m.State, m.ZIP)
			continue
		}
		if d := geo.DistanceKm(z.Point, orb.Point{m.Lon, m.Lat}); z.State != m.State || d > 15 {
			t.Errorf("%s, %s: ZIP code %s is in %s, %.0f km away", m.City, m.State, m.ZIP, z.State, d)
		}
		if len(pools[i]) < 3 {
			t.Errorf("%s, %s: only %d ZIP codes nearby", m.City, m.State, len(pools[i]))
		}
	}
}

func TestDemoID(t *testing.T) {
	g := &demoGen{}
	for _, tt := range []struct {
		i    int
		want string
	}{{1, "demo-00001"}, {42, "demo-00042"}, {99999, "demo-99999"}, {1000000, "demo-1000000"}} {
		if got := g.id(tt.i); got != tt.want {
			t.Errorf("id(%d) = %q, want %q", tt.i, got, tt.want)
		}
	}
}

func BenchmarkGenerateDemo(b *testing.B) {
	zips := mustZIPs(b)
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				fs := GenerateDemo(DemoOptions{Seed: 1, N: n, ZIPs: zips})
				if len(fs) != n {
					b.Fatal(len(fs))
				}
			}
		})
	}
}
