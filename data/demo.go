package data

import (
	"iter"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
)

// DemoSource is the Provenance.Source of generated demo facilities.
const DemoSource = "demo"

// DefaultDemoN is the number of facilities GenerateDemo makes when
// DemoOptions.N is not positive.
const DefaultDemoN = 3000

// demoEpoch stands in for DemoOptions.Now when it is zero, so that a seed
// alone fixes the output.
var demoEpoch = time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)

const (
	// demoMetroShare of facilities are placed around a large metro, picked
	// by population; the rest in a ZIP code picked uniformly, which favours
	// dense areas too (they have more ZIP codes) but reaches rural ones.
	demoMetroShare = 0.55
	// demoJitterKm is how far a facility may be from its ZIP code's centre:
	// close enough to stay in town and, mostly, on land.
	demoJitterKm = 2.5
	// demoMaxStrings bounds the address lines of one facility.
	demoMaxStrings = 2
	demoArenaChunk = 64 * 1024
)

// DemoOptions controls GenerateDemo. The zero value makes DefaultDemoN
// facilities around the metros of a built-in table.
type DemoOptions struct {
	// Seed picks the directory: the same Seed, ZIPs and Now give the same
	// facilities, and the first n of a larger N are the same as with N = n.
	Seed int64
	// N is how many facilities to make; DefaultDemoN when not positive.
	N int
	// ZIPs are the places facilities are put in, as returned by
	// geo.Gazetteer.ZIPs; those without a city or state are skipped. When
	// empty, only the downtowns of the built-in metro table are used.
	ZIPs []geo.ZIPPlace
	// Taxonomy supplies the languages; nil means directory.DefaultTaxonomy().
	Taxonomy *directory.Taxonomy
	// Now dates the records: LastVerified falls within the year before it,
	// CreatedAt and UpdatedAt are Now. Zero means 2025-06-30, so that the
	// output stays reproducible.
	Now time.Time
}

// GenerateDemo makes a realistic, fictional directory for development and
// benchmarks: facilities around real US population centres, with names,
// fictional 555-01xx phone numbers, example.org websites, hours and a
// plausible mix of services. Every facility passes Validate; IDs run
// "demo-00001", "demo-00002", ...
//
// A million facilities take a few seconds and about a gigabyte, most of it
// the Facility structs themselves; DemoFacilities streams them instead.
// Facilities share the backing arrays of their Hours slices and of their
// string slices (capacity-limited, so appending copies): treat them as
// read-only, or clone before changing a slice in place.
func GenerateDemo(opts DemoOptions) []directory.Facility {
	if opts.N <= 0 {
		opts.N = DefaultDemoN
	}
	out := make([]directory.Facility, 0, opts.N)
	for f := range DemoFacilities(opts) {
		out = append(out, f)
	}
	return out
}

// DemoFacilities yields the facilities GenerateDemo returns, one at a time,
// so that a benchmark can index a national-scale directory without holding
// it all.
func DemoFacilities(opts DemoOptions) iter.Seq[directory.Facility] {
	if opts.N <= 0 {
		opts.N = DefaultDemoN
	}
	if opts.Taxonomy == nil {
		opts.Taxonomy = directory.DefaultTaxonomy()
	}
	if opts.Now.IsZero() {
		opts.Now = demoEpoch
	}
	return func(yield func(directory.Facility) bool) {
		g := newDemoGen(opts)
		for i := 1; i <= opts.N; i++ {
			if !yield(g.facility(i)) {
				return
			}
		}
	}
}

// demoGen holds what every facility draws on.
type demoGen struct {
	opts  DemoOptions
	rng   *rand.Rand
	zips  []geo.ZIPPlace
	dates []string // LastVerified values, dates[d] is d days before Now
	// metroCum is the running total of metro populations, for picking a
	// metro by population; metroZIPs lists the indices of the ZIPs near
	// each metro.
	metroCum   []int
	metroZIPs  [][]int32
	metroPlace []geo.ZIPPlace
	// Services are drawn from tables; each caches the slug lists it has
	// made, so that facilities offering the same set share one slice.
	care, medication, therapy, soberTherapy, payment, vaPayment *demoTable
	population, languages, accreditations, licenses             *demoTable
	phones                                                      map[string]*[100]string
	arena                                                       []string // address lines
	buf                                                         []byte
}

func newDemoGen(opts DemoOptions) *demoGen {
	g := &demoGen{
		opts:   opts,
		rng:    rand.New(rand.NewPCG(uint64(opts.Seed), 0x5eed_ca4e_f1d0)),
		zips:   slices.DeleteFunc(slices.Clone(opts.ZIPs), func(z geo.ZIPPlace) bool { return z.City == "" || z.State == "" }),
		phones: map[string]*[100]string{},
		buf:    make([]byte, 0, 64),
	}
	g.dates = make([]string, 365)
	for d := range g.dates {
		g.dates[d] = opts.Now.AddDate(0, 0, -d).Format(time.DateOnly)
	}
	total := 0
	for _, m := range usMetros {
		total += m.PopK
		g.metroCum = append(g.metroCum, total)
		g.metroPlace = append(g.metroPlace, geo.ZIPPlace{ZIP: m.ZIP, City: m.City, State: m.State, Point: orb.Point{m.Lon, m.Lat}})
	}
	g.metroZIPs = metroZIPs(g.zips)
	g.care = newDemoTable(weighted(demoCareSlugs))
	g.medication = newDemoTable(weighted(demoMedicationSlugs))
	g.therapy = newDemoTable(demoTherapy)
	g.soberTherapy = newDemoTable(demoSoberLivingTherapy)
	g.payment = newDemoTable(demoPayment)
	g.vaPayment = newDemoTable(demoVAPayment)
	g.population = newDemoTable(demoPopulations)
	g.accreditations = newDemoTable(demoAccreditations)
	g.licenses = newDemoTable(demoLicenses)
	var languages []weightedSlug
	for _, t := range opts.Taxonomy.Terms(directory.GroupLanguage) {
		p := 0.012 // a language other than these is rare
		switch t.Slug {
		case "en":
			p = 1
		case "es":
			p = 0.25
		case "ase":
			p = 0.12
		}
		languages = append(languages, weightedSlug{t.Slug, p})
	}
	sort.Slice(languages, func(i, j int) bool { return languages[i].slug < languages[j].slug })
	g.languages = newDemoTable(languages)
	return g
}

// demoTable is a list of slugs (at most 32) with the chance of each, and
// the slug lists drawn from it so far, by bit mask: in a slice for small
// tables, in a map for the others.
type demoTable struct {
	ws    []weightedSlug
	small [][]string
	sets  map[uint32][]string
}

// demoSmallTable is the most slugs a table may have to keep its lists in a
// slice (of 1<<demoSmallTable entries).
const demoSmallTable = 12

func newDemoTable(ws []weightedSlug) *demoTable {
	t := &demoTable{ws: ws}
	switch {
	case len(ws) > 32:
		panic("demo table of more than 32 slugs")
	case len(ws) <= demoSmallTable:
		t.small = make([][]string, 1<<len(ws))
	default:
		t.sets = map[uint32][]string{}
	}
	return t
}

// set returns the slugs whose bits are in mask, in table order; the slice
// is shared and its capacity is its length, so appending to it copies.
func (t *demoTable) set(mask uint32) []string {
	if t.small != nil {
		if s := t.small[mask]; s != nil {
			return s
		}
	} else if s, ok := t.sets[mask]; ok {
		return s
	}
	s := make([]string, 0, bits.OnesCount32(mask))
	for i, w := range t.ws {
		if mask&(1<<i) != 0 {
			s = append(s, w.slug)
		}
	}
	if t.small != nil {
		t.small[mask] = s
	} else {
		t.sets[mask] = s
	}
	return s
}

func weighted(slugs []string) []weightedSlug {
	ws := make([]weightedSlug, len(slugs))
	for i, s := range slugs {
		ws[i] = weightedSlug{slug: s}
	}
	return ws
}

// metroZIPs returns, for each metro, the indices of the ZIP codes within a
// radius that grows with its population.
func metroZIPs(zips []geo.ZIPPlace) [][]int32 {
	out := make([][]int32, len(usMetros))
	for mi, m := range usMetros {
		radiusKm := 15 + 10*math.Sqrt(float64(m.PopK)/1000)
		centre := orb.Point{m.Lon, m.Lat}
		dLat := radiusKm / 111.0
		for i, z := range zips {
			if math.Abs(z.Point[1]-m.Lat) > dLat {
				continue
			}
			if geo.DistanceKm(centre, z.Point) <= radiusKm {
				out[mi] = append(out[mi], int32(i))
			}
		}
	}
	return out
}

// weightedSlug is a taxonomy slug and how likely a facility offers it.
type weightedSlug struct {
	slug string
	p    float64
}

// Probabilities of each service, by group, written in slug order so that
// the generated groups come out sorted, as Services.Normalize leaves them.
var (
	demoTherapy = []weightedSlug{
		{"cognitive-behavioral-therapy", 0.62}, {"couples-therapy", 0.20}, {"family-therapy", 0.50},
		{"group-therapy", 0.85}, {"individual-therapy", 0.92}, {"relapse-prevention", 0.58}, {"support-groups", 0.45},
	}
	demoSoberLivingTherapy = []weightedSlug{{"group-therapy", 0.40}, {"support-groups", 0.90}}
	demoPayment            = []weightedSlug{
		// IHS funds only for facilities run by a tribe or the IHS.
		{"free", 0.05}, {"ihs-tribal", 0}, {"medicaid", 0.60}, {"medicare", 0.35}, {"military-insurance", 0.30},
		{"payment-assistance", 0.20}, {"private-insurance", 0.65}, {"self-pay", 0.90}, {"sliding-scale", 0.40}, {"state-insurance", 0.40},
	}
	demoVAPayment   = []weightedSlug{{"medicare", 0.5}, {"military-insurance", 1}, {"private-insurance", 0.5}, {"self-pay", 0.3}}
	demoPopulations = []weightedSlug{
		{"active-military", 0.10}, {"adolescents", 0.22}, {"adults", 0.96}, {"co-occurring", 0.45}, {"criminal-justice", 0.35},
		{"domestic-violence", 0.22}, {"dui-dwi", 0.28}, {"hiv-aids", 0.20}, {"lgbtq", 0.18}, {"men", 0.40},
		{"military-families", 0.10}, {"pregnant-women", 0.18}, {"seniors", 0.22}, {"trauma", 0.35}, {"veterans", 0.18},
		{"women", 0.40}, {"young-adults", 0.72},
	}
	demoAccreditations = []weightedSlug{{"CARF", 0.30}, {"COA", 0.04}, {"Joint Commission", 0.30}, {"NCQA", 0.04}}
	demoLicenses       = []weightedSlug{
		{"Hospital licensing authority", 0}, {"State department of health", 0.35},
		{"State mental health department", 0.30}, {"State substance use agency", 0.85},
	}
)

// demoKind is what sort of program a demo facility mainly is.
type demoKind int

const (
	kindOutpatient demoKind = iota
	kindResidential
	kindHospital
	kindOTP // opioid treatment program: a methadone clinic
	kindSoberLiving
	kindDetox
)

// demoKindShare is each kind's share of facilities, chosen so that about
// 20% offer detox, 25% residential care and 30% medication for opioid use
// disorder, as in SAMHSA's directory.
var demoKindShare = []float64{0.58, 0.20, 0.06, 0.08, 0.05, 0.03}

// bit returns 1<<i when on.
func bit(on bool, i int) uint32 {
	if on {
		return 1 << i
	}
	return 0
}

var demoMedicationSlugs = []string{"buprenorphine", "methadone", "naltrexone"}

// Care slugs, in the order of the care bits below.
var demoCareSlugs = []string{
	"detox", "hospital-inpatient", "intensive-outpatient", "outpatient", "partial-hospitalization", "residential",
	"residential-long-term", "residential-short-term", "standard-outpatient", "telehealth", "transitional-housing",
}

const (
	careDetox = 1 << iota
	careHospital
	careIntensive
	careOutpatient
	carePartial
	careResidential
	careResidentialLong
	careResidentialShort
	careStandard
	careTelehealth
	careHousing
)

var (
	demoWords = []string{
		"Riverside", "New Hope", "Serenity", "Harbor", "Cedar Ridge", "Pathways", "Beacon", "Crossroads", "Lakeview",
		"Turning Point", "Bridgeway", "Clear Horizons", "Summit", "Fresh Start", "Northstar", "Willow Creek", "Open Door",
		"Safe Harbor", "Gateway", "Hillside", "Meadowbrook", "Stonebridge", "Pine Valley", "Sunrise", "Compass", "Oak Grove",
		"Cornerstone", "Lighthouse", "Mountain View", "Silver Lake", "Evergreen", "Bayside", "Heartland", "Horizon",
		"Keystone", "Landmark", "Redwood", "Still Waters", "True North", "Second Chance", "Blue Sky", "Anchor Point",
	}
	demoSaints   = []string{"St. Mary's", "St. Joseph's", "St. Luke's", "Mercy", "Good Samaritan", "Providence", "Baptist", "Methodist", "Memorial", "Sacred Heart"}
	demoSurnames = []string{"Anderson", "Garcia", "Nguyen", "Johnson", "Patel", "Williams", "Martinez", "Thompson", "Robinson", "Kowalski", "O'Connor", "Kim", "Hernandez", "Brooks", "Whitfield", "Begay"}
	demoStreets  = []string{
		"Main Street", "Oak Avenue", "Maple Street", "Washington Avenue", "Park Avenue", "Elm Street", "Lincoln Boulevard",
		"Church Street", "Highland Avenue", "Market Street", "Broadway", "Center Street", "River Road", "Lake Street",
		"Hill Street", "Jefferson Avenue", "Franklin Street", "Pine Street", "Cedar Lane", "Medical Center Drive",
		"Commerce Drive", "Industrial Parkway", "Airport Road", "College Avenue", "Mill Road", "Spring Street",
	}
	demoSuites = []string{"Suite 100", "Suite 110", "Suite 200", "Suite 210", "Suite 300", "Building B", "2nd Floor", "Unit 4"}

	demoOutpatientNames  = []string{" Recovery Center", " Counseling Services", " Behavioral Health", " Outpatient Services", " Treatment Services of "}
	demoResidentialNames = []string{" Residential Treatment Center", " Lodge", " Ranch", " Recovery Center – Residential", " House"}
	demoDetoxNames       = []string{" Detox Center", " Withdrawal Management Center", " Detoxification Services"}
	demoSoberNames       = []string{" Sober Living", " Recovery House", " Transitional Living"}
	demoHospitalUnits    = []string{" – Behavioral Health Unit", " – Chemical Dependency Services", " – Addiction Medicine"}
)

// Opening hours, shared by every facility that keeps them.
var (
	hoursAllDay  = weekHours(0, 6, "00:00", "24:00")
	hoursWeekday = weekHours(1, 5, "08:00", "17:00")
	hoursLate    = append(weekHours(1, 4, "08:00", "20:00"), directory.OpeningHours{Day: time.Friday, Opens: "08:00", Closes: "17:00"})
	hoursSat     = append(weekHours(1, 5, "08:00", "17:00"), directory.OpeningHours{Day: time.Saturday, Opens: "09:00", Closes: "13:00"})
	// Methadone clinics dose early in the morning, Saturdays included.
	hoursOTP = append(weekHours(1, 5, "05:30", "14:00"), directory.OpeningHours{Day: time.Saturday, Opens: "06:00", Closes: "10:00"})
)

func weekHours(from, to time.Weekday, opens, closes string) []directory.OpeningHours {
	var h []directory.OpeningHours
	for d := from; d <= to; d++ {
		h = append(h, directory.OpeningHours{Day: d, Opens: opens, Closes: closes})
	}
	return slices.Clip(h)
}

func (g *demoGen) chance(p float64) bool { return g.rng.Float64() < p }

func pick[T any](g *demoGen, s []T) T { return s[g.rng.IntN(len(s))] }

// reserve makes room in the arena for one facility's address lines. A new
// chunk is started rather than the old one grown, so slices already handed
// out keep their backing array and nothing is copied.
func (g *demoGen) reserve() {
	if cap(g.arena)-len(g.arena) < demoMaxStrings {
		g.arena = make([]string, 0, demoArenaChunk)
	}
}

// draw picks the slugs of t that the dice give, each with its chance, or
// the chance override returns when override is not nil.
func (g *demoGen) draw(t *demoTable, override func(slug string, p float64) float64) []string {
	var mask uint32
	for i, w := range t.ws {
		p := w.p
		if override != nil {
			p = override(w.slug, p)
		}
		if p >= 1 || (p > 0 && g.chance(p)) {
			mask |= 1 << i
		}
	}
	return t.set(mask)
}

func (g *demoGen) facility(i int) directory.Facility {
	g.reserve()
	place := g.place()
	f := directory.Facility{
		ID:     g.id(i),
		Active: true,
	}
	f.Address = directory.Address{City: place.City, State: place.State, ZIP: place.ZIP}
	f.Lon, f.Lat = g.jitter(place.Point)

	kind := demoKind(pickWeighted(g.rng.Float64(), demoKindShare))
	f.OperatorType = g.operator(kind)

	f.Services.Care = g.care.set(g.careFor(kind))
	if kind == kindSoberLiving {
		f.Services.Therapy = g.draw(g.soberTherapy, nil)
	} else {
		f.Services.Therapy = g.draw(g.therapy, nil)
	}

	var bup, methadone, naltrexone bool
	switch kind {
	case kindOTP:
		methadone, bup, naltrexone = true, g.chance(0.70), g.chance(0.25)
	case kindOutpatient:
		bup, naltrexone = g.chance(0.15), g.chance(0.10)
	case kindResidential:
		bup, naltrexone = g.chance(0.12), g.chance(0.12)
	case kindHospital, kindDetox:
		bup, naltrexone = g.chance(0.35), g.chance(0.15)
	}
	f.Services.Medication = g.medication.set(bit(bup, 0) | bit(methadone, 1) | bit(naltrexone, 2))

	switch f.OperatorType {
	case "federal-va":
		f.Services.Payment = g.draw(g.vaPayment, nil)
	case "ihs-tribal":
		f.Services.Payment = g.draw(g.payment, func(slug string, p float64) float64 {
			if slug == "ihs-tribal" || slug == "medicaid" {
				return 1
			}
			return p
		})
	default:
		f.Services.Payment = g.draw(g.payment, nil)
	}
	if len(f.Services.Payment) == 0 {
		f.Services.Payment = g.payment.set(1 << slices.IndexFunc(demoPayment, func(w weightedSlug) bool { return w.slug == "self-pay" }))
	}

	f.Services.Population = g.draw(g.population, func(slug string, p float64) float64 {
		switch {
		case slug == "veterans" && f.OperatorType == "federal-va":
			return 1
		case slug == "adolescents" && (kind == kindOTP || kind == kindSoberLiving || f.OperatorType == "federal-va"):
			return 0.02
		}
		return p
	})

	// Nearly every program takes both women and men; one that runs a
	// program for one of them alone sometimes takes only them.
	f.Services.Gender = []string{"female", "male"}
	women, men := slices.Contains(f.Services.Population, "women"), slices.Contains(f.Services.Population, "men")
	if women != men && g.chance(0.3) {
		f.Services.Gender = []string{"male"}
		if women {
			f.Services.Gender = []string{"female"}
		}
	}

	state := place.State
	f.Services.Language = g.draw(g.languages, func(slug string, p float64) float64 {
		if slug != "es" {
			return p
		}
		switch state {
		case "PR":
			return 1
		case "TX", "CA", "FL", "NM", "AZ", "NV":
			return 0.45
		}
		return p
	})

	f.FacilityType = g.facilityType(kind)
	f.Accreditations = g.draw(g.accreditations, func(slug string, p float64) float64 {
		if kind == kindHospital && slug == "Joint Commission" {
			return 0.9
		}
		if kind == kindSoberLiving {
			return p / 4
		}
		return p
	})
	f.Licenses = g.draw(g.licenses, func(slug string, p float64) float64 {
		switch {
		case slug == "Hospital licensing authority" && kind == kindHospital:
			return 1
		case slug == "State mental health department" && f.FacilityType == "mixed":
			return 0.8
		}
		return p
	})

	f.Name = g.name(kind, f.OperatorType, place.City)
	f.Address.Lines = g.street()
	f.Phones = g.phonesFor(state, kind)
	if g.chance(0.75) {
		f.Website = "https://example.org/facilities/" + f.ID
	}
	var open247 bool
	f.Hours, f.HoursNote, open247 = g.hours(kind)
	f.Open247 = directory.Known(open247)
	f.Description = describe(kind, bup, methadone, naltrexone, place)
	f.Provenance = directory.Provenance{
		Source:       DemoSource,
		SourceID:     f.ID,
		LastVerified: g.dates[g.rng.IntN(len(g.dates))],
		CreatedAt:    g.opts.Now,
		UpdatedAt:    g.opts.Now,
	}
	return f
}

// pickWeighted returns the index of the share that u, in [0, 1), falls in.
func pickWeighted(u float64, shares []float64) int {
	for i, s := range shares {
		if u < s {
			return i
		}
		u -= s
	}
	return len(shares) - 1
}

// place picks the ZIP code a facility is in.
func (g *demoGen) place() geo.ZIPPlace {
	if len(g.zips) > 0 && !g.chance(demoMetroShare) {
		return g.zips[g.rng.IntN(len(g.zips))]
	}
	m := sort.SearchInts(g.metroCum, g.rng.IntN(g.metroCum[len(g.metroCum)-1])+1)
	if pool := g.metroZIPs[m]; len(pool) > 0 {
		return g.zips[pool[g.rng.IntN(len(pool))]]
	}
	return g.metroPlace[m]
}

// jitter moves p up to demoJitterKm in a random direction, uniformly over
// the disc.
func (g *demoGen) jitter(p orb.Point) (lon, lat float64) {
	const kmPerDegree = 111.32
	d := demoJitterKm * math.Sqrt(g.rng.Float64())
	theta := 2 * math.Pi * g.rng.Float64()
	lat = p[1] + d*math.Sin(theta)/kmPerDegree
	lon = p[0] + d*math.Cos(theta)/(kmPerDegree*math.Max(math.Cos(p[1]*math.Pi/180), 0.01))
	lat = math.Max(-90, math.Min(90, lat))
	if lon > 180 {
		lon -= 360
	} else if lon < -180 {
		lon += 360
	}
	return lon, lat
}

func (g *demoGen) operator(kind demoKind) string {
	u := g.rng.Float64()
	if kind == kindHospital {
		return []string{"private-nonprofit", "private-for-profit", "local-government", "state-government", "federal-va"}[pickWeighted(u, []float64{0.60, 0.20, 0.08, 0.04, 0.08})]
	}
	return []string{"private-nonprofit", "private-for-profit", "local-government", "state-government", "federal-va", "ihs-tribal"}[pickWeighted(u, []float64{0.55, 0.33, 0.06, 0.03, 0.015, 0.015})]
}

func (g *demoGen) facilityType(kind demoKind) string {
	if kind == kindHospital {
		return "general-hospital"
	}
	return []string{"substance-use", "mixed", "mental-health"}[pickWeighted(g.rng.Float64(), []float64{0.62, 0.32, 0.06})]
}

// careFor returns the care bits of a facility of kind.
func (g *demoGen) careFor(kind demoKind) uint32 {
	var c uint32
	set := func(bit uint32, p float64) {
		if g.chance(p) {
			c |= bit
		}
	}
	outpatient := func() {
		c |= careOutpatient
		set(careStandard, 0.85)
		set(careIntensive, 0.45)
		set(carePartial, 0.12)
	}
	switch kind {
	case kindOutpatient:
		outpatient()
		set(careDetox, 0.06)
		set(careTelehealth, 0.35)
	case kindResidential:
		c |= careResidential
		set(careResidentialShort, 0.55)
		if c&careResidentialShort == 0 || g.chance(0.5) {
			c |= careResidentialLong
		}
		set(careDetox, 0.40)
		if g.chance(0.30) {
			outpatient()
		}
		set(careTelehealth, 0.15)
	case kindHospital:
		c |= careHospital
		set(careDetox, 0.80)
		if g.chance(0.45) {
			outpatient()
		}
		set(careTelehealth, 0.20)
	case kindOTP:
		c |= careOutpatient | careStandard
		set(careDetox, 0.35)
		set(careTelehealth, 0.10)
	case kindSoberLiving:
		c |= careHousing
		if g.chance(0.15) {
			outpatient()
		}
	case kindDetox:
		c |= careDetox | careResidential
		set(careResidentialShort, 0.5)
	}
	return c
}

func (g *demoGen) name(kind demoKind, operator, city string) string {
	word := pick(g, demoWords)
	switch {
	case operator == "federal-va" && (kind == kindHospital || g.chance(0.5)):
		return city + " VA Medical Center – Substance Use Treatment Program"
	case operator == "ihs-tribal":
		return word + " Tribal Health – Behavioral Health Services"
	}
	switch kind {
	case kindOutpatient:
		switch suffix := pick(g, demoOutpatientNames); {
		case suffix == " Treatment Services of ":
			return word + suffix + city
		case g.chance(0.15):
			return city + " Area Behavioral Health – Outpatient"
		case g.chance(0.12):
			return pick(g, demoSurnames) + " & Associates Counseling"
		default:
			return word + suffix
		}
	case kindResidential:
		return word + pick(g, demoResidentialNames)
	case kindHospital:
		if g.chance(0.5) {
			return city + " General Hospital" + pick(g, demoHospitalUnits)
		}
		return pick(g, demoSaints) + " Medical Center" + pick(g, demoHospitalUnits)
	case kindOTP:
		if g.chance(0.5) {
			return city + " Comprehensive Treatment Center"
		}
		return word + " Opioid Treatment Program"
	case kindSoberLiving:
		if g.chance(0.3) {
			return pick(g, demoSurnames) + " House"
		}
		return word + pick(g, demoSoberNames)
	default:
		return word + pick(g, demoDetoxNames)
	}
}

// street returns the address lines: a street address and, for one in
// five, a suite.
func (g *demoGen) street() []string {
	g.buf = strconv.AppendInt(g.buf[:0], int64(1+g.rng.IntN(9899)), 10)
	g.buf = append(g.buf, ' ')
	g.buf = append(g.buf, pick(g, demoStreets)...)
	start := len(g.arena)
	g.arena = append(g.arena, string(g.buf))
	if g.chance(0.2) {
		g.arena = append(g.arena, pick(g, demoSuites))
	}
	return g.arena[start:len(g.arena):len(g.arena)]
}

// phone returns a fictional number in area code area: (615) 555-01xx.
func (g *demoGen) phone(area string) string {
	nums, ok := g.phones[area]
	if !ok {
		nums = new([100]string)
		for i := range nums {
			nums[i] = "(" + area + ") 555-01" + string(rune('0'+i/10)) + string(rune('0'+i%10))
		}
		g.phones[area] = nums
	}
	return nums[g.rng.IntN(100)]
}

func (g *demoGen) phonesFor(state string, kind demoKind) directory.Phones {
	area := "800"
	if codes := stateAreaCodes[state]; len(codes) > 0 {
		area = pick(g, codes)
	}
	p := directory.Phones{Main: g.phone(area)}
	if g.chance(0.5) {
		p.Intake = g.phone(area)
	}
	if demoOpen247(kind) && g.chance(0.5) {
		p.Hotline = g.phone("800")
	}
	return p
}

func demoOpen247(kind demoKind) bool {
	return kind == kindResidential || kind == kindHospital || kind == kindSoberLiving || kind == kindDetox
}

func (g *demoGen) hours(kind demoKind) ([]directory.OpeningHours, string, bool) {
	switch {
	case demoOpen247(kind):
		return hoursAllDay, "", true
	case kind == kindOTP:
		return hoursOTP, "Dosing ends an hour before closing.", false
	}
	switch u := g.rng.Float64(); {
	case u < 0.6:
		return hoursWeekday, "Closed on federal holidays.", false
	case u < 0.8:
		return hoursLate, "", false
	default:
		return hoursSat, "", false
	}
}

// describe writes a facility's one-sentence description.
func describe(kind demoKind, bup, methadone, naltrexone bool, place geo.ZIPPlace) string {
	what := [...]string{
		kindOutpatient:  "Outpatient treatment for alcohol and drug use in ",
		kindResidential: "Residential addiction treatment in ",
		kindHospital:    "Hospital-based detox and inpatient care in ",
		kindOTP:         "Opioid treatment program in ",
		kindSoberLiving: "Sober living residence in ",
		kindDetox:       "Medically supervised withdrawal management in ",
	}[kind]
	meds := ""
	switch {
	case methadone && bup:
		meds = ", dispensing methadone and buprenorphine"
	case methadone:
		meds = ", dispensing methadone"
	case bup || naltrexone:
		meds = ", offering medication for opioid use disorder"
	}
	return what + place.City + ", " + place.State + meds + "."
}

// id formats demo IDs with at least five digits: "demo-00042".
func (g *demoGen) id(i int) string {
	g.buf = append(g.buf[:0], "demo-"...)
	n := len(g.buf)
	g.buf = strconv.AppendInt(g.buf, int64(i), 10)
	for len(g.buf)-n < 5 {
		g.buf = slices.Insert(g.buf, n, '0')
	}
	return string(g.buf)
}
