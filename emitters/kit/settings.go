package kit

// String-valued target options are encoded in Settings as
// internal/settings says; interpreters read the same type from
// enforcer.InterpretInput.Settings.

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
