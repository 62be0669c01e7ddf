package enforcer

import (
	"slices"

	"k8s.io/apimachinery/pkg/labels"
)

// selectorIndex finds the endpoint groups a pod selector matches, looking
// only at the namespaces it can match and remembering namespace selector
// results, so thousands of selectors over thousands of groups stay cheap.
type selectorIndex struct {
	groups     []*group
	byNS       map[string][]int32 // endpoint groups per namespace
	namespaces []string           // sorted
	nsCache    map[string][]string
}

func newSelectorIndex(groups []*group) *selectorIndex {
	s := &selectorIndex{groups: groups, byNS: make(map[string][]int32), nsCache: make(map[string][]string)}
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
	return s
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
	var out []string
	for _, ns := range s.namespaces {
		if g := s.byNS[ns]; sel.nsSel.Empty() || sel.nsSel.Matches(labels.Set(s.groups[g[0]].nsLabels)) {
			out = append(out, ns)
		}
	}
	s.nsCache[key] = out
	return out
}
