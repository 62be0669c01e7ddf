package compiler

import (
	"cuelang.org/go/cue"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/ir"
)

// Expectation is a connectivity assertion from `expect`: From may (or may
// not, per Allowed) open a connection to To on Port.
type Expectation struct {
	// Name is the expectation's key: what it says, in words.
	Name     string
	From, To string // "namespace/workload", an IP, or "ip:FIRST-LAST"
	Port     string // "TCP/5432"
	Allowed  bool
	Origin   ir.Origin
}

// Pos is the expectation's position for diagnostics.
func (e Expectation) Pos() diag.Pos { return e.Origin.Pos }

// expectations reads the `expect` entries; they are checked against the
// evaluation model by vet and verify.
func (c *compiler) expectations(v cue.Value) []Expectation {
	var out []Expectation
	fields(v, func(name string, ev cue.Value) {
		e := Expectation{Name: name, Origin: c.origin(ev, ir.Origin{})}
		e.From, _ = str(ev, "from")
		e.To, _ = str(ev, "to")
		e.Port, _ = str(ev, "port")
		e.Allowed, _ = get(ev, "allowed").Bool()
		out = append(out, e)
	})
	return out
}
