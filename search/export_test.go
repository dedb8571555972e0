package search

// SetBatchFault makes every Bleve batch of ix run f first and fail with its
// error (or panic, if f does): a full disk, injected.
func SetBatchFault(ix *Index, f func() error) {
	ix.syncMu.Lock()
	defer ix.syncMu.Unlock()
	if ix.hooks == nil {
		ix.hooks = &testHooks{}
	}
	ix.hooks.batch = f
}
