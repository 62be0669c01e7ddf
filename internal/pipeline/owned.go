package pipeline

import (
	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/emitters/kustomize"
	"github.com/netpolc/netpolc/intent"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/owners"
)

// loadOwned loads every owner's directory (the platform's first) as its
// own package, compiles them as one cluster and checks the result against
// the map (a snapshot's owner without files is left out; none at all is
// no intents): the build must see every directory to compile and prove one
// cluster, and each directory may only hold what its owner owns.
func (l *Loaded) loadOwned(src Sources) error {
	sets := make([]*intent.Set, 0, len(src.Owners))
	chk := &owners.Checker{Map: src.Owners, Dirs: map[string]string{}}
	var errs diag.List
	for _, o := range src.Owners {
		var (
			s   *intent.Set
			err error
		)
		switch {
		case src.OwnerFiles == nil:
			s, err = intent.Load(o.Dir)
		case len(src.OwnerFiles[o.Name]) == 0:
			continue // not in this snapshot (a team added later)
		default:
			s, err = src.Share.parts().LoadFiles(o.Dir, src.OwnerFiles[o.Name])
		}
		if err != nil {
			errs = append(errs, diag.Collect(err)...)
			continue
		}
		sets = append(sets, s)
		chk.Dirs[s.Dir] = o.Name
	}
	if err := errs.Errors(); err != nil || len(sets) == 0 {
		return err
	}
	res, err := compiler.CompileShared(sets, src.Share.compiles())
	if err != nil {
		return err
	}
	if err := chk.Check(res.Policy, res.Merged).Errors(); err != nil {
		return err
	}
	l.Intents, l.Owners = res, chk
	return nil
}

// layout lays the targets' files out as a kustomize tree, in owners'
// folders when the build has owners.
func (o Options) layout(byTarget map[string][]kit.File) ([]kit.File, error) {
	if o.Owners == nil {
		return kustomize.Files(byTarget)
	}
	for t, files := range byTarget {
		placed, err := o.Owners.Place(t, files)
		if err != nil {
			return nil, err
		}
		byTarget[t] = placed
	}
	return kustomize.OwnedFiles(byTarget, o.Owners.Map.Names())
}
