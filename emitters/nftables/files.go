package nftables

import (
	"fmt"
	"path"
	"strings"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
)

// Files prints the ruleset as nftables/<table>.nft: kit.Header, how
// to load it and what the node needs, then the transaction String prints.
func Files(rs *nftapi.Ruleset) []kit.File {
	var b strings.Builder
	b.WriteString(kit.Header + "\n")
	b.WriteString("# Load on each node (atomic, repeatable): nft -f " + rs.Table + ".nft\n")
	b.WriteString("# Pods behind a bridge need br_netfilter with net.bridge.bridge-nf-call-iptables=1\n")
	b.WriteString("# and net.bridge.bridge-nf-call-ip6tables=1, so bridged traffic reaches the inet postrouting hook.\n")
	if l := stagedLog(rs); l != nil {
		fmt.Fprintf(&b, "# STAGED (build --staged): this ruleset drops nothing. Each packet the enforcing ruleset would drop\n"+
			"# is accepted and sent to nflog group %d with the prefix \"netpolc <chain>: <intent> \" (read it with ulogd\n"+
			"# or any NFLOG listener); build without --staged to enforce.\n", l.Group)
	}
	b.WriteString(rs.String())
	return []kit.File{{Path: path.Join(name, rs.Table+".nft"), Data: []byte(b.String())}}
}

// stagedLog is the log statement of a staged ruleset (stage), nil when
// the ruleset logs nothing.
func stagedLog(rs *nftapi.Ruleset) *nftapi.Log {
	for _, c := range rs.Chains {
		for _, r := range c.Rules {
			if r.Log != nil {
				return r.Log
			}
		}
	}
	return nil
}
