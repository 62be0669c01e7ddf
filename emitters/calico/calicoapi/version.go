package calicoapi

import (
	"fmt"
	"strconv"
	"strings"
)

// The options that name the cluster's Calico, shared by the emitter and
// the interpreter: each decides on its own what a version has.
const (
	// OptionVersion is the Calico version the cluster runs ("3.32").
	OptionVersion = "calico-version"
	// OptionAPI is how the cluster serves projectcalico.org/v3:
	// APIServer or V3CRDs.
	OptionAPI = "calico-api"
	// DefaultVersion is the current stable Calico release.
	DefaultVersion = "3.32"
	// APIServer is the Calico API server (any version).
	APIServer = "apiserver"
	// V3CRDs are projectcalico.org/v3 custom resources served by the
	// Kubernetes API server (the Helm chart's useV3CRDs, from Calico
	// 3.32).
	V3CRDs = "v3-crds"
	// defaultAPI is Calico's default installation's.
	defaultAPI = APIServer
)

// TiersSince is the first release with tiers and Tier.defaultAction in
// open-source Calico (api/pkg/apis/projectcalico/v3/tier.go and
// NetworkPolicySpec.Tier first in tag v3.29.0; release notes v3.29.0:
// "Add tiered policy support", "Allow users to specify the default action
// in a tier", calico#9085, #9245).
var TiersSince = Version{3, 29}

// v3CRDsSince is the first release whose manifests can serve
// projectcalico.org/v3 as CRDs without the API server (the Helm chart's
// useV3CRDs, charts/calico/values.yaml, and the projectcalico.org.v3
// chart, first in tag v3.32.0).
var v3CRDsSince = Version{3, 32}

// CheckAPI refuses an API mode the version does not have.
func CheckAPI(v Version, api string) error {
	switch api {
	case "", APIServer:
		return nil
	case V3CRDs:
		if !v.AtLeast(v3CRDsSince.Major, v3CRDsSince.Minor) {
			return fmt.Errorf("%s: Calico %s has no projectcalico.org/v3 CRDs (they exist from %s): use %s", api, v, v3CRDsSince, APIServer)
		}
		return nil
	}
	return fmt.Errorf("%q: write %s or %s", api, APIServer, V3CRDs)
}

// Version is a Calico release, major and minor.
type Version struct{ Major, Minor int }

// String prints "3.32".
func (v Version) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// AtLeast reports whether v is major.minor or later.
func (v Version) AtLeast(major, minor int) bool {
	return v.Major > major || (v.Major == major && v.Minor >= minor)
}

// ParseVersion reads "3.32", "3.32.1" or "v3.32.1" (the patch release
// does not change the API); "" is DefaultVersion.
func ParseVersion(s string) (Version, error) {
	if s == "" {
		s = DefaultVersion
	}
	parts := strings.Split(strings.TrimPrefix(s, "v"), ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Version{}, fmt.Errorf("%q: write major.minor, e.g. %s", s, DefaultVersion)
	}
	var n [3]int
	for i, p := range parts {
		x, err := strconv.Atoi(p)
		if err != nil || x < 0 || x > 999 || (len(p) > 1 && p[0] == '0') {
			return Version{}, fmt.Errorf("%q: write major.minor, e.g. %s", s, DefaultVersion)
		}
		n[i] = x
	}
	v := Version{n[0], n[1]}
	if !v.AtLeast(3, 0) {
		return Version{}, fmt.Errorf("%q: projectcalico.org/v3 exists from Calico 3.0", s)
	}
	return v, nil
}
