package calico

import (
	"fmt"

	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/emitters/kit"
)

// Name is the target's name and output folder.
const Name = "calico"

// Emitter is the calico target's emitter. Its objects are a *calicoapi.Objects.
type Emitter struct{}

var _ kit.Emitter = Emitter{}

// Name is the target's name.
func (Emitter) Name() string { return Name }

// Doc says what the target emits.
func (Emitter) Doc() string { return "projectcalico.org/v3 Tier and NetworkPolicy" }

// Options name what the cluster runs: its Calico version and how it
// serves projectcalico.org/v3.
func (Emitter) Options() []kit.Option {
	return []kit.Option{
		{Name: calicoapi.OptionAPI, Default: calicoapi.DefaultAPI, Samples: []string{calicoapi.V3CRDs},
			Help: "how the cluster serves projectcalico.org/v3: " + calicoapi.APIServer + " (the Calico API server) or " + calicoapi.V3CRDs + " (CRDs, from Calico 3.32)"},
		{Name: calicoapi.OptionVersion, Default: calicoapi.DefaultVersion, Samples: []string{"3.28", "3.31"},
			Help: "the Calico version the cluster runs (major.minor): tiers and Tier.defaultAction from 3.29"},
	}
}

// Emit renders the IR as a Calico tier and its policies, for the Calico
// the settings name.
func (Emitter) Emit(in kit.Input) (*kit.Output, error) {
	v, err := calicoapi.ParseVersion(in.Settings.Value(calicoapi.OptionVersion, calicoapi.DefaultVersion))
	if err == nil {
		err = calicoapi.CheckAPI(v, in.Settings.Value(calicoapi.OptionAPI, calicoapi.DefaultAPI))
	}
	if err != nil {
		return nil, kit.Hinted(fmt.Errorf("%s: %w: %v", Name, kit.ErrInvalid, err),
			"set "+calicoapi.OptionVersion+" and "+calicoapi.OptionAPI+" in netpolc.yaml (or the flags) to what the cluster runs")
	}
	objs, warns, err := Build(in.Policy, Options{AllowApproximate: in.AllowApproximate, Version: v,
		Cluster: kit.NewCluster(in.Policy, in.Inventory)})
	if err != nil {
		return nil, err
	}
	files, err := Files(objs)
	if err != nil {
		return nil, err
	}
	return &kit.Output{Files: files, Objects: objs, Narrowed: warns}, nil
}
