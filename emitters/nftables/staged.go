package nftables

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
)

// OptionNflogGroup is the nftables option naming the nflog group the
// staged ruleset logs to (build --staged).
const OptionNflogGroup = "nftables-nflog-group"

// defaultNflogGroup is the group when the option is unset: ulogd's
// default NFLOG group is 0 too (ulogd.conf, [log1] group=0).
const defaultNflogGroup = 0

// logPrefixStart starts every prefix the staged ruleset logs with, so a
// listener on a shared group can tell netpolc's packets apart.
const logPrefixStart = "netpolc "

// stage turns the enforcing ruleset into its staged form (build
// --staged): every rule that drops logs the packet to the nflog group
// with a prefix naming the chain and the intent, then accepts it. A
// rule that drops ends its chain's evaluation in the enforcing ruleset,
// and accept ends it in the staged one: each packet the enforcing
// ruleset would drop is logged exactly once, by the rule that would drop
// it, and every packet passes. The first packet of a connection is all
// the enforcing ruleset sees of one it drops (its retries meet the same
// rule); the staged ruleset lets the connection establish, so its later
// packets are replies or established and are not logged again.
func stage(rs *nftapi.Ruleset, group uint16) error {
	rs.Comment = "netpolc STAGED (build --staged): logs to nflog group " + strconv.Itoa(int(group)) +
		" what the enforcing ruleset would drop, drops nothing"
	for ci := range rs.Chains {
		c := &rs.Chains[ci]
		if c.Base != nil && c.Base.Policy != nftapi.Accept {
			return fmt.Errorf("%w: chain %s: policy %s has no staged form", kit.ErrInvalid, c.Name, c.Base.Policy)
		}
		for ri := range c.Rules {
			r := &c.Rules[ri]
			if r.Verdict.Kind != nftapi.Drop {
				continue
			}
			r.Log = &nftapi.Log{Group: group, Prefix: logPrefix(c.Name, r.Comment)}
			r.Verdict = nftapi.Verdict{Kind: nftapi.Accept}
		}
	}
	for _, m := range rs.Maps {
		for _, e := range m.Elements {
			if e.Verdict.Kind == nftapi.Drop {
				return fmt.Errorf("%w: map %s drops %s: a map element has no staged form", kit.ErrInvalid, m.Name, e.Key)
			}
		}
	}
	return nil
}

// logPrefix names where a staged rule sits (its chain: the pod and the
// direction) and why the enforcing rule drops (its comment: the intent's
// file and path, or the isolating intents), in at most
// nftapi.MaxLogPrefix bytes cut at a rune boundary, ending in a space as
// log prefixes do.
func logPrefix(chain, why string) string {
	s := logPrefixStart + chain + ": " + strings.NewReplacer(`"`, "'", "\n", " ", "\r", " ", "\t", " ").Replace(why)
	if len(s) > nftapi.MaxLogPrefix-1 {
		cut := nftapi.MaxLogPrefix - 1
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut]
	}
	return s + " "
}

// nflogGroup reads the nftables-nflog-group setting.
func nflogGroup(in kit.Input) (uint16, error) {
	v := in.Settings.Value(OptionNflogGroup, "")
	if v == "" {
		return defaultNflogGroup, nil
	}
	n, err := strconv.ParseUint(v, 10, 16)
	if err != nil {
		return 0, kit.SettingError(name, OptionNflogGroup, fmt.Errorf("%q is no nflog group (0-65535)", v),
			"set "+OptionNflogGroup+" to the group your log collector (ulogd, …) listens on")
	}
	return uint16(n), nil
}
