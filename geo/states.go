package geo

import "strings"

// StateName returns the name of the U.S. state or territory with the given
// two-letter postal code (TN: Tennessee), in any case.
func StateName(code string) (string, bool) {
	name, ok := stateNames[strings.ToUpper(strings.TrimSpace(code))]
	return name, ok
}
