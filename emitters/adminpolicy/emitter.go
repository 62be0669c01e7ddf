package adminpolicy

import "github.com/netpolc/netpolc/emitters/kit"

// Name is the target's name and output folder.
const Name = "adminpolicy"

// OptionV1Alpha1 emits AdminNetworkPolicy/BaselineAdminNetworkPolicy
// v1alpha1 instead of ClusterNetworkPolicy v1alpha2.
const OptionV1Alpha1 = "admin-v1alpha1"

// Emitter is the adminpolicy target's emitter. Its objects are an
// *adminapi.Objects.
type Emitter struct{}

var _ kit.Emitter = Emitter{}

// Name is the target's name.
func (Emitter) Name() string { return Name }

// Doc says what the target emits.
func (Emitter) Doc() string {
	return "policy.networking.k8s.io ClusterNetworkPolicy v1alpha2 (AdminNetworkPolicy v1alpha1 with --" + OptionV1Alpha1 + ")"
}

// Options choose the API version.
func (Emitter) Options() []kit.Option {
	return []kit.Option{{Name: OptionV1Alpha1,
		Help: "adminpolicy target: emit AdminNetworkPolicy/BaselineAdminNetworkPolicy v1alpha1 instead of ClusterNetworkPolicy v1alpha2"}}
}

// Emit renders the IR as admin network policies.
func (Emitter) Emit(in kit.Input) (*kit.Output, error) {
	objs, warns, err := Build(in.Policy, Options{Inventory: in.Inventory, V1Alpha1: in.Settings[OptionV1Alpha1], AllowApproximate: in.AllowApproximate})
	if err != nil {
		return nil, err
	}
	files, err := Files(objs)
	if err != nil {
		return nil, err
	}
	return &kit.Output{Files: files, Objects: objs, Narrowed: warns}, nil
}
