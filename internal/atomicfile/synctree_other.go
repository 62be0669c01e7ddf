//go:build !linux

package atomicfile

import (
	"os"
	"path"
)

// SyncTree flushes every file written under root (names, relative to it),
// the directories holding them and the directories made there (made), one
// fsync each (without syncfs(2)).
func SyncTree(root *os.Root, names, made []string) error {
	dirs := map[string]bool{}
	for _, d := range made {
		dirs[d] = true
	}
	for _, n := range names {
		f, err := root.Open(n)
		if err != nil {
			return err
		}
		err = f.Sync()
		_ = f.Close()
		if err != nil {
			return pathErr("sync", n, err)
		}
		for d := path.Dir(n); ; d = path.Dir(d) {
			dirs[d] = true
			if d == "." {
				break
			}
		}
	}
	for d := range dirs {
		SyncDir(root, d)
	}
	return nil
}
