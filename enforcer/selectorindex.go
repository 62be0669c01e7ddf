package enforcer

import (
	"slices"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// selectorIndex finds the endpoint groups a pod selector matches, looking
// only at the namespaces it can match and remembering namespace selector
// results, so thousands of selectors over thousands of groups stay cheap.
type selectorIndex struct {
	groups     []*group
	byNS       map[string][]int32 // endpoint groups per namespace
	namespaces []string           // sorted
	nsCache    map[string][]string
	// nsByLabel lists, per namespace label key and value, the namespaces
	// (sorted) that carry it: a namespace selector requiring a value
	// (kubernetes.io/metadata.name: shop, as every `namespace:` peer
	// reads back from NetworkPolicy) looks only at those, instead of
	// every namespace (800 peers × 800 namespaces at 20,000 workloads).
	nsByLabel map[string]map[string][]string
}

func newSelectorIndex(groups []*group) *selectorIndex {
	s := &selectorIndex{groups: groups, byNS: make(map[string][]int32), nsCache: make(map[string][]string),
		nsByLabel: map[string]map[string][]string{}}
	for i, g := range groups {
		if g.external {
			continue
		}
		if _, ok := s.byNS[g.ns]; !ok {
			s.namespaces = append(s.namespaces, g.ns)
		}
		s.byNS[g.ns] = append(s.byNS[g.ns], int32(i))
	}
	slices.Sort(s.namespaces)
	for _, ns := range s.namespaces {
		for k, v := range s.groups[s.byNS[ns][0]].nsLabels {
			if s.nsByLabel[k] == nil {
				s.nsByLabel[k] = map[string][]string{}
			}
			s.nsByLabel[k][v] = append(s.nsByLabel[k][v], ns)
		}
	}
	return s
}

// candidateNamespaces narrows the namespaces sel may match by one of its
// requirements that names values (=, ==, in): only namespaces carrying
// one of them can match. ok is false when sel has no such requirement.
func (s *selectorIndex) candidateNamespaces(sel labels.Selector) (out []string, ok bool) {
	reqs, selectable := sel.Requirements()
	if !selectable {
		return nil, false
	}
	for _, r := range reqs {
		switch r.Operator() {
		case selection.Equals, selection.DoubleEquals, selection.In:
		default:
			continue
		}
		for _, v := range r.ValuesUnsorted() {
			out = append(out, s.nsByLabel[r.Key()][v]...)
		}
		slices.Sort(out)
		return slices.Compact(out), true
	}
	return nil, false
}

// match lists the endpoint groups sel selects, ascending.
func (s *selectorIndex) match(sel podSelector) []int32 {
	var out []int32
	for _, ns := range s.matchNamespaces(sel) {
		for _, g := range s.byNS[ns] {
			if sel.pods.Empty() || sel.pods.Matches(s.groups[g].labels) {
				out = append(out, g)
			}
		}
	}
	slices.Sort(out)
	return out
}

func (s *selectorIndex) matchNamespaces(sel podSelector) []string {
	if sel.namespace != "" {
		return []string{sel.namespace}
	}
	key := selectorKey(sel.nsSel)
	if cached, ok := s.nsCache[key]; ok {
		return cached
	}
	candidates, ok := s.candidateNamespaces(sel.nsSel)
	if !ok {
		candidates = s.namespaces
	}
	var out []string
	for _, ns := range candidates {
		if g := s.byNS[ns]; sel.nsSel.Empty() || sel.nsSel.Matches(labels.Set(s.groups[g[0]].nsLabels)) {
			out = append(out, ns)
		}
	}
	s.nsCache[key] = out
	return out
}
