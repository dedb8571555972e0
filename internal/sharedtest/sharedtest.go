// Package sharedtest finds CareFinder's shared reference data (../shared
// beside the checkout) for tests.
package sharedtest

import (
	"os"
	"path/filepath"
	"testing"
)

// File returns the path of name in the shared reference directory:
// $CAREFINDER_SHARED (relative to the module root, as .ci/run sets it) or
// else ../shared beside the module. When the variable is set the file must
// exist and the test fails without it; when it is not, a missing file skips
// the test.
func File(tb testing.TB, name string) string {
	tb.Helper()
	root := ModuleRoot(tb)
	dir, set := os.LookupEnv("CAREFINDER_SHARED")
	if dir == "" {
		dir = filepath.Join(root, "..", "shared")
	} else if !filepath.IsAbs(dir) {
		dir = filepath.Join(root, dir)
	}
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err != nil {
		if set {
			tb.Fatalf("CAREFINDER_SHARED is set but %s is missing: %v", name, err)
		}
		tb.Skipf("%s is absent; set CAREFINDER_SHARED to the shared directory to run this test", path)
	}
	return path
}

// ModuleRoot returns the directory holding go.mod, above the test's
// working directory.
func ModuleRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}
