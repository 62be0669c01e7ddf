package manifests

import (
	"fmt"
	"slices"
)

func (b *builder) addHTTPRoute(o *object) {
	var r httpRoute
	if !b.decode(o, &r, true) {
		return
	}
	rules := make([]gwRule, len(r.Spec.Rules))
	for i := range r.Spec.Rules {
		rules[i] = r.Spec.Rules[i].gwRule
	}
	b.addGatewayRoute(o, r.Spec.ParentRefs, rules)
}

func (b *builder) addGRPCRoute(o *object) {
	var r grpcRoute
	if b.decode(o, &r, true) {
		b.addGatewayRoute(o, r.Spec.ParentRefs, r.Spec.Rules)
	}
}

// addGatewayRoute records the Service references of a Gateway-API route:
// every rule's backendRefs and the backends of its requestMirror filters
// (mirrored traffic reaches them too), once per Gateway parent. A route
// is attached to each Gateway it names; the Gateways' listeners (which
// may refuse routes of some namespaces) are not read, so a route counts
// as attached.
func (b *builder) addGatewayRoute(o *object, parents []gwParentRef, rules []gwRule) {
	controllers := b.gatewayParents(o, parents)
	if len(controllers) == 0 {
		return
	}
	mirrors := func(path string, fs []gwFilter) {
		for k, f := range fs {
			if f.RequestMirror != nil {
				b.gatewayBackend(o, controllers, fmt.Sprintf("%s.filters[%d].requestMirror.backendRef", path, k), f.RequestMirror.BackendRef)
			}
		}
	}
	for i, rule := range rules {
		rulePath := fmt.Sprintf("spec.rules[%d]", i)
		for j, br := range rule.BackendRefs {
			path := fmt.Sprintf("%s.backendRefs[%d]", rulePath, j)
			if br.Weight != nil && *br.Weight == 0 {
				b.note(b.pathSource(o, path), "%s %s has weight 0: the Gateway sends it nothing", o.label(), path)
				continue
			}
			b.gatewayBackend(o, controllers, path, br.gwObjectRef)
			mirrors(path, br.Filters)
		}
		mirrors(rulePath, rule.Filters)
	}
}

// gatewayParents lists the controller keys of a route's Gateway parents
// (group and kind default to the Gateway's, namespace to the route's).
func (b *builder) gatewayParents(o *object, parents []gwParentRef) []string {
	var keys []string
	for i, p := range parents {
		group, kind := deref(p.Group, gatewayGroup), deref(p.Kind, "Gateway")
		if group != gatewayGroup || kind != "Gateway" {
			b.note(b.pathSource(o, fmt.Sprintf("spec.parentRefs[%d]", i)),
				"%s spec.parentRefs[%d] is a %s, not a Gateway: netpolc models traffic from Gateways only", o.label(), i, kind)
			continue
		}
		keys = append(keys, "gateway/"+deref(p.Namespace, o.Namespace)+"/"+p.Name)
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	if len(keys) == 0 {
		b.note(o.source(), "%s names no Gateway in spec.parentRefs: no controller sends it traffic", o.label())
	}
	return keys
}

// gatewayBackend records one backendRef. Only core Services are followed;
// a Service reference without a port is what the route CRDs reject ("Must
// have port for Service reference").
func (b *builder) gatewayBackend(o *object, controllers []string, path string, ref gwObjectRef) {
	group, kind := deref(ref.Group, ""), deref(ref.Kind, "Service")
	src := b.pathSource(o, path)
	if group != "" || kind != "Service" {
		b.note(src, "%s %s is a %s, not a Service: netpolc does not follow it", o.label(), path, kind)
		return
	}
	if ref.Port == nil {
		b.fail(src, objectPath(o.label(), path), errInvalid, "add port: the service port to send traffic to",
			"a backend reference to a Service needs a port (the API server rejects it without)")
		return
	}
	b.edge.refs = append(b.edge.refs, serviceRef{
		via: o.label() + " " + path, controllers: controllers, fromKind: o.Kind, fromNS: o.Namespace,
		ns: deref(ref.Namespace, o.Namespace), name: ref.Name, port: portRef{number: *ref.Port}, source: src,
	})
}
