package manifests

// Reading files ahead, each alone. The builder reads files in order, one
// after the other, since what a file means depends on the files before
// it in only three ways: the objects they defined (a second definition
// is a duplicate), the expansion budget they left and the documents and
// objects they counted. So each file is read ahead on its own, on the
// CPU that parsed it, by a builder of its own (alone) that starts with
// none of them: no object defined, the whole budget, nothing counted.
// When the run comes to the file, what alone read is what the run would
// read — the same problems, notes and objects in the same order — if
// none of its objects was defined before, the budget left covers what it
// spent and the counts stay within their limits; then it is taken as it
// is (absorb). Otherwise, or when alone met anything it does not take
// on (a duplicate, a spent budget, a limit, an admin policy, whose CRD
// validation is left to one goroutine), the file is read again by the
// run itself, as it was before: reading ahead changes the cost, never
// the result.

// readAhead turns reading ahead on; tests turn it off to compare.
var readAhead = true

// aloneTemplate is the builder each file's alone builder starts as: the
// run's settings, nothing read, nothing counted. It is taken before the
// files are read, so that the workers share nothing the run changes.
func (b *builder) aloneTemplate() builder {
	lim := b.lim
	lim.docs, lim.objs = 0, 0
	return builder{lim: lim, decoder: b.decoder, files: b.files, opts: b.opts, size: b.size,
		x: &expander{left: b.x.budget, budget: b.x.budget}}
}

// readAlone reads file i, parsed, with a builder of its own made from
// template t.
func readAlone(t builder, i int, name string, chunks []parsed) *builder {
	a := t
	a.x = &expander{left: t.x.budget, budget: t.x.budget}
	a.seen = map[string]*definition{}
	a.file, a.alone = i, true
	if !a.addFile(name, chunks) {
		a.abandoned = true
	}
	return &a
}

// absorb takes what a, which read the run's next file alone, read, when
// it is what the run would have read; it reports whether it did.
func (b *builder) absorb(a *builder) bool {
	spent := a.x.budget - a.x.left
	if a.abandoned || a.stopped || a.x.spent != nil || spent > b.x.left ||
		b.lim.docs+a.lim.docs > b.lim.documents || b.lim.objs+a.lim.objs > b.lim.objects {
		return false
	}
	for _, k := range a.touched {
		if _, dup := b.seen[k]; dup {
			return false
		}
	}
	b.x.left -= spent
	b.lim.docs += a.lim.docs
	b.lim.objs += a.lim.objs
	for _, k := range a.seenKeys {
		d := a.seen[k]
		b.seen[k] = d
		if b.dups.at != nil {
			b.dups.at[d.at] = k
		}
	}
	b.seenKeys = append(b.seenKeys, a.seenKeys...)
	b.errs = append(b.errs, a.errs...)
	b.absorbSet(&a.set)
	b.workloads = append(b.workloads, a.workloads...)
	b.others = append(b.others, a.others...)
	b.edge.services = append(b.edge.services, a.edge.services...)
	b.edge.refs = append(b.edge.refs, a.edge.refs...)
	b.edge.grants = append(b.edge.grants, a.edge.grants...)
	b.channelWarnings = append(b.channelWarnings, a.channelWarnings...)
	return true
}

// absorbSet appends what reading one file put in s (addFile touches no
// other field of a Set: the endpoints, the edge and the warnings are
// worked out by finish) to the run's Set.
func (b *builder) absorbSet(s *Set) {
	t := &b.set
	t.Inventory.Namespaces = append(t.Inventory.Namespaces, s.Inventory.Namespaces...)
	t.NetworkPolicies = append(t.NetworkPolicies, s.NetworkPolicies...)
	t.ClusterNetworkPolicies = append(t.ClusterNetworkPolicies, s.ClusterNetworkPolicies...)
	t.AdminNetworkPolicies = append(t.AdminNetworkPolicies, s.AdminNetworkPolicies...)
	t.BaselineAdminNetworkPolicies = append(t.BaselineAdminNetworkPolicies, s.BaselineAdminNetworkPolicies...)
	t.Notes = append(t.Notes, s.Notes...)
	t.Skipped = append(t.Skipped, s.Skipped...)
}
