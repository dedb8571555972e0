package data

import (
	"strings"
	"sync"
)

// FindTreatment.gov's export lists a facility's services as categories
// ({f1: "Service Setting", f2: "SET", f3: "Outpatient; Outpatient
// detoxification"}): f3 holds the labels of the locator's service list, not
// its codes. The tables below give each label its code, from the
// locator's public service list (the filters of FindTreatment.gov and the
// N-SUMHSS codebook); the taxonomy's FindTreatment legend
// (directory.LegendFindTreatment) then maps the codes onto terms. A label
// the tables lack, or a code the legend lacks, is kept raw on the record.

// ftKind is what a category's labels say about a facility.
type ftKind int

const (
	ftServices  ftKind = iota // care, therapy, medication, payment, population, gender, language terms
	ftOperator                // who runs the facility
	ftFacility                // what kind of place it is
	ftLicensing               // licences and accreditations
)

// ftCategories maps a category code (f2) onto the kind of its labels.
// FindTreatment.gov renamed some categories over the years; each spelling
// seen in its exports is here.
var ftCategories = map[string]ftKind{
	"TC": ftServices, "SET": ftServices, "EDU": ftServices, "TAP": ftServices, "AS": ftServices,
	"PAY": ftServices, "PYAS": ftServices, "PHR": ftServices, "OM": ftServices, "MAT": ftServices,
	"SG": ftServices, "SL": ftServices, "LANG": ftServices, "OL": ftServices, "LS": ftServices,
	"AGE": ftServices, "SN": ftServices, "SEX": ftServices, "GN": ftServices, "ANC": ftServices,
	"RSS": ftServices, "RS": ftServices,
	"FOP": ftOperator, "FT": ftFacility, "LCA": ftLicensing, "LIC": ftLicensing,
}

// ftServiceLabels gives the code of each service label, whatever its
// category: FindTreatment.gov's labels are unique across categories.
var ftServiceLabels = map[string]string{
	// Type of care.
	"Substance use treatment": "SA",
	"Detoxification":          "DT",
	"Transitional housing, halfway house, or sober home": "HH",
	"Halfway house":           "HH",
	"Mental health treatment": "MH",
	"Treatment for co-occurring substance use plus either serious mental health illness in adults/serious emotional disturbance in children": "SUMH",
	"Treatment for co-occurring serious mental health illness/serious emotional disturbance and substance use disorders":                     "SUMH",

	// Service setting.
	"Hospital inpatient":                                         "HI",
	"Hospital inpatient detoxification":                          "HID",
	"Hospital inpatient treatment":                               "HIT",
	"Outpatient":                                                 "OP",
	"Outpatient detoxification":                                  "OD",
	"Outpatient day treatment or partial hospitalization":        "ODT",
	"Partial hospitalization/day treatment":                      "PH",
	"Intensive outpatient treatment":                             "OIT",
	"Regular outpatient treatment":                               "ORT",
	"Outpatient methadone/buprenorphine or naltrexone treatment": "OMB",
	"Outpatient methadone/buprenorphine or Vivitrol":             "OMB",
	"Residential/24-hour residential":                            "RES",
	"Residential":                                                "RES",
	"Residential detoxification":                                 "RD",
	"Residential short-term treatment (30 days or less)":         "RS",
	"Short-term residential (30 days or less)":                   "RS",
	"Residential long-term treatment (more than 30 days)":        "RL",
	"Long-term residential (more than 30 days)":                  "RL",
	"Telemedicine/telehealth":                                    "TELE",
	"Telemedicine/telehealth therapy":                            "TELE",
	"Computerized substance abuse treatment/telemedicine":        "CT",
	"Non-hospital residential (24-hour)":                         "RES",
	"Methadone maintenance":                                      "MM",
	"Methadone detoxification":                                   "DM",
	"Methadone maintenance for predetermined time":               "MMW",
	"Buprenorphine maintenance":                                  "BUM",
	"Buprenorphine maintenance for predetermined time":           "BMW",
	"Buprenorphine detoxification":                               "DB",
	"Relapse prevention with naltrexone":                         "RPN",
	"Buprenorphine used in Treatment":                            "BU",
	"Methadone used in Treatment":                                "MU",
	"Naltrexone used in Treatment":                               "NU",
	"Buprenorphine services":                                     "BU",
	"Methadone":                                                  "METH",
	"Buprenorphine with naloxone":                                "BWN",
	"Buprenorphine without naloxone":                             "BWON",
	"Buprenorphine sub-dermal implant (Probuphine)":              "BSDM",
	"Naltrexone (oral)":                                          "NXN",
	"Naltrexone":                                                 "NXN",
	"Vivitrol (injectable naltrexone)":                           "VTRL",
	"Vivitrol® (injectable naltrexone)":                          "VTRL",
	"Naltrexone (extended-release, injectable, e.g., Vivitrol)":  "VTRL",
	"Acamprosate (Campral)":                                      "ACM",
	"Acamprosate (Campral®)":                                     "ACM",
	"Disulfiram":                                                 "DSF",
	"Disulfiram (Antabuse)":                                      "DSF",
	"Lofexidine":                                                 "LFXD",
	"Clonidine":                                                  "CLND",
	"Medications for HIV treatment":                              "MHIV",
	"Nicotine replacement":                                       "NRT",
	"Certified Opioid Treatment Program (OTP)":                   "OTP",
	"Opioid treatment program":                                   "OTP",
	"Medication-assisted treatment":                              "MAT",
	"Does not use medication for opioid addiction":               "NMOA",
	"Does not treat opioid addiction":                            "NOOP",
	"Accepts clients using MAT but prescribed elsewhere":         "PMAT",
	"Individual counseling":                                      "ICO",
	"Group counseling":                                           "GCO",
	"Family counseling":                                          "FCO",
	"Marital/couples counseling":                                 "MCO",
	"Individual psychotherapy":                                   "IPT",
	"Group therapy":                                              "GT",
	"Couples/family therapy":                                     "CFT",
	"Cognitive behavioral therapy":                               "CBT",
	"Dialectical behavior therapy":                               "DBT",
	"Relapse prevention":                                         "RELP",
	"Twelve-step facilitation":                                   "TWFA",
	"12-step facilitation":                                       "TWFA",
	"Self-help groups":                                           "SHG",
	"Peer support":                                               "PEER",
	"Mentoring/peer support":                                     "PEER",
	"Motivational interviewing":                                  "MOTI",
	"Contingency management/motivational incentives":             "CMI",
	"Trauma-related counseling":                                  "TRC",
	"Substance use disorder counseling":                          "SACA",
	"Brief intervention":                                         "BIA",
	"Anger management":                                           "ANG",
	"Matrix Model":                                               "MXM",
	"Community reinforcement plus vouchers":                      "CRV",
	"Rational emotive behavioral therapy":                        "REBT",
	"Activity therapy":                                           "AT",
	"Eye Movement Desensitization and Reprocessing therapy":      "EMDR",

	// Payment, insurance and funding.
	"Cash or self-payment": "SF",
	"Medicaid":             "MD",
	"Medicare":             "MC",
	"State-financed health insurance plan other than Medicaid":                "SI",
	"Private health insurance":                                                "PI",
	"Military insurance (e.g., TRICARE)":                                      "MI",
	"Federal military insurance (e.g., TRICARE)":                              "MI",
	"IHS/Tribal/Urban (ITU) funds":                                            "ITU",
	"No payment accepted":                                                     "NP",
	"Free treatment for all clients":                                          "NP",
	"Payment assistance (check with facility for details)":                    "PA",
	"Sliding fee scale (fee is based on income and other factors)":            "SS",
	"Sliding fee scale":                                                       "SS",
	"Access to Recovery (ATR) vouchers":                                       "ATR",
	"U.S. Department of VA funds":                                             "VAF",
	"County or local government funds":                                        "CLF",
	"Federal Grants":                                                          "FG",
	"Other State funds":                                                       "OSF",
	"Private or Community foundation":                                         "PCF",
	"State corrections or juvenile justice funds":                             "SCJJ",
	"State education agency funds":                                            "SEF",
	"State mental health agency (or equivalent) funds":                        "SMHA",
	"State welfare or child and family services funds":                        "SWFS",
	"Community Mental Health Block Grants":                                    "CMHG",
	"Community Service Block Grants":                                          "CSBG",
	"Federal, or any government funding for substance use treatment programs": "FSA",
	"State substance abuse agency funds":                                      "SAMF",

	// Special programs and groups.
	"Adolescents":                   "AD",
	"Young adults":                  "YAD",
	"Transitional age young adults": "TAY",
	"Adult women":                   "WN",
	"Pregnant/postpartum women":     "PW",
	"Adult men":                     "MN",
	"Seniors or older adults":       "SE",
	"Lesbian, gay, bisexual, transgender, or queer/questioning (LGBTQ)": "GL",
	"LGBTQ":                        "GL",
	"Veterans":                     "VET",
	"Active duty military":         "ADM",
	"Members of military families": "MF",
	"Criminal justice (other than DUI/DWI)/Forensic clients":                                                "CJ",
	"Clients referred from the court/judicial system":                                                       "CJ",
	"Clients with co-occurring mental and substance use disorders":                                          "CO",
	"Clients with co-occurring mental and substance use disorders (other than for substance use disorders)": "CO",
	"Clients with HIV or AIDS":                                                                              "HV",
	"Persons with HIV/AIDS":                                                                                 "HV",
	"Clients who have experienced sexual abuse":                                                             "XSA",
	"Clients who have experienced intimate partner violence, domestic violence":                             "DV",
	"Clients who have experienced trauma":                                                                   "TRMA",
	"DUI/DWI clients":                                                                                       "DU",
	"DUI/DWI offenders":                                                                                     "DU",
	"Persons with traumatic brain injury (TBI)":                                                             "TBI",
	"Persons with post-traumatic stress disorder (PTSD)":                                                    "PTSD",
	"Persons with eating disorders":                                                                         "PED",
	"Residential beds for clients' children":                                                                "BC",
	"Beds for clients' children":                                                                            "BC",

	// Ages and sexes accepted.
	"Adults":               "ADLT",
	"Children/Adolescents": "CHLD",
	"Seniors":              "SNR",
	"Female":               "FEM",
	"Male":                 "MALE",

	// Languages.
	"Spanish": "SP",
	"Sign language services for the deaf and hard of hearing": "AH",
	"Services for the deaf and hard of hearing":               "AH",
	"Sign language/ASL":                          "AH",
	"American Indian or Alaska Native languages": "NX",
	"Other languages":                            "FX",
	"Arabic":                                     "F4",
	"Any Chinese language":                       "F17",
	"Chinese":                                    "F17",
	"Creole":                                     "F19",
	"Haitian Creole":                             "F19",
	"Farsi":                                      "F25",
	"French":                                     "F28",
	"German":                                     "F30",
	"Greek":                                      "F31",
	"Hebrew":                                     "F35",
	"Hindi":                                      "F36",
	"Hmong":                                      "F37",
	"Italian":                                    "F42",
	"Japanese":                                   "F43",
	"Korean":                                     "F47",
	"Polish":                                     "F66",
	"Portuguese":                                 "F67",
	"Russian":                                    "F70",
	"Tagalog":                                    "F81",
	"Vietnamese":                                 "F92",
	"Hopi":                                       "N13",
	"Lakota":                                     "N18",
	"Navajo":                                     "N23",
	"Ojibwa":                                     "N24",
	"Yupik":                                      "N40",
}

// ftOperators maps Facility Operation labels onto Facility.OperatorType.
var ftOperators = map[string]string{
	"Private non-profit organization":        "private-nonprofit",
	"Private for-profit organization":        "private-for-profit",
	"Local, county, or community government": "local-government",
	"State government":                       "state-government",
	"Federal Government":                     "federal",
	"U.S. Department of Veterans Affairs":    "federal-va",
	"Department of Veterans Affairs":         "federal-va",
	"U.S. Department of Defense":             "federal-dod",
	"Indian Health Services":                 "ihs-tribal",
	"Indian Health Service":                  "ihs-tribal",
	"Tribal government":                      "ihs-tribal",
}

// ftFacilityTypes maps Facility Type labels, and the export's typeFacility
// codes, onto Facility.FacilityType.
var ftFacilityTypes = map[string]string{
	"Substance use treatment facility":                "substance-use",
	"Mental health facility":                          "mental-health",
	"Mix of mental health and substance use services": "mixed",
	"General hospital (including VA hospital)":        "general-hospital",
	"General health care facility":                    "general-hospital",
	"Buprenorphine practitioner":                      "buprenorphine-practitioner",
	"Health center (HRSA)":                            "health-center",
}

// ftTypeFacilityCodes maps the export's typeFacility onto FacilityType.
var ftTypeFacilityCodes = map[string]string{
	"SA": "substance-use", "MH": "mental-health", "SUMH": "mixed",
	"BUPREN": "buprenorphine-practitioner", "HRSA": "health-center",
}

// ftLicensingLabels maps licence and accreditation labels onto the name a
// facility record keeps; accreditation says which list it goes in.
var ftLicensingLabels = map[string]struct {
	name          string
	accreditation bool
}{
	"State substance abuse agency":                                    {"State substance abuse agency", false},
	"State mental health department":                                  {"State mental health department", false},
	"State department of health":                                      {"State department of health", false},
	"Hospital licensing authority":                                    {"Hospital licensing authority", false},
	"Drug Enforcement Agency (DEA)":                                   {"DEA", false},
	"SAMHSA certification for opioid treatment program (OTP)":         {"SAMHSA opioid treatment program certification", false},
	"Federally Qualified Health Center":                               {"Federally Qualified Health Center", false},
	"The Joint Commission":                                            {"Joint Commission", true},
	"Joint Commission":                                                {"Joint Commission", true},
	"Commission on Accreditation of Rehabilitation Facilities (CARF)": {"CARF", true},
	"Council on Accreditation (COA)":                                  {"COA", true},
	"Healthcare Facilities Accreditation Program (HFAP)":              {"HFAP", true},
	"National Committee for Quality Assurance (NCQA)":                 {"NCQA", true},
}

// ftNormalizedLabels are the tables above keyed by normalizeLabel, built
// once.
type ftLabelTables struct {
	services  map[string]string
	operators map[string]string
	types     map[string]string
	licensing map[string]struct {
		name          string
		accreditation bool
	}
}

var ftTables = sync.OnceValue(func() *ftLabelTables {
	t := &ftLabelTables{
		services:  make(map[string]string, len(ftServiceLabels)),
		operators: make(map[string]string, len(ftOperators)),
		types:     make(map[string]string, len(ftFacilityTypes)),
		licensing: make(map[string]struct {
			name          string
			accreditation bool
		}, len(ftLicensingLabels)),
	}
	for k, v := range ftServiceLabels {
		t.services[normalizeLabel(k)] = v
	}
	for k, v := range ftOperators {
		t.operators[normalizeLabel(k)] = v
	}
	for k, v := range ftFacilityTypes {
		t.types[normalizeLabel(k)] = v
	}
	for k, v := range ftLicensingLabels {
		t.licensing[normalizeLabel(k)] = v
	}
	return t
})

// normalizeLabel lower-cases a label, collapses its spaces and drops a
// final period and the ® and ™ signs, so that the locator's small changes
// of spelling between exports still match.
func normalizeLabel(s string) string {
	s = strings.NewReplacer("®", "", "™", "").Replace(s)
	s = strings.TrimRight(strings.ToLower(collapseSpace(s)), ". ")
	return s
}
