package data

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestJoinNameLines(t *testing.T) {
	tests := []struct {
		lines      [3]string
		name       string
		alternates []string
		joined     bool
	}{
		// Wrapped names from the real 2015 directory.
		{[3]string{"Department of", "Veterans Affairs Medical Center", ""}, "Department of Veterans Affairs Medical Center", nil, true},
		{[3]string{"Cahaba Center for", "Substance Abuse Services", ""}, "Cahaba Center for Substance Abuse Services", nil, true},
		{[3]string{"Safe Harbor Treatment Center for", "Women Inc", ""}, "Safe Harbor Treatment Center for Women Inc", nil, true},
		{[3]string{"Treatment Center of the", "Palm Beaches", ""}, "Treatment Center of the Palm Beaches", nil, true},
		{[3]string{"Bakersfield Recovery Services", "dba Jasons Retreat/Mens Residential", ""}, "Bakersfield Recovery Services dba Jasons Retreat/Mens Residential", nil, true},
		{[3]string{"Paul Booth MFT/CADC/NCACII/", "CMAT/CSAT", ""}, "Paul Booth MFT/CADC/NCACII/CMAT/CSAT", nil, true},
		{[3]string{"Midtown Community Mental Health", "Center", "Health/Hospital Corp of Marion County"},
			"Midtown Community Mental Health Center", []string{"Health/Hospital Corp of Marion County"}, true},
		{[3]string{"Hope Behavioral Services at the", "Jeannine Brent Center Inc", ""}, "Hope Behavioral Services at the Jeannine Brent Center Inc", nil, true},
		// An acronym goes with the name; the program after it is an
		// alternate name.
		{[3]string{"McAlister Institute for Trt and Educ", "(MITE)/South Bay East TRC", ""},
			"McAlister Institute for Trt and Educ (MITE)", []string{"South Bay East TRC"}, true},
		{[3]string{"Carnales Unidos Reformando Adictos", "(CURA) Inc", ""}, "Carnales Unidos Reformando Adictos (CURA) Inc", nil, true},
		{[3]string{"Serving Children and Adults in Need", "(SCAN) Inc/Youth Recovery Home", ""},
			"Serving Children and Adults in Need (SCAN) Inc", []string{"Youth Recovery Home"}, true},
		{[3]string{"Southeastern AZ Behav Health Services", "(SEABHS)", ""}, "Southeastern AZ Behav Health Services (SEABHS)", nil, true},
		{[3]string{"Unique Ladys of Character", "(ULOC) 02", ""}, "Unique Ladys of Character (ULOC) 02", nil, true},
		// Programs and sites stay apart.
		{[3]string{"SpectraCare", "Henry County/IOP", ""}, "SpectraCare", []string{"Henry County/IOP"}, false},
		{[3]string{"Copper River Native Association", "Behavioral Health Services", "Drawer H"},
			"Copper River Native Association", []string{"Behavioral Health Services", "Drawer H"}, false},
		{[3]string{"Allegiance Substance Abuse Services", "(Formerly Bridgeway Ctr of Foote Hosp)", ""},
			"Allegiance Substance Abuse Services", []string{"(Formerly Bridgeway Ctr of Foote Hosp)"}, false},
		{[3]string{"Lincoln MedicalandMental Health Center", "/Lincoln Recovery Center", ""},
			"Lincoln MedicalandMental Health Center", []string{"Lincoln Recovery Center"}, false},
		{[3]string{"S and T Assessment Inc", "", "37J Calumet Parkway"}, "S and T Assessment Inc", []string{"37J Calumet Parkway"}, false},
		{[3]string{"Twin Clinic", "twin clinic", ""}, "Twin Clinic", nil, false},
		{[3]string{"Solo", "", ""}, "Solo", nil, false},
		{[3]string{"Hartford Clinic", "Hartford Clinic", ""}, "Hartford Clinic", nil, false},
	}
	for _, tt := range tests {
		name, alts, joined := joinNameLines(tt.lines[:]...)
		if name != tt.name || joined != tt.joined || !cmp.Equal(alts, tt.alternates) {
			t.Errorf("joinNameLines(%q) = %q, %q, %v; want %q, %q, %v", tt.lines, name, alts, joined, tt.name, tt.alternates, tt.joined)
		}
	}
}
