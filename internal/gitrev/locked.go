package gitrev

import (
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
)

// lockedSource serialises a source's calls on its repository's mutex, so
// that Trees can be read from several goroutines: go-git's object
// storage reads packfiles through shared handles and caches, and a
// commitSource remembers the hashes it listed, neither safe for
// concurrent use. The index's ids are in memory and only its reads take
// the lock (indexSource.read); the work tree needs none.
type lockedSource struct {
	mu  *sync.Mutex
	src source
}

func (s *lockedSource) list(dir string, recursive bool) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.src.list(dir, recursive)
}

func (s *lockedSource) file(p string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.src.file(p)
}

func (s *lockedSource) read(p string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.src.read(p)
}

func (s *lockedSource) listIDs(dir string, recursive bool) ([]FileID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return listIDs(s.src, dir, recursive)
}

func (s *lockedSource) id(p string) (plumbing.Hash, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.src.id(p)
}
