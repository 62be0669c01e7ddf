package cli

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestVetRejectsWhatBuildRejects: every input that `build` rejects as
// invalid for the API (checked by the emitters) `vet` rejects too, at the
// same position, because the compiler rejects it first.
func TestVetRejectsWhatBuildRejects(t *testing.T) {
	long := strings.Repeat("a", 64)
	decl := "package t\n\nnamespaces: shop: workloads: {web: ports: http: 8080, db: {}}\n"
	cases := []struct {
		name, src, want string
	}{
		{"IPv4-mapped IPv6 CIDR", decl + policy(`egress: [{to: [{cidr: "::ffff:10.0.0.0/104"}]}]`),
			`a\.cue:4:\d+: .*CIDR "::ffff:10\.0\.0\.0/104" is an IPv4-mapped IPv6 address\n    hint: write the IPv4 CIDR: 10\.0\.0\.0/8`},
		{"IPv4-mapped IPv6 except", decl + policy(`egress: [{to: [{cidr: "::/0", except: ["::ffff:0:0/96"]}]}]`),
			`a\.cue:4:\d+: .*CIDR "::ffff:0:0/96" is an IPv4-mapped IPv6 address`},
		{"64-character namespace", "package t\n\nnamespaces: " + long + ": workloads: web: {}\npolicies: p: {namespace: \"" + long + "\", ingress: []}\n",
			`a\.cue:3:\d+: namespaces\.a+: invalid namespace name "a{64}": must be no more than 63 characters`},
		{"64-character workload", "package t\n\nnamespaces: shop: workloads: " + long + ": {}\npolicies: p: {namespace: \"shop\", workload: \"" + long + "\", ingress: []}\n",
			`a\.cue:3:\d+: .*invalid workload name "a{64}"`},
		{"workload named like the namespace-wide subject", decl + "namespaces: shop: workloads: \"all-pods\": {}\n" +
			"policies: {a: {namespace: \"shop\", workload: \"all-pods\", ingress: []}, b: {namespace: \"shop\", ingress: []}}\n",
			`a\.cue:4:\d+: .*workload name "all-pods" is reserved`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			t.Chdir(root) // outside this repository, so OUT in root is allowed
			dir := filepath.Join(root, "intents")
			writeFiles(t, dir, map[string]string{"a.cue": tc.src})
			for _, args := range [][]string{
				{"vet", dir},
				{"build", dir, "-o", filepath.Join(root, "out"), "--target", "networkpolicy,calico,cilium"},
			} {
				var stdout, stderr bytes.Buffer
				if code := Main(args, &stdout, &stderr); code != exitInvalid {
					t.Errorf("%s: exit code %d, want %d; stderr:\n%s", args[0], code, exitInvalid, stderr.String())
				}
				if !regexp.MustCompile(tc.want).MatchString(stderr.String()) {
					t.Errorf("%s: stderr does not match %q:\n%s", args[0], tc.want, stderr.String())
				}
			}
		})
	}
}
