package nftables

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/internal/netset"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/ir"
)

// peerKind is what a compiled peer matches.
type peerKind uint8

const (
	peerAll  peerKind = iota // every address
	peerPods                 // pods chosen by selectors
	peerNets                 // ipBlocks
)

// peer is a compiled IR peer.
type peer struct {
	kind   peerKind
	pods   podSelector
	blocks []block
	// name is the base of the names of the sets derived from this peer.
	name string
}

// podSelector chooses pods: in namespace (when set) or in the namespaces
// nsSel matches, with labels pods matches.
type podSelector struct {
	namespace string
	nsSel     labels.Selector
	pods      labels.Selector
}

func (s podSelector) matches(e *endpoint) bool {
	if s.namespace != "" && s.namespace != e.Namespace {
		return false
	}
	return (s.namespace != "" || s.nsSel.Matches(e.nsLabels)) && s.pods.Matches(labels.Set(e.Labels))
}

// key is canonical: equal keys select the same pods in every inventory.
func (s podSelector) key() string {
	if s.namespace != "" {
		return "namespace " + s.namespace + ", pods " + selString(s.pods)
	}
	return "namespaces " + selString(s.nsSel) + ", pods " + selString(s.pods)
}

func selString(s labels.Selector) string {
	if s.Empty() {
		return "all"
	}
	return s.String()
}

// compileSelector turns an API selector into a labels.Selector; nil
// selects everything.
func compileSelector(sel *metav1.LabelSelector) (labels.Selector, error) {
	if sel == nil {
		return labels.Everything(), nil
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return nil, fmt.Errorf("%w selector: %v", kit.ErrInvalid, err)
	}
	return s, nil
}

// subjectSelector compiles a rule's or isolation's subject.
func subjectSelector(s ir.Subject) (podSelector, error) {
	if s.Namespace == "" {
		return podSelector{}, fmt.Errorf("%w subject: no namespace", kit.ErrInvalid)
	}
	pods, err := compileSelector(&s.Pods)
	return podSelector{namespace: s.Namespace, nsSel: labels.Everything(), pods: pods}, err
}

// worldBlocks are the blocks of a world peer that lists none itself.
var worldBlocks = []ir.IPBlock{{CIDR: "0.0.0.0/0"}, {CIDR: "::/0"}}

// compilePeer compiles an IR peer of a rule whose subject is in namespace
// ns.
func compilePeer(ns string, p ir.Peer) (peer, []error) {
	switch p.Kind {
	case ir.PeerAll:
		return peer{kind: peerAll, name: "all"}, nil
	case ir.PeerPods, ir.PeerWorkload, ir.PeerDNS:
		pods, err := compileSelector(p.Pods)
		if err != nil {
			return peer{}, []error{err}
		}
		sel := podSelector{namespace: ns, nsSel: labels.Everything(), pods: pods}
		if p.Namespaces != nil {
			sel.namespace = ""
			if sel.nsSel, err = compileSelector(p.Namespaces); err != nil {
				return peer{}, []error{err}
			}
		}
		return peer{kind: peerPods, pods: sel}, nil
	case ir.PeerCIDR, ir.PeerWorld:
		blocks := p.CIDRs
		if p.Kind == ir.PeerWorld && len(blocks) == 0 {
			blocks = worldBlocks
		}
		if len(blocks) == 0 {
			return peer{}, []error{fmt.Errorf("%w %s peer: no CIDR", kit.ErrInvalid, p.Kind)}
		}
		out := peer{kind: peerNets}
		var errs []error
		for _, b := range blocks {
			bl, err := compileBlock(b)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out.blocks = append(out.blocks, bl)
		}
		return out, errs
	case ir.PeerFQDN:
		return peer{}, []error{kit.Hinted(fmt.Errorf("FQDN peer %q: %w (nftables matches addresses, not names)", p.FQDN, ErrUnsupported), kit.FQDNHint)}
	}
	return peer{}, []error{fmt.Errorf("%w peer kind %q", kit.ErrInvalid, p.Kind)}
}

// block is one ipBlock: its CIDR minus its holes, as sorted disjoint
// ranges.
type block struct {
	ranges  netset.Set
	outer   netset.Range // the CIDR, holes included
	comment string
}

func (b block) key() string {
	var parts []string
	for _, r := range b.ranges {
		parts = append(parts, r.First.String()+"-"+r.Last.String())
	}
	return strings.Join(parts, ",")
}

func (b block) contains(a netip.Addr) bool { return b.ranges.Contains(a) }

// compileBlock validates an ipBlock as the Kubernetes API does (canonical
// CIDRs, holes strictly inside) and computes its ranges.
func compileBlock(b ir.IPBlock) (block, error) {
	cidr, err := kit.ParsePrefix("cidr", b.CIDR)
	if err != nil {
		return block{}, err
	}
	ranges := netset.Set{netset.PrefixRange(cidr)}
	except := slices.Clone(b.Except)
	slices.Sort(except)
	except = slices.Compact(except)
	for _, s := range except {
		hole, err := kit.ParsePrefix("except", s)
		if err != nil {
			return block{}, err
		}
		if hole.Addr().Is4() != cidr.Addr().Is4() || hole.Bits() <= cidr.Bits() || !cidr.Contains(hole.Addr()) {
			return block{}, fmt.Errorf("%w except %q: must lie strictly inside cidr %q", kit.ErrInvalid, s, b.CIDR)
		}
		ranges = ranges.Subtract(netset.PrefixRange(hole))
	}
	comment := b.CIDR
	if len(except) > 0 {
		comment += " except " + strings.Join(except, ", ")
	}
	return block{ranges: ranges, outer: netset.PrefixRange(cidr), comment: comment}, nil
}
