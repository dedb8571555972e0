package data

import (
	"testing"

	"github.com/carefinder/carefinder/internal/sharedtest"
)

// sharedFile returns the path of name in the shared reference directory,
// skipping or failing the test as sharedtest.File explains.
func sharedFile(tb testing.TB, name string) string {
	tb.Helper()
	return sharedtest.File(tb, name)
}
