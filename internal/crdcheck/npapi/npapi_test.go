package npapi

import (
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestCompile compiles every embedded CRD: each is structural and each
// CEL rule compiles.
func TestCompile(t *testing.T) {
	for vk := range crdFiles {
		version, kind, _ := strings.Cut(vk, "/")
		for _, ch := range []string{Standard, Experimental} {
			if _, err := CRD(version, kind, ch); err != nil {
				t.Error(err)
			}
		}
	}
	if _, err := CRD("v1alpha2", "AdminNetworkPolicy", Standard); err == nil {
		t.Error("v1alpha2 AdminNetworkPolicy: no error")
	}
	if _, err := CRD("v1alpha2", "ClusterNetworkPolicy", "beta"); err == nil {
		t.Error("channel beta: no error")
	}
}

func obj(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

const validCNP = `
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: deny-db}
spec:
  tier: Admin
  priority: 10
  subject: {namespaces: {matchLabels: {team: db}}}
  egress:
  - name: web
    action: Accept
    to: [{namespaces: {}}]
    protocols: [{tcp: {destinationPort: {range: {start: 80, end: 90}}}}]
`

// TestRules proves the validator is not vacuous: a valid object passes,
// and each kind of violation (CEL, schema, unknown field, metadata) is
// found, at its field, naming the rule.
func TestRules(t *testing.T) {
	cases := []struct {
		name, version, kind, channel, doc string
		want                              []string // substrings of the errors, in order
	}{
		{"valid", "v1alpha2", "ClusterNetworkPolicy", Standard, validCNP, nil},
		{"range start >= end", "v1alpha2", "ClusterNetworkPolicy", Standard,
			strings.Replace(validCNP, "start: 80", "start: 95", 1),
			[]string{"spec.egress[0].protocols[0].tcp.destinationPort.range: CEL self.start < self.end: Start port must be less than End port"}},
		{"unknown field", "v1alpha2", "ClusterNetworkPolicy", Standard,
			strings.Replace(validCNP, "action: Accept", "action: Accept\n    comment: x", 1),
			[]string{"spec.egress[0].comment: unknown field"}},
		{"experimental-only field on standard", "v1alpha2", "ClusterNetworkPolicy", Standard,
			strings.Replace(validCNP, "to: [{namespaces: {}}]", "to: [{domainNames: [example.com]}]", 1),
			[]string{"spec.egress[0].to[0]: schema Invalid value: spec.egress[0].to[0] in body should have at least 1 properties", "spec.egress[0].to[0].domainNames: unknown field"}},
		{"experimental-only field on experimental", "v1alpha2", "ClusterNetworkPolicy", Experimental,
			strings.Replace(validCNP, "to: [{namespaces: {}}]", "to: [{domainNames: [example.com]}]", 1), nil},
		{"schema enum", "v1alpha2", "ClusterNetworkPolicy", Standard,
			strings.Replace(validCNP, "tier: Admin", "tier: Gold", 1),
			[]string{"<object>: CEL not run", "spec.tier: schema Unsupported value"}},
		{"bad name", "v1alpha2", "ClusterNetworkPolicy", Standard,
			strings.Replace(validCNP, "deny-db", "Deny_DB", 1),
			[]string{"metadata.name: metadata Invalid value"}},
		{"BANP not named default", "v1alpha1", "BaselineAdminNetworkPolicy", Standard, `
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: baseline}
spec:
  subject: {namespaces: {}}
`, []string{"<object>: CEL self.metadata.name == 'default': Only one baseline admin network policy with metadata.name=\"default\" can be created in the cluster"}},
	}
	for _, c := range cases {
		crd, err := CRD(c.version, c.kind, c.channel)
		if err != nil {
			t.Fatal(err)
		}
		errs := crd.Validate(obj(t, c.doc))
		var got []string
		for _, e := range errs {
			got = append(got, e.Error())
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: got %d errors, want %d:\n%s", c.name, len(got), len(c.want), strings.Join(got, "\n"))
			continue
		}
		for i, w := range c.want {
			if !strings.Contains(got[i], w) {
				t.Errorf("%s: error %d = %q, want it to contain %q", c.name, i, got[i], w)
			}
		}
	}
}
