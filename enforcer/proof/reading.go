package proof

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/portset"
)

// ProveReading proves what a target's interpreter read: its connectivity
// (ProveConnectivity), or its policies over the inventory as the target
// sees it (Reading.Inventory, else the reference's) like Prove, and then
// the endpoints only the target distinguishes (Reading.Reserved): their
// flows to and from the inventory's endpoints must stay within what the
// intents allow everyone (enforcer.Model.Everyone), approximation or not;
// and, over Reading.Placed, the pods with unknown IPs inside the pod CIDRs
// must be allowed nothing the intents do not allow, approximation or not.
func (r *Reference) ProveReading(target string, got *enforcer.Reading, allowNarrower bool) (*enforcer.Delta, error) {
	if got.Connectivity != nil {
		return r.proveConnectivity(target, got.Connectivity, allowNarrower)
	}
	inv := r.Inventory
	if got.Inventory != nil {
		inv = *got.Inventory
	}
	d, err := r.proveOver(target, inv, got.Policies, allowNarrower)
	if err != nil {
		return d, noteHostNetwork(err, inv, d)
	}
	if err := r.proveReserved(target, inv, got); err != nil {
		return d, err
	}
	if got.Placed != nil {
		// Narrower is no difference here: the reference does not know
		// where those pods are either.
		_, err = r.proveOver(target+" (pods with unknown IPs inside the pod CIDRs)", *got.Placed, got.Policies, true)
	}
	return d, err
}

// reservedFlow is a flow to or from a reserved endpoint wider than what
// the intents allow everyone.
type reservedFlow struct {
	src, dst string
	extra    portset.Set
	endpoint string // the inventory end
	ingress  bool   // the inventory end receives
}

// proveReserved evaluates the policies over the inventory plus the
// reserved endpoints and compares every flow between a reserved endpoint
// and an inventory endpoint with what that endpoint allows everyone.
func (r *Reference) proveReserved(target string, inv inventory.Inventory, got *enforcer.Reading) error {
	if len(got.Reserved) == 0 {
		return nil
	}
	all := inv
	all.Endpoints = append(slices.Clone(inv.Endpoints), got.Reserved...)
	m, err := enforcer.New(all, got.Policies)
	if err != nil {
		return err
	}
	reserved := map[string]string{}
	for _, ep := range got.Reserved {
		reserved[ep.ID()] = ep.Kind
	}
	known := map[string]bool{}
	for _, ep := range inv.Endpoints {
		known[ep.ID()] = true
	}
	conn, err := Matrix(m)
	if err != nil {
		return err
	}
	var wider []reservedFlow
	for _, c := range conn.Connections {
		f := reservedFlow{src: c.Src, dst: c.Dst}
		switch {
		case reserved[c.Src] != "" && known[c.Dst]:
			f.endpoint, f.ingress = c.Dst, true
		case reserved[c.Dst] != "" && known[c.Src]:
			f.endpoint = c.Src
		default:
			continue
		}
		in, out, err := r.Model.Everyone(f.endpoint)
		if err != nil {
			return err
		}
		allowed := out
		if f.ingress {
			allowed = in
		}
		if f.extra = c.Ports.Subtract(allowed); !f.extra.IsEmpty() {
			wider = append(wider, f)
		}
	}
	if len(wider) == 0 {
		return nil
	}
	return r.describeReserved(target, reserved, wider)
}

// describeReserved reports reserved flows wider than the intents as one
// diagnostic at the first intent isolating the inventory end.
func (r *Reference) describeReserved(target string, kinds map[string]string, flows []reservedFlow) error {
	var (
		lines []string
		at    diag.Pos
	)
	for i, f := range flows {
		if i == 10 {
			break
		}
		other := f.src
		if !f.ingress {
			other = f.dst
		}
		line := fmt.Sprintf("  wider %s → %s (%s): %s allows %s, which the intents allow only to peers they name (they allow everyone no such port)",
			f.src, f.dst, kinds[other], target, f.extra)
		if origins, pos := r.isolating(f.endpoint, f.ingress, f.extra); origins != "" {
			line += "\n      " + f.endpoint + " is isolated by " + origins
			if at.File == "" {
				at = pos
			}
		}
		lines = append(lines, line)
	}
	return &diag.Diagnostic{Severity: diag.Error, Pos: at, Err: ErrNotEquivalent,
		Hint: "the target would allow endpoints the intents cannot name (its reserved identities, the node) more than the intents allow everyone: nothing was written; this is a netpolc bug, please report it with these lines",
		Msg:  fmt.Sprintf("%s: %v: differs on %d flow(s) with endpoints outside the inventory:\n%s", target, ErrNotEquivalent, len(flows), strings.Join(lines, "\n"))}
}

// probeAddress is an address (TEST-NET-1) that asks the reference model
// about an endpoint's own policies, whatever the other end.
const probeAddress = "192.0.2.1"

// isolating names the intents isolating an endpoint in one direction and
// the position of the first.
func (r *Reference) isolating(endpoint string, ingress bool, ports portset.Set) (string, diag.Pos) {
	for _, proto := range []portset.Protocol{portset.TCP, portset.UDP, portset.SCTP} {
		rs := ports.Ranges(proto)
		if len(rs) == 0 {
			continue
		}
		src, dst := endpoint, probeAddress
		if ingress {
			src, dst = dst, src
		}
		v, err := r.Model.Verdict(src, dst, proto, int32(rs[0].First))
		if err != nil {
			return "", diag.Pos{}
		}
		dv := v.Egress
		if ingress {
			dv = v.Ingress
		}
		var out []string
		var at diag.Pos
		for _, p := range dv.Isolating {
			if p.Origin != "" && !slices.Contains(out, p.Origin) {
				out = append(out, p.Origin)
				if at.File == "" {
					at = p.Source
				}
			}
		}
		return strings.Join(out, "; "), at
	}
	return "", diag.Pos{}
}

// noteHostNetwork adds to a proof failure which of the differing flows'
// endpoints are host-network pods, which targets see as their node
// rather than as pods (the usual reason such a flow differs).
func noteHostNetwork(err error, inv inventory.Inventory, d *enforcer.Delta) error {
	var dg *diag.Diagnostic
	if d == nil || !errors.As(err, &dg) {
		return err
	}
	ends := map[string]bool{}
	for _, cs := range [][]enforcer.Change{d.Opened, d.Changed, d.Closed} {
		for _, c := range cs {
			ends[c.Src], ends[c.Dst] = true, true
		}
	}
	var notes []string
	for _, ep := range inv.Endpoints {
		if ep.HostNetwork && ends[ep.ID()] {
			notes = append(notes, "  "+ep.ID()+" is a host-network pod: the target sees it as its node, not as a pod of its workload")
		}
	}
	if len(notes) == 0 {
		return err
	}
	noted := *dg
	noted.Msg += "\n" + strings.Join(notes, "\n")
	return &noted
}
