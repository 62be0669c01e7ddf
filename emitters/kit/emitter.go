package kit

import (
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/settings"
)

// Emitter is the emitting half of an output target: a pure function from
// the IR to the target's API objects and the files that hold them. The
// other half, reading those objects back with the enforcer's semantics,
// is an enforcer.Interpreter; internal/target pairs the two.
type Emitter interface {
	// Name is the target's name: its --target value and its output
	// folder.
	Name() string
	// Doc says in one line what the target emits, for --help.
	Doc() string
	// Options are the settings the target takes beyond the shared ones:
	// each is a command-line flag and a netpolc.yaml key.
	Options() []Option
	// Emit renders the IR. The files' paths start with Name().
	Emit(in Input) (*Output, error)
}

// Option is a setting of one target: a boolean unless Kind says
// otherwise (settings.go).
type Option struct {
	// Name is the flag (--NAME) and the netpolc.yaml key.
	Name string
	// Help is the flag's one-line help.
	Help string
	// Kind is what the option holds: a boolean (the zero value), a string
	// or a list of strings.
	Kind OptionKind
	// Examples are values of a string option that change the output,
	// which the equivalence harness tries besides leaving it unset.
	Examples []string
	// StagedOnly marks an option that changes only the staged form
	// (build --staged): the harness tries it on staged builds alone.
	StagedOnly bool
}

// Settings are the values of a target's options, by Option.Name; an
// option not set is false. String-valued options are "NAME=VALUE" keys
// (internal/settings: SetValue, Value, Values), the encoding the
// target's interpreter reads too.
type Settings = settings.Settings

// Input is what every emitter is given.
type Input struct {
	Policy *ir.Policy
	// Inventory is the workloads the build renders for (targets that
	// need concrete addresses) and is proven over.
	Inventory inventory.Inventory
	// AllowApproximate lets the emitter drop what the target cannot
	// express exactly, narrowing the rule and reporting a Warning,
	// instead of failing. Nothing is ever emitted wider.
	AllowApproximate bool
	// Settings are this target's option values.
	Settings Settings
}

// Output is what an emitter produces.
type Output struct {
	// Files are the target's files, sorted by path.
	Files []File
	// Objects are the emitted API objects, for the target's interpreter
	// to read back (never the IR).
	Objects any
	// Narrowed are the rules expressed more narrowly than the intents
	// (only under AllowApproximate).
	Narrowed []Warning
	// Warnings are what the output assumes of the cluster and the build
	// cannot check (such as pods it does not list); the build prints them
	// whatever AllowApproximate says.
	Warnings []Warning
}

// Warning reports a rule an emitter could only express more narrowly than
// the intents, under AllowApproximate.
type Warning struct {
	Origin  ir.Origin
	Message string
}

// String renders "origin: message".
func (w Warning) String() string { return w.Origin.String() + ": " + w.Message }

// Emitted is the last step of an emitter's Emit: the objects its build
// made (or the build's error), printed into files by print.
func Emitted[O any](objs O, narrowed []Warning, err error, print func(O) ([]File, error)) (*Output, error) {
	if err != nil {
		return nil, err
	}
	files, err := print(objs)
	if err != nil {
		return nil, err
	}
	return &Output{Files: files, Objects: objs, Narrowed: narrowed}, nil
}

// SettingError is the error for a bad value of the option name of target:
// an input error, with hint saying where to set it.
func SettingError(target, name string, err error, hint string) error {
	return &diag.Diagnostic{Severity: diag.Error, Msg: target + ": --" + name + ": " + err.Error(), Err: ErrInvalid, Hint: hint}
}
