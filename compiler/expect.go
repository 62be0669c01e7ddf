package compiler

import (
	"strings"

	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/portset"
)

// expectations reads the `expect` entries; they are checked against the
// evaluation model by vet and verify.
func (c *compiler) expectations(v *node) []ir.Expectation {
	var out []ir.Expectation
	fields(v, func(name string, ev *node) {
		e := ir.Expectation{Name: name, Origin: c.origin(ev, ir.Origin{})}
		e.From, _ = str(ev, "from")
		e.To, _ = str(ev, "to")
		e.Port, _ = str(ev, "port")
		e.Allowed, _ = get(ev, "allowed").Bool()
		out = append(out, e)
	})
	return out
}

// closings reads the `closes` entries: observed connections the intents
// mean to block, which verify --flows then accepts blocking. The port is
// read here, so a misspelt one is an error at its line rather than an
// entry that never matches.
func (c *compiler) closings(v *node) []ir.Closing {
	var out []ir.Closing
	fields(v, func(name string, ev *node) {
		e := ir.Closing{Name: name, Origin: c.origin(ev, ir.Origin{}), Ports: portset.All()}
		e.From, _ = str(ev, "from")
		e.To, _ = str(ev, "to")
		if p, ok := str(ev, "port"); ok {
			ports, err := portset.Parse(p)
			if err != nil || ports.IsEmpty() || ports.IsAll() {
				c.errorf(get(ev, "port"), `write a port as "TCP/5432", "TCP/8000-8100" or "UDP" (leave it out for every port)`, "closes: port %q: not a port", p)
				return
			}
			e.Port, e.Ports = p, ports
		}
		for _, end := range []string{e.From, e.To} {
			if strings.TrimSpace(end) == "" {
				c.errorf(ev, `from and to are "namespace/workload", "ip:ADDRESS", "ip:CIDR" or "fqdn:NAME"`, "closes: an empty end")
				return
			}
		}
		out = append(out, e)
	})
	return out
}
