package lint

import (
	"fmt"
	"strings"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/ir"
)

// namedPortsMissing: a rule's named port resolves on each destination
// pod, so a destination workload that does not declare it (with the
// rule's protocol) gets nothing from the rule. Over the intents' own
// workloads the compiler already checks this; over real workloads
// (--manifests) a renamed or missing container port silently closes the
// whole chain, so each rule says which destinations lack which name.
func namedPortsMissing(in Input, out *diag.List) {
	for _, r := range in.Compiled.Policy.Rules {
		dsts := destinations(in, r)
		for _, p := range r.Ports {
			if p.Name == "" {
				continue
			}
			var lacking []string
			for _, ep := range dsts {
				if !declaresName(ep, p) {
					lacking = append(lacking, ep.ID())
				}
			}
			if len(lacking) == 0 {
				continue
			}
			out.Warn(r.Origin.Pos, "", "name the container port so in the workload's pod template, or use the port number",
				"%s declare(s) no port named %q (%s): this %s rule allows nothing to %s",
				list(lacking), p.Name, p.Protocol, strings.ToLower(string(r.Direction)), them(len(lacking)))
		}
	}
}

func declaresName(ep inventory.Endpoint, p ir.Port) bool {
	for _, np := range ep.Ports {
		if np.Name == p.Name && np.Protocol == p.Protocol {
			return true
		}
	}
	return false
}

// list names up to five endpoints and counts the rest.
func list(ids []string) string {
	if len(ids) > 5 {
		return strings.Join(ids[:5], ", ") + fmt.Sprintf(" and %d more", len(ids)-5)
	}
	return strings.Join(ids, ", ")
}

func them(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}
