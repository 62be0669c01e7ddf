package gate

import "github.com/netpolc/netpolc/internal/pipeline"

// ShareForTest makes the runs' shares with f (nil: share nothing) and
// returns what restores the default.
func ShareForTest(f func() *pipeline.Share) (restore func()) {
	old := newShare
	newShare = f
	if f == nil {
		newShare = func() *pipeline.Share { return nil }
	}
	return func() { newShare = old }
}
