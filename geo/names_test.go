package geo

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCityKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Nashville", "nashville"},
		{"  NASHVILLE ", "nashville"},
		{"St. Louis", "saintlouis"},
		{"Saint Louis", "saintlouis"},
		{"st louis", "saintlouis"},
		{"Ste. Genevieve", "saintegenevieve"},
		{"Ft Worth", "fortworth"},
		{"Mt. Vernon", "mountvernon"},
		{"McLean", "mclean"},
		{"Mc Lean", "mclean"},
		{"Winston-Salem", "winstonsalem"},
		{"O'Fallon", "ofallon"},
		{"Coeur d’Alene", "coeurdalene"},
		{"Mayagüez", "mayaguez"},
		{"Cañon City", "canoncity"},
		{"Street", "street"}, // only whole words are abbreviations
		{"", ""},
	}
	for _, tt := range tests {
		if got := cityKey(tt.in); got != tt.want {
			t.Errorf("cityKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStateIndex(t *testing.T) {
	idx := stateIndex()
	tests := []struct{ in, want string }{
		{"TN", "TN"}, {"tn", "TN"}, {"Tennessee", "TN"}, {"TENNESSEE", "TN"},
		{"D.C.", "DC"}, {"District of Columbia", "DC"}, {"Washington DC", "DC"},
		{"Puerto Rico", "PR"}, {"U.S. Virgin Islands", "VI"}, {"Virgin Islands", "VI"},
		{"New  York", "NY"}, {"Guam", "GU"}, {"Northern Mariana Islands", "MP"},
		{"Tenn.", "TN"}, {"W. Va.", "WV"}, {"XX", ""}, {"Tennesee", ""}, {"", ""},
	}
	for _, tt := range tests {
		if got := idx[stateKey(tt.in)]; got != tt.want {
			t.Errorf("state %q = %q, want %q", tt.in, got, tt.want)
		}
	}
	codes := map[string]bool{}
	for _, code := range idx {
		codes[code] = true
	}
	if diff := cmp.Diff(len(stateNames), len(codes)); diff != "" {
		t.Errorf("states reachable by name (-want +got):\n%s", diff)
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b  string
		limit int
		want  int
	}{
		{"nashville", "nashville", 3, 0},
		{"nashvile", "nashville", 3, 1},
		{"nashvlle", "nashville", 3, 1},
		{"nahsville", "nashville", 3, 2},
		{"kitten", "sitting", 3, 3},
		{"kitten", "sitting", 2, 3}, // over the limit: limit+1
		{"", "abc", 5, 3},
		{"abc", "", 1, 2},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b, tt.limit); got != tt.want {
			t.Errorf("editDistance(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.limit, got, tt.want)
		}
	}
}

// The letter counts never rule out a pair within the limit: they bound
// the edit distance from below. Checked on random pairs of real keys and
// their mutations.
func TestLetterCountsBoundEdits(t *testing.T) {
	g := mustGazetteer(t)
	rng := rand.New(rand.NewPCG(3, 4))
	mutate := func(s string) string {
		b := []byte(s)
		for range rng.IntN(4) {
			i := rng.IntN(len(b) + 1)
			switch rng.IntN(3) {
			case 0:
				b = append(b[:i], append([]byte{byte('a' + rng.IntN(26))}, b[i:]...)...)
			case 1:
				if i < len(b) {
					b = append(b[:i], b[i+1:]...)
				}
			default:
				if i < len(b) {
					b[i] = byte('a' + rng.IntN(26))
				}
			}
		}
		return string(b)
	}
	for range 20000 {
		a := g.names[rng.IntN(len(g.names))].key
		b := mutate(a)
		if rng.IntN(2) == 0 {
			b = g.names[rng.IntN(len(g.names))].key
		}
		ha, hb := countLetters(a), countLetters(b)
		for limit := 1; limit <= 3; limit++ {
			if d := editDistance(a, b, limit); d <= limit && ha.moreEditsThan(&hb, limit) {
				t.Fatalf("%q and %q are %d edits apart, but the counts say more than %d", a, b, d, limit)
			}
		}
	}
}
