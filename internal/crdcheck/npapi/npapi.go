// Package npapi holds the upstream CustomResourceDefinitions of
// sigs.k8s.io/network-policy-api, embedded, and compiles them with
// crdcheck: v1alpha2 ClusterNetworkPolicy from v0.2.0 (the release
// netpolc builds against) and v1alpha1 AdminNetworkPolicy and
// BaselineAdminNetworkPolicy from v0.1.8 (the last release with them),
// each in the standard and the experimental channel. README.md names the
// source commits and how to update them.
package npapi

import (
	"embed"
	"fmt"
	"strings"
	"sync"

	"github.com/netpolc/netpolc/internal/crdcheck"
)

//go:embed v0.2.0 v0.1.8
var files embed.FS

// Group is the API group of the admin network policies.
const Group = "policy.networking.k8s.io"

// The channels of a network-policy-api release.
const (
	Standard     = "standard"
	Experimental = "experimental"
)

// crdFiles maps version/kind to the release and file that define it.
var crdFiles = map[string]string{
	"v1alpha2/ClusterNetworkPolicy":       "v0.2.0/%s/policy.networking.k8s.io_clusternetworkpolicies.yaml",
	"v1alpha1/AdminNetworkPolicy":         "v0.1.8/%s/policy.networking.k8s.io_adminnetworkpolicies.yaml",
	"v1alpha1/BaselineAdminNetworkPolicy": "v0.1.8/%s/policy.networking.k8s.io_baselineadminnetworkpolicies.yaml",
}

type key struct{ version, kind, channel string }

var (
	mu    sync.Mutex
	cache = map[key]*crdcheck.CRD{}
)

// CRD is the compiled CRD of kind at API version (v1alpha2 or v1alpha1)
// in channel (Standard or Experimental). It is compiled once and cached.
func CRD(version, kind, channel string) (*crdcheck.CRD, error) {
	k := key{version, kind, channel}
	mu.Lock()
	defer mu.Unlock()
	if c, ok := cache[k]; ok {
		return c, nil
	}
	pattern, ok := crdFiles[version+"/"+kind]
	if !ok {
		return nil, fmt.Errorf("no network-policy-api CRD for %s/%s %s", Group, version, kind)
	}
	if channel != Standard && channel != Experimental {
		return nil, fmt.Errorf("network-policy-api channel %q: want %s or %s", channel, Standard, Experimental)
	}
	data, err := files.ReadFile(fmt.Sprintf(pattern, channel))
	if err != nil {
		return nil, err
	}
	c, err := crdcheck.Parse(data, version)
	if err != nil {
		return nil, fmt.Errorf("the embedded %s CRD (%s): %w", kind, channel, err)
	}
	cache[k] = c
	return c, nil
}

// Release names the network-policy-api release whose CRDs define
// version: v0.2.0 for v1alpha2, v0.1.8 for v1alpha1.
func Release(version string) string {
	for vk, f := range crdFiles {
		if strings.HasPrefix(vk, version+"/") {
			r, _, _ := strings.Cut(f, "/")
			return r
		}
	}
	return "(no release)"
}

// has reports whether the package has a CRD of kind at version.
func has(version, kind string) bool {
	_, ok := crdFiles[version+"/"+kind]
	return ok
}
