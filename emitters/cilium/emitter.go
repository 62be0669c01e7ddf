package cilium

import (
	"slices"
	"strings"

	"github.com/netpolc/netpolc/emitters/cilium/ciliumapi"
	"github.com/netpolc/netpolc/emitters/kit"
)

// targetName is the target's name and output folder.
const targetName = "cilium"

// optionNamedPortsPerDestination declares a Cilium that resolves egress
// named ports per destination, as NetworkPolicy does.
const optionNamedPortsPerDestination = "cilium-named-ports-per-destination"

// Emitter is the cilium target's emitter. Its objects are a
// []ciliumapi.CiliumNetworkPolicy (those without a namespace are
// CiliumClusterwideNetworkPolicies).
type Emitter struct{}

var _ kit.Emitter = Emitter{}

// Name is the target's name.
func (Emitter) Name() string { return targetName }

// Doc says what the target emits.
func (Emitter) Doc() string {
	return "cilium.io/v2 CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy"
}

// Options are what the output depends on of the cluster's Cilium: its
// release and its identity label filter.
func (Emitter) Options() []kit.Option {
	return []kit.Option{
		{Name: optionNamedPortsPerDestination,
			Help: "cilium target: the cluster's Cilium resolves egress named ports per destination (as NetworkPolicy does, as Cilium does from 1.20), so they need no extra checks"},
		{Name: ciliumapi.SettingVersion, Kind: kit.OptionString, Examples: []string{"1.19"},
			Help: "cilium target: the cluster's Cilium release, MAJOR.MINOR[.PATCH] (default " + ciliumapi.DefaultVersion.String() + "; " + ciliumapi.MinVersion.String() + " or later)"},
		{Name: ciliumapi.SettingIdentityLabels, Kind: kit.OptionList,
			Help: "cilium target: a label pattern the cluster's Cilium agent adds to its identity label filter (its --labels values, such as k8s:app or k8s:!team); repeatable"},
	}
}

// Emit renders the IR as CiliumNetworkPolicies for the Cilium the
// settings describe.
func (Emitter) Emit(in kit.Input) (*kit.Output, error) {
	v, err := ciliumapi.ParseVersion(in.Settings.Value(ciliumapi.SettingVersion, ""))
	if err != nil {
		return nil, settingError(ciliumapi.SettingVersion, err)
	}
	labels, err := v.LabelFilter(in.Settings.Values(ciliumapi.SettingIdentityLabels))
	if err != nil {
		return nil, settingError(ciliumapi.SettingIdentityLabels, err)
	}
	pols, warns, err := Build(in.Policy, Options{
		Inventory:                      in.Inventory,
		AllowApproximate:               in.AllowApproximate,
		EgressNamedPortsPerDestination: in.Settings[optionNamedPortsPerDestination],
		Version:                        v,
		Labels:                         labels,
	})
	out, err := kit.Emitted(pols, warns, err, files)
	if err != nil || !in.Settings.IsStaged() {
		return out, err
	}
	out.Files = stagedFiles(pols, out.Files)
	slices.SortFunc(out.Files, func(a, b kit.File) int { return strings.Compare(a.Path, b.Path) })
	out.Warnings = append(out.Warnings, stagedWarnings()...)
	return out, nil
}

// settingError is a bad value of a target option.
func settingError(name string, err error) error {
	return kit.SettingError(targetName, name, err, "set it on the command line or in netpolc.yaml ("+name+": ...)")
}
