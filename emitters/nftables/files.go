package nftables

import (
	"path"
	"strings"

	"github.com/netpolc/netpolc/emitters"
)

// Dir is the output folder of this target, relative to the output directory.
const Dir = "nftables"

// Files prints the ruleset as nftables/<table>.nft: emitters.Header, how
// to load it and what the node needs, then the transaction String prints.
func Files(rs *Ruleset) []emitters.File {
	var b strings.Builder
	b.WriteString(emitters.Header + "\n")
	b.WriteString("# Load on each node (atomic, repeatable): nft -f " + rs.Table + ".nft\n")
	b.WriteString("# Pods behind a bridge need br_netfilter with net.bridge.bridge-nf-call-iptables=1\n")
	b.WriteString("# and net.bridge.bridge-nf-call-ip6tables=1, so bridged traffic reaches the forward hook.\n")
	b.WriteString(rs.String())
	return []emitters.File{{Path: path.Join(Dir, rs.Table+".nft"), Data: []byte(b.String())}}
}
