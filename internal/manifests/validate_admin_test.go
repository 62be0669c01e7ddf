package manifests

import (
	"strings"
	"testing"

	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
)

// experimentalOnly are admin objects the experimental CRD accepts and the
// standard one does not: a domainNames peer (v1alpha2) and a namedPort
// (v1alpha1).
const experimentalOnly = `apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: fqdn}
spec:
  tier: Admin
  priority: 3
  subject: {namespaces: {}}
  egress:
  - name: api
    action: Accept
    to: [{domainNames: [api.example.com]}]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: named}
spec:
  priority: 4
  subject: {namespaces: {}}
  ingress:
  - name: web
    action: Allow
    from: [{namespaces: {}}]
    ports: [{namedPort: http}]
`

// TestAdminChannel pins the channel design of validate_admin.go: an
// object only the experimental CRD accepts is an error on the standard
// channel, a warning when the channel is not known, and fine on the
// experimental channel.
func TestAdminChannel(t *testing.T) {
	parse := func(ch adminapi.Channel) (*Set, error) {
		return Options{AdminChannel: ch}.ParseFiles(File{"admin.yaml", []byte(experimentalOnly)})
	}
	s, err := parse(adminapi.Experimental)
	if err != nil || len(s.Warnings) != 0 || len(s.ClusterNetworkPolicies) != 1 || len(s.AdminNetworkPolicies) != 1 {
		t.Fatalf("experimental: %v, warnings %q", err, s.Warnings)
	}
	s, err = parse("")
	if err != nil || len(s.ClusterNetworkPolicies) != 1 || len(s.AdminNetworkPolicies) != 1 {
		t.Fatalf("unknown channel: %v", err)
	}
	want := []string{
		"admin.yaml:11:10: ClusterNetworkPolicy fqdn is valid only under the experimental-channel CRD (the standard one rejects or prunes spec.egress[0].to[0], spec.egress[0].to[0].domainNames)",
		"admin.yaml:23:13: AdminNetworkPolicy named is valid only under the experimental-channel CRD (the standard one rejects or prunes spec.ingress[0].ports[0], spec.ingress[0].ports[0].namedPort)",
	}
	if len(s.Warnings) != len(want) {
		t.Fatalf("unknown channel: warnings %q, want %d", s.Warnings, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(s.Warnings[i], w) {
			t.Errorf("warning %d = %q\nwant prefix %q", i, s.Warnings[i], w)
		}
	}
	_, err = parse(adminapi.Standard)
	if err == nil {
		t.Fatal("standard: no error")
	}
	for _, w := range []string{
		"admin.yaml:11:10: ClusterNetworkPolicy fqdn spec.egress[0].to[0]: should have at least 1 properties",
		"admin.yaml:11:24: ClusterNetworkPolicy fqdn spec.egress[0].to[0].domainNames: the schema has no such field",
		"network-policy-api v0.2.0 standard CRD, no such field); the object uses a field only the experimental-channel CRD has; if the cluster runs the experimental CRDs, set admin-channel: experimental",
		"AdminNetworkPolicy named spec.ingress[0].ports[0].namedPort: the schema has no such field",
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("standard: error lacks %q:\n%v", w, err)
		}
	}
}
