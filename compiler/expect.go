package compiler

import (
	"cuelang.org/go/cue"

	"github.com/netpolc/netpolc/internal/ir"
)

// expectations reads the `expect` entries; they are checked against the
// evaluation model by vet and verify.
func (c *compiler) expectations(v cue.Value) []ir.Expectation {
	var out []ir.Expectation
	fields(v, func(name string, ev cue.Value) {
		e := ir.Expectation{Name: name, Origin: c.origin(ev, ir.Origin{})}
		e.From, _ = str(ev, "from")
		e.To, _ = str(ev, "to")
		e.Port, _ = str(ev, "port")
		e.Allowed, _ = get(ev, "allowed").Bool()
		out = append(out, e)
	})
	return out
}
