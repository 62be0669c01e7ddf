package kit

import (
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
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

// Option is a setting of one target: boolean, or string-valued when
// Default is set (its value is then kept in Settings as the key
// "NAME=VALUE", settings.go).
type Option struct {
	// Name is the flag (--NAME) and the netpolc.yaml key.
	Name string
	// Help is the flag's one-line help.
	Help string
	// Default, for a string-valued option, is its value when not set
	// (what the cluster most likely runs: the current stable release).
	Default string
	// Samples, for a string-valued option, are values besides Default
	// that change the output: tests build with each of them. The emitter
	// decides which values it accepts.
	Samples []string
}

// IsString reports whether o is string-valued.
func (o Option) IsString() bool { return o.Default != "" }

// Settings are the values of a target's options, by Option.Name; an
// option not set is false.
type Settings map[string]bool

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
}

// Warning reports a rule an emitter could only express more narrowly than
// the intents, under AllowApproximate.
type Warning struct {
	Origin  ir.Origin
	Message string
}

// String renders "origin: message".
func (w Warning) String() string { return w.Origin.String() + ": " + w.Message }
