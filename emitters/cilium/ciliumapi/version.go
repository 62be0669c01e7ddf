package ciliumapi

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a Cilium minor release (the patch level does not change
// policy semantics netpolc relies on).
type Version struct{ Major, Minor int }

// DefaultVersion is the Cilium release netpolc assumes when the build
// names none: the current stable release (1.20; 1.20.2 is its newest
// patch release netpolc was checked against).
var DefaultVersion = Version{1, 20}

// MinVersion is the oldest release netpolc models: older ones are out of
// upstream support, and their identity label filter differs in ways
// netpolc does not track.
var MinVersion = Version{1, 16}

// ParseVersion reads "1.20", "1.20.2" or "v1.20.2"; "" is DefaultVersion.
func ParseVersion(s string) (Version, error) {
	if s == "" {
		return DefaultVersion, nil
	}
	parts := strings.Split(strings.TrimPrefix(s, "v"), ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Version{}, fmt.Errorf("cilium version %q: want MAJOR.MINOR or MAJOR.MINOR.PATCH (such as %s)", s, DefaultVersion)
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(strings.SplitN(p, "-", 2)[0])
		if err != nil || v < 0 {
			return Version{}, fmt.Errorf("cilium version %q: %q is not a number", s, p)
		}
		n[i] = v
	}
	v := Version{n[0], n[1]}
	if v.Less(MinVersion) {
		return Version{}, fmt.Errorf("cilium version %q: netpolc models Cilium %s and later", s, MinVersion)
	}
	return v, nil
}

// String renders "MAJOR.MINOR".
func (v Version) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// Less reports whether v is older than w.
func (v Version) Less(w Version) bool {
	return v.Major < w.Major || (v.Major == w.Major && v.Minor < w.Minor)
}

// EgressNamedPortsPerDestination reports whether the release resolves an
// egress named port on the destinations the rule selects, as
// NetworkPolicy does: from 1.20 (cilium/cilium#44429, "Resolve named
// ports for egress policies by destination identities", and #45760,
// which gives endpoints with different named ports different
// identities). Earlier releases resolve the name against every endpoint
// of the cluster: one number when they all agree, none (the port is
// ignored) when they disagree or none declares it.
func (v Version) EgressNamedPortsPerDestination() bool { return !v.Less(Version{1, 20}) }

// serviceAccountInclude is the default include 1.18 added (upgrade notes
// of 1.18: the service account became identity-relevant).
const serviceAccountInclude = `io\.cilium\.k8s\.policy\.serviceaccount`

// defaultLabelPrefixes is the release's default identity label filter.
func (v Version) defaultLabelPrefixes() []string {
	if !v.Less(Version{1, 18}) {
		return defaultLabelPrefixes
	}
	var out []string
	for _, p := range defaultLabelPrefixes {
		if p != serviceAccountInclude {
			out = append(out, p)
		}
	}
	return out
}
