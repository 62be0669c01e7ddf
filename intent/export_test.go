package intent

// SplitForTest sets the size from which a package is evaluated in parts
// and the size of a part, and returns what restores them.
func SplitForTest(min, part int64) (restore func()) {
	oldMin, oldPart := splitMin, partBytes
	splitMin, partBytes = min, part
	return func() { splitMin, partBytes = oldMin, oldPart }
}
