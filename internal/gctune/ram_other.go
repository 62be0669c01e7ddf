//go:build !linux

package gctune

// totalRAM is unknown outside Linux: no memory limit is set.
func totalRAM() uint64 { return 0 }
