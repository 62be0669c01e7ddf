package owners

import (
	"fmt"
	"path"
	"strings"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/ir"
)

// maxFindings bounds the errors of one check: a directory that takes over
// another team's namespace wholesale needs its first lines, not thousands.
const maxFindings = 50

// Checker checks compiled intents against the map. Dirs maps each
// owner's directory, as intent positions name it, to the owner.
type Checker struct {
	Map  Map
	Dirs map[string]string
	// nsOwner caches the owner of each declared namespace ("" when it
	// has none; why in nsWhy).
	nsOwner, nsWhy map[string]string
	errs           diag.List
	seen           map[string]bool
}

// FileOwner is the owner of an intents file, "" for a file outside every
// owner's directory (an embedded template).
func (c *Checker) FileOwner(file string) string { return c.Dirs[path.Dir(file)] }

// Check returns an error at every declaration and policy written in a
// directory whose owner does not own its namespace, and at every
// cluster-wide intent outside the platform directory. merged are the
// isolations and rules the compiler merged into an exact duplicate of p's
// (compiler.Result.Merged): a copy written in a team's directory is that
// team's intent whichever origin the IR kept, so each is checked at its
// own line.
func (c *Checker) Check(p *ir.Policy, merged ...*ir.Policy) diag.List {
	c.nsOwner, c.nsWhy, c.seen = map[string]string{}, map[string]string{}, map[string]bool{}
	for _, ns := range p.Namespaces {
		c.nsOwner[ns.Name], c.nsWhy[ns.Name] = c.Map.NamespaceOwner(ns.Name, ns.Labels)
		c.subject(ns.Origin, ns.Name, "declares namespace")
	}
	for _, w := range p.Workloads {
		c.subject(w.Origin, w.Namespace, "declares workload "+w.Name+" in namespace")
	}
	for _, q := range append([]*ir.Policy{p}, merged...) {
		if q == nil {
			continue
		}
		for _, iso := range q.Isolations {
			c.subject(iso.Origin, iso.Subject.Namespace, "selects pods in namespace")
		}
		for _, r := range q.Rules {
			c.subject(r.Origin, r.Subject.Namespace, "selects pods in namespace")
		}
	}
	plat := c.Map.Platform()
	for _, cp := range p.Cluster {
		if o := c.FileOwner(cp.Origin.File); o != "" && (plat == nil || o != plat.Name) {
			c.add(cp.Origin.Pos, fmt.Sprintf("platform.%s.%s", cp.Tier, cp.Name),
				"move it to the platform directory"+platformDir(plat)+", or ask the platform team",
				"cluster-wide intent %q in the directory of team %s: only the platform directory may hold cluster-wide intents", cp.Name, o)
		}
	}
	c.errs.Sort()
	return c.errs
}

func platformDir(p *Owner) string {
	if p == nil {
		return ""
	}
	return " (" + p.Name + ")"
}

// subject checks that the directory of origin belongs to the owner of ns.
func (c *Checker) subject(o ir.Origin, ns, what string) {
	by := c.FileOwner(o.File)
	if by == "" {
		return
	}
	owner, known := c.nsOwner[ns]
	switch {
	case !known:
		// Not declared: the compiler has already refused it.
	case c.seen[o.File+" "+entry(o.Path)+" "+ns]:
		// One finding per intent and namespace: its rules say the same.
	case owner == "":
		c.add(o.Pos, o.Path+"\x00"+ns, "add it to the namespaces of "+by+" in netpolc.yaml (a change the gate shows and gates)",
			"%s %q, which has no owner: %s", what, ns, c.nsWhy[ns])
	case owner != by:
		c.add(o.Pos, o.Path+"\x00"+ns, "ask team "+owner+" to write it in their directory, or move the namespace to "+by+" in netpolc.yaml (a change the gate shows and gates)",
			"%s %q, owned by %s, from the directory of %s", what, ns, owner, by)
	}
}

func (c *Checker) add(pos diag.Pos, at, hint, format string, args ...any) {
	if c.seen[pos.String()] || len(c.errs) >= maxFindings {
		return
	}
	key, ns, _ := strings.Cut(at, "\x00")
	c.seen[pos.String()], c.seen[pos.File+" "+entry(key)+" "+ns] = true, true
	c.errs.Add(pos, key, hint, format, args...)
}

// entry is the intent a CUE path lies in: the path without its rule part
// (`policies."x".ingress[0].from[0]` is in `policies."x"`).
func entry(p string) string {
	for _, cut := range []string{".ingress", ".egress", ".workloads"} {
		if i := strings.Index(p, cut); i >= 0 {
			p = p[:i]
		}
	}
	return p
}

// Owner is the owner of a declared namespace after Check ("" when none).
func (c *Checker) Owner(ns string) string { return c.nsOwner[ns] }
