package geo

// usBoxes bound the land of the U.S. and its territories, loosely (they take
// in some of Canada, Mexico and the sea): [south, north, west, east] in
// degrees. They only have to tell a point in the U.S. from the same
// coordinates swapped, which land in Antarctica or off the globe.
var usBoxes = [][4]float64{
	{24.3, 49.5, -125.0, -66.8},    // the 48 contiguous states and DC
	{51.0, 71.6, -180.0, -129.9},   // Alaska
	{51.0, 53.1, 172.0, 180.0},     // the Aleutians west of 180°
	{18.8, 22.4, -160.4, -154.7},   // Hawaii
	{17.6, 18.6, -67.4, -64.5},     // Puerto Rico and the U.S. Virgin Islands
	{13.2, 20.6, 144.6, 146.1},     // Guam and the Northern Mariana Islands
	{-14.6, -11.0, -171.1, -168.1}, // American Samoa
}

// inUS reports whether lat, lon lies in the U.S. or its territories, by
// usBoxes.
func inUS(lat, lon float64) bool {
	for _, b := range usBoxes {
		if lat >= b[0] && lat <= b[1] && lon >= b[2] && lon <= b[3] {
			return true
		}
	}
	return false
}

// LooksSwapped reports whether a latitude and longitude look swapped: the
// point is outside the U.S. (or not on the globe), but with the two
// exchanged it is inside. "-86.78,36.16" is Nashville swapped; no place in
// the U.S. is the swap of another.
func LooksSwapped(lat, lon float64) bool {
	return !inUS(lat, lon) && inUS(lon, lat)
}
