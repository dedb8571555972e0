package directory

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	"github.com/jmoiron/sqlx"
	_ "modernc.org/sqlite" // SQLite driver "sqlite", pure Go
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Limits on what one call may ask of the store.
const (
	// MaxChangesPage bounds one ChangedSince call.
	MaxChangesPage = 10000
	// sqliteBusyTimeoutMs is how long a SQLite writer waits for another
	// process (an import beside the server) before failing.
	sqliteBusyTimeoutMs = 30000
)

// Store is the SQL store of facilities: SQLite by default, PostgreSQL for
// larger deployments. Every write runs in its own transaction and takes
// numbers from one change sequence, which followers read with ChangedSince.
// A Store is safe for concurrent use.
type Store struct {
	db       *sqlx.DB
	tax      *Taxonomy
	postgres bool
	now      func() time.Time
}

// IsPostgresDSN reports whether dsn names a PostgreSQL database.
func IsPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// SQLiteDSN returns the DSN of the SQLite database at path, in WAL mode with
// a busy timeout so that an import can run beside the server.
func SQLiteDSN(path string) string {
	return "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(" +
		strconv.Itoa(sqliteBusyTimeoutMs) + ")&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_txlock=immediate"
}

// Open opens (creating it if needed) the store at dsn: a postgres:// URL, or
// a SQLite file path, and brings its schema up to date.
func Open(ctx context.Context, dsn string) (*Store, error) {
	s := &Store{tax: DefaultTaxonomy(), now: func() time.Time { return time.Now().UTC() }}
	var err error
	if IsPostgresDSN(dsn) {
		s.postgres = true
		s.db, err = sqlx.Open("pgx", dsn)
	} else {
		if dir := filepath.Dir(dsn); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("open store: %w", err)
			}
		}
		s.db, err = sqlx.Open("sqlite", SQLiteDSN(dsn))
		// SQLite has one writer at a time; a small pool keeps readers
		// concurrent without piling up writers that would only wait.
		s.db.SetMaxOpenConns(4)
	}
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	if err := s.migrate(ctx, migrationFiles); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Taxonomy returns the taxonomy records are validated against.
func (s *Store) Taxonomy() *Taxonomy { return s.tax }

// migrate applies the numbered migrations of fsys (migrations/NNNN_*.sql)
// that have not run yet, each in its own transaction. Each version is
// checked on its own, so a gap is fine and a lower version that arrives
// after a higher one (branches merged in another order) is still applied.
func (s *Store) migrate(ctx context.Context, fsys fs.FS) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	slices.Sort(names)
	for _, name := range names {
		base := filepath.Base(name)
		version, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migrate: %s: file name must start with a number", base)
		}
		if err := s.applyMigration(ctx, fsys, version, name); err != nil {
			return fmt.Errorf("migrate %s: %w", base, err)
		}
	}
	return nil
}

func (s *Store) applyMigration(ctx context.Context, fsys fs.FS, version int, name string) error {
	return s.transact(ctx, func(tx *sqlx.Tx) error {
		var n int
		if err := tx.GetContext(ctx, &n, tx.Rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), version); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		for _, stmt := range splitSQL(string(body)) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("%w in: %s", err, stmt)
			}
		}
		_, err = tx.ExecContext(ctx, tx.Rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
			version, filepath.Base(name), s.now().Format(time.RFC3339Nano))
		return err
	})
}

// splitSQL splits a migration into statements on semicolons at line ends,
// dropping comment lines.
func splitSQL(body string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(body, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteString("\n")
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, cur.String())
	}
	return out
}

// transact runs fn in a transaction, committing if it returns nil.
func (s *Store) transact(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// nextSeqs reserves n numbers of the change sequence and returns the first.
// The UPDATE holds the counter's row lock until commit, so transactions
// commit in sequence order and a follower never skips a number.
func nextSeqs(ctx context.Context, tx *sqlx.Tx, n int) (int64, error) {
	if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE change_counter SET seq = seq + ? WHERE id = 1`), n); err != nil {
		return 0, fmt.Errorf("change sequence: %w", err)
	}
	var last int64
	if err := tx.GetContext(ctx, &last, `SELECT seq FROM change_counter WHERE id = 1`); err != nil {
		return 0, fmt.Errorf("change sequence: %w", err)
	}
	return last - int64(n) + 1, nil
}

type facilityRow struct {
	Doc    string `db:"doc"`
	Seq    int64  `db:"seq"`
	Active bool   `db:"active"`
}

// decodeRows decodes the facilities of rows, in order.
func decodeRows(rows []facilityRow) ([]*Facility, error) {
	out := make([]*Facility, 0, len(rows))
	for _, r := range rows {
		f, err := r.facility()
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func (r facilityRow) facility() (*Facility, error) {
	var f Facility
	if err := json.Unmarshal([]byte(r.Doc), &f); err != nil {
		return nil, fmt.Errorf("decode facility: %w", err)
	}
	f.Seq = r.Seq
	f.Active = r.Active
	return &f, nil
}

// prepare validates f and puts it in the canonical form stored.
func (s *Store) prepare(f *Facility) error {
	f.Services.Normalize()
	if err := f.Validate(s.tax); err != nil {
		return err
	}
	return nil
}

func writeFacility(ctx context.Context, tx *sqlx.Tx, f *Facility, insert bool) error {
	doc, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("encode facility %s: %w", f.ID, err)
	}
	args := []any{f.Name, f.Address.City, f.Address.State, f.Address.ZIP, f.Lat, f.Lon, f.Source, f.SourceID,
		f.LastVerified, f.Active, string(doc), f.CreatedAt.Format(time.RFC3339Nano), f.UpdatedAt.Format(time.RFC3339Nano), f.Seq, f.ID}
	q := `UPDATE facilities SET name = ?, city = ?, state = ?, zip = ?, lat = ?, lon = ?, source = ?, source_id = ?,
		last_verified = ?, active = ?, doc = ?, created_at = ?, updated_at = ?, seq = ? WHERE id = ?`
	if insert {
		q = `INSERT INTO facilities (name, city, state, zip, lat, lon, source, source_id, last_verified, active, doc,
			created_at, updated_at, seq, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	}
	if _, err := tx.ExecContext(ctx, tx.Rebind(q), args...); err != nil {
		return fmt.Errorf("write facility %s: %w", f.ID, err)
	}
	return nil
}

func getFacility(ctx context.Context, q sqlx.QueryerContext, id string) (*Facility, error) {
	var row facilityRow
	err := sqlx.GetContext(ctx, q, &row, q.(interface{ Rebind(string) string }).Rebind(
		`SELECT doc, seq, active FROM facilities WHERE id = ?`), id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &Error{Code: ENOTFOUND, Message: fmt.Sprintf("no facility with id %q", id), Param: "id"}
	}
	if err != nil {
		return nil, fmt.Errorf("get facility %s: %w", id, err)
	}
	return row.facility()
}

// Create adds a new facility. It fails with ECONFLICT if the id is taken.
func (s *Store) Create(ctx context.Context, f *Facility) error {
	if err := s.prepare(f); err != nil {
		return err
	}
	return s.transact(ctx, func(tx *sqlx.Tx) error {
		if _, err := getFacility(ctx, tx, f.ID); err == nil {
			return &Error{Code: ECONFLICT, Param: "id", Message: fmt.Sprintf("a facility with id %q already exists", f.ID)}
		} else if ErrorCode(err) != ENOTFOUND {
			return err
		}
		seq, err := nextSeqs(ctx, tx, 1)
		if err != nil {
			return err
		}
		now := s.now()
		f.CreatedAt, f.UpdatedAt, f.Seq, f.Active = now, now, seq, true
		return writeFacility(ctx, tx, f, true)
	})
}

// Update replaces an existing facility, keeping its creation time. It
// fails with ENOTFOUND if there is none.
func (s *Store) Update(ctx context.Context, f *Facility) error {
	if err := s.prepare(f); err != nil {
		return err
	}
	return s.transact(ctx, func(tx *sqlx.Tx) error {
		old, err := getFacility(ctx, tx, f.ID)
		if err != nil {
			return err
		}
		seq, err := nextSeqs(ctx, tx, 1)
		if err != nil {
			return err
		}
		f.CreatedAt, f.UpdatedAt, f.Seq = old.CreatedAt, s.now(), seq
		return writeFacility(ctx, tx, f, false)
	})
}

// Delete removes a facility from the directory. The row stays, inactive,
// so that followers of the change sequence see the removal.
func (s *Store) Delete(ctx context.Context, id string) error {
	return s.transact(ctx, func(tx *sqlx.Tx) error {
		f, err := getFacility(ctx, tx, id)
		if err != nil {
			return err
		}
		if !f.Active {
			return &Error{Code: ENOTFOUND, Param: "id", Message: fmt.Sprintf("facility %q was already removed", id)}
		}
		seq, err := nextSeqs(ctx, tx, 1)
		if err != nil {
			return err
		}
		f.Active, f.UpdatedAt, f.Seq = false, s.now(), seq
		return writeFacility(ctx, tx, f, false)
	})
}

// Get returns the facility with the given id, active or not.
func (s *Store) Get(ctx context.Context, id string) (*Facility, error) {
	return getFacility(ctx, s.db, id)
}

// ChangedSince returns up to limit facilities (removed ones included) whose
// last write has a sequence number above seq, in sequence order.
func (s *Store) ChangedSince(ctx context.Context, seq int64, limit int) ([]*Facility, error) {
	if limit <= 0 || limit > MaxChangesPage {
		limit = MaxChangesPage
	}
	var rows []facilityRow
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(
		`SELECT doc, seq, active FROM facilities WHERE seq > ? ORDER BY seq LIMIT ?`), seq, limit); err != nil {
		return nil, fmt.Errorf("changes since %d: %w", seq, err)
	}
	return decodeRows(rows)
}

// Seq returns the last number taken from the change sequence.
func (s *Store) Seq(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.db.GetContext(ctx, &seq, `SELECT seq FROM change_counter WHERE id = 1`); err != nil {
		return 0, fmt.Errorf("change sequence: %w", err)
	}
	return seq, nil
}

// Count returns the number of active facilities.
func (s *Store) Count(ctx context.Context) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM facilities WHERE active = TRUE`); err != nil {
		return 0, fmt.Errorf("count facilities: %w", err)
	}
	return n, nil
}

// ImportResult counts what an import did.
type ImportResult struct {
	Inserted  int `json:"inserted"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	// Recognized counts the incoming records that were found to be a
	// stored facility under another id (renamed, moved, a new phone) and
	// took its id: they are among Updated or Unchanged.
	Recognized int `json:"recognized"`
	// Removed counts the source's facilities that a complete edition no
	// longer lists (ImportOptions.Complete), now inactive.
	Removed int `json:"removed"`
	// Retired counts the facilities of ImportOptions.Retire sources made
	// inactive.
	Retired int `json:"retired"`
	// Rejected lists the records that were not valid facilities, which
	// the import skipped.
	Rejected []RejectedRecord `json:"rejected,omitempty"`
	// Changes lists what changed, when ImportOptions.ListChanges asks:
	// every facility inserted, updated, removed or retired, in that order.
	Changes []ImportChange `json:"changes,omitempty"`
}

// RejectedRecord is a record Import skipped: Index is its position in the
// facilities passed, Err says why.
type RejectedRecord struct {
	Index int    `json:"index"`
	ID    string `json:"id"`
	Err   error  `json:"-"`
}

// ImportChange is one facility an import changed.
type ImportChange struct {
	// Kind is "inserted", "updated", "removed" or "retired".
	Kind string `json:"kind"`
	ID   string `json:"id"`
	Name string `json:"name"`
}

// ImportOptions tunes Import.
type ImportOptions struct {
	// DryRun computes the result and rolls back.
	DryRun bool
	// Progress, if set, is called after each facility with the number done.
	Progress func(done int)
	// Source, when set, is the source every facility comes from. The
	// source's stored facilities are then matched to the incoming ones —
	// by id; by SourceID when SourceIDsStable; by site (street address)
	// and name; by name in the same city — so that a facility keeps its
	// id across editions of the source though its name, phone, services
	// or street address changed.
	Source string
	// SourceIDsStable says the source's own ids (Provenance.SourceID)
	// name a facility across editions.
	SourceIDsStable bool
	// Complete says the facilities are the source's whole directory (a
	// new edition): the source's active facilities it does not list are
	// removed (made inactive; their history stays). It needs Source.
	Complete bool
	// Retire names sources whose active facilities are all removed in the
	// same transaction: the demo directory, when a real one arrives.
	Retire []string
	// ListChanges fills ImportResult.Changes (for a dry run that says
	// which facilities would change).
	ListChanges bool
}

// Import inserts or updates facilities by id, all in one transaction: if
// the database fails, nothing is written. A facility that equals the stored
// one (apart from timestamps) is left alone and keeps its sequence number,
// so importing the same file twice changes nothing. A facility that was
// removed and comes back is active again. A record that is not a valid
// facility is skipped and reported in ImportResult.Rejected; the rest are
// imported. See
// ImportOptions for matching a new edition of a source to the stored one:
// a record recognised as a stored facility takes its ID in facilities.
func (s *Store) Import(ctx context.Context, facilities []Facility, opts ImportOptions) (ImportResult, error) {
	var res ImportResult
	if opts.Complete && opts.Source == "" {
		return res, Errorf(EINVALID, "import: a complete edition needs its source")
	}
	valid := make([]Facility, 0, len(facilities))
	for i := range facilities {
		facilities[i].Active = true
		if opts.Source != "" && facilities[i].Source != opts.Source {
			return res, ParamErrorf("source", "facility %s comes from %q, not %q", facilities[i].ID, facilities[i].Source, opts.Source)
		}
		if err := s.prepare(&facilities[i]); err != nil {
			res.Rejected = append(res.Rejected, RejectedRecord{Index: i, ID: facilities[i].ID, Err: err})
			continue
		}
		valid = append(valid, facilities[i])
	}
	rejected := res.Rejected
	if len(rejected) > 0 {
		// Import the valid ones, and give the caller's records the ids
		// they were matched to, as for a file with no bad row.
		orig := facilities
		defer func() {
			k := 0
			for i := range orig {
				if k < len(rejected) && rejected[k].Index == i {
					k++
					continue
				}
				orig[i] = valid[i-k]
			}
		}()
		facilities = valid
	}
	errDryRun := errors.New("dry run")
	err := s.transact(ctx, func(tx *sqlx.Tx) error {
		var claimed map[string]bool
		var ofSource []*Facility
		if opts.Source != "" {
			var err error
			if ofSource, err = loadSource(ctx, tx, opts.Source); err != nil {
				return err
			}
			res.Recognized, claimed = reconcile(ofSource, facilities, opts.SourceIDsStable)
			ids := make(map[string]bool, len(facilities))
			for _, f := range facilities {
				if ids[f.ID] {
					return Errorf(EINVALID, "import: two records are facility %s", f.ID)
				}
				ids[f.ID] = true
			}
		}
		existing, err := loadExisting(ctx, tx, facilities)
		if err != nil {
			return err
		}
		var changed []int
		for i := range facilities {
			f := &facilities[i]
			old, ok := existing[f.ID]
			if ok && sameContent(old, f) {
				res.Unchanged++
				continue
			}
			changed = append(changed, i)
		}
		var removals []*Facility
		var retiredFrom int
		if opts.Complete {
			for _, f := range ofSource {
				if f.Active && !claimed[f.ID] {
					removals = append(removals, f)
					res.Removed++
				}
			}
		}
		retiredFrom = len(removals)
		for _, src := range opts.Retire {
			if src == opts.Source {
				continue
			}
			fs, err := loadSource(ctx, tx, src)
			if err != nil {
				return err
			}
			for _, f := range fs {
				if f.Active {
					removals = append(removals, f)
					res.Retired++
				}
			}
		}
		if len(changed)+len(removals) == 0 {
			if opts.DryRun {
				return errDryRun
			}
			return nil
		}
		seq, err := nextSeqs(ctx, tx, len(changed)+len(removals))
		if err != nil {
			return err
		}
		now := s.now()
		for k, i := range changed {
			if err := ctx.Err(); err != nil {
				return err
			}
			f := &facilities[i]
			old, ok := existing[f.ID]
			f.Seq, f.UpdatedAt, f.Active = seq+int64(k), now, true
			if ok {
				f.CreatedAt = old.CreatedAt
				res.Updated++
			} else {
				f.CreatedAt = now
				res.Inserted++
			}
			if err := writeFacility(ctx, tx, f, !ok); err != nil {
				return err
			}
			if opts.ListChanges {
				kind := "inserted"
				if ok {
					kind = "updated"
				}
				res.Changes = append(res.Changes, ImportChange{Kind: kind, ID: f.ID, Name: f.Name})
			}
			if opts.Progress != nil {
				opts.Progress(k + 1)
			}
		}
		seq += int64(len(changed))
		for k, f := range removals {
			f.Active, f.UpdatedAt, f.Seq = false, now, seq+int64(k)
			if err := writeFacility(ctx, tx, f, false); err != nil {
				return err
			}
			if opts.ListChanges {
				kind := "removed"
				if k >= retiredFrom {
					kind = "retired"
				}
				res.Changes = append(res.Changes, ImportChange{Kind: kind, ID: f.ID, Name: f.Name})
			}
		}
		if err := bumpMeta(ctx, tx, metaImports); err != nil {
			return err
		}
		if opts.DryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	if err != nil {
		return ImportResult{}, fmt.Errorf("import: %w", err)
	}
	res.Rejected = rejected
	return res, nil
}

// loadSource reads every stored facility of source, active or not.
func loadSource(ctx context.Context, tx *sqlx.Tx, source string) ([]*Facility, error) {
	var rows []facilityRow
	if err := tx.SelectContext(ctx, &rows, tx.Rebind(`SELECT doc, seq, active FROM facilities WHERE source = ? ORDER BY id`), source); err != nil {
		return nil, fmt.Errorf("load facilities of %s: %w", source, err)
	}
	return decodeRows(rows)
}

// metaImports counts the imports that changed something.
const metaImports = "imports_total"

// bumpMeta adds one to the counter stored under key.
func bumpMeta(ctx context.Context, tx *sqlx.Tx, key string) error {
	res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE store_meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = ?`), key)
	if err != nil {
		return fmt.Errorf("count %s: %w", key, err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO store_meta (key, value) VALUES (?, '1')`), key); err != nil {
		return fmt.Errorf("count %s: %w", key, err)
	}
	return nil
}

// Imports returns how many imports into the store changed something, by
// any process.
func (s *Store) Imports(ctx context.Context) (int64, error) {
	v, err := s.Meta(ctx, metaImports)
	if err != nil || v == "" {
		return 0, err
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("imports counter %q: %w", v, err)
	}
	return n, nil
}

// SourceCount is how many active facilities a source has in the store.
type SourceCount struct {
	Source string `db:"source" json:"source"`
	Active int    `db:"n" json:"active"`
}

// Sources returns the number of active facilities of every source, the
// largest first.
func (s *Store) Sources(ctx context.Context) ([]SourceCount, error) {
	var out []SourceCount
	if err := s.db.SelectContext(ctx, &out,
		`SELECT source, COUNT(*) AS n FROM facilities WHERE active = TRUE GROUP BY source ORDER BY n DESC, source`); err != nil {
		return nil, fmt.Errorf("count facilities by source: %w", err)
	}
	return out, nil
}

// loadExisting reads the stored versions of the given facilities.
func loadExisting(ctx context.Context, tx *sqlx.Tx, facilities []Facility) (map[string]*Facility, error) {
	out := make(map[string]*Facility)
	const chunk = 500
	for start := 0; start < len(facilities); start += chunk {
		end := min(start+chunk, len(facilities))
		ids := make([]string, 0, end-start)
		for _, f := range facilities[start:end] {
			ids = append(ids, f.ID)
		}
		q, args, err := sqlx.In(`SELECT doc, seq, active FROM facilities WHERE id IN (?)`, ids)
		if err != nil {
			return nil, err
		}
		var rows []facilityRow
		if err := tx.SelectContext(ctx, &rows, tx.Rebind(q), args...); err != nil {
			return nil, fmt.Errorf("load existing facilities: %w", err)
		}
		for _, r := range rows {
			f, err := r.facility()
			if err != nil {
				return nil, err
			}
			out[f.ID] = f
		}
	}
	return out, nil
}

// sameContent reports whether two records say the same thing, ignoring
// the store's bookkeeping (timestamps and sequence number).
func sameContent(old, f *Facility) bool {
	a, b := *old, *f
	a.CreatedAt, a.UpdatedAt, a.Seq = time.Time{}, time.Time{}, 0
	b.CreatedAt, b.UpdatedAt, b.Seq = time.Time{}, time.Time{}, 0
	// Round-trip b through JSON so nil and empty slices compare equal the
	// way they are stored.
	var bb Facility
	raw, err := json.Marshal(b)
	if err != nil || json.Unmarshal(raw, &bb) != nil {
		return false
	}
	bb.Active = b.Active
	return reflect.DeepEqual(a, bb)
}

// Meta returns the value stored under key, or "" if there is none.
func (s *Store) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.GetContext(ctx, &v, s.db.Rebind(`SELECT value FROM store_meta WHERE key = ?`), key)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read meta %s: %w", key, err)
	}
	return v, nil
}

// SetMeta stores value under key.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	return s.transact(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE store_meta SET value = ? WHERE key = ?`), value, key)
		if err != nil {
			return fmt.Errorf("write meta %s: %w", key, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO store_meta (key, value) VALUES (?, ?)`), key, value); err != nil {
			return fmt.Errorf("write meta %s: %w", key, err)
		}
		return nil
	})
}

// ActiveIDs returns the ids of the active facilities, sorted, or of those
// written on or after since when it is not zero (to the second: the HSDS
// API's modified_after).
func (s *Store) ActiveIDs(ctx context.Context, since time.Time) ([]string, error) {
	q := `SELECT id FROM facilities WHERE active = TRUE ORDER BY id`
	var args []any
	if !since.IsZero() {
		// updated_at is RFC 3339 text in UTC; its first 19 characters
		// compare as the time does.
		q = `SELECT id FROM facilities WHERE active = TRUE AND substr(updated_at, 1, 19) >= ? ORDER BY id`
		args = append(args, since.UTC().Format("2006-01-02T15:04:05"))
	}
	var ids []string
	if err := s.db.SelectContext(ctx, &ids, s.db.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("list facility ids: %w", err)
	}
	return ids, nil
}
