package geo

import "testing"

func TestStateName(t *testing.T) {
	tests := []struct {
		code, name string
		ok         bool
	}{
		{"TN", "Tennessee", true},
		{"tn", "Tennessee", true},
		{"PR", "Puerto Rico", true},
		{"XX", "", false},
		{"Tennessee", "", false},
	}
	for _, tt := range tests {
		if name, ok := StateName(tt.code); name != tt.name || ok != tt.ok {
			t.Errorf("StateName(%q) = %q, %v; want %q, %v", tt.code, name, ok, tt.name, tt.ok)
		}
	}
}
