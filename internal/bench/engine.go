package bench

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/search"
)

// The engines compared.
const (
	EngineCareFinder = "carefinder"
	EngineBleve      = "bleve"
	EngineScan       = "scan"
)

// AllEngines lists every engine, in the order tables show them.
func AllEngines() []string { return []string{EngineCareFinder, EngineBleve, EngineScan} }

// Engine answers searches of one directory. Every engine returns results
// as search.Index does: the total over the filtered set, facets for every
// term, one page of hits, and a cursor to the next page.
type Engine interface {
	Name() string
	Search(ctx context.Context, q search.Query) (*search.Result, error)
	Close() error
}

// pager is an Engine that can give the cursor of a page deep in the
// results: the benchmark fetches that cursor before timing the page.
type pager interface {
	// CursorAt returns the cursor of the page that starts offset hits in;
	// errNoSuchPage if the results end before it.
	CursorAt(ctx context.Context, q search.Query, offset int) (string, error)
}

var (
	_ Engine = (*careFinder)(nil)
	_ Engine = (*bleveEngine)(nil)
	_ Engine = (*scan)(nil)
	_ pager  = (*careFinder)(nil)
	_ pager  = (*bleveEngine)(nil)
	_ pager  = (*scan)(nil)
)

var (
	// errNoSuchPage is returned by CursorAt past the last result.
	errNoSuchPage = errors.New("the results end before that page")
	// errUnsupported is returned by an engine for a query it cannot answer
	// (the scan has no text analysis).
	errUnsupported = errors.New("not supported by this engine")
)

// OpenEngine builds engine name over ds, keeping any files under dir.
func OpenEngine(ctx context.Context, name string, ds *Dataset, dir string) (Engine, error) {
	tax := directory.DefaultTaxonomy()
	switch name {
	case EngineCareFinder:
		return openCareFinder(ctx, filepath.Join(dir, "carefinder"), ds, tax)
	case EngineBleve:
		return openBleve(ctx, filepath.Join(dir, "bleve"), ds, tax)
	case EngineScan:
		return newScan(ds, tax), nil
	}
	return nil, fmt.Errorf("unknown engine %q: use %s", name, strings.Join(AllEngines(), ", "))
}

// careFinder is the real search.Index over an in-memory source.
type careFinder struct {
	ix  *search.Index
	dir string
	src search.Source
	tax *directory.Taxonomy
}

func openCareFinder(ctx context.Context, dir string, src search.Source, tax *directory.Taxonomy) (*careFinder, error) {
	ix, err := search.Open(ctx, dir, src, tax, search.WithBackgroundText())
	if err != nil {
		return nil, fmt.Errorf("carefinder: %w", err)
	}
	return &careFinder{ix: ix, dir: dir, src: src, tax: tax}, nil
}

func (e *careFinder) Name() string { return EngineCareFinder }

func (e *careFinder) Search(ctx context.Context, q search.Query) (*search.Result, error) {
	return e.ix.Search(ctx, q)
}

func (e *careFinder) Close() error { return e.ix.Close() }

// CursorAt follows next_cursor page by page, as a client does.
func (e *careFinder) CursorAt(ctx context.Context, q search.Query, offset int) (string, error) {
	return followCursors(ctx, e, q, offset)
}

// restart closes the index and opens it again on the same directory, as a
// server restart does, then answers q. It returns how long each step took.
func (e *careFinder) restart(ctx context.Context, q search.Query) (open, first time.Duration, err error) {
	if err := e.ix.Close(); err != nil {
		return 0, 0, fmt.Errorf("carefinder: close: %w", err)
	}
	start := time.Now()
	ix, err := search.Open(ctx, e.dir, e.src, e.tax, search.WithBackgroundText())
	if err != nil {
		return 0, 0, fmt.Errorf("carefinder: reopen: %w", err)
	}
	open = time.Since(start)
	e.ix = ix
	start = time.Now()
	if _, err := ix.Search(ctx, q); err != nil {
		return 0, 0, fmt.Errorf("carefinder: first query after reopen: %w", err)
	}
	return open, time.Since(start), nil
}

func followCursors(ctx context.Context, e Engine, q search.Query, offset int) (string, error) {
	if q.Limit <= 0 || offset%q.Limit != 0 {
		return "", fmt.Errorf("offset %d is not a multiple of the page size %d", offset, q.Limit)
	}
	for n := 0; n < offset; n += q.Limit {
		res, err := e.Search(ctx, q)
		if err != nil {
			return "", err
		}
		if res.NextCursor == "" {
			return "", errNoSuchPage
		}
		q.Cursor = res.NextCursor
	}
	return q.Cursor, nil
}

// The baselines page by offset; their cursors are the offset itself.
const offsetCursorPrefix = "offset:"

func offsetCursor(offset int) string { return offsetCursorPrefix + strconv.Itoa(offset) }

func parseOffsetCursor(c string) (int, error) {
	if c == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimPrefix(c, offsetCursorPrefix))
	if !strings.HasPrefix(c, offsetCursorPrefix) || err != nil || n < 0 {
		return 0, directory.ParamErrorf("cursor", "is not a cursor this engine gave out")
	}
	return n, nil
}

// offsetPager gives the baselines' deep cursors without running the pages
// before: with offsets there is nothing to follow.
type offsetPager struct{}

func (offsetPager) CursorAt(_ context.Context, _ search.Query, offset int) (string, error) {
	return offsetCursor(offset), nil
}
