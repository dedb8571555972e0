package search

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
)

// minFreeDisk is the space the index leaves free on its disk: below it the
// index takes no more changes (searches go on, from what it holds) until
// there is room again. Bleve fails badly on a full disk — a batch that
// fails to persist leaves segments that panic the next search that reads
// them — so the index stops writing well before that, as search engines
// stop indexing at a flood-stage watermark. A Bleve merge needs up to the
// index's own size, so that is kept free too.
const minFreeDisk = 64 << 20

// ErrDiskLow says the index's disk is too full to write to safely.
var ErrDiskLow = errors.New("the search index's disk is nearly full")

// checkDisk returns ErrDiskLow unless the index's disk has room for a
// write: minFreeDisk plus need.
func (ix *Index) checkDisk(need uint64) error {
	floor := ix.minFree
	free, err := freeBytes(ix.dir)
	if err != nil {
		return fmt.Errorf("check free disk space: %w", err)
	}
	if free < floor+need {
		return fmt.Errorf("%w: %d MiB free in %s, %d MiB needed", ErrDiskLow, free>>20, ix.dir, (floor+need)>>20)
	}
	return nil
}

// dirBytes is the size of the files under dir.
func dirBytes(dir string) uint64 {
	var n uint64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += uint64(info.Size())
			}
		}
		return nil
	})
	return n
}
