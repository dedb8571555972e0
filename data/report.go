package data

import (
	"cmp"
	"slices"
)

// Rejection says why a line of an input file was not imported. Line is the
// 1-based line of the file, the header being line 1; Reason is plain English
// and names the column at fault.
type Rejection struct {
	Line   int
	Reason string
}

// WarningKind sorts what is doubtful about a record that was imported, so
// that an import summary can count the kinds and list the ones a person
// should act on first.
type WarningKind string

// The kinds of warning, most actionable first (see WarningKinds).
const (
	// WarnApproximateLocation: the source's geocoder was not sure of the
	// point; the facility may show up far from where it is.
	WarnApproximateLocation WarningKind = "approximate-location"
	// WarnNoPhone: the record has no number to call.
	WarnNoPhone WarningKind = "no-phone"
	// WarnLostName: the source lost the facility's name.
	WarnLostName WarningKind = "lost-name"
	// WarnConflictingCodes: the record's codes contradict each other.
	WarnConflictingCodes WarningKind = "conflicting-codes"
	// WarnStrayWords: words where codes belong, kept as the note.
	WarnStrayWords WarningKind = "stray-words"
	// WarnContactText: text beside the phone numbers, kept as the note.
	WarnContactText WarningKind = "contact-text"
	// WarnSourceID: the source's own id is missing or disagrees with the
	// record.
	WarnSourceID WarningKind = "source-id"
	// WarnSharedSite: several records share a name and address; they are
	// kept apart as different programs.
	WarnSharedSite WarningKind = "shared-site"
	// WarnRepaired: the importer repaired the text or a ZIP code; nothing
	// to do but know it.
	WarnRepaired WarningKind = "repaired"
)

// WarningKindInfo describes a kind of warning for an import summary.
type WarningKindInfo struct {
	Kind WarningKind
	// Summary says in a few words what the warning means.
	Summary string
	// Action says what a person should do, or "" when nothing is needed.
	Action string
}

// WarningKinds lists every kind of warning, the ones a person should act on
// first.
func WarningKinds() []WarningKindInfo {
	return []WarningKindInfo{
		{WarnApproximateLocation, "approximate location (the source's geocoder was not sure)", "check these on a map: they may be far from where search shows them"},
		{WarnNoPhone, "no phone number", "find a number to call: a person in crisis needs one"},
		{WarnLostName, "the source lost the facility's name", "look up the real name"},
		{WarnConflictingCodes, "codes that contradict each other", "check which is right"},
		{WarnStrayWords, "words among the codes, kept as the note", ""},
		{WarnContactText, "text beside the phone numbers, kept as the note", ""},
		{WarnSourceID, "the source's own id is missing or disagrees", ""},
		{WarnSharedSite, "programs sharing a name and address, kept apart", ""},
		{WarnRepaired, "text or ZIP codes repaired", ""},
	}
}

// Warning says what is doubtful about a line that was imported.
type Warning struct {
	Line   int
	Kind   WarningKind
	Reason string
}

// KindCount is how many warnings of one kind an import had.
type KindCount struct {
	WarningKindInfo
	Count int
	// Lines are the lines with this kind of warning, in file order.
	Lines []int
}

// CountWarnings counts ws by kind, in the order of WarningKinds: the
// actionable kinds first. Kinds with no warning are left out.
func CountWarnings(ws []Warning) []KindCount {
	var out []KindCount
	at := map[WarningKind]int{}
	for _, info := range WarningKinds() {
		at[info.Kind] = len(out)
		out = append(out, KindCount{WarningKindInfo: info})
	}
	for _, w := range ws {
		i, ok := at[w.Kind]
		if !ok {
			i = len(out)
			at[w.Kind] = i
			out = append(out, KindCount{WarningKindInfo: WarningKindInfo{Kind: w.Kind, Summary: string(w.Kind)}})
		}
		kc := &out[i]
		kc.Count++
		if n := len(kc.Lines); n == 0 || kc.Lines[n-1] != w.Line {
			kc.Lines = append(kc.Lines, w.Line)
		}
	}
	return slices.DeleteFunc(out, func(k KindCount) bool { return k.Count == 0 })
}

// CodeCount is how many records carried a source code that maps onto no
// taxonomy term.
type CodeCount struct {
	Code  string
	Count int
}

// SortedCodes returns the unmapped codes of counts, most frequent first.
func SortedCodes(counts map[string]int) []CodeCount {
	out := make([]CodeCount, 0, len(counts))
	for c, n := range counts {
		out = append(out, CodeCount{c, n})
	}
	slices.SortFunc(out, func(a, b CodeCount) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Code, b.Code)
	})
	return out
}
