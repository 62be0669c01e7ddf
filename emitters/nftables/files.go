package nftables

import (
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
	b.WriteString(rs.String())
	return []kit.File{{Path: path.Join(name, rs.Table+".nft"), Data: []byte(b.String())}}
}
