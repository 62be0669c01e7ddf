// Package settings is the encoding of a target's options that both its
// emitter (emitters/kit) and its interpreter (enforcer/<target>) read, so
// that the two halves of a target, which may not import each other,
// decode them one way.
//
// String-valued options (a version, a list of label prefixes) live in
// the same map as the boolean ones, so that Settings stays a
// map[string]bool: the value VALUE of option NAME is the key "NAME=VALUE"
// set to true. An option may hold several values (a list); the order of
// values is not kept.
package settings

import (
	"maps"
	"slices"
	"strings"
)

// Settings are a target's options that are on, by name.
type Settings map[string]bool

// separator separates an option's name from a value in a key.
const separator = "="

// SetValue adds value to the string-valued option name.
func (s Settings) SetValue(name, value string) { s[name+separator+value] = true }

// Values lists the values of the string-valued option name, sorted.
func (s Settings) Values(name string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(s)) {
		if v, ok := strings.CutPrefix(k, name+separator); ok && s[k] {
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

// Staged is the key, shared by every target, that build --staged sets:
// the emitter writes the target's staged or audit form (objects that
// report what they would drop and enforce nothing) or refuses, and the
// interpreter reads that form as the enforcement it stages, so that the
// proof checks the rules that would be enforced.
const Staged = "staged"

// IsStaged reports whether build --staged asked for the staged form.
func (s Settings) IsStaged() bool { return s[Staged] }
