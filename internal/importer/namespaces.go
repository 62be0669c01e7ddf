package importer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/inventory"
)

// namespacesCUE writes the namespaces and workloads of the inventory.
func namespacesCUE(b *strings.Builder, inv inventory.Inventory, res *Result) error {
	byNS := map[string][]inventory.Endpoint{}
	for _, ep := range inv.Endpoints {
		byNS[ep.Namespace] = append(byNS[ep.Namespace], ep)
	}
	var errs []error
	b.WriteString("namespaces: {\n")
	for _, ns := range inv.Namespaces {
		labels := map[string]string{}
		for k, v := range ns.Labels {
			if k != inventory.MetadataNameLabel {
				labels[k] = v
			}
		}
		fmt.Fprintf(b, "\t%s: {\n\t\tlabels: %s\n\t\tworkloads: {\n", str(ns.Name), labelsCUE(labels))
		for _, ep := range byNS[ns.Name] {
			w, err := workloadCUE(ep)
			if err != nil {
				errs = append(errs, &diag.Diagnostic{Severity: diag.Error, Pos: ep.Source, Msg: fmt.Sprintf("import: %s %s: %v", ep.Kind, ep.ID(), err)})
				continue
			}
			fmt.Fprintf(b, "\t\t\t// %s %s (%s)\n\t\t\t%s: %s\n", ep.Kind, ep.ID(), ep.Source, str(ep.Name), w)
			if ep.HostNetwork {
				res.Notes = append(res.Notes, fmt.Sprintf("%s: %s runs with hostNetwork: the intents declare it as an ordinary workload; each target's build treats it as that target does", ep.Source, ep.ID()))
			}
		}
		b.WriteString("\t\t}\n\t}\n")
	}
	b.WriteString("}\n\n")
	return joinErrs(errs)
}

// workloadCUE is one workload: its kind, pod labels, named ports and
// known pod IPs.
func workloadCUE(ep inventory.Endpoint) (string, error) {
	if !dnsName.MatchString(ep.Name) || len(ep.Name) > 63 {
		return "", fmt.Errorf("the name is not a DNS label, which the intent language requires of workloads")
	}
	kind := ep.Kind
	if !slices.Contains(workloadKinds, kind) {
		return "", fmt.Errorf("kind %q is not one the intent language declares (%s)", kind, strings.Join(workloadKinds, ", "))
	}
	parts := []string{"kind: " + str(kind), "labels: " + labelsCUE(ep.Labels)}
	if len(ep.Ports) > 0 {
		ports := make([]string, len(ep.Ports))
		for i, p := range ep.Ports {
			ports[i] = fmt.Sprintf("%s: {port: %d, protocol: %s}", str(p.Name), p.Port, str(p.Protocol.String()))
		}
		parts = append(parts, "ports: {"+strings.Join(ports, ", ")+"}")
	}
	if len(ep.IPs) > 0 {
		ips := make([]string, len(ep.IPs))
		for i, ip := range ep.IPs {
			ips[i] = str(ip.String())
		}
		parts = append(parts, "ips: ["+strings.Join(ips, ", ")+"]")
	}
	return "{" + strings.Join(parts, ", ") + "}", nil
}
