package compiler

import (
	"sort"
	"strings"

	"github.com/netpolc/netpolc/internal/ir"
)

// Allowed field names of the schema's closed definitions. Policies written
// directly under `policies` are checked by the schema itself; policies a
// template expands into are checked here (see #Template in the schema).
var (
	policyFields   = fieldSet("namespace", "workload", "podSelector", "ingress", "egress")
	ingressFields  = fieldSet("from", "ports")
	egressFields   = fieldSet("to", "ports")
	peerFieldSet   = fieldSet(append(peerFields, "except")...)
	selectorFields = fieldSet("matchLabels", "matchExpressions")
	exprFields     = fieldSet("key", "operator", "values")
	portFields     = fieldSet("port", "endPort", "protocol")
	// containerPortFields are a container port's in its long form, which
	// the schema leaves to the compiler (like ports: onlyFields).
	containerPortFields = fieldSet("port", "protocol")
)

func fieldSet(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

// onlyFields reports an error for every field of v that allowed lacks,
// where the schema does not (container ports, ports the user wrote): in
// names what v is. It returns false when there was one.
func (c *compiler) onlyFields(v *node, allowed map[string]bool, hint, in string) bool {
	ok := true
	fields(v, func(name string, fv *node) {
		if !allowed[name] {
			c.errorf(fv, hint, "field %q not allowed in %s", name, in)
			ok = false
		}
	})
	return ok
}

// closed reports an error for every field of v that allowed lacks, the
// way a closed CUE definition would. It returns false when there was one.
func (c *compiler) closed(v *node, allowed map[string]bool, via ir.Origin) bool {
	_, ok := c.members(v, allowed, via)
	return ok
}

// members returns v's fields by name, in one pass: at scale, one walk of a
// struct is much cheaper than a lookup per field. For template output it
// also reports every field that allowed lacks (user-written values were
// checked by the schema), returning false when there was one.
func (c *compiler) members(v *node, allowed map[string]bool, via ir.Origin) (map[string]*node, bool) {
	m := make(map[string]*node, len(allowed))
	ok := true
	fields(v, func(name string, fv *node) {
		m[name] = fv
		if via.File == "" || allowed[name] {
			return
		}
		ok = false
		names := make([]string, 0, len(allowed))
		for n := range allowed {
			names = append(names, n)
		}
		sort.Strings(names)
		c.errorAt(fv, via, "allowed fields here: "+strings.Join(names, ", "),
			"field %q not allowed in the template's output", name)
	})
	return m, ok
}

// strOf is a field's concrete string (after defaults), or false.
func strOf(f *node) (string, bool) {
	if !f.Exists() {
		return "", false
	}
	f, _ = f.Default()
	s, err := f.String()
	return s, err == nil
}
