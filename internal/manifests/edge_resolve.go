package manifests

import (
	"cmp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	k8slabels "k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/portset"
)

// resolveEdge resolves the Services to the workloads they select and the
// routes to the Service ports they use, once every workload is known. A
// route that reaches nothing (a Service not in the input, a port it does
// not have, a cross-namespace reference without a ReferenceGrant) gets a
// note saying why; it is not modelled.
func (b *builder) resolveEdge() {
	eps := b.set.Inventory.Endpoints
	svcs := map[string]*inventory.Service{}
	for _, s := range b.edge.services {
		sv := resolveService(s, eps)
		b.set.Edge.Services = append(b.set.Edge.Services, sv)
	}
	slices.SortFunc(b.set.Edge.Services, func(a, c inventory.Service) int { return cmp.Compare(a.ID(), c.ID()) })
	for i := range b.set.Edge.Services {
		s := &b.set.Edge.Services[i]
		svcs[s.Namespace+"/"+s.Name] = s
	}
	for _, ref := range b.edge.refs {
		b.resolveRef(ref, svcs)
	}
	slices.SortStableFunc(b.set.Edge.Routes, func(a, c inventory.Route) int {
		return cmp.Or(cmp.Compare(a.Controller, c.Controller), cmp.Compare(a.Via, c.Via))
	})
}

// resolveService finds a Service's workloads (its selector over the
// workloads of its namespace) and, per port, the port on each: the
// targetPort's number, the container port its name names (by name and
// protocol, as the endpoints controller looks it up), or the port itself
// when targetPort is unset (k8s.io/api core/v1/types.go: ServicePort).
func resolveService(s sourcedService, eps []inventory.Endpoint) inventory.Service {
	spec := &s.svc.Spec
	out := inventory.Service{Namespace: s.svc.Namespace, Name: s.svc.Name, Source: s.source}
	var backends []inventory.Endpoint
	switch {
	case spec.Type == corev1.ServiceTypeExternalName:
		out.Note = "it is of type ExternalName (a DNS name, no pods)"
	case len(spec.Selector) == 0:
		out.Note = "it has no selector (its endpoints are kept by hand, and netpolc does not read them)"
	default:
		sel := k8slabels.SelectorFromSet(spec.Selector)
		for _, ep := range eps {
			if ep.Namespace == out.Namespace && sel.Matches(k8slabels.Set(ep.Labels)) {
				backends = append(backends, ep)
			}
		}
		if len(backends) == 0 {
			out.Note = "its selector " + sel.String() + " matches no workload of the input"
		}
	}
	for _, p := range spec.Ports {
		out.Ports = append(out.Ports, servicePort(p, backends))
	}
	return out
}

func servicePort(p corev1.ServicePort, backends []inventory.Endpoint) inventory.ServicePort {
	proto := portset.TCP // the API's default
	if p.Protocol != "" {
		proto = portset.ProtocolNamed(string(p.Protocol))
	}
	sp := inventory.ServicePort{Name: p.Name, Port: p.Port, Protocol: proto}
	for _, ep := range backends {
		port := p.Port
		switch tp := p.TargetPort; {
		case tp.Type == intstr.String && tp.StrVal != "":
			sp.TargetName, port = tp.StrVal, 0
			for _, c := range ep.Ports {
				if c.Name == tp.StrVal && cmp.Or(c.Protocol, portset.TCP) == proto {
					port = c.Port
				}
			}
		case tp.Type == intstr.Int && tp.IntVal != 0:
			port = tp.IntVal
		}
		if port == 0 {
			sp.Missing = append(sp.Missing, ep.ID())
			continue
		}
		sp.Targets = append(sp.Targets, inventory.Target{Endpoint: ep.ID(), Protocol: proto, Port: port})
	}
	return sp
}

// resolveRef turns one route's reference into routes, one per controller,
// or a note saying why it reaches nothing.
func (b *builder) resolveRef(ref serviceRef, svcs map[string]*inventory.Service) {
	name := "Service " + ref.ns + "/" + ref.name
	if ref.fromNS != "" && ref.ns != ref.fromNS && !b.edge.granted(ref) {
		b.note(ref.source, "%s refers to %s in another namespace, and no ReferenceGrant in %s allows %s from namespace %s: "+
			"the reference reaches nothing (the Gateway API refuses it without one)", ref.via, name, ref.ns, ref.fromKind, ref.fromNS)
		return
	}
	svc, ok := svcs[ref.ns+"/"+ref.name]
	if !ok {
		b.note(ref.source, "%s refers to %s, which is not in the input: it reaches nothing", ref.via, name)
		return
	}
	targets, found, missing := matchPort(svc, ref.port)
	switch {
	case len(targets) == 0 && svc.Note != "":
		b.note(ref.source, "%s refers to %s, which reaches no workload: %s", ref.via, name, svc.Note)
		return
	case !found:
		b.note(ref.source, "%s refers to port %s of %s, which has no such port: it reaches nothing", ref.via, ref.port, name)
		return
	case len(targets) == 0:
		b.note(ref.source, "%s refers to port %s of %s, which no workload serves", ref.via, ref.port, name)
		return
	case len(missing) > 0:
		b.note(ref.source, "%s: %s port %s names a container port that %s lack(s): left out of the service",
			ref.via, name, ref.port, strings.Join(missing, ", "))
	}
	for _, c := range ref.controllers {
		b.set.Edge.Routes = append(b.set.Edge.Routes, inventory.Route{Via: ref.via, Controller: c,
			Service: svc.ID(), Port: ref.port.String(), Targets: targets, Source: ref.source})
	}
}

// matchPort lists the targets of the service ports ref uses, whether any
// port matched, and the workloads left out for lacking a named port.
func matchPort(svc *inventory.Service, ref portRef) (targets []inventory.Target, found bool, missing []string) {
	for _, p := range svc.Ports {
		switch {
		case ref.all, ref.name != "" && p.Name == ref.name, !ref.target && ref.name == "" && p.Port == ref.number:
			targets = append(targets, p.Targets...)
			missing = append(missing, p.Missing...)
			found = true
		case ref.target:
			for _, t := range p.Targets {
				if t.Port == ref.number {
					targets, found = append(targets, t), true
				}
			}
		}
	}
	slices.SortFunc(targets, func(a, c inventory.Target) int {
		return cmp.Or(cmp.Compare(a.Endpoint, c.Endpoint), cmp.Compare(a.Protocol, c.Protocol), cmp.Compare(a.Port, c.Port))
	})
	slices.Sort(missing)
	return slices.Compact(targets), found, slices.Compact(missing)
}
