// Package importer turns existing Kubernetes NetworkPolicies and admin-API
// objects (and the workloads beside them) into an intents directory a
// person would keep: the namespaces and workloads of the input, templates
// where the policies hold one (#DefaultDeny, #AllowDNS,
// #NamespaceIsolation, #Tiers, #Gateway, #ExternalEgress, #Monitoring),
// plain `policies` for the rest, the admin objects as `platform` intents,
// each with a comment naming the object it came from. It proves its own result: the
// imported intents' matrix over the input's workloads equals the input
// policies' matrix, or Import fails naming the flows that differ.
package importer

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"cuelang.org/go/cue/format"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/manifests"
)

// FileName is the one file Import writes into the intents directory.
const FileName = "imported.cue"

// Result is an import: the file to write and what it holds.
type Result struct {
	// Source is the formatted CUE of FileName.
	Source []byte
	// Templates and Policies count the template instances recognised and
	// the policies kept as plain `policies`; Platform the admin-API
	// objects imported as platform intents.
	Templates, Policies, Platform int
	// Notes are things the user should know (no workloads to prove over,
	// input the intent language leaves out).
	Notes []string
}

// workloadKinds are the kinds the intent language's #Workload accepts.
var workloadKinds = []string{"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "ReplicationController", "Pod"}

// dnsName is the intent language's #Name (a DNS-1123 label).
var dnsName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// Import converts a manifests set into intents (package pkg) and proves
// them: NetworkPolicies into templates and policies, admin-API objects
// into platform intents.
func Import(set *manifests.Set, pkg string) (*Result, error) {
	if !dnsName.MatchString(pkg) {
		return nil, fmt.Errorf("package name %q: use a lower-case DNS label such as \"imported\"", pkg)
	}
	res := &Result{}
	nps := normalise(set.NetworkPolicies, namedPorts(set.Inventory), res)
	protos := newIndex(nil, set.Inventory).protos
	plat := [2]platform{platformCUE(set, protos, false), platformCUE(set, protos, true)}
	if len(plat[1].errs) > 0 {
		return nil, joinErrs(plat[1].errs)
	}
	res.Notes = append(res.Notes, plat[1].notes...)
	res.Platform = plat[1].count
	var nsb strings.Builder
	if err := namespacesCUE(&nsb, set.Inventory, res); err != nil {
		return nil, err
	}
	if len(set.Inventory.Endpoints) == 0 {
		res.Notes = append(res.Notes, "the input holds no workloads, so the proof compared no flows: give the workloads too (a cluster dump or rendered charts) for a proof that means something")
	}
	// Recognition is checked by the proof like everything else: where it
	// fails, the namespaces involved are imported again without templates
	// (then every namespace and the platform layer), never written as the
	// proof rejected them.
	off := map[string]bool{}
	for {
		src, n, err := render(set, nps, nsb.String(), plat, pkg, off)
		if err != nil {
			return nil, err
		}
		involved, err := prove(set, src)
		if err == nil {
			res.Source, res.Templates, res.Policies = src, n[0], n[1]
			return res, nil
		}
		if n[0] == 0 || off[allNamespaces] {
			return nil, err
		}
		next := map[string]bool{allNamespaces: true}
		if len(involved) > 0 && len(off) == 0 {
			next = involved
		}
		res.Notes = append(res.Notes, fmt.Sprintf("the templates recognised in %s did not pass the proof (a netpolc bug: please report it); imported there as plain policies", nsList(next)))
		off = next
	}
}

// allNamespaces in the set of namespaces without recognition is all.
const allNamespaces = "*"

func nsList(m map[string]bool) string {
	if m[allNamespaces] {
		return "every namespace and the platform layer"
	}
	names := slices.Sorted(maps.Keys(m))
	return "namespace(s) " + strings.Join(names, ", ")
}

// render writes the intents: the namespaces, the platform layer (plat[1]
// with its templates recognised, plat[0] without), the templates
// recognised (except in namespaces off), and what they leave as plain
// policies. n counts the template instances and the policies.
func render(set *manifests.Set, nps []manifests.NetworkPolicy, namespaces string, plat [2]platform, pkg string, off map[string]bool) ([]byte, [2]int, error) {
	x := newIndex(nps, set.Inventory)
	p := plat[1]
	if off[allNamespaces] {
		p = plat[0]
	}
	body := block{use: p.uses}
	n := [2]int{len(p.uses), 0}
	if !off[allNamespaces] {
		for _, in := range x.recogniseAll(off) {
			body.use = append(body.use, x.sources(in)+"\t"+str(in.key)+": "+in.cue+"\n")
			n[0]++
		}
	}
	isolated := map[isoKey]bool{}
	var errs []error
	for i, np := range x.nps {
		left := x.leftover(i, isolated)
		if left == nil {
			continue
		}
		p, err := x.policyCUE(*left)
		if err != nil {
			errs = append(errs, &diag.Diagnostic{Severity: diag.Error, Pos: np.Source,
				Msg: fmt.Sprintf("import: NetworkPolicy %s/%s: %v", np.Namespace, np.Name, err)})
			continue
		}
		comment := fmt.Sprintf("\t// NetworkPolicy %s/%s (%s)\n", np.Namespace, np.Name, np.Source)
		body.policies = append(body.policies, comment+"\t"+str(np.Namespace+"/"+np.Name)+": "+p+"\n")
		n[1]++
	}
	if len(errs) > 0 {
		return nil, n, joinErrs(errs)
	}
	var b strings.Builder
	admin := len(set.ClusterNetworkPolicies) + len(set.AdminNetworkPolicies) + len(set.BaselineAdminNetworkPolicies)
	fmt.Fprintf(&b, "// Imported by `netpolc import` from %d NetworkPolicies and %d admin-API\n// objects; the matrix of these intents over the input's workloads equals\n// theirs.\npackage %s\n\n", len(nps), admin, pkg)
	if len(body.use) > 0 {
		b.WriteString("import \"netpolc.dev/templates\"\n\n")
	}
	b.WriteString(namespaces)
	b.WriteString(p.block())
	writeBlock(&b, "use", body.use)
	writeBlock(&b, "policies", body.policies)
	src, err := format.Source([]byte(b.String()))
	if err != nil {
		return nil, n, fmt.Errorf("import: the generated intents do not format (a netpolc bug): %w", err)
	}
	return src, n, nil
}

// normalise makes each policy's types explicit (decided before rules are
// pruned: a policy whose only egress rule goes keeps isolating egress),
// drops the rules of directions it does not isolate (the API ignores
// them) and prunes named ports no workload declares.
func normalise(in []manifests.NetworkPolicy, declared map[[2]string]bool, res *Result) []manifests.NetworkPolicy {
	out := make([]manifests.NetworkPolicy, len(in))
	for i, np := range in {
		pol := np
		pol.NetworkPolicy = *np.NetworkPolicy.DeepCopy()
		isIn, isEg := types(pol.NetworkPolicy)
		pol.Spec.PolicyTypes = nil
		if isIn {
			pol.Spec.PolicyTypes = append(pol.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
		} else {
			pol.Spec.Ingress = nil
		}
		if isEg {
			pol.Spec.PolicyTypes = append(pol.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
		} else {
			pol.Spec.Egress = nil
		}
		res.Notes = append(res.Notes, pruneDeadPorts(&pol.NetworkPolicy, declared)...)
		out[i] = pol
	}
	return out
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
