package cilium

import (
	"path"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
)

// stagedNote is the file a staged build (build --staged) adds to the
// cilium folder: not a .yaml file, so no kustomization lists it.
const stagedNote = "AUDIT-MODE.md"

// stagedWarning is the build warning of a staged Cilium build.
const stagedWarning = "staged: CiliumNetworkPolicies have no staged form; these are the enforcing policies, which audit instead " +
	"of drop only on endpoints in Cilium's policy audit mode: turn it on for every endpoint of the namespaces " +
	"before applying them (see " + targetName + "/" + stagedNote + ")"

// stagedFiles adds the audit-mode note to the policies' files. Cilium
// (v1.20, Documentation/security/policy-creation.rst, "Policy Audit
// Mode") audits instead of dropping for the whole agent
// (--policy-audit-mode, Helm policyAuditMode) or per endpoint
// (cilium-dbg endpoint config ID PolicyAuditMode=Enabled), at layers 3
// and 4 only; there is no per-namespace or per-policy switch. The note
// says only that.
func stagedFiles(pols []ciliumapi.CiliumNetworkPolicy, fs []kit.File) []kit.File {
	var nss []string
	for _, p := range pols {
		if p.Namespace != "" {
			nss = append(nss, p.Namespace)
		}
	}
	slices.Sort(nss)
	nss = slices.Compact(nss)
	var b strings.Builder
	b.WriteString("<!-- " + kit.Header + " -->\n")
	b.WriteString(`# Staged (build --staged): these policies ENFORCE unless audit mode is on

CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy have no staged form:
the files in this folder are the same policies an enforcing build writes.
Cilium only reports instead of dropping where policy audit mode is on
(Cilium 1.20 documentation, "Creating Policies from Verdicts"):

- for the whole cluster: Helm value policyAuditMode=true (agent flag
  --policy-audit-mode=true); nothing is enforced anywhere while it is on;
- per endpoint, on the node that runs it:
  cilium-dbg endpoint config ENDPOINT_ID PolicyAuditMode=Enabled
  (the setting belongs to that endpoint: a pod started later, such as a
  new replica, is a new endpoint and starts enforcing).

Audit mode covers layer 3 and 4 rules; the DNS rule beside toFQDNs
(layer 7) still runs through Cilium's DNS proxy. Hubble then shows
the flows the policies would drop with the verdict AUDIT
(hubble observe --verdict AUDIT); replay them with netpolc replay.

Turn audit mode on for every endpoint of these namespaces before you apply
this folder, or apply it only to a cluster in audit mode:
`)
	for _, ns := range nss {
		b.WriteString("\n- " + ns)
	}
	if len(nss) == 0 {
		b.WriteString("\n(no namespaced policies)")
	}
	b.WriteString("\n\nClusterwide policies select endpoints of every namespace: they need audit mode on\nevery endpoint they select.\n")
	return append(fs, kit.File{Path: path.Join(targetName, stagedNote), Data: []byte(b.String())})
}

// stagedWarnings is what a staged build tells the user.
func stagedWarnings() []kit.Warning {
	return []kit.Warning{{Origin: ir.Origin{}, Message: stagedWarning}}
}
