//go:build !unix

package search

// dirLock is a no-op where flock is not available; Bleve's own lock still
// keeps a second writer out.
type dirLock struct{}

func lockDir(string) (*dirLock, error) { return &dirLock{}, nil }

func (*dirLock) unlock() {}
