package directory

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
)

// Limits on a report, in characters.
const (
	// MaxReportMessage bounds what a person writes about a listing: enough
	// for the right phone number and hours, not for a document.
	MaxReportMessage = 2000
	// MaxReportContact bounds the optional contact (an email or phone).
	MaxReportContact = 200
	// MaxReportsPage bounds one Reports call.
	MaxReportsPage = 1000
)

// ReportKind says what is wrong with a listing.
type ReportKind string

// The kinds of problem a person can report.
const (
	ReportWrongPhone    ReportKind = "wrong-phone"
	ReportWrongAddress  ReportKind = "wrong-address"
	ReportClosed        ReportKind = "closed"
	ReportWrongServices ReportKind = "wrong-services"
	ReportOther         ReportKind = "other"
)

// ReportKinds returns every kind of report, in the order a form lists them.
func ReportKinds() []ReportKind {
	return []ReportKind{ReportWrongPhone, ReportWrongAddress, ReportClosed, ReportWrongServices, ReportOther}
}

// Report statuses: a new report, then one an admin has dealt with.
const (
	ReportNew      = "new"
	ReportResolved = "resolved"
)

// Report is a problem with a listing, reported by anyone, no account
// needed.
type Report struct {
	ID         string     `db:"id" json:"id"`
	FacilityID string     `db:"facility_id" json:"facility_id"`
	Kind       ReportKind `db:"kind" json:"kind"`
	Message    string     `db:"message" json:"message"`
	// Contact is how to reach the reporter, if they want to be reached.
	Contact string `db:"contact" json:"contact,omitempty"`
	// ClientHash identifies the sender's client (a keyed hash of its
	// address and browser, made by the caller), never the client itself.
	ClientHash string    `db:"client_hash" json:"client_hash,omitempty"`
	Status     string    `db:"status" json:"status"`
	CreatedAt  time.Time `db:"-" json:"created_at"`
}

// CleanMessage trims s, turns line breaks into "\n" and tabs into spaces,
// and drops every other control or format character and invalid UTF-8:
// text from a form, made safe to store and show. (CleanText cleans the
// one-line text of records.)
func CleanMessage(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteRune(r)
		case r == '\t' || r == '\r':
			b.WriteRune(' ')
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// Validate cleans the report's text and checks it. The error names the
// field at fault.
func (r *Report) Validate() error {
	r.Message, r.Contact = CleanMessage(r.Message), CleanMessage(r.Contact)
	switch {
	case !slices.Contains(ReportKinds(), r.Kind):
		return ParamErrorf("kind", "must be one of wrong-phone, wrong-address, closed, wrong-services or other")
	case r.Kind == ReportOther && r.Message == "":
		return ParamErrorf("message", "is required: say what is wrong")
	case utf8.RuneCountInString(r.Message) > MaxReportMessage:
		return ParamErrorf("message", "is %d characters long; at most %d", utf8.RuneCountInString(r.Message), MaxReportMessage)
	case utf8.RuneCountInString(r.Contact) > MaxReportContact:
		return ParamErrorf("contact", "is %d characters long; at most %d", utf8.RuneCountInString(r.Contact), MaxReportContact)
	case strings.ContainsRune(r.Contact, '\n'):
		return ParamErrorf("contact", "must be one line")
	}
	return nil
}

type reportRow struct {
	Report
	Created string `db:"created_at"`
}

// AddReport stores a report about an active facility, giving it an id,
// the status "new" and the creation time. It fails with ENOTFOUND when the
// facility does not exist or was removed, and with EINVALID when the
// report is not valid.
func (s *Store) AddReport(ctx context.Context, r *Report) error {
	if err := r.Validate(); err != nil {
		return err
	}
	var b [12]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	r.ID, r.Status, r.CreatedAt = "rep-"+hex.EncodeToString(b[:]), ReportNew, s.now()
	return s.transact(ctx, func(tx *sqlx.Tx) error {
		f, err := getFacility(ctx, tx, r.FacilityID)
		if err != nil {
			return err
		}
		if !f.Active {
			return &Error{Code: ENOTFOUND, Param: "id", Message: fmt.Sprintf("no facility with id %q", r.FacilityID)}
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO reports (id, facility_id, kind, message, contact, client_hash, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), r.ID, r.FacilityID, string(r.Kind), r.Message, r.Contact, r.ClientHash, r.Status,
			r.CreatedAt.Format(time.RFC3339Nano)); err != nil {
			return fmt.Errorf("add report on %s: %w", r.FacilityID, err)
		}
		return nil
	})
}

// ReportFilter selects reports; zero fields select everything.
type ReportFilter struct {
	FacilityID string
	Status     string
	// Limit defaults to, and is at most, MaxReportsPage.
	Limit int
}

// Reports returns the reports f selects, newest first.
func (s *Store) Reports(ctx context.Context, f ReportFilter) ([]Report, error) {
	q := `SELECT id, facility_id, kind, message, contact, client_hash, status, created_at FROM reports WHERE 1 = 1`
	var args []any
	if f.FacilityID != "" {
		q += ` AND facility_id = ?`
		args = append(args, f.FacilityID)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.Limit <= 0 || f.Limit > MaxReportsPage {
		f.Limit = MaxReportsPage
	}
	q += ` ORDER BY created_at DESC, id LIMIT ?`
	args = append(args, f.Limit)
	var rows []reportRow
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("list reports: %w", err)
	}
	out := make([]Report, len(rows))
	for i, row := range rows {
		out[i] = row.Report
		t, err := time.Parse(time.RFC3339Nano, row.Created)
		if err != nil {
			return nil, fmt.Errorf("list reports: report %s: bad time %q", row.ID, row.Created)
		}
		out[i].CreatedAt = t
	}
	return out, nil
}
