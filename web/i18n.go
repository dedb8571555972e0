package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Lang is a language the pages speak: "en" or "es".
type Lang string

// The interface languages. Taxonomy labels and explanations come from the
// taxonomy, which has both.
const (
	English Lang = "en"
	Spanish Lang = "es"
)

// parseLang returns the language named s, if the pages speak it.
func parseLang(s string) (Lang, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "en":
		return English, true
	case "es":
		return Spanish, true
	}
	return "", false
}

// pageLang chooses the interface language of a page request: the lang
// parameter, else the best of Accept-Language, else English.
func pageLang(r *http.Request) Lang {
	if l, ok := parseLang(r.URL.Query().Get("lang")); ok {
		return l
	}
	return acceptLanguage(r.Header.Values("Accept-Language"))
}

// acceptLanguage picks English or Spanish from Accept-Language values
// ("es-MX,es;q=0.9,en;q=0.8"): the one with the higher weight, English on
// a tie or when neither is named.
func acceptLanguage(values []string) Lang {
	best, bestQ := English, 0.0
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			q := 1.0
			if k, val, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.TrimSpace(k) == "q" {
				if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
					q = f
				}
			}
			primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
			l, ok := parseLang(primary)
			if ok && q > bestQ {
				best, bestQ = l, q
			}
		}
	}
	return best
}

// other returns the language the switch offers.
func (l Lang) other() Lang {
	if l == Spanish {
		return English
	}
	return Spanish
}

// translate returns the message key in language l, formatted with args. A
// missing key shows as [[key]], which the tests look for.
func translate(l Lang, key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return "[[" + key + "]]"
	}
	s := m[0]
	if l == Spanish {
		s = m[1]
	}
	if len(args) > 0 {
		s = fmt.Sprintf(s, args...)
	}
	return s
}

// messages is every word of the interface, in English and Spanish, by key.
// Plain words for people under stress: short sentences, no jargon.
var messages = map[string][2]string{
	// Layout.
	"site_name":        {"CareFinder", "CareFinder"},
	"tagline":          {"Find addiction treatment near you", "Encuentre tratamiento para adicciones cerca de usted"},
	"skip":             {"Skip to main content", "Saltar al contenido principal"},
	"helpline":         {"Free, private help, 24 hours a day: SAMHSA’s National Helpline", "Ayuda gratuita y confidencial, las 24 horas: Línea Nacional de Ayuda de SAMHSA"},
	"helpline_crisis":  {"In crisis? Call or text", "¿En crisis? Llame o envíe un texto al"},
	"helpline_region":  {"Helplines", "Líneas de ayuda"},
	"lang_switch":      {"Español", "English"},
	"lang_switch_long": {"Ver esta página en español", "View this page in English"},
	"footer_source":    {"Listings come from public directories and may be out of date: call before you go.", "Los datos vienen de directorios públicos y pueden no estar al día: llame antes de ir."},
	"footer_api":       {"Data API for developers", "API de datos para programadores"},

	// Home.
	"home_title":      {"Find addiction treatment near you", "Encuentre tratamiento para adicciones cerca de usted"},
	"home_intro":      {"Free to use. No sign-up. We do not keep your search.", "Es gratis. Sin registrarse. No guardamos su búsqueda."},
	"where_label":     {"Where are you?", "¿Dónde está usted?"},
	"where_hint":      {"A ZIP code, or a city and state, like 37203 or Nashville, TN", "Un código postal, o una ciudad y estado, como 37203 o Nashville, TN"},
	"use_location":    {"Use my location", "Usar mi ubicación"},
	"locating":        {"Finding your location…", "Buscando su ubicación…"},
	"location_failed": {"We could not get your location. Please type a ZIP code or a city.", "No pudimos obtener su ubicación. Escriba un código postal o una ciudad."},
	"kind_legend":     {"What kind of help? (optional)", "¿Qué tipo de ayuda? (opcional)"},
	"kind_hint":       {"Choose any, or none to see every kind.", "Elija las que quiera, o ninguna para ver todas."},
	"radius_label":    {"How far?", "¿Qué tan lejos?"},
	"radius_miles":    {"Within %s miles", "A menos de %s millas"},
	"radius_km":       {"Within %s km", "A menos de %s km"},
	"radius_any":      {"Any distance", "Cualquier distancia"},
	"search_button":   {"Find help", "Buscar ayuda"},
	"more_options":    {"More options", "Más opciones"},
	"words_label":     {"Words to look for (optional)", "Palabras para buscar (opcional)"},
	"words_hint":      {"A name, a medicine or a service, like methadone", "Un nombre, un medicamento o un servicio, como metadona"},

	// Search page.
	"results_title":     {"Treatment near %s", "Tratamiento cerca de %s"},
	"other_places":      {"Another “%s”?", "¿Otro lugar llamado «%s»?"},
	"results_title_all": {"Treatment search", "Búsqueda de tratamiento"},
	"your_location":     {"your location", "su ubicación"},
	"found_one":         {"1 place found", "Se encontró 1 lugar"},
	"found_other":       {"%s places found", "Se encontraron %s lugares"},
	"within":            {"within %s of %s", "a menos de %s de %s"},
	"nearest_to":        {"nearest to %s first", "los más cercanos a %s primero"},
	"for_words":         {"for “%s”", "para «%s»"},
	"none_found":        {"No places match your search within %s of %s.", "Ningún lugar coincide con su búsqueda a menos de %s de %s."},
	"none_found_plain":  {"No places match your search.", "Ningún lugar coincide con su búsqueda."},
	"nearest_is":        {"The nearest place that matches is %s away.", "El lugar más cercano que coincide está a %s."},
	"widen":             {"Search within %s miles", "Buscar a menos de %s millas"},
	"widen_any":         {"Search at any distance", "Buscar a cualquier distancia"},
	"drop_filter":       {"Or remove a choice:", "O quite una opción:"},
	"remove":            {"Remove “%s”", "Quitar «%s»"},
	"none_anywhere":     {"Nothing in the directory matches all of these choices.", "Nada en el directorio coincide con todas estas opciones."},
	"none_help":         {"The helpline can help you find care, any time:", "La línea de ayuda le puede ayudar a encontrar atención, a cualquier hora:"},
	"prompt_where":      {"Tell us where you are to see places near you.", "Díganos dónde está para ver lugares cerca de usted."},
	"filters_title":     {"Narrow your results", "Afinar resultados"},
	"filters_hint":      {"Choose any. The numbers show how many places you would find.", "Elija las que quiera. Los números muestran cuántos lugares encontraría."},
	"apply_filters":     {"Show results", "Mostrar resultados"},
	"clear_filters":     {"Clear all choices", "Quitar todas las opciones"},
	"results_list":      {"Results", "Resultados"},
	"distance_mi":       {"%s mi", "%s mi"},
	"call":              {"Call %s", "Llamar al %s"},
	"directions":        {"Directions", "Cómo llegar"},
	"website":           {"Website", "Sitio web"},
	"open247":           {"Open 24/7", "Abierto 24/7"},
	"details":           {"Details about %s", "Detalles sobre %s"},
	"care_label":        {"Care", "Atención"},
	"payment_label":     {"Payment", "Pago"},
	"more_results":      {"More results", "Más resultados"},
	"first_results":     {"Back to the first results", "Volver a los primeros resultados"},
	"show_map":          {"Show map", "Mostrar mapa"},
	"hide_map":          {"Hide map", "Ocultar mapa"},
	"map_label":         {"Map of these results", "Mapa de estos resultados"},
	"map_note":          {"The list has every place the map shows.", "La lista tiene todos los lugares del mapa."},
	"download_csv":      {"Download these results (CSV)", "Descargar estos resultados (CSV)"},
	"new_search":        {"Change your search", "Cambiar su búsqueda"},
	"err_title":         {"Please check your search", "Revise su búsqueda"},
	"err_near":          {"We could not find that place. Try a 5-digit ZIP code, or a city and state like Nashville, TN.", "No encontramos ese lugar. Pruebe un código postal de 5 dígitos, o una ciudad y estado como Nashville, TN."},
	"err_near_suggest":  {"Did you mean:", "¿Quiso decir:"},
	"err_near_state":    {"That is a whole state. Choose a city, or type a ZIP code or a city and state.", "Eso es todo un estado. Elija una ciudad, o escriba un código postal o una ciudad y estado."},
	"err_near_which":    {"More than one city is called “%s”. Choose one, or add the state:", "Hay más de una ciudad llamada «%s». Elija una, o agregue el estado:"},
	"err_near_cities":   {"Its largest cities:", "Sus ciudades más grandes:"},
	"err_radius":        {"Choose a distance up to 500 miles, or any distance.", "Elija una distancia de hasta 500 millas, o cualquier distancia."},
	"err_filter":        {"One of the choices in this link is not one we know. Please choose again below.", "Una de las opciones de este enlace no la conocemos. Elija de nuevo abajo."},
	"err_words":         {"Please use fewer words (at most 200 letters).", "Use menos palabras (200 letras como máximo)."},
	"err_no_words":      {"Those words are too common to search for. Try other words, such as “detox” or a program’s name, or leave the box empty.", "Esas palabras son demasiado comunes para buscarlas. Pruebe otras, como “desintoxicación” o el nombre de un programa, o deje la casilla vacía."},
	"err_cursor":        {"This page of results has expired. Start again from the first results.", "Esta página de resultados ya no sirve. Empiece de nuevo desde los primeros resultados."},
	"err_other":         {"Something in this link is not right, so we could not search. Please search again.", "Algo en este enlace no está bien y no pudimos buscar. Busque de nuevo."},
	"err_detail":        {"Details: %s", "Detalles: %s"},

	// Facility page.
	"back_results":        {"Back to results", "Volver a los resultados"},
	"phones_title":        {"Phone", "Teléfono"},
	"phone_intake":        {"Intake (to start treatment)", "Admisión (para empezar el tratamiento)"},
	"phone_main":          {"Main number", "Número principal"},
	"phone_hotline":       {"24/7 hotline", "Línea directa 24/7"},
	"no_phone":            {"No phone number listed.", "No hay número de teléfono."},
	"address_title":       {"Address", "Dirección"},
	"hours_title":         {"Hours", "Horario"},
	"open247_yes":         {"Open 24 hours a day, 7 days a week.", "Abierto las 24 horas, los 7 días de la semana."},
	"open247_no":          {"Not open around the clock.", "No abre las 24 horas."},
	"hours_not_listed":    {"Hours not listed: call to ask.", "Horario no indicado: llame para preguntar."},
	"closed":              {"Closed", "Cerrado"},
	"services_title":      {"Services", "Servicios"},
	"not_listed":          {"Not listed", "No indicado"},
	"accred_title":        {"Accreditation and licenses", "Acreditación y licencias"},
	"about_title":         {"About this listing", "Sobre estos datos"},
	"source":              {"Source: %s", "Fuente: %s"},
	"last_verified":       {"Last verified: %s", "Última verificación: %s"},
	"note_title":          {"Note from the directory", "Nota del directorio"},
	"also_called":         {"Also called", "También llamado"},
	"report_title":        {"Report a problem with this listing", "Reportar un problema con estos datos"},
	"report_intro":        {"Is something wrong or out of date? Tell us and we will check it. No account needed.", "¿Hay algo mal o desactualizado? Díganos y lo revisaremos. No necesita una cuenta."},
	"report_kind":         {"What is wrong?", "¿Qué está mal?"},
	"report_message":      {"What should it say? (optional)", "¿Qué debería decir? (opcional)"},
	"report_contact":      {"Your email or phone, if you want us to reply (optional)", "Su correo o teléfono, si quiere que le respondamos (opcional)"},
	"report_send":         {"Send report", "Enviar reporte"},
	"report_thanks":       {"Thank you. Your report was sent, and we will check this listing.", "Gracias. Su reporte fue enviado y revisaremos estos datos."},
	"report_too_many":     {"Too many reports have come from your connection. Please try again later.", "Llegaron demasiados reportes desde su conexión. Intente más tarde."},
	"report_err_kind":     {"Choose what is wrong.", "Elija qué está mal."},
	"report_err_msg":      {"Say what is wrong, in at most 2,000 letters.", "Diga qué está mal, en 2.000 letras como máximo."},
	"report_err_contact":  {"Give one line of at most 200 letters, or leave it empty.", "Escriba una línea de 200 letras como máximo, o déjelo vacío."},
	"report_err_form":     {"This form expired. Please send it again.", "Este formulario venció. Envíelo de nuevo."},
	"kind_wrong-phone":    {"The phone number is wrong", "El teléfono está mal"},
	"kind_wrong-address":  {"The address is wrong", "La dirección está mal"},
	"kind_closed":         {"This place has closed", "Este lugar cerró"},
	"kind_wrong-services": {"The services are wrong", "Los servicios están mal"},
	"kind_other":          {"Something else", "Otra cosa"},
	"source_demo":         {"Demo data (made up, for trying the service)", "Datos de demostración (inventados, para probar el servicio)"},
	"source_samhsa-2015":  {"SAMHSA National Directory of Drug and Alcohol Abuse Treatment Facilities, 2015", "Directorio Nacional de Centros de Tratamiento de SAMHSA, 2015"},

	// Taxonomy groups, as headings and filter legends.
	"group_care":       {"Kind of care", "Tipo de atención"},
	"group_therapy":    {"Therapy", "Terapia"},
	"group_medication": {"Medication", "Medicamentos"},
	"group_payment":    {"Payment accepted", "Formas de pago"},
	"group_population": {"Programs for", "Programas para"},
	"group_gender":     {"Who can come", "Quién puede ir"},
	"group_language":   {"Languages spoken", "Idiomas"},

	// Days, Sunday first (time.Weekday).
	"day_0": {"Sunday", "Domingo"},
	"day_1": {"Monday", "Lunes"},
	"day_2": {"Tuesday", "Martes"},
	"day_3": {"Wednesday", "Miércoles"},
	"day_4": {"Thursday", "Jueves"},
	"day_5": {"Friday", "Viernes"},
	"day_6": {"Saturday", "Sábado"},

	// Errors.
	"not_found_title": {"We could not find that page", "No encontramos esa página"},
	"not_found_body":  {"The listing may have been removed, or the link may be wrong.", "Puede que los datos se hayan quitado, o que el enlace esté mal."},
	"error_title":     {"Something went wrong", "Algo salió mal"},
	"error_body":      {"Please try again in a moment. If you need help now, call the helpline.", "Intente de nuevo en un momento. Si necesita ayuda ahora, llame a la línea de ayuda."},
	"go_home":         {"Start a new search", "Empezar una nueva búsqueda"},
}
