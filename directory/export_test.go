package directory

import (
	"context"
	"io/fs"
)

// Migrate applies the migrations of fsys, for tests of the runner.
func (s *Store) Migrate(ctx context.Context, fsys fs.FS) error { return s.migrate(ctx, fsys) }

// DB runs a query returning one integer, for tests that look inside.
func (s *Store) QueryInt(ctx context.Context, query string) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, query)
	return n, err
}
