package directory

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
)

// A facility keeps its identity across editions of a source: a newer file
// may rename it, change its phone or its services, or move it down the
// street, and the directory must update the facility rather than add a
// second one beside the old. reconcile recognises, among the stored
// facilities of a source, the one each incoming record is.

// minNameSimilarity is the share of name words two records at one site must
// have in common to be taken for the same program when the site has
// several.
const minNameSimilarity = 0.34

// reconcile gives each incoming facility the id of the stored facility of
// the same source it is, and returns how many it renamed that way and the
// ids of the stored facilities it matched. It matches, in order: the same
// id; the same SourceID, when the source's ids are stable; the same site
// (street address) with the most alike names; the same name in the same
// city (a move). Incoming facilities matched to nothing keep their ids.
func reconcile(existing []*Facility, incoming []Facility, stableSourceIDs bool) (renamed int, claimed map[string]bool) {
	claimed = make(map[string]bool, len(incoming))
	byID := make(map[string]*Facility, len(existing))
	for _, f := range existing {
		byID[f.ID] = f
	}
	matched := make([]bool, len(incoming))
	take := func(i int, f *Facility) {
		if incoming[i].ID != f.ID {
			incoming[i].ID = f.ID
			renamed++
		}
		matched[i] = true
		claimed[f.ID] = true
	}
	for i := range incoming {
		if f, ok := byID[incoming[i].ID]; ok {
			take(i, f)
		}
	}
	if stableSourceIDs {
		bySourceID := map[string]*Facility{}
		for _, f := range existing {
			if f.SourceID != "" && !claimed[f.ID] {
				bySourceID[f.SourceID] = f
			}
		}
		for i := range incoming {
			if f, ok := bySourceID[incoming[i].SourceID]; ok && !matched[i] && incoming[i].SourceID != "" && !claimed[f.ID] {
				take(i, f)
			}
		}
	}

	// By site: the stored and incoming records at each street address.
	type site struct {
		stored   []*Facility
		incoming []int
	}
	sites := map[string]*site{}
	at := func(k string) *site {
		s, ok := sites[k]
		if !ok {
			s = &site{}
			sites[k] = s
		}
		return s
	}
	for _, f := range existing {
		if !claimed[f.ID] {
			if k := siteKey(f.Address); k != "" {
				at(k).stored = append(at(k).stored, f)
			}
		}
	}
	for i := range incoming {
		if !matched[i] {
			if k := siteKey(incoming[i].Address); k != "" {
				if s, ok := sites[k]; ok {
					s.incoming = append(s.incoming, i)
				}
			}
		}
	}
	keys := make([]string, 0, len(sites))
	for k := range sites {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the same pairs every time
	for _, k := range keys {
		s := sites[k]
		if len(s.incoming) == 0 {
			continue
		}
		type pair struct {
			in    int
			f     *Facility
			score float64
		}
		var pairs []pair
		for _, i := range s.incoming {
			for _, f := range s.stored {
				pairs = append(pairs, pair{i, f, nameSimilarity(&incoming[i], f)})
			}
		}
		slices.SortStableFunc(pairs, func(a, b pair) int { return cmp.Compare(b.score, a.score) })
		for _, p := range pairs {
			if p.score >= minNameSimilarity && !matched[p.in] && !claimed[p.f.ID] {
				take(p.in, p.f)
			}
		}
		// One left on each side: the same site renamed.
		var ins []int
		var fs []*Facility
		for _, i := range s.incoming {
			if !matched[i] {
				ins = append(ins, i)
			}
		}
		for _, f := range s.stored {
			if !claimed[f.ID] {
				fs = append(fs, f)
			}
		}
		if len(ins) == 1 && len(fs) == 1 {
			take(ins[0], fs[0])
		}
	}

	// A move: the same name in the same city and state.
	type place struct{ name, city, state string }
	byName := map[place][]*Facility{}
	for _, f := range existing {
		if !claimed[f.ID] {
			p := place{normalizeWords(f.Name), normalizeWords(f.Address.City), f.Address.State}
			byName[p] = append(byName[p], f)
		}
	}
	for i := range incoming {
		if matched[i] {
			continue
		}
		f := &incoming[i]
		cands := byName[place{normalizeWords(f.Name), normalizeWords(f.Address.City), f.Address.State}]
		var free []*Facility
		for _, c := range cands {
			if !claimed[c.ID] {
				free = append(free, c)
			}
		}
		if len(free) == 1 {
			take(i, free[0])
		}
	}
	return renamed, claimed
}

// streetWords are the spellings of street address words reduced to one,
// so that "100 North Main Street" and "100 N Main St" are one site.
var streetWords = map[string]string{
	"street": "st", "avenue": "ave", "av": "ave", "road": "rd", "drive": "dr", "boulevard": "blvd",
	"highway": "hwy", "lane": "ln", "place": "pl", "court": "ct", "parkway": "pkwy", "suite": "ste",
	"building": "bldg", "floor": "fl", "route": "rte", "circle": "cir", "terrace": "ter", "square": "sq",
	"north": "n", "south": "s", "east": "e", "west": "w", "northeast": "ne", "northwest": "nw",
	"southeast": "se", "southwest": "sw", "saint": "st", "mount": "mt", "fort": "ft", "center": "ctr",
}

// siteKey identifies the place a facility is at: its street line (the
// first line with a house number, else the first line) and its ZIP code,
// or city and state without one, normalized. It is "" without a street.
func siteKey(a Address) string {
	street := ""
	for _, l := range a.Lines {
		if r := []rune(strings.TrimSpace(l)); len(r) > 0 && unicode.IsDigit(r[0]) {
			street = l
			break
		}
	}
	if street == "" && len(a.Lines) > 0 {
		street = a.Lines[0]
	}
	words := strings.Fields(normalizeWords(street))
	if len(words) == 0 {
		return ""
	}
	for i, w := range words {
		if short, ok := streetWords[w]; ok {
			words[i] = short
		}
	}
	where := a.ZIP
	if where == "" {
		where = normalizeWords(a.City) + "," + a.State
	}
	return strings.Join(words, " ") + "|" + where
}

// normalizeWords lower-cases s and keeps its letters and digits, one space
// between words.
func normalizeWords(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}

// nameSimilarity is the share of words two facilities' names (alternate
// names included) have in common, from 0 to 1.
func nameSimilarity(a, b *Facility) float64 {
	wa, wb := nameWords(a), nameWords(b)
	if len(wa) == 0 || len(wb) == 0 {
		return 0
	}
	common := 0
	for w := range wa {
		if wb[w] {
			common++
		}
	}
	return float64(common) / float64(len(wa)+len(wb)-common)
}

func nameWords(f *Facility) map[string]bool {
	words := map[string]bool{}
	for _, n := range append([]string{f.Name}, f.AlternateNames...) {
		for _, w := range strings.Fields(normalizeWords(n)) {
			words[w] = true
		}
	}
	return words
}
