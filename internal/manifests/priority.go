package manifests

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/netpolc/netpolc/internal/diag"
)

// ranked is an admin policy's place in its tier's order and the actions
// of its rules per direction.
type ranked struct {
	label    string
	src      diag.Pos
	tier     string
	priority int32
	actions  [2]map[string]bool // ingress, egress
}

func actionsOf(names ...[]string) (out [2]map[string]bool) {
	for d, as := range names {
		out[d] = map[string]bool{}
		for _, a := range as {
			out[d][a] = true
		}
	}
	return out
}

// rankedPolicies lists the admin policies in order of reading.
func (s *Set) rankedPolicies() []ranked {
	var out []ranked
	for _, p := range s.AdminNetworkPolicies {
		var in, eg []string
		for _, r := range p.Spec.Ingress {
			in = append(in, string(r.Action))
		}
		for _, r := range p.Spec.Egress {
			eg = append(eg, string(r.Action))
		}
		out = append(out, ranked{"AdminNetworkPolicy " + p.Name, p.Source, "AdminNetworkPolicy", p.Spec.Priority, actionsOf(in, eg)})
	}
	for _, p := range s.ClusterNetworkPolicies {
		var in, eg []string
		for _, r := range p.Spec.Ingress {
			in = append(in, string(r.Action))
		}
		for _, r := range p.Spec.Egress {
			eg = append(eg, string(r.Action))
		}
		out = append(out, ranked{"ClusterNetworkPolicy " + p.Name, p.Source, "ClusterNetworkPolicy tier " + string(p.Spec.Tier),
			p.Spec.Priority, actionsOf(in, eg)})
	}
	return out
}

// samePriorityWarnings warns where two admin policies of one tier share
// a priority and, in one direction, their rules have different actions.
// Upstream leaves the order of such policies to the implementation (the
// priority field's documentation: "the implementation can apply any of
// the matching policies"), so where their rules match the same connection
// the verdict differs between enforcers. Rules of one action give the
// same verdict in any order, so they are not warned about; the subjects
// and peers are not compared, so the warning says "may".
func (s *Set) samePriorityWarnings() []string {
	ps := s.rankedPolicies()
	var out []string
	for i, a := range ps {
		for _, b := range ps[:i] {
			if a.tier != b.tier || a.priority != b.priority {
				continue
			}
			for d, dir := range []string{"ingress", "egress"} {
				if len(a.actions[d]) == 0 || len(b.actions[d]) == 0 {
					continue
				}
				union := maps.Clone(a.actions[d])
				maps.Copy(union, b.actions[d])
				if len(union) < 2 {
					continue
				}
				out = append(out, fmt.Sprintf("%s: %s has priority %d like %s (%s), and their %s rules (%s) may match the same connections: "+
					"upstream leaves the order of equal priorities to the implementation, so the verdict is not portable; give them different priorities",
					a.src, a.label, a.priority, b.label, b.src, dir, strings.Join(slices.Sorted(maps.Keys(union)), ", ")))
			}
		}
	}
	return out
}

// other is an object of a kind netpolc does not read, and its note.
type other struct {
	kind, note string
}

// maxOtherNotes is how many objects of other kinds get a note each; past
// it (a netpolc output folder holds dozens of Cilium and Calico objects,
// a cluster dump hundreds of ConfigMaps) they are one summary note.
const maxOtherNotes = 3

// foldOthers replaces the notes of skipped objects of other kinds by one
// summary note when there are more than maxOtherNotes of them.
func (b *builder) foldOthers() {
	if len(b.others) <= maxOtherNotes {
		return
	}
	drop := map[string]bool{}
	byKind := map[string]int{}
	for _, o := range b.others {
		drop[o.note] = true
		byKind[o.kind]++
	}
	b.set.Notes = slices.DeleteFunc(b.set.Notes, func(n string) bool { return drop[n] })
	var kinds []string
	for _, k := range slices.Sorted(maps.Keys(byKind)) {
		kinds = append(kinds, fmt.Sprintf("%s ×%d", k, byKind[k]))
	}
	first, _, _ := strings.Cut(b.others[0].note, ": ")
	b.set.Notes = append(b.set.Notes, fmt.Sprintf("%s: skipped %d object(s) of kinds netpolc does not read (it reads workloads, namespaces and network policies): %s",
		first, len(b.others), strings.Join(kinds, ", ")))
}
