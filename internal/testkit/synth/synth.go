// Package synth writes synthetic intents directories of a given size, for
// benchmarks and scale tests of the compile path. Output is deterministic.
package synth

import (
	"fmt"
	"strings"
)

// Intents returns the CUE source of an intents package with namespaces
// namespaces of workloads workloads each. Every namespace uses the built-in
// templates the way a real team would: default deny, DNS, a tier chain,
// monitoring and, every fifth namespace, egress to an external CIDR.
func Intents(namespaces, workloads int) []byte {
	var b strings.Builder
	b.WriteString("package synth\n\nimport \"netpolc.dev/templates\"\n\n")
	for n := 0; n < namespaces; n++ {
		ns := fmt.Sprintf("ns%04d", n)
		fmt.Fprintf(&b, "namespaces: %q: {\n\tlabels: {team: \"t%d\", env: %q}\n", ns, n%37, []string{"prod", "staging", "dev"}[n%3])
		for w := 0; w < workloads; w++ {
			fmt.Fprintf(&b, "\tworkloads: w%02d: ports: {http: %d, metrics: 9090}\n", w, 8000+w)
		}
		b.WriteString("}\n")
		fmt.Fprintf(&b, "use: \"%s-deny\": templates.#DefaultDeny & {namespace: %q}\n", ns, ns)
		fmt.Fprintf(&b, "use: \"%s-dns\": templates.#AllowDNS & {namespace: %q}\n", ns, ns)
		fmt.Fprintf(&b, "use: \"%s-metrics\": templates.#Monitoring & {namespace: %q}\n", ns, ns)
		fmt.Fprintf(&b, "use: \"%s-tiers\": templates.#Tiers & {namespace: %q, tiers: [", ns, ns)
		for w := 0; w < workloads; w++ {
			fmt.Fprintf(&b, "{workload: \"w%02d\", ports: [\"http\"]}, ", w)
		}
		b.WriteString("]}\n")
		if n%5 == 0 {
			fmt.Fprintf(&b, "use: \"%s-ext\": templates.#ExternalEgress & {namespace: %q, workload: \"w00\", cidrs: [{cidr: \"198.51.%d.0/24\", except: [\"198.51.%d.128/25\"]}], ports: [\"TCP/443\"]}\n", ns, ns, n%256, n%256)
		}
		if n > 0 {
			fmt.Fprintf(&b, "policies: \"%s-from-prev\": {namespace: %q, workload: \"w00\", ingress: [{from: [{workload: \"ns%04d/w%02d\"}], ports: [\"TCP/8000-8100\"]}]}\n", ns, ns, n-1, workloads-1)
		}
	}
	b.WriteString("namespaces: monitoring: workloads: prometheus: ports: web: 9090\n")
	return []byte(b.String())
}
