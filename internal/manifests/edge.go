package manifests

import (
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netpolc/netpolc/internal/diag"
)

// edgeInput is what the routing kinds said, kept until the workloads are
// known (resolveEdge).
type edgeInput struct {
	services []sourcedService
	refs     []serviceRef
	grants   []grant
}

type sourcedService struct {
	svc    corev1.Service
	source diag.Pos
}

// serviceRef is one reference from a route to a Service port.
type serviceRef struct {
	via         string   // "Ingress shop/web spec.rules[0].http.paths[0].backend"
	controllers []string // see inventory.Route.Controller
	fromKind    string   // the referring kind, for ReferenceGrant (gateway routes only)
	fromNS      string
	ns, name    string // the Service
	port        portRef
	source      diag.Pos
}

// portRef says which ports of a Service a route uses.
type portRef struct {
	all    bool   // every port (an OpenShift Route without spec.port)
	name   string // a service port by name
	number int32  // a service port by number …
	target bool   // … or, with target, the pods' port number (OpenShift targetPort)
}

func (p portRef) String() string {
	switch {
	case p.all:
		return "every port"
	case p.name != "":
		return p.name
	case p.target:
		return "targetPort " + strconv.Itoa(int(p.number))
	}
	return strconv.Itoa(int(p.number))
}

// grant is one ReferenceGrant: from (group, kind, namespace) triples to
// Services (all of them when names is nil) of its namespace.
type grant struct {
	ns      string
	from    [][3]string
	allSvcs bool
	names   map[string]bool
}

func (b *builder) addService(o *object) {
	var s corev1.Service
	if b.decode(o, &s, false) {
		s.Namespace = o.Namespace
		b.edge.services = append(b.edge.services, sourcedService{s, o.source()})
	}
}

// addIngress reads a networking.k8s.io/v1 Ingress (k8s.io/api
// networking/v1/types.go: IngressSpec, IngressBackend,
// IngressServiceBackend, ServiceBackendPort). Its controller is its
// ingressClassName, else the older kubernetes.io/ingress.class annotation.
func (b *builder) addIngress(o *object) {
	var ing networkingv1.Ingress
	if !b.decode(o, &ing, true) {
		return
	}
	class := ""
	if ing.Spec.IngressClassName != nil {
		class = *ing.Spec.IngressClassName
	} else if a := ing.Annotations["kubernetes.io/ingress.class"]; a != "" {
		class = a
	}
	controller := "ingress"
	if class != "" {
		controller += "/" + class
	}
	add := func(path string, be *networkingv1.IngressBackend) {
		via := o.label() + " " + path
		if be.Service == nil {
			b.note(b.pathSource(o, path), "%s is not a Service (a resource backend): netpolc does not follow it", via)
			return
		}
		ref := serviceRef{via: via, controllers: []string{controller}, ns: o.Namespace, name: be.Service.Name,
			port: portRef{name: be.Service.Port.Name, number: be.Service.Port.Number}, source: b.pathSource(o, path)}
		b.edge.refs = append(b.edge.refs, ref)
	}
	if ing.Spec.DefaultBackend != nil {
		add("spec.defaultBackend", ing.Spec.DefaultBackend)
	}
	for i, r := range ing.Spec.Rules {
		if r.HTTP == nil {
			continue
		}
		for j := range r.HTTP.Paths {
			add(fmt.Sprintf("spec.rules[%d].http.paths[%d].backend", i, j), &r.HTTP.Paths[j].Backend)
		}
	}
}

// pathSource is the position of the field at path in o, or o's.
func (b *builder) pathSource(o *object, path string) diag.Pos {
	if hits := b.x.lookupPath(o.Node, path); len(hits) > 0 && hits[0].Value != nil {
		return sourceOf(o.File, hits[0].Value)
	}
	return o.source()
}

// addOCPRoute reads an OpenShift Route: spec.to and the alternate
// backends, on spec.port.targetPort (every port of the Service when
// absent: routers use all of its endpoints' ports).
func (b *builder) addOCPRoute(o *object) {
	var r ocpRoute
	if !b.decode(o, &r, true) {
		return
	}
	port := portRef{all: true}
	if p := r.Spec.Port; p != nil {
		if p.TargetPort.Type == intstr.String {
			port = portRef{name: p.TargetPort.StrVal}
		} else {
			port = portRef{number: p.TargetPort.IntVal, target: true}
		}
	}
	targets := append([]ocpTarget{r.Spec.To}, r.Spec.AlternateBackends...)
	for i, t := range targets {
		path := "spec.to"
		if i > 0 {
			path = fmt.Sprintf("spec.alternateBackends[%d]", i-1)
		}
		via := o.label() + " " + path
		switch {
		case t.Kind != "" && t.Kind != "Service":
			b.fail(b.pathSource(o, path), objectPath(o.label(), path+".kind"), errInvalid,
				"a Route's backends are Services", "kind %q is not allowed (only Service)", t.Kind)
		case t.Weight != nil && *t.Weight == 0:
			b.note(b.pathSource(o, path), "%s has weight 0: the router sends it nothing", via)
		default:
			b.edge.refs = append(b.edge.refs, serviceRef{via: via, controllers: []string{"route"}, ns: o.Namespace,
				name: t.Name, port: port, source: b.pathSource(o, path)})
		}
	}
}

func (b *builder) addReferenceGrant(o *object) {
	var g referenceGrant
	if !b.decode(o, &g, true) {
		return
	}
	gr := grant{ns: o.Namespace, names: map[string]bool{}}
	for _, f := range g.Spec.From {
		gr.from = append(gr.from, [3]string{f.Group, f.Kind, f.Namespace})
	}
	for _, t := range g.Spec.To {
		if t.Group != "" || t.Kind != "Service" {
			continue
		}
		if t.Name == nil || *t.Name == "" {
			gr.allSvcs = true
		} else {
			gr.names[*t.Name] = true
		}
	}
	b.edge.grants = append(b.edge.grants, gr)
}

// granted reports whether a ReferenceGrant in the Service's namespace lets
// ref refer to it.
func (e *edgeInput) granted(ref serviceRef) bool {
	for _, g := range e.grants {
		if g.ns != ref.ns || !(g.allSvcs || g.names[ref.name]) {
			continue
		}
		for _, f := range g.from {
			if f == [3]string{gatewayGroup, ref.fromKind, ref.fromNS} {
				return true
			}
		}
	}
	return false
}
