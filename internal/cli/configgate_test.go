package cli

import (
	"strings"
	"testing"
)

// TestConfigChangeIsChecked: one commit cannot switch off its own checks.
// Dropping output from netpolc.yaml while hand-editing a generated policy
// wider fails; so does dropping a guardrail or a target; a reviewed change
// passes with --allow-config-change, which still reports it, and the old
// output's hand edits fail even then.
func TestConfigChangeIsChecked(t *testing.T) {
	r := gateRepo(t)
	widened := strings.Replace(r.Read("deploy/netpol/networkpolicy/shop/shop-ingress-db.yaml"),
		"  ingress:\n", "  ingress:\n  - {}\n", 1)

	r.Write("netpolc.yaml", "intents: intents\n")
	r.Write("deploy/netpol/networkpolicy/shop/shop-ingress-db.yaml", widened)
	r.Git("add", "-A")
	out, _ := mustRun(t, 1, "verify")
	matches(t, "output dropped", `output deploy/netpol is removed`, out)
	matches(t, "old output still checked", `changed  deploy/netpol/networkpolicy/shop/shop-ingress-db\.yaml`, out)
	out, _ = mustRun(t, 1, "verify", "--allow-config-change")
	matches(t, "hand edit fails even when the change is allowed", `changed  deploy/netpol/networkpolicy/shop/shop-ingress-db\.yaml`, out)
	if strings.Contains(out, "alters what the gate checks") {
		t.Errorf("an allowed change is reported as a failure:\n%s", out)
	}

	r.Git("checkout", "HEAD", "--", "deploy")
	out, _ = mustRun(t, 0, "verify", "--allow-config-change")
	matches(t, "allowed change still reported", `gate configuration changed \(allowed\): output deploy/netpol is removed`, out)

	r.Git("checkout", "HEAD", "--", "netpolc.yaml")
	r.Write("intents/shop.cue", strings.Replace(gateIntents, `guardrails: "db-private": noIngressFromWorld: "shop/db"`, "", 1))
	r.Git("add", "-A")
	out, _ = mustRun(t, 1, "verify")
	matches(t, "guardrail dropped", `guardrail "db-private" is removed`, out)
	mustRun(t, 0, "verify", "--allow-config-change")

	r.Git("checkout", "HEAD", "--", "intents")
	r.Write("netpolc.yaml", "intents: intents\noutput: deploy/netpol\ntargets: [networkpolicy, calico]\n")
	mustRun(t, 0, "build")
	r.Git("add", "-A")
	r.Commit("calico too")
	r.Write("netpolc.yaml", "intents: intents\noutput: deploy/netpol\ntargets: [networkpolicy]\n")
	r.Git("add", "-A")
	out, _ = mustRun(t, 1, "verify")
	matches(t, "target dropped", `target calico is removed`, out)
}
