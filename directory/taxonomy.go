package directory

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Group is one of the taxonomy's facets: a person filters within a group
// (OR) and across groups (AND).
type Group string

// The taxonomy groups, in the order people are asked about them.
const (
	GroupCare       Group = "care"
	GroupTherapy    Group = "therapy"
	GroupMedication Group = "medication"
	GroupPayment    Group = "payment"
	GroupPopulation Group = "population"
	// GroupGender is the genders a facility accepts as clients: not a
	// program for women or men (those are populations), but whether a
	// woman or a man may come at all.
	GroupGender   Group = "gender"
	GroupLanguage Group = "language"
)

// Groups returns every taxonomy group in display order.
func Groups() []Group {
	return []Group{GroupCare, GroupTherapy, GroupMedication, GroupPayment, GroupPopulation, GroupGender, GroupLanguage}
}

// ParseGroup returns the group named s.
func ParseGroup(s string) (Group, bool) {
	for _, g := range Groups() {
		if string(g) == s {
			return g, true
		}
	}
	return "", false
}

// Text is a short piece of user-facing text in the languages the service
// speaks.
type Text struct {
	EN string `json:"en"`
	ES string `json:"es"`
}

// Term is one entry of the taxonomy: a kind of care, therapy, medication,
// payment accepted, population served or language spoken.
type Term struct {
	Group  Group  `json:"group"`
	Slug   string `json:"slug"`
	Parent string `json:"parent,omitempty"`
	Label  Text   `json:"label"`
	// Explanation says in plain words what the term means for someone who
	// has never heard it.
	Explanation Text `json:"explanation"`
	// SAMHSACodes are the codes of SAMHSA's directory legend that map onto
	// this term in every edition (the 2015 directory and FindTreatment.gov
	// agree on them). Codes whose meaning changed between editions are in
	// the edition's Legend only.
	SAMHSACodes []string `json:"samhsa_codes"`
	// Keywords are other words people type for the term, in English and
	// Spanish ("rehab", "iop", "suboxone", "adolescent", "court"): a
	// text search matches them as it matches the labels. Each is one
	// word (hyphens split it: "12-step" is "12" and "step"), so that it
	// names this term and nothing wider.
	Keywords []string `json:"keywords,omitempty"`
}

// Taxonomy is the fixed, read-only vocabulary of services. Its methods are
// safe for concurrent use.
type Taxonomy struct {
	terms    []Term
	index    map[termKey]int
	children map[termKey][]string
	byCode   map[string][]TermRef
	legends  map[string]*Legend
}

// TermRef names a term by group and slug.
type TermRef struct {
	Group Group  `json:"group"`
	Slug  string `json:"slug"`
}

type termKey struct {
	g Group
	s string
}

var defaultTaxonomy = sync.OnceValue(func() *Taxonomy { return newTaxonomy(withKeywords(taxonomyTerms(), termKeywords())) })

// DefaultTaxonomy returns CareFinder's taxonomy. It is immutable and shared.
func DefaultTaxonomy() *Taxonomy { return defaultTaxonomy() }

func newTaxonomy(terms []Term) *Taxonomy {
	t := &Taxonomy{
		terms:    terms,
		index:    make(map[termKey]int, len(terms)),
		children: make(map[termKey][]string),
		byCode:   make(map[string][]TermRef),
		legends:  make(map[string]*Legend),
	}
	for i, term := range terms {
		k := termKey{term.Group, term.Slug}
		if _, dup := t.index[k]; dup {
			panic(fmt.Sprintf("taxonomy: duplicate term %s/%s", term.Group, term.Slug))
		}
		t.index[k] = i
		if term.Parent != "" {
			pk := termKey{term.Group, term.Parent}
			t.children[pk] = append(t.children[pk], term.Slug)
		}
		for _, c := range term.SAMHSACodes {
			t.byCode[c] = append(t.byCode[c], TermRef{term.Group, term.Slug})
		}
	}
	for _, term := range terms {
		if term.Parent != "" {
			if _, ok := t.index[termKey{term.Group, term.Parent}]; !ok {
				panic(fmt.Sprintf("taxonomy: %s/%s has unknown parent %q", term.Group, term.Slug, term.Parent))
			}
		}
	}
	for _, ed := range legendEditions() {
		l := &Legend{Edition: ed.edition, codes: make(map[string][]TermRef, len(t.byCode)+len(ed.codes))}
		for c, refs := range t.byCode {
			l.codes[c] = refs
		}
		for c, refs := range ed.codes {
			for _, r := range refs {
				if _, ok := t.index[termKey{r.Group, r.Slug}]; !ok {
					panic(fmt.Sprintf("taxonomy: legend %s maps %s onto unknown term %s/%s", ed.edition, c, r.Group, r.Slug))
				}
			}
			l.codes[c] = refs
		}
		t.legends[ed.edition] = l
	}
	return t
}

// Terms returns the terms of group g in display order, or every term when g
// is empty.
func (t *Taxonomy) Terms(g Group) []Term {
	var out []Term
	for _, term := range t.terms {
		if g == "" || term.Group == g {
			out = append(out, term)
		}
	}
	return out
}

// Lookup returns the term g/slug.
func (t *Taxonomy) Lookup(g Group, slug string) (Term, bool) {
	i, ok := t.index[termKey{g, slug}]
	if !ok {
		return Term{}, false
	}
	return t.terms[i], true
}

// Descendants returns slug and every term below it, so that a search for a
// parent term matches its children.
func (t *Taxonomy) Descendants(g Group, slug string) []string {
	out := []string{slug}
	for i := 0; i < len(out); i++ {
		out = append(out, t.children[termKey{g, out[i]}]...)
	}
	return out
}

// Ancestors returns slug and every term above it, nearest first.
func (t *Taxonomy) Ancestors(g Group, slug string) []string {
	out := []string{slug}
	for {
		term, ok := t.Lookup(g, out[len(out)-1])
		if !ok || term.Parent == "" {
			return out
		}
		out = append(out, term.Parent)
	}
}

// FromSAMHSA returns the terms that a SAMHSA directory code maps onto in
// every edition of the legend. Use Legend for one edition's meanings.
func (t *Taxonomy) FromSAMHSA(code string) []TermRef { return t.byCode[code] }

// Editions of SAMHSA's directory legend. SAMHSA renumbered and redefined
// some codes over the years, so a code is read with the legend of the
// edition its file comes from.
const (
	// LegendSAMHSA2015 is the legend of the 2013-2015 printed national
	// directories.
	LegendSAMHSA2015 = "samhsa-2015"
	// LegendFindTreatment is the legend of FindTreatment.gov (2016 on).
	LegendFindTreatment = "findtreatment"
)

// Legend maps the codes of one edition of SAMHSA's directory legend onto
// taxonomy terms.
type Legend struct {
	Edition string
	codes   map[string][]TermRef
}

// Terms returns the terms code maps onto, or nil when the legend has no
// term for it.
func (l *Legend) Terms(code string) []TermRef { return l.codes[code] }

// Legend returns the legend of edition (LegendSAMHSA2015,
// LegendFindTreatment).
func (t *Taxonomy) Legend(edition string) (*Legend, bool) {
	l, ok := t.legends[edition]
	return l, ok
}

// legendEdition lists the codes whose meaning is particular to one
// edition of the legend.
type legendEdition struct {
	edition string
	codes   map[string][]TermRef
}

func legendEditions() []legendEdition {
	ihs := []TermRef{{GroupPayment, "ihs-tribal"}}
	return []legendEdition{
		// In 2013-2015, IHS sits among the payment codes: "IHS/638
		// contract care funds". Most facilities carrying it are not run
		// by the Indian Health Service.
		{LegendSAMHSA2015, map[string][]TermRef{"IHS": ihs}},
		// From 2016, IH means "run by the Indian Health Service" (an
		// operator, not a term) and ITU is the payment code. FindTreatment.gov
		// also brought codes of its own for meanings the taxonomy has: HV
		// (clients with HIV or AIDS, 2015's XA), TAY and SNR (the age
		// groups), MU, NU and the buprenorphine forms (medications used in
		// treatment), DB (buprenorphine detox), PH (partial hospitalization),
		// SUMH (co-occurring disorders) and the therapy codes GT, IPT, CFT.
		{LegendFindTreatment, map[string][]TermRef{
			"ITU":  ihs,
			"HV":   {{GroupPopulation, "hiv-aids"}},
			"TAY":  {{GroupPopulation, "young-adults"}},
			"SNR":  {{GroupPopulation, "seniors"}},
			"SUMH": {{GroupPopulation, "co-occurring"}},
			"MU":   {{GroupMedication, "methadone"}},
			"MMW":  {{GroupMedication, "methadone"}},
			"NU":   {{GroupMedication, "naltrexone"}},
			"RPN":  {{GroupMedication, "naltrexone"}},
			"BWN":  {{GroupMedication, "buprenorphine"}},
			"BWON": {{GroupMedication, "buprenorphine"}},
			"BSDM": {{GroupMedication, "buprenorphine"}},
			"DB":   {{GroupMedication, "buprenorphine"}, {GroupCare, "detox"}},
			"PH":   {{GroupCare, "partial-hospitalization"}},
			"GT":   {{GroupTherapy, "group-therapy"}},
			"IPT":  {{GroupTherapy, "individual-therapy"}},
			"CFT":  {{GroupTherapy, "family-therapy"}, {GroupTherapy, "couples-therapy"}},
		}},
	}
}

// Validate checks that slug is a term of group g and returns an error that
// suggests the nearest slugs when it is not.
func (t *Taxonomy) Validate(g Group, slug string) error {
	if _, ok := t.Lookup(g, slug); ok {
		return nil
	}
	var names []string
	for _, term := range t.Terms(g) {
		names = append(names, term.Slug)
	}
	msg := fmt.Sprintf("unknown %s %q", g, slug)
	for _, other := range Groups() {
		if _, ok := t.Lookup(other, slug); ok && other != g {
			return Errorf(EINVALID, "%s; %q is in the %s group: use %s=%s", msg, slug, other, other, slug)
		}
	}
	if s := Suggest(slug, names, 3); len(s) > 0 {
		msg += "; did you mean " + strings.Join(quoteAll(s), " or ") + "?"
	} else {
		msg += "; see /api/v1/taxonomy for the list"
	}
	return Errorf(EINVALID, "%s", msg)
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = fmt.Sprintf("%q", x)
	}
	return out
}

// Suggest returns up to n of candidates closest to s by edit distance, for
// "did you mean" messages. Candidates further than a third of their length
// away (at least 2 edits) are left out.
func Suggest(s string, candidates []string, n int) []string {
	type scored struct {
		name string
		d    int
	}
	ls := strings.ToLower(s)
	var hits []scored
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := EditDistance(ls, lc)
		limit := max(2, len(lc)/3)
		if strings.HasPrefix(lc, ls) && len(ls) >= 3 {
			d = min(d, 1)
		}
		if d <= limit {
			hits = append(hits, scored{c, d})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].d < hits[j].d })
	var out []string
	for i := 0; i < len(hits) && i < n; i++ {
		out = append(out, hits[i].name)
	}
	return out
}

// EditDistance is the Levenshtein distance between a and b, over runes.
func EditDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

func term(g Group, slug, parent, en, es, explainEN, explainES string, codes ...string) Term {
	if codes == nil {
		codes = []string{}
	}
	return Term{Group: g, Slug: slug, Parent: parent, Label: Text{en, es}, Explanation: Text{explainEN, explainES}, SAMHSACodes: codes}
}

func taxonomyTerms() []Term {
	c, th, m, p, po, ge, l := GroupCare, GroupTherapy, GroupMedication, GroupPayment, GroupPopulation, GroupGender, GroupLanguage
	return []Term{
		// Care: the kind and setting of treatment.
		term(c, "detox", "", "Detox", "Desintoxicación",
			"Medical help to stop drinking or using drugs safely while withdrawal passes.",
			"Ayuda médica para dejar el alcohol o las drogas de forma segura durante la abstinencia.",
			"DT", "HID", "RD", "OD", "DM"),
		term(c, "inpatient", "", "Inpatient care", "Atención con internación",
			"You stay overnight at the facility for treatment.",
			"Usted se queda a dormir en el centro durante el tratamiento."),
		term(c, "hospital-inpatient", "inpatient", "Hospital inpatient", "Hospitalización",
			"Treatment while staying in a hospital, with doctors and nurses around the clock.",
			"Tratamiento internado en un hospital, con médicos y enfermeras las 24 horas.",
			"HI", "HID", "HIT"),
		term(c, "residential", "inpatient", "Residential", "Residencial",
			"You live at the program, outside a hospital, while you get treatment.",
			"Usted vive en el programa, fuera de un hospital, mientras recibe tratamiento.",
			"RES", "RD"),
		term(c, "residential-short-term", "residential", "Short-term residential", "Residencial de corto plazo",
			"A live-in program that usually lasts 30 days or less.",
			"Un programa con alojamiento que suele durar 30 días o menos.",
			"RS"),
		term(c, "residential-long-term", "residential", "Long-term residential", "Residencial de largo plazo",
			"A live-in program that lasts more than 30 days.",
			"Un programa con alojamiento que dura más de 30 días.",
			"RL"),
		term(c, "outpatient", "", "Outpatient", "Ambulatorio",
			"You visit for treatment and go home the same day.",
			"Usted acude al tratamiento y vuelve a casa el mismo día.",
			"OP", "OD", "OMB"),
		term(c, "partial-hospitalization", "outpatient", "Day treatment (partial hospitalization)", "Tratamiento de día (hospitalización parcial)",
			"Treatment most of the day, most days of the week, and you sleep at home.",
			"Tratamiento durante gran parte del día, casi todos los días, y usted duerme en casa.",
			"ODT", "PHDT"),
		term(c, "intensive-outpatient", "outpatient", "Intensive outpatient", "Ambulatorio intensivo",
			"Several sessions a week, a few hours each, while you live at home.",
			"Varias sesiones por semana, de unas horas cada una, mientras vive en casa.",
			"OIT"),
		term(c, "standard-outpatient", "outpatient", "Regular outpatient", "Ambulatorio regular",
			"Counseling visits once or twice a week.",
			"Consultas de consejería una o dos veces por semana.",
			"ORT"),
		term(c, "telehealth", "", "Telehealth", "Telesalud",
			"Treatment by video or phone, from wherever you are.",
			"Tratamiento por video o teléfono, desde donde usted esté.",
			"CT", "TELE"),
		term(c, "transitional-housing", "", "Sober living / halfway house", "Vivienda de transición",
			"A drug- and alcohol-free place to live while you get back on your feet.",
			"Un lugar sin alcohol ni drogas donde vivir mientras se recupera.",
			"HH"),

		// Therapy: what happens in treatment.
		term(th, "group-therapy", "", "Group therapy", "Terapia de grupo",
			"Talking through recovery with a counselor and others who share the struggle.",
			"Hablar de la recuperación con un consejero y otras personas que viven lo mismo.",
			"GCO"),
		term(th, "individual-therapy", "", "Individual therapy", "Terapia individual",
			"One-on-one sessions with a counselor.",
			"Sesiones a solas con un consejero.",
			"ICO"),
		term(th, "family-therapy", "", "Family therapy", "Terapia familiar",
			"Sessions that bring in family members to heal together.",
			"Sesiones con familiares para sanar juntos.",
			"FCO"),
		term(th, "couples-therapy", "", "Couples therapy", "Terapia de pareja",
			"Sessions for you and your partner.",
			"Sesiones para usted y su pareja.",
			"MCO"),
		term(th, "cognitive-behavioral-therapy", "", "Cognitive behavioral therapy (CBT)", "Terapia cognitivo-conductual (TCC)",
			"Learning to notice and change the thoughts and habits that lead to using.",
			"Aprender a notar y cambiar los pensamientos y hábitos que llevan al consumo.",
			"CBT"),
		term(th, "relapse-prevention", "", "Relapse prevention", "Prevención de recaídas",
			"Planning ahead for cravings and hard moments so you stay on track.",
			"Prepararse para los antojos y los momentos difíciles para no recaer.",
			"RELP"),
		term(th, "support-groups", "", "Support groups", "Grupos de apoyo",
			"Peer groups such as 12-step meetings where people in recovery help each other.",
			"Grupos de pares, como las reuniones de 12 pasos, donde personas en recuperación se ayudan.",
			"SHG", "PEER", "TWFA"),

		// Medication for substance use disorders.
		term(m, "methadone", "", "Methadone", "Metadona",
			"A daily medicine for opioid addiction, given at a licensed clinic.",
			"Un medicamento diario para la adicción a opioides, que se da en una clínica autorizada.",
			"MM", "DM", "METH"),
		term(m, "buprenorphine", "", "Buprenorphine (Suboxone)", "Buprenorfina (Suboxone)",
			"A medicine for opioid addiction that eases cravings and withdrawal; often prescribed in an office.",
			"Un medicamento para la adicción a opioides que calma los antojos y la abstinencia; suele recetarse en consultorio.",
			"BU", "BUM", "BMW"),
		term(m, "naltrexone", "", "Naltrexone (Vivitrol)", "Naltrexona (Vivitrol)",
			"A medicine, as a pill or monthly shot, that blocks the effect of opioids and alcohol.",
			"Un medicamento, en pastilla o inyección mensual, que bloquea el efecto de los opioides y el alcohol.",
			"NXN", "VTRL"),

		// Payment accepted.
		term(p, "medicaid", "", "Medicaid", "Medicaid",
			"Accepts Medicaid, the public health coverage for people with low income.",
			"Acepta Medicaid, el seguro público para personas de bajos ingresos.",
			"MD"),
		term(p, "medicare", "", "Medicare", "Medicare",
			"Accepts Medicare, the federal coverage for people 65 and older or with disabilities.",
			"Acepta Medicare, el seguro federal para mayores de 65 años o personas con discapacidad.",
			"MC"),
		term(p, "private-insurance", "", "Private insurance", "Seguro privado",
			"Accepts health insurance from an employer or the marketplace.",
			"Acepta seguro médico del empleador o del mercado de seguros.",
			"PI"),
		term(p, "self-pay", "", "Cash or self-pay", "Pago en efectivo o por cuenta propia",
			"You can pay for treatment yourself.",
			"Puede pagar el tratamiento usted mismo.",
			"SF"),
		term(p, "sliding-scale", "", "Sliding fee scale", "Tarifa según ingresos",
			"The price goes down if your income is lower.",
			"El precio baja si sus ingresos son más bajos.",
			"SS"),
		term(p, "free", "", "Free treatment", "Tratamiento gratuito",
			"Treatment at no cost to you.",
			"Tratamiento sin costo para usted.",
			"NP"),
		term(p, "military-insurance", "", "Military insurance (TRICARE)", "Seguro militar (TRICARE)",
			"Accepts TRICARE and other military health coverage.",
			"Acepta TRICARE y otros seguros militares.",
			"MI"),
		term(p, "state-insurance", "", "State-financed insurance", "Seguro financiado por el estado",
			"Accepts health coverage paid for by the state, other than Medicaid.",
			"Acepta seguros pagados por el estado, distintos de Medicaid.",
			"SI"),
		term(p, "payment-assistance", "", "Payment assistance", "Ayuda para pagar",
			"Can help you find a way to pay, such as grants or vouchers.",
			"Puede ayudarle a encontrar cómo pagar, por ejemplo con becas o vales.",
			"PA", "ATR"),
		term(p, "ihs-tribal", "", "IHS, tribal or urban Indian health funds", "Fondos del IHS, tribales o de salud indígena urbana",
			"Accepts Indian Health Service, tribal or urban Indian health program funding.",
			"Acepta fondos del Servicio de Salud Indígena, tribales o de programas urbanos."),

		// Populations served by a dedicated program.
		term(po, "adolescents", "", "Teens", "Adolescentes",
			"A program for children and teenagers.",
			"Un programa para niños y adolescentes.",
			"AD", "CHLD"),
		term(po, "young-adults", "", "Young adults", "Adultos jóvenes",
			"Serves young adults, about 18 to 25.",
			"Atiende a adultos jóvenes, de unos 18 a 25 años.",
			"YAD"),
		term(po, "adults", "", "Adults", "Adultos",
			"Serves adults.",
			"Atiende a adultos.",
			"ADLT"),
		term(po, "seniors", "", "Older adults", "Adultos mayores",
			"A program for people 65 and older.",
			"Un programa para personas de 65 años o más.",
			"SE"),
		term(po, "women", "", "Women", "Mujeres",
			"A program just for women.",
			"Un programa solo para mujeres.",
			"WN"),
		term(po, "pregnant-women", "", "Pregnant or postpartum women", "Mujeres embarazadas o en posparto",
			"A program for women who are pregnant or have just had a baby.",
			"Un programa para mujeres embarazadas o que acaban de dar a luz.",
			"PW"),
		term(po, "men", "", "Men", "Hombres",
			"A program just for men.",
			"Un programa solo para hombres.",
			"MN"),
		term(po, "lgbtq", "", "LGBTQ+", "LGBTQ+",
			"A program for lesbian, gay, bisexual, transgender and queer people.",
			"Un programa para personas lesbianas, gais, bisexuales, transgénero y queer.",
			"GL"),
		term(po, "veterans", "", "Veterans", "Veteranos",
			"A program for people who served in the military.",
			"Un programa para personas que sirvieron en las fuerzas armadas.",
			"VET"),
		term(po, "active-military", "", "Active duty military", "Militares en servicio activo",
			"A program for people now serving in the military.",
			"Un programa para personas que sirven actualmente en las fuerzas armadas.",
			"ADM"),
		term(po, "military-families", "", "Military families", "Familias de militares",
			"A program for family members of service members.",
			"Un programa para familiares de militares.",
			"MF"),
		term(po, "criminal-justice", "", "People involved with the justice system", "Personas con casos judiciales",
			"A program for people on probation, parole or referred by a court.",
			"Un programa para personas en libertad condicional o enviadas por un tribunal.",
			"CJ"),
		term(po, "co-occurring", "", "Mental health and substance use together", "Salud mental y consumo de sustancias a la vez",
			"Treats addiction together with depression, anxiety or another mental illness.",
			"Trata la adicción junto con depresión, ansiedad u otra enfermedad mental.",
			"CO"),
		term(po, "trauma", "", "Trauma survivors", "Sobrevivientes de trauma",
			"A program for people who have lived through trauma.",
			"Un programa para personas que han vivido un trauma.",
			"TRMA"),
		term(po, "domestic-violence", "", "Domestic violence survivors", "Sobrevivientes de violencia doméstica",
			"A program for people who have experienced abuse at home.",
			"Un programa para personas que han sufrido abuso en el hogar.",
			"DV"),
		term(po, "hiv-aids", "", "People with HIV/AIDS", "Personas con VIH/SIDA",
			"A program for people living with HIV or AIDS.",
			"Un programa para personas que viven con VIH o SIDA.",
			"XA"),
		term(po, "dui-dwi", "", "DUI/DWI", "Manejo bajo la influencia (DUI/DWI)",
			"A program for people charged with driving under the influence.",
			"Un programa para personas acusadas de manejar bajo la influencia.",
			"DU"),
		term(po, "beds-for-children", "", "Beds for clients' children", "Camas para los hijos de los pacientes",
			"Parents in the live-in program can have their children stay with them.",
			"Los padres en el programa residencial pueden tener a sus hijos consigo.",
			"BC"),

		// Genders accepted: who may come at all, not a dedicated program.
		term(ge, "female", "", "Accepts women", "Acepta mujeres",
			"Women and girls can get treatment here (this is not a program only for women).",
			"Mujeres y niñas pueden recibir tratamiento aquí (no es un programa solo para mujeres).",
			"FEM"),
		term(ge, "male", "", "Accepts men", "Acepta hombres",
			"Men and boys can get treatment here (this is not a program only for men).",
			"Hombres y niños pueden recibir tratamiento aquí (no es un programa solo para hombres).",
			"MALE"),

		// Languages, as BCP 47 codes. The SAMHSA codes are the 2015
		// directory's numbering, which FindTreatment.gov's filters keep;
		// the geography of the 2015 file agrees with each (F66 Polish in
		// Illinois, F19 Haitian Creole in Florida, N23 Navajo in Arizona).
		term(l, "en", "", "English", "Inglés", "Services in English.", "Servicios en inglés."),
		term(l, "es", "", "Spanish", "Español", "Services in Spanish.", "Servicios en español.", "SP"),
		term(l, "ase", "", "American Sign Language", "Lengua de señas americana",
			"Services for people who are deaf or hard of hearing, in sign language.",
			"Servicios en lengua de señas para personas sordas o con pérdida auditiva.", "AH"),
		lang(l, "ar", "Arabic", "Árabe", "árabe", "F4"),
		lang(l, "zh", "Chinese", "Chino", "chino", "F17"),
		lang(l, "ht", "Haitian Creole", "Criollo haitiano", "criollo haitiano", "F19"),
		lang(l, "fa", "Persian (Farsi)", "Persa (farsi)", "persa", "F25"),
		lang(l, "fr", "French", "Francés", "francés", "F28"),
		lang(l, "de", "German", "Alemán", "alemán", "F30"),
		lang(l, "el", "Greek", "Griego", "griego", "F31"),
		lang(l, "he", "Hebrew", "Hebreo", "hebreo", "F35"),
		lang(l, "hi", "Hindi", "Hindi", "hindi", "F36"),
		lang(l, "hmn", "Hmong", "Hmong", "hmong", "F37"),
		lang(l, "it", "Italian", "Italiano", "italiano", "F42"),
		lang(l, "ja", "Japanese", "Japonés", "japonés", "F43"),
		lang(l, "ko", "Korean", "Coreano", "coreano", "F47"),
		lang(l, "pl", "Polish", "Polaco", "polaco", "F66"),
		lang(l, "pt", "Portuguese", "Portugués", "portugués", "F67"),
		lang(l, "ru", "Russian", "Ruso", "ruso", "F70"),
		lang(l, "so", "Somali", "Somalí", "somalí"),
		lang(l, "tl", "Tagalog", "Tagalo", "tagalo", "F81"),
		lang(l, "vi", "Vietnamese", "Vietnamita", "vietnamita", "F92"),
		term(l, "other", "", "Other languages", "Otros idiomas",
			"Services in languages besides English and Spanish; call to ask which.",
			"Servicios en idiomas además del inglés y el español; llame para preguntar cuáles.",
			"FX"),
		// "nai" is ISO 639's collective code for North American Indian
		// languages: NX says a facility speaks one without naming it.
		term(l, "nai", "", "American Indian or Alaska Native languages", "Lenguas indígenas de Estados Unidos",
			"Services in an American Indian or Alaska Native language; call to ask which.",
			"Servicios en una lengua indígena de Estados Unidos o Alaska; llame para preguntar cuál.",
			"NX"),
		lang(l, "hop", "Hopi", "Hopi", "hopi", "N13", "nai"),
		lang(l, "lkt", "Lakota", "Lakota", "lakota", "N18", "nai"),
		lang(l, "nv", "Navajo", "Navajo", "navajo", "N23", "nai"),
		lang(l, "oj", "Ojibwa", "Ojibwa", "ojibwa", "N24", "nai"),
		lang(l, "ypk", "Yupik", "Yupik", "yupik", "N40", "nai"),
	}
}

// lang is a language term: its English and Spanish names, the Spanish name
// as used inside a sentence, its SAMHSA code (if any) and its parent (if
// any), in that order after the names.
func lang(g Group, slug, en, es, esInSentence string, codeAndParent ...string) Term {
	var codes []string
	parent := ""
	if len(codeAndParent) > 0 {
		codes = codeAndParent[:1]
	}
	if len(codeAndParent) > 1 {
		parent = codeAndParent[1]
	}
	return term(g, slug, parent, en, es, "Services in "+en+".", "Servicios en "+esInSentence+".", codes...)
}

// termKeywords returns, by group/slug, the other words people type for
// terms. Short ones ("aa", "mat", "iop", "vets", "youth") are matched
// exactly, without typo tolerance (see search's label matcher).
func termKeywords() map[string][]string {
	// The words of a search that ask for addiction treatment as such
	// ("drug rehab", "alcohol", "tratamiento"): every facility in the
	// directory treats substance use, so they name every top kind of care
	// rather than only the facilities whose names contain them.
	treatment := []string{
		"rehab", "rehabilitation", "treatment", "addiction", "addict", "addicted",
		"alcohol", "alcoholism", "alcoholic", "drug", "drugs", "substance", "sud",
		"sobriety",
		"rehabilitación", "tratamiento", "adicción", "adicciones", "drogas", "alcoholismo",
		// The substances themselves: "meth rehab", "cocaine".
		"meth", "methamphetamine", "cocaine", "crack", "marijuana", "cannabis", "pills", "benzos",
		"benzodiazepines", "kratom", "metanfetamina", "cocaína", "marihuana",
		// Words that ask for nothing in particular, which every facility
		// answers: "methadone clinic", "suboxone doctor", "rehab near me",
		// "takes medicaid", "habla español".
		"clinic", "clinics", "center", "centers", "centre", "program", "programs", "facility",
		"facilities", "services", "provider", "providers", "doctor", "doctors", "medical",
		"medically", "supervised", "help", "near", "nearby", "takes", "accepts", "accepting",
		"clínica", "centro", "programa", "ayuda", "médico", "cerca", "habla", "hablan",
		"speaking", "speak", "plan", "plans",
	}
	opioid := []string{"opioid", "opioids", "opiod", "opiods", "opiate", "opiates", "heroin", "fentanyl", "oxycodone",
		"painkillers", "moud", "mat", "otp", "maintenance", "opioides", "heroína"}
	counseling := []string{"counseling", "counselling", "counselor", "therapist", "consejería"}
	return map[string][]string{
		"care/detox":                           append([]string{"detoxification", "withdrawal", "abstinencia"}, treatment...),
		"care/inpatient":                       append([]string{"internación", "overnight"}, treatment...),
		"care/residential":                     {"residence"},
		"care/outpatient":                      append([]string{"ambulatory"}, treatment...),
		"care/partial-hospitalization":         {"php"},
		"care/intensive-outpatient":            {"iop"},
		"care/standard-outpatient":             counseling,
		"care/telehealth":                      append([]string{"telemedicine", "online", "virtual", "teletherapy", "telemedicina"}, treatment...),
		"therapy/group-therapy":                counseling,
		"therapy/individual-therapy":           counseling,
		"therapy/family-therapy":               {"familia"},
		"therapy/couples-therapy":              {"marriage", "marital"},
		"therapy/cognitive-behavioral-therapy": {"cbt", "dbt"},
		"therapy/support-groups":               {"aa", "na", "12-step", "alcoholics", "narcotics", "anonymous", "meetings", "peer", "smart"},
		"medication/methadone":                 opioid,
		"medication/buprenorphine":             append([]string{"subutex", "sublocade", "zubsolv", "bupe"}, opioid...),
		"medication/naltrexone":                append([]string{"revia"}, opioid...),
		"payment/medicaid":                     {"medi-cal", "tenncare", "masshealth", "ahcccs", "soonercare", "badgercare"},
		"payment/private-insurance":            {"bcbs", "bluecross", "blue", "cross", "shield", "aetna", "cigna", "anthem", "kaiser", "unitedhealthcare", "optum", "ambetter", "commercial"},
		"payment/self-pay":                     {"efectivo"},
		"payment/free":                         {"gratis", "no-cost"},
		"population/adolescents":               {"adolescent", "adolescents", "teenager", "teenagers", "youth", "juvenile", "kids", "children", "jóvenes"},
		"population/seniors":                   {"senior", "seniors", "elderly", "geriatric", "ancianos"},
		"population/women":                     {"mothers", "moms", "mom", "madres"},
		"population/pregnant-women":            {"pregnancy", "prenatal", "embarazadas", "embarazo"},
		"population/beds-for-children":         {"children", "kids", "niños"},
		"population/lgbtq":                     {"lgbt", "gay", "lesbian", "bisexual", "transgender", "trans", "queer"},
		"population/veterans":                  {"veteran", "vets"},
		"population/active-military":           {"soldiers"},
		"population/criminal-justice":          {"court", "probation", "parole", "jail", "prison", "legal", "offenders"},
		"population/co-occurring":              {"dual", "diagnosis", "comorbid", "psychiatric", "depression", "anxiety", "bipolar"},
		"population/trauma":                    {"ptsd"},
		"population/dui-dwi":                   {"owi", "drunk"},
		"language/es":                          {"hispanic", "latino", "latina"},
		"language/ase":                         {"deaf", "asl", "sordos"},
	}
}

// withKeywords sets each term's Keywords from kw, by group/slug; a key
// that names no term is a mistake in the table, caught at start.
func withKeywords(terms []Term, kw map[string][]string) []Term {
	seen := 0
	for i := range terms {
		if words, ok := kw[string(terms[i].Group)+"/"+terms[i].Slug]; ok {
			terms[i].Keywords = words
			seen++
		}
	}
	if seen != len(kw) {
		panic("taxonomy: a keyword entry names no term")
	}
	return terms
}
