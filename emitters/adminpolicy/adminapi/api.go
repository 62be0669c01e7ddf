package adminapi

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// What the cluster's network-policy-api CRDs are: the API version and the
// release channel. Both are target options (flags and netpolc.yaml keys);
// the emitter writes only fields the CRDs of that version and channel
// have, and the interpreter reads the objects as those CRDs would.
//
// Upstream (github.com/kubernetes-sigs/network-policy-api, config/crd):
//   - v1alpha2 ClusterNetworkPolicy, v0.2.0 (commit a17adecd): the
//     experimental CRD adds egress to[].domainNames and to[].nodes to the
//     standard one; protocols[].destinationNamedPort is standard;
//   - v1alpha1 AdminNetworkPolicy and BaselineAdminNetworkPolicy, v0.1.8
//     (commit 5a629542, bundle v0.1.7), the last release with them: the
//     experimental CRDs add ports[].namedPort (ingress and egress) and
//     egress to[].nodes, and AdminNetworkPolicy to[].domainNames. The
//     standard CRD prunes a namedPort entry to {} and its CEL rule
//     ("exactly one field") then rejects the object.
const (
	// SettingVersion names the option holding the API version.
	SettingVersion = "admin-api-version"
	// SettingChannel names the option holding the CRD channel.
	SettingChannel = "admin-channel"
)

// Version is an API version of policy.networking.k8s.io.
type Version string

// The API versions netpolc emits.
const (
	// V1Alpha2 is ClusterNetworkPolicy (tiers Admin and Baseline).
	V1Alpha2 Version = "v1alpha2"
	// V1Alpha1 is AdminNetworkPolicy/BaselineAdminNetworkPolicy.
	V1Alpha1 Version = "v1alpha1"
)

// Channel is a network-policy-api release channel.
type Channel string

// The release channels.
const (
	Standard     Channel = "standard"
	Experimental Channel = "experimental"
)

// API is what the cluster serves. The zero value is the default:
// v1alpha2, standard channel (the current release, v0.2.0).
type API struct {
	Version Version
	Channel Channel
}

// V1Alpha1 reports whether the API is v1alpha1.
func (a API) V1Alpha1() bool { return a.Version == V1Alpha1 }

// Experimental reports whether the cluster runs the experimental CRDs.
func (a API) Experimental() bool { return a.Channel == Experimental }

// String renders "v1alpha2 standard" (defaults filled in).
func (a API) String() string {
	v, c := a.Version, a.Channel
	if v == "" {
		v = V1Alpha2
	}
	if c == "" {
		c = Standard
	}
	return string(v) + " " + string(c)
}

// ParseAPI reads a version and a channel; "" is the default of each.
func ParseAPI(version, channel string) (API, error) {
	var a API
	switch Version(version) {
	case "", V1Alpha2:
		a.Version = V1Alpha2
	case V1Alpha1:
		a.Version = V1Alpha1
	default:
		return API{}, fmt.Errorf("admin API version %q: want %s (the default) or %s", version, V1Alpha2, V1Alpha1)
	}
	switch Channel(channel) {
	case "", Standard:
		a.Channel = Standard
	case Experimental:
		a.Channel = Experimental
	default:
		return API{}, fmt.Errorf("network-policy-api channel %q: want %s (the default) or %s", channel, Standard, Experimental)
	}
	return a, nil
}

// APIFrom reads the API from target settings ("NAME=VALUE" keys, as
// kit.Settings writes string options; enforcer.InterpretInput.Settings).
// A setting given more than once is an error.
func APIFrom(settings map[string]bool) (API, error) {
	var vals [2]string
	for i, name := range []string{SettingVersion, SettingChannel} {
		var vs []string
		for _, k := range slices.Sorted(maps.Keys(settings)) {
			if v, ok := strings.CutPrefix(k, name+"="); ok && settings[k] {
				vs = append(vs, v)
			}
		}
		if len(vs) > 1 {
			return API{}, fmt.Errorf("%s is set %d times (%s): want one value", name, len(vs), strings.Join(vs, ", "))
		}
		if len(vs) == 1 {
			vals[i] = vs[0]
		}
	}
	return ParseAPI(vals[0], vals[1])
}
