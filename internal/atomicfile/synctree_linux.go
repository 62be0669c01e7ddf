//go:build linux

package atomicfile

import (
	"os"

	"golang.org/x/sys/unix"
)

// SyncTree flushes every file written under root (names, relative to it),
// the directories holding them and the directories made there. On
// Linux one syncfs(2) of root's file system does it, instead of an fsync
// per file and folder: a build of ten thousand files in hundreds of
// folders pays one flush, not ten thousand (syncfs writes back every
// dirty inode of the file system, directories too: fs/sync.c,
// sync_filesystem).
func SyncTree(root *os.Root, _, _ []string) error {
	d, err := root.Open(".")
	if err != nil {
		return err
	}
	defer d.Close()
	return unix.Syncfs(int(d.Fd()))
}
