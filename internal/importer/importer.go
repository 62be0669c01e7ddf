// Package importer turns existing Kubernetes NetworkPolicies (and the
// workloads beside them) into an intents directory a person would keep:
// the namespaces and workloads of the input, templates where a policy is
// one (#DefaultDeny, #AllowDNS), plain `policies` for the rest, each with
// a comment naming the object it came from. It proves its own result: the
// imported intents' matrix over the input's workloads equals the input
// policies' matrix, or Import fails naming the flows that differ.
package importer

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"cuelang.org/go/cue/format"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/inventory"
	"github.com/netpolc/netpolc/internal/manifests"
)

// FileName is the one file Import writes into the intents directory.
const FileName = "imported.cue"

// Result is an import: the file to write and what it holds.
type Result struct {
	// Source is the formatted CUE of FileName.
	Source []byte
	// Templates and Policies count the template instances recognised and
	// the policies kept as plain `policies`.
	Templates, Policies int
	// Notes are things the user should know (no workloads to prove over,
	// input the intent language leaves out).
	Notes []string
}

// workloadKinds are the kinds the intent language's #Workload accepts.
var workloadKinds = []string{"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "ReplicationController", "Pod"}

// dnsName is the intent language's #Name (a DNS-1123 label).
var dnsName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// Import converts a manifests set into intents (package pkg) and proves
// them. Admin-API objects are refused: the intent language has no
// cluster-wide tier yet, and dropping them would import a wider policy.
func Import(set *manifests.Set, pkg string) (*Result, error) {
	if err := refuseAdmin(set); err != nil {
		return nil, err
	}
	if !dnsName.MatchString(pkg) {
		return nil, fmt.Errorf("package name %q: use a lower-case DNS label such as \"imported\"", pkg)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "// Imported by `netpolc import` from %d NetworkPolicies; the matrix of\n// these intents over the input's workloads equals theirs.\npackage %s\n\n", len(set.NetworkPolicies), pkg)
	res := &Result{}
	body, errs := policiesCUE(set.NetworkPolicies, namedPorts(set.Inventory), res)
	if len(body.use) > 0 {
		b.WriteString("import \"netpolc.dev/templates\"\n\n")
	}
	if err := namespacesCUE(&b, set.Inventory, res); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, joinErrs(errs)
	}
	writeBlock(&b, "use", body.use)
	writeBlock(&b, "policies", body.policies)
	src, err := format.Source([]byte(b.String()))
	if err != nil {
		return nil, fmt.Errorf("import: the generated intents do not format (a netpolc bug): %w", err)
	}
	res.Source = src
	if len(set.Inventory.Endpoints) == 0 {
		res.Notes = append(res.Notes, "the input holds no workloads, so the proof compared no flows: give the workloads too (a cluster dump or rendered charts) for a proof that means something")
	}
	return res, prove(set, src)
}

// refuseAdmin fails on admin-API objects, naming each.
func refuseAdmin(set *manifests.Set) error {
	var errs []error
	add := func(pos diag.Pos, kind, name string) {
		errs = append(errs, &diag.Diagnostic{Severity: diag.Error, Pos: pos,
			Msg:  fmt.Sprintf("import: %s %s: the intent language has no cluster-wide tier yet, so admin policies cannot be imported", kind, name),
			Hint: "import the NetworkPolicies alone (leave the admin objects out of --manifests) and keep applying the admin objects as they are"})
	}
	for _, p := range set.ClusterNetworkPolicies {
		add(p.Source, "ClusterNetworkPolicy", p.Name)
	}
	for _, p := range set.AdminNetworkPolicies {
		add(p.Source, "AdminNetworkPolicy", p.Name)
	}
	for _, p := range set.BaselineAdminNetworkPolicies {
		add(p.Source, "BaselineAdminNetworkPolicy", p.Name)
	}
	return joinErrs(errs)
}

// block is the entries of `use` and `policies`, each a CUE field with
// its comment.
type block struct{ use, policies []string }

func writeBlock(b *strings.Builder, name string, entries []string) {
	if len(entries) == 0 {
		return
	}
	fmt.Fprintf(b, "%s: {\n%s}\n\n", name, strings.Join(entries, ""))
}

// policiesCUE converts every NetworkPolicy, recognising templates.
func policiesCUE(nps []manifests.NetworkPolicy, declared map[[2]string]bool, res *Result) (block, []error) {
	var (
		out  block
		errs []error
	)
	for _, np := range nps {
		key := str(np.Namespace + "/" + np.Name)
		comment := fmt.Sprintf("\t// NetworkPolicy %s/%s (%s)\n", np.Namespace, np.Name, np.Source)
		pol := *np.DeepCopy()
		// Policy types are decided before rules are pruned: a policy
		// whose only egress rule goes keeps isolating egress.
		in, eg := types(pol)
		pol.Spec.PolicyTypes = nil
		if in {
			pol.Spec.PolicyTypes = append(pol.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
		}
		if eg {
			pol.Spec.PolicyTypes = append(pol.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
		}
		res.Notes = append(res.Notes, pruneDeadPorts(&pol, declared)...)
		sp := recognise(pol)
		for _, u := range sp.uses {
			out.use = append(out.use, comment+"\t"+str(np.Namespace+"/"+np.Name+u[0])+": "+u[1]+"\n")
			res.Templates++
		}
		if sp.rest == nil {
			continue
		}
		p, err := policyCUE(*sp.rest)
		if err != nil {
			errs = append(errs, &diag.Diagnostic{Severity: diag.Error, Pos: np.Source,
				Msg: fmt.Sprintf("import: NetworkPolicy %s/%s: %v", np.Namespace, np.Name, err)})
			continue
		}
		out.policies = append(out.policies, comment+"\t"+key+": "+p+"\n")
		res.Policies++
	}
	return out, errs
}

// types says which directions a policy isolates, with the API's defaults
// (Ingress always, Egress when it has egress rules).
func types(np networkingv1.NetworkPolicy) (ingress, egress bool) {
	if len(np.Spec.PolicyTypes) == 0 {
		return true, len(np.Spec.Egress) > 0
	}
	return slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress),
		slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
}

// policyCUE is one NetworkPolicy as a #Policy: the same selector, and the
// rules of each direction it isolates (a direction present with no rules
// isolates, as in NetworkPolicy).
func policyCUE(np networkingv1.NetworkPolicy) (string, error) {
	parts := []string{"namespace: " + str(np.Namespace)}
	if sel := np.Spec.PodSelector; len(sel.MatchLabels)+len(sel.MatchExpressions) > 0 {
		parts = append(parts, "podSelector: "+selectorCUE(&sel))
	}
	in, eg := types(np)
	if in {
		rules := make([]string, len(np.Spec.Ingress))
		for i, r := range np.Spec.Ingress {
			s, err := ruleCUE("from", r.From, r.Ports)
			if err != nil {
				return "", fmt.Errorf("spec.ingress[%d]: %w", i, err)
			}
			rules[i] = s
		}
		parts = append(parts, "ingress: ["+strings.Join(rules, ", ")+"]")
	}
	if eg {
		rules := make([]string, len(np.Spec.Egress))
		for i, r := range np.Spec.Egress {
			s, err := ruleCUE("to", r.To, r.Ports)
			if err != nil {
				return "", fmt.Errorf("spec.egress[%d]: %w", i, err)
			}
			rules[i] = s
		}
		parts = append(parts, "egress: ["+strings.Join(rules, ", ")+"]")
	}
	return "{\n\t\t" + strings.Join(parts, "\n\t\t") + "\n\t}", nil
}

func ruleCUE(field string, peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) (string, error) {
	ps, err := peersCUE(peers)
	if err != nil {
		return "", err
	}
	s := "{" + field + ": " + ps
	pts, err := portsCUE(ports)
	if err != nil {
		return "", err
	}
	if pts != "" {
		s += ", ports: " + pts
	}
	return s + "}", nil
}

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
