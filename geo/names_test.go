package geo

import (
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
