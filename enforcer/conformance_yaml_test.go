package enforcer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"
	"sigs.k8s.io/yaml"

	"github.com/netpolc/netpolc/internal/testkit/conformance"
)

// TestConformanceYAML runs the cases in testdata/conformance/*.txt: a
// description, a "-- policies.yaml --" section of Kubernetes objects and
// one "-- want PROTO/PORT --" table per probe, over the conformance
// cluster of package conformance. (Quote "y" in YAML: unquoted, YAML 1.1
// readers such as sigs.k8s.io/yaml take it for a boolean.)
func TestConformanceYAML(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "conformance", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no YAML conformance cases: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			sections := splitSections(string(data))
			c := decodeObjects(t, sections["policies.yaml"])
			for name, table := range sections {
				if probe, ok := strings.CutPrefix(name, "want "); ok {
					c.Probe, c.Want = probe, table
					t.Run(probe, func(t *testing.T) { runConfCase(t, c) })
				}
			}
		})
	}
}

// splitSections cuts "-- name --" delimited sections (txtar-like).
func splitSections(s string) map[string]string {
	out := map[string]string{}
	name := ""
	for line := range strings.SplitSeq(s, "\n") {
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(line, " --") {
			name = strings.TrimSuffix(strings.TrimPrefix(line, "-- "), " --")
			continue
		}
		if name != "" {
			out[name] += line + "\n"
		}
	}
	return out
}

// decodeObjects reads a multi-document YAML stream of policy objects.
func decodeObjects(t *testing.T, stream string) conformance.Case {
	t.Helper()
	var c conformance.Case
	for doc := range strings.SplitSeq(stream, "\n---\n") {
		var meta struct{ Kind string }
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatal(err)
		}
		var err error
		switch meta.Kind {
		case "NetworkPolicy":
			var o networkingv1.NetworkPolicy
			err = yaml.UnmarshalStrict([]byte(doc), &o)
			c.NPs = append(c.NPs, o)
		case "ClusterNetworkPolicy":
			var o v1alpha2.ClusterNetworkPolicy
			err = yaml.UnmarshalStrict([]byte(doc), &o)
			c.CNPs = append(c.CNPs, o)
		case "AdminNetworkPolicy":
			var o v1alpha1.AdminNetworkPolicy
			err = yaml.UnmarshalStrict([]byte(doc), &o)
			c.ANPs = append(c.ANPs, o)
		case "BaselineAdminNetworkPolicy":
			var o v1alpha1.BaselineAdminNetworkPolicy
			err = yaml.UnmarshalStrict([]byte(doc), &o)
			c.BANPs = append(c.BANPs, o)
		default:
			t.Fatalf("unexpected kind %q", meta.Kind)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return c
}
