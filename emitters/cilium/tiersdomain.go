package cilium

import (
	"fmt"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
	"github.com/netpolc/netpolc/internal/netset"
	"github.com/netpolc/netpolc/internal/portset"
)

// tierCheck is the domain and the rules of the order check (tiers.go).
type tierCheck struct {
	cl    *kit.Cluster
	pods  []end // one pod of each class
	ext   []end // the external ranges, and a DNS name
	admin []tierRule
	teams []tierRule
	isos  [2][]podSel // the teams' isolations
	base  [2][]podSel // the baseline isolations (baseline.go)
	errs  map[*ir.ClusterRule]error
}

// checkTiers decides every flow of the domain both ways and returns the
// admin rules Cilium would decide differently, each with its reason; none
// when a selector does not compile (the emitter reports it).
func (b *builder) checkTiers(p *ir.Policy, order []ruleRef) map[*ir.ClusterRule]error {
	t := &tierCheck{cl: b.cl, errs: map[*ir.ClusterRule]error{}}
	if len(order) == 0 || !t.compile(p, order) {
		return nil
	}
	t.domain(p)
	for d := range 2 {
		ends := t.pods
		if d == egressIndex {
			ends = append(slices.Clone(t.pods), t.ext...)
		}
		for _, s := range t.pods {
			if !t.selected(s.w, d) {
				continue // no admin rule: both read the teams' policies alike
			}
			for _, e := range ends {
				switch {
				case e.w != s.w:
					t.check(s.w, e, d)
				case e.other != nil: // a pod to another of its class
					t.check(s.w, end{w: e.other}, d)
				}
			}
		}
	}
	return t.errs
}

// selected reports whether an admin rule of direction d selects s.
func (t *tierCheck) selected(s *ir.Workload, d int) bool {
	for i := range t.admin {
		if t.admin[i].d == d && t.admin[i].subj.matches(t.cl, s) {
			return true
		}
	}
	return false
}

// check compares one flow; a DNS name's teams' allows are not resolved,
// so both extremes must agree.
func (t *tierCheck) check(s *ir.Workload, e end, d int) {
	if !e.fqdn {
		if v := t.decide(s, e, d, nil); !v.model.Equal(v.cilium) {
			t.blame(s, e, d, v)
		}
		return
	}
	for _, teams := range []portset.Set{{}, portset.All()} {
		if v := t.decide(s, e, d, &teams); !v.model.Equal(v.cilium) {
			t.blame(s, e, d, v)
			return
		}
	}
}

// compile compiles the admin rules in order (each Deny less the peers
// denyExcept leaves out), the teams' isolations and allows, and the
// baseline isolations.
func (t *tierCheck) compile(p *ir.Policy, order []ruleRef) bool {
	ok := true
	for i, ref := range order {
		d, _ := kit.DirIndex(ref.r.Direction)
		ns, err1 := selectorOf(&ref.cp.Subject.Namespaces)
		pods, err2 := selectorOf(&ref.cp.Subject.Pods)
		peer, err3 := tierPeerOf(ref.r.Peer, "")
		for _, x := range denyExcept(order, i) {
			ex, err := tierPeerOf(x.Peer, "")
			ok = ok && err == nil
			peer.except = append(peer.except, ex.pods)
		}
		ok = ok && err1 == nil && err2 == nil && err3 == nil
		t.admin = append(t.admin, tierRule{ref: ref, d: d, subj: podSel{ns: ns, pods: pods}, peer: peer, ports: ref.r.Ports})
	}
	for _, iso := range p.Isolations {
		d, _ := kit.DirIndex(iso.Direction)
		pods, err := selectorOf(&iso.Subject.Pods)
		ok = ok && err == nil
		t.isos[d] = append(t.isos[d], podSel{own: iso.Subject.Namespace, pods: pods})
	}
	for _, r := range p.Rules {
		if r.Action != ir.Allow && r.Action != "" {
			continue // refused (kit.AllowRule)
		}
		d, _ := kit.DirIndex(r.Direction)
		pods, err := selectorOf(&r.Subject.Pods)
		peer, perr := tierPeerOf(r.Peer, r.Subject.Namespace)
		ok = ok && err == nil && perr == nil
		t.teams = append(t.teams, tierRule{d: d, subj: podSel{own: r.Subject.Namespace, pods: pods}, peer: peer, ports: r.Ports})
	}
	for _, cp := range p.Cluster {
		if cp.Tier != ir.TierBaseline {
			continue
		}
		for d, r := range firstRules(&cp) {
			if r != nil && r.Action == ir.Deny && r.Peer.Kind == ir.PeerAll && len(r.Ports) == 0 {
				ns, err1 := selectorOf(&cp.Subject.Namespaces)
				pods, err2 := selectorOf(&cp.Subject.Pods)
				ok = ok && err1 == nil && err2 == nil
				t.base[d] = append(t.base[d], podSel{ns: ns, pods: pods})
			}
		}
	}
	return ok
}

// tierPeerOf compiles a peer; ns is the namespace of a team's rule.
func tierPeerOf(p ir.Peer, ns string) (tierPeer, error) {
	switch p.Kind {
	case ir.PeerAll:
		return tierPeer{all: true}, nil
	case ir.PeerPods, ir.PeerWorkload, ir.PeerDNS:
		pods, err := selectorOf(p.Pods)
		if err != nil {
			return tierPeer{}, err
		}
		sel := &podSel{own: ns, pods: pods}
		if p.Namespaces != nil {
			if sel.ns, err = selectorOf(p.Namespaces); err != nil {
				return tierPeer{}, err
			}
		}
		return tierPeer{pods: sel}, nil
	case ir.PeerCIDR, ir.PeerWorld:
		blocks, err := peerBlocks(p)
		return tierPeer{blocks: blocks}, err
	case ir.PeerFQDN:
		return tierPeer{fqdn: true}, nil
	}
	return tierPeer{}, fmt.Errorf("%w peer kind %q", kit.ErrInvalid, p.Kind)
}

// peerBlocks are the addresses of a CIDR or world peer.
func peerBlocks(p ir.Peer) (netset.Set, error) {
	blocks := p.CIDRs
	if p.Kind == ir.PeerWorld && len(blocks) == 0 {
		blocks = worldBlocks
	}
	var out netset.Set
	for _, blk := range blocks {
		s, err := netset.Block(blk.CIDR, blk.Except)
		if err != nil {
			return nil, err
		}
		for _, r := range s {
			out = out.Union(r)
		}
	}
	return out, nil
}

// domain lists one pod of each class of pods every rule treats alike
// (the same subjects and peers select them, their named ports resolve
// alike), the external ranges the rules' blocks cut the address space
// into, and a DNS name when a team's rule names one. Host-network pods
// are left out: a subject or pod peer selecting one is refused.
func (t *tierCheck) domain(p *ir.Policy) {
	names := map[string]bool{}
	all := append(slices.Clone(t.admin), t.teams...)
	var blocks []netset.Set
	for _, r := range all {
		for _, pt := range r.ports {
			names[pt.Name+"/"+pt.Protocol.String()] = pt.Name != ""
		}
		if len(r.peer.blocks) > 0 {
			blocks = append(blocks, r.peer.blocks)
		}
		if r.peer.fqdn && len(t.ext) == 0 {
			t.ext = append(t.ext, end{fqdn: true})
		}
	}
	byKey := map[string]int{}
	for i := range t.cl.Workloads {
		w := &t.cl.Workloads[i]
		if t.cl.HostNetwork(*w) {
			continue
		}
		k := t.classKey(w, all, names)
		if j, ok := byKey[k]; ok {
			if t.pods[j].other == nil {
				t.pods[j].other = w
			}
			continue
		}
		byKey[k] = len(t.pods)
		t.pods = append(t.pods, end{w: w})
	}
	for _, a := range netset.Atoms(blocks, func(r netset.Range) string {
		var b strings.Builder
		for _, s := range blocks {
			fmt.Fprint(&b, s.Contains(r.First), ",")
		}
		return b.String()
	}) {
		t.ext = append(t.ext, end{atom: &a})
	}
}

// classKey says how every selector of the check and every port name the
// rules use see workload w.
func (t *tierCheck) classKey(w *ir.Workload, rules []tierRule, names map[string]bool) string {
	var b strings.Builder
	e := end{w: w}
	for i := range rules {
		r := &rules[i]
		fmt.Fprint(&b, r.subj.matches(t.cl, w), r.peer.matches(t.cl, e, true), r.peer.matches(t.cl, e, false), ",")
	}
	for d := range 2 {
		for _, sels := range [][]podSel{t.isos[d], t.base[d]} {
			for i := range sels {
				fmt.Fprint(&b, sels[i].matches(t.cl, w), ",")
			}
		}
	}
	for _, np := range w.Ports {
		if names[np.Name+"/"+np.Protocol.String()] {
			fmt.Fprint(&b, np.Name, "/", np.Protocol, "=", np.Port, ",")
		}
	}
	return b.String()
}
