//go:build unix

package output

import (
	"os"
	"syscall"
)

// sameDevice reports whether a and b are on the same file system, so that
// a rename between them is atomic.
func sameDevice(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA != nil || errB != nil {
		return false
	}
	sa, okA := fa.Sys().(*syscall.Stat_t)
	sb, okB := fb.Sys().(*syscall.Stat_t)
	return okA && okB && sa.Dev == sb.Dev
}
