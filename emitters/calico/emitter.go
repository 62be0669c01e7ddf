package calico

import (
	"github.com/netpolc/netpolc/emitters/calico/calicoapi"
	"github.com/netpolc/netpolc/emitters/kit"
)

// targetName is the target's name and output folder.
const targetName = "calico"

// Emitter is the calico target's emitter. Its objects are a *calicoapi.Objects.
type Emitter struct{}

var _ kit.Emitter = Emitter{}

// Name is the target's name.
func (Emitter) Name() string { return targetName }

// Doc says what the target emits.
func (Emitter) Doc() string {
	return "projectcalico.org/v3 Tier, NetworkPolicy and GlobalNetworkPolicy"
}

// Options name what the cluster runs: its Calico version and how it
// serves projectcalico.org/v3.
func (Emitter) Options() []kit.Option {
	return []kit.Option{
		{Name: calicoapi.OptionAPI, Kind: kit.OptionString, Examples: []string{calicoapi.V3CRDs},
			Help: "calico target: how the cluster serves projectcalico.org/v3: " + calicoapi.APIServer + " (the Calico API server, default) or " + calicoapi.V3CRDs + " (CRDs, from Calico 3.32)"},
		{Name: calicoapi.OptionVersion, Kind: kit.OptionString, Examples: []string{"3.28", "3.31"},
			Help: "calico target: the Calico release the cluster runs, MAJOR.MINOR[.PATCH] (default " + calicoapi.DefaultVersion + "): tiers and Tier.defaultAction from 3.29"},
	}
}

// Emit renders the IR as a Calico tier and its policies, for the Calico
// the settings name; with settings.Staged, as staged policies (stage).
func (Emitter) Emit(in kit.Input) (*kit.Output, error) {
	v, err := calicoapi.ParseVersion(in.Settings.Value(calicoapi.OptionVersion, ""))
	if err != nil {
		return nil, settingError(calicoapi.OptionVersion, err)
	}
	if err := calicoapi.CheckAPI(v, in.Settings.Value(calicoapi.OptionAPI, "")); err != nil {
		return nil, settingError(calicoapi.OptionAPI, err)
	}
	objs, warns, err := Build(in.Policy, Options{AllowApproximate: in.AllowApproximate, Version: v,
		Cluster: kit.NewCluster(in.Policy, in.Inventory)})
	if err != nil || !in.Settings.IsStaged() {
		return kit.Emitted(objs, warns, err, files)
	}
	if err := stage(objs, v); err != nil {
		return nil, err
	}
	out, err := kit.Emitted(objs, warns, nil, files)
	if err != nil {
		return nil, err
	}
	out.Warnings = stagedWarnings(objs)
	return out, nil
}

// settingError is a diagnostic about a calico option's value
// (kit.ErrInvalid).
func settingError(name string, err error) error {
	return kit.SettingError(targetName, name, err,
		"set "+calicoapi.OptionVersion+" and "+calicoapi.OptionAPI+" on the command line or in netpolc.yaml to what the cluster runs")
}
