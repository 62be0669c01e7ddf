package kit

import (
	"maps"
	"slices"
	"strings"
)

// String-valued target options (a version, a list of label prefixes)
// live in the same Settings map as the boolean ones, so that Settings
// stays a map[string]bool: the value VALUE of option NAME is the key
// "NAME=VALUE" set to true. An option may hold several values (a list);
// the order of values is not kept. Interpreters, which cannot import this
// package, read the same encoding from enforcer.InterpretInput.Settings.

// OptionKind is what a target option holds.
type OptionKind uint8

// Kinds of options: a boolean (a flag without value, true or false in
// netpolc.yaml), a string (--NAME=VALUE, a scalar in netpolc.yaml) or a
// list of strings (--NAME repeated, a scalar or a sequence in
// netpolc.yaml). An unset string option has no value: the target applies
// its default, so the emitter and the interpreter agree on it.
const (
	OptionBool OptionKind = iota
	OptionString
	OptionList
)

// valueSeparator separates an option's name from a value in a Settings
// key.
const valueSeparator = "="

// SetValue adds value to the string-valued option name.
func (s Settings) SetValue(name, value string) { s[name+valueSeparator+value] = true }

// Values lists the values of the string-valued option name, sorted.
func (s Settings) Values(name string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(s)) {
		if v, ok := strings.CutPrefix(k, name+valueSeparator); ok && s[k] {
			out = append(out, v)
		}
	}
	return out
}

// Value is the value of the string-valued option name, or def when it has
// none (the first in order when it has several).
func (s Settings) Value(name, def string) string {
	if vs := s.Values(name); len(vs) > 0 {
		return vs[0]
	}
	return def
}
