package web

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/search"
)

// maxCSVRows bounds a CSV download of a search: enough for any referral
// list, and a bound on one request's work. A search with more matches says
// so in the file's last line and in X-CareFinder-Truncated.
const maxCSVRows = 5000

// csvHeader are the columns of a search's CSV, for referral staff.
var csvHeader = []string{"Name", "Address", "Phone", "Distance (mi)", "Distance (km)", "Care", "Payment", "Link"}

// serveSearchCSV answers a search with format=csv: every match, in the
// search's order, as a spreadsheet opens it (UTF-8 with a byte order mark,
// CRLF line ends, quoted as needed, and no cell a spreadsheet would take
// for a formula). The first search checks the query; limit and cursor only
// say where to start.
func (s *Server) serveSearchCSV(w http.ResponseWriter, r *http.Request, req *searchRequest) error {
	ctx, cancel := context.WithTimeout(r.Context(), searchTimeout)
	defer cancel()
	q := req.query
	q.Limit = search.MaxLimit
	first, err := s.index.Search(ctx, q)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+csvFileName(req)+`"`)
	h.Set("Cache-Control", "no-store")
	h.Set("X-CareFinder-Total", strconv.Itoa(first.Total))
	h.Set("X-CareFinder-Truncated", strconv.FormatBool(first.Total > maxCSVRows))
	w.WriteHeader(http.StatusOK)

	bw := bufio.NewWriterSize(w, 32<<10)
	bw.WriteString("\uFEFF")
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	cw.Write(csvHeader)
	link := requestBase(r) + "/facilities/"
	rows := 0
	res := first
	for {
		for _, hit := range res.Hits {
			if rows == maxCSVRows {
				break
			}
			cw.Write(s.csvRow(hit, link))
			rows++
		}
		if res.NextCursor == "" || rows == maxCSVRows {
			break
		}
		q.Cursor = res.NextCursor
		if res, err = s.index.Search(ctx, q); err != nil {
			// The answer has begun; end it where the failure came.
			s.logger.ErrorContext(ctx, "csv download cut short", "err", err, "request_id", requestIDFrom(ctx))
			break
		}
	}
	if first.Total > rows {
		cw.Write([]string{fmt.Sprintf("Only the first %d of %d facilities are listed; narrow the search to see the rest.", rows, first.Total)})
	}
	cw.Flush()
	bw.Flush()
	return nil
}

// csvRow is one facility of a search's CSV.
func (s *Server) csvRow(h search.Hit, link string) []string {
	f := h.Facility
	mi, km := "", ""
	if h.DistanceKm == h.DistanceKm { // not NaN: the search has a location
		mi = strconv.FormatFloat(geo.KmToMi(h.DistanceKm), 'f', 1, 64)
		km = strconv.FormatFloat(h.DistanceKm, 'f', 1, 64)
	}
	labels := func(g directory.Group, slugs []string) string {
		var out []string
		for _, slug := range slugs {
			if t, ok := s.tax.Lookup(g, slug); ok {
				out = append(out, t.Label.EN)
			}
		}
		return strings.Join(out, "; ")
	}
	return []string{
		spreadsheetSafe(f.Name),
		spreadsheetSafe(f.Address.String()),
		spreadsheetSafe(f.Phones.Best()),
		mi, km,
		spreadsheetSafe(labels(directory.GroupCare, f.Services.Care)),
		spreadsheetSafe(labels(directory.GroupPayment, f.Services.Payment)),
		link + f.ID,
	}
}

// spreadsheetSafe keeps a spreadsheet from taking a cell for a formula: a
// cell that starts with =, +, -, @, a tab or a carriage return gets a
// leading apostrophe, which spreadsheets show as text and do not display
// (OWASP's advice on CSV injection).
func spreadsheetSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// requestBase is the scheme and host the request came to.
func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

var fileNameUnsafe = regexp.MustCompile(`[^a-z0-9]+`)

// csvFileName names a search's download after what was searched:
// "carefinder-37203-detox-medicaid.csv".
func csvFileName(req *searchRequest) string {
	parts := []string{"carefinder"}
	if req.echo.Near != nil {
		parts = append(parts, *req.echo.Near)
	} else if req.query.HasLocation {
		parts = append(parts, formatDegrees(req.query.Center[1])+","+formatDegrees(req.query.Center[0]))
	}
	for _, g := range directory.Groups() {
		parts = append(parts, req.query.Filters[g]...)
	}
	if req.query.Text != "" {
		parts = append(parts, req.query.Text)
	}
	name := strings.Trim(fileNameUnsafe.ReplaceAllString(strings.ToLower(strings.Join(parts, "-")), "-"), "-")
	if len(name) > 80 {
		name = strings.TrimRight(name[:80], "-")
	}
	return name + ".csv"
}
