package kit

// styleMemo remembers styleOf for the short strings one printer meets
// again and again (field names, label keys and values, protocols): the
// scan of every rune cost more than the map look-up. It belongs to one
// yamlTree, so to one print at a time, and needs no lock.
type styleMemo struct {
	keys, values map[string]int8 // style, or -1 where styleOf is not ok
}

// Bounds of what is remembered: long strings (origins, CIDR lists) are
// rarely repeated, and a printer reused over many objects stays small.
const (
	memoMaxLen     = 64
	memoMaxEntries = 4096
)

// style is styleOf(s, key), from memory when s was seen.
func (m *styleMemo) style(s []byte, key bool) (int, bool) {
	if len(s) > memoMaxLen {
		return styleOf(s, key)
	}
	memo := &m.values
	if key {
		memo = &m.keys
	}
	if *memo == nil {
		*memo = map[string]int8{}
	}
	if v, ok := (*memo)[string(s)]; ok {
		return int(v), v >= 0
	}
	style, ok := styleOf(s, key)
	if len(*memo) < memoMaxEntries {
		v := int8(style)
		if !ok {
			v = -1
		}
		(*memo)[string(s)] = v
	}
	return style, ok
}
