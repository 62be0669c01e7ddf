package manifests

import (
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The routing kinds that are not in k8s.io/api, with every field of their
// spec as upstream defines it, so that decoding them strictly rejects
// exactly the fields the API server would not know. The fields netpolc
// does not read are kept as raw JSON.
//
// OpenShift Route: github.com/openshift/api route/v1/types.go (RouteSpec,
// RouteTargetReference, RoutePort). Gateway API:
// github.com/kubernetes-sigs/gateway-api apis/v1/httproute_types.go
// (HTTPRouteSpec, HTTPRouteRule, HTTPBackendRef, HTTPRouteFilter,
// HTTPRequestMirrorFilter), apis/v1/grpcroute_types.go (GRPCRouteSpec,
// GRPCRouteRule, GRPCBackendRef), apis/v1/shared_types.go
// (CommonRouteSpec, ParentReference, BackendRef),
// apis/v1/object_reference_types.go (BackendObjectReference) and
// apis/v1/referencegrant_types.go (ReferenceGrantSpec, the same in
// v1beta1).

// ocpRoute is a route.openshift.io/v1 Route.
type ocpRoute struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              struct {
		Host              string          `json:"host,omitempty"`
		Subdomain         string          `json:"subdomain,omitempty"`
		Path              string          `json:"path,omitempty"`
		To                ocpTarget       `json:"to"`
		AlternateBackends []ocpTarget     `json:"alternateBackends,omitempty"`
		Port              *ocpPort        `json:"port,omitempty"`
		TLS               json.RawMessage `json:"tls,omitempty"`
		WildcardPolicy    string          `json:"wildcardPolicy,omitempty"`
		HTTPHeaders       json.RawMessage `json:"httpHeaders,omitempty"`
	} `json:"spec"`
}

// ocpTarget is a RouteTargetReference: a Service (kind defaults to
// Service), weight 0–256, default 100; 0 sends it nothing.
type ocpTarget struct {
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Weight *int32 `json:"weight"`
}

// ocpPort is a RoutePort: the target port on the Service's pods, a number
// or the name of a port in the Service's endpoints (a service port name).
type ocpPort struct {
	TargetPort intstr.IntOrString `json:"targetPort"`
}

// gwSpec is a Gateway-API route spec (CommonRouteSpec, hostnames, rules).
type gwSpec[R any] struct {
	ParentRefs         []gwParentRef `json:"parentRefs,omitempty"`
	UseDefaultGateways string        `json:"useDefaultGateways,omitempty"`
	Hostnames          []string      `json:"hostnames,omitempty"`
	Rules              []R           `json:"rules,omitempty"`
}

// httpRoute is a gateway.networking.k8s.io HTTPRoute.
type httpRoute struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              gwSpec[httpRule] `json:"spec"`
}

// grpcRoute is a gateway.networking.k8s.io GRPCRoute.
type grpcRoute struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              gwSpec[gwRule] `json:"spec"`
}

// gwParentRef is a ParentReference: group defaults to
// gateway.networking.k8s.io, kind to Gateway, namespace to the route's.
type gwParentRef struct {
	Group       *string `json:"group,omitempty"`
	Kind        *string `json:"kind,omitempty"`
	Namespace   *string `json:"namespace,omitempty"`
	Name        string  `json:"name"`
	SectionName *string `json:"sectionName,omitempty"`
	Port        *int32  `json:"port,omitempty"`
}

// gwRule is a GRPCRouteRule, and the part of an HTTPRouteRule the two
// share.
type gwRule struct {
	Name               *string         `json:"name,omitempty"`
	Matches            json.RawMessage `json:"matches,omitempty"`
	Filters            []gwFilter      `json:"filters,omitempty"`
	BackendRefs        []gwBackendRef  `json:"backendRefs,omitempty"`
	SessionPersistence json.RawMessage `json:"sessionPersistence,omitempty"`
}

// httpRule is an HTTPRouteRule.
type httpRule struct {
	gwRule
	Timeouts json.RawMessage `json:"timeouts,omitempty"`
	Retry    json.RawMessage `json:"retry,omitempty"`
}

// gwFilter is an HTTPRouteFilter or GRPCRouteFilter; of them only
// requestMirror sends traffic to a backend of its own.
type gwFilter struct {
	Type                   string          `json:"type"`
	RequestHeaderModifier  json.RawMessage `json:"requestHeaderModifier,omitempty"`
	ResponseHeaderModifier json.RawMessage `json:"responseHeaderModifier,omitempty"`
	RequestMirror          *gwMirror       `json:"requestMirror,omitempty"`
	RequestRedirect        json.RawMessage `json:"requestRedirect,omitempty"`
	URLRewrite             json.RawMessage `json:"urlRewrite,omitempty"`
	CORS                   json.RawMessage `json:"cors,omitempty"`
	ExternalAuth           json.RawMessage `json:"externalAuth,omitempty"`
	ExtensionRef           json.RawMessage `json:"extensionRef,omitempty"`
}

// gwMirror is an HTTPRequestMirrorFilter.
type gwMirror struct {
	BackendRef gwObjectRef     `json:"backendRef"`
	Percent    *int32          `json:"percent,omitempty"`
	Fraction   json.RawMessage `json:"fraction,omitempty"`
}

// gwBackendRef is an HTTPBackendRef or GRPCBackendRef.
type gwBackendRef struct {
	gwObjectRef
	Weight  *int32     `json:"weight,omitempty"`
	Filters []gwFilter `json:"filters,omitempty"`
}

// gwObjectRef is a BackendObjectReference: group "" (core) and kind
// Service by default, namespace the route's; port is required for a
// Service.
type gwObjectRef struct {
	Group     *string `json:"group,omitempty"`
	Kind      *string `json:"kind,omitempty"`
	Name      string  `json:"name"`
	Namespace *string `json:"namespace,omitempty"`
	Port      *int32  `json:"port,omitempty"`
}

// referenceGrant is a gateway.networking.k8s.io ReferenceGrant: objects of
// the from kinds in the from namespaces may refer to the to objects in the
// grant's namespace (to.name absent: every object of the kind).
type referenceGrant struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              struct {
		From []struct {
			Group     string `json:"group"`
			Kind      string `json:"kind"`
			Namespace string `json:"namespace"`
		} `json:"from"`
		To []struct {
			Group string  `json:"group"`
			Kind  string  `json:"kind"`
			Name  *string `json:"name,omitempty"`
		} `json:"to"`
	} `json:"spec"`
}

// gatewayGroup is the Gateway API's group.
const gatewayGroup = "gateway.networking.k8s.io"

// deref returns *p, or def when p is nil.
func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}
