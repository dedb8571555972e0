package web

import (
	"math/rand/v2"
	"regexp"
	"testing"
)

// radiusPattern is the pattern splitRadius reads, as a regular expression:
// the reference it is checked against.
var radiusPattern = regexp.MustCompile(`^([0-9]+(?:\.[0-9]*)?|\.[0-9]+) *(mi|km)?$`)

// TestSplitRadius checks splitRadius against the pattern on chosen and on
// random strings.
func TestSplitRadius(t *testing.T) {
	inputs := []string{"", "25", "25mi", "25 mi", "25  km", "40km", "2.5mi", "2.mi", ".5", ".5km", ".", ".mi", "mi",
		"25.5.5", "25 ", " 25", "25mI", "25mix", "25m", "-25", "+25", "1e3", "25\n", "25\tmi", "0", "00.00", "9999999999999999999999",
		"25mi ", "２５", "25 miles", "25kmkm", "km25"}
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "0123456789. mikx-"
	for range 20000 {
		b := make([]byte, rng.IntN(8))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		inputs = append(inputs, string(b))
	}
	for _, in := range inputs {
		number, unit, ok := splitRadius(in)
		m := radiusPattern.FindStringSubmatch(in)
		if ok != (m != nil) {
			t.Errorf("splitRadius(%q) ok %v, the pattern matches: %v", in, ok, m != nil)
			continue
		}
		if ok && (number != m[1] || unit != m[2]) {
			t.Errorf("splitRadius(%q) = %q, %q; the pattern says %q, %q", in, number, unit, m[1], m[2])
		}
	}
}
