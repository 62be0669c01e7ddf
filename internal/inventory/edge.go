package inventory

import (
	"strings"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/portset"
)

// UnknownController is the name of the edge endpoint that stands for an
// ingress controller the inventory does not hold: a source netpolc knows
// nothing about (see enforcer's edge evaluation for what it is matched by).
const UnknownController = "{ingress-controller}"

// IsController reports whether a matrix node name is an ingress
// controller endpoint: "{ingress-controller}" or
// "{ingress-controller:NAMESPACE/NAME}".
func IsController(name string) bool {
	return name == UnknownController || ControllerWorkload(name) != ""
}

// ControllerWorkload is the workload a controller endpoint named
// "{ingress-controller:NAMESPACE/NAME}" stands for, or "".
func ControllerWorkload(name string) string {
	w, ok := strings.CutPrefix(name, "{ingress-controller:")
	if !ok {
		return ""
	}
	w, _ = strings.CutSuffix(w, "}")
	return w
}

// Edge is how traffic enters the cluster through ingress controllers:
// the Services, resolved to the workloads that serve them, and the routes
// (Ingress, OpenShift Route, Gateway-API HTTPRoute and GRPCRoute) that send
// a controller's traffic to a Service's ports.
type Edge struct {
	// Services are sorted by namespace and name.
	Services []Service
	// Routes are sorted by controller, then by Via.
	Routes []Route
}

// Empty reports whether e holds neither services nor routes.
func (e Edge) Empty() bool { return len(e.Services) == 0 && len(e.Routes) == 0 }

// Service is a v1 Service whose selector picks workloads.
type Service struct {
	Namespace, Name string
	Ports           []ServicePort
	// Note says why the service reaches no workload, when it reaches
	// none ("" otherwise).
	Note   string
	Source diag.Pos
}

// ID is the service's name as explain and expect spell it:
// "namespace/svc/name".
func (s Service) ID() string { return s.Namespace + "/svc/" + s.Name }

// ServicePort is one entry of a Service's spec.ports and where its
// traffic goes.
type ServicePort struct {
	Name     string
	Port     int32
	Protocol portset.Protocol
	// TargetName is the targetPort when it names a container port ("" when
	// it is a number).
	TargetName string
	// Targets are the workloads serving the port and the port number on
	// each: a named targetPort resolves per workload, and a workload
	// without a container port of that name and protocol is left out (the
	// endpoints controller leaves such pods out of the Service's
	// endpoints).
	Targets []Target
	// Missing are the workloads the service selects that lack the named
	// targetPort.
	Missing []string
}

// Target is one workload's port behind a Service port.
type Target struct {
	Endpoint string // the workload's ID, "namespace/name"
	Protocol portset.Protocol
	Port     int32
}

// Route is one way a controller's traffic reaches a Service port.
type Route struct {
	// Via names the object and the part of it: "Ingress shop/web
	// spec.rules[0].http.paths[1]".
	Via string
	// Controller is the key of the controller that serves the route:
	// "ingress/CLASS" (an Ingress's class), "ingress" (an Ingress with
	// none), "route" (OpenShift Routes), "gateway/NAMESPACE/NAME" (a
	// Gateway-API parent).
	Controller string
	// Service is the Service's ID (namespace/svc/name) and Port the
	// service port as the route names it.
	Service, Port string
	// Targets are the Service port's targets the route reaches.
	Targets []Target
	Source  diag.Pos
}
