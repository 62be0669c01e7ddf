package adminpolicy

import (
	"github.com/netpolc/netpolc/emitters/adminpolicy/adminapi"
	"github.com/netpolc/netpolc/emitters/kit"
	"github.com/netpolc/netpolc/internal/diag"
)

// targetName is the target's name and output folder.
const targetName = "adminpolicy"

// Emitter is the adminpolicy target's emitter. Its objects are an
// *adminapi.Objects.
type Emitter struct{}

var _ kit.Emitter = Emitter{}

// Name is the target's name.
func (Emitter) Name() string { return targetName }

// Doc says what the target emits.
func (Emitter) Doc() string {
	return "policy.networking.k8s.io ClusterNetworkPolicy v1alpha2 (AdminNetworkPolicy v1alpha1 with --" +
		adminapi.SettingVersion + "=v1alpha1), for the standard or experimental CRD channel"
}

// Options are what the output depends on of the cluster's
// network-policy-api CRDs: their API version and release channel.
func (Emitter) Options() []kit.Option {
	return []kit.Option{
		{Name: adminapi.SettingVersion, Kind: kit.OptionString, Examples: []string{string(adminapi.V1Alpha1)},
			Help: "adminpolicy target: the admin API version the cluster serves: v1alpha2 (ClusterNetworkPolicy, the default) or v1alpha1 (AdminNetworkPolicy)"},
		{Name: adminapi.SettingChannel, Kind: kit.OptionString, Examples: []string{string(adminapi.Experimental)},
			Help: "adminpolicy target: the network-policy-api CRD channel the cluster runs: standard (the default) or experimental"},
	}
}

// Emit renders the IR as admin network policies for the API the settings
// name.
func (Emitter) Emit(in kit.Input) (*kit.Output, error) {
	if in.Settings.IsStaged() {
		// network-policy-api v0.2.0's AdminNetworkPolicy, BaselineAdminNetworkPolicy
		// and ClusterNetworkPolicy have no dry-run, audit or staged field:
		// every object applied enforces.
		return nil, kit.NoStagedForm(targetName, "the admin network policy API has no staged or audit form: every object it applies enforces")
	}
	api, err := adminapi.APIFrom(in.Settings)
	if err != nil {
		return nil, &diag.Diagnostic{Severity: diag.Error, Msg: targetName + ": " + err.Error(), Err: kit.ErrInvalid,
			Hint: "set --" + adminapi.SettingVersion + " and --" + adminapi.SettingChannel + " on the command line or in netpolc.yaml"}
	}
	objs, warns, err := Build(in.Policy, Options{Inventory: in.Inventory, API: api, AllowApproximate: in.AllowApproximate})
	return kit.Emitted(objs, warns, err, Files)
}
