package calico

import "github.com/netpolc/netpolc/emitters/kit"

// Name is the target's name and output folder.
const Name = "calico"

// Emitter is the calico target's emitter. Its objects are a *calicoapi.Objects.
type Emitter struct{}

var _ kit.Emitter = Emitter{}

// Name is the target's name.
func (Emitter) Name() string { return Name }

// Doc says what the target emits.
func (Emitter) Doc() string { return "projectcalico.org/v3 Tier and NetworkPolicy" }

// Options: Calico has none of its own.
func (Emitter) Options() []kit.Option { return nil }

// Emit renders the IR as a Calico tier and its policies.
func (Emitter) Emit(in kit.Input) (*kit.Output, error) {
	objs, warns, err := Build(in.Policy, Options{AllowApproximate: in.AllowApproximate})
	if err != nil {
		return nil, err
	}
	files, err := Files(objs)
	if err != nil {
		return nil, err
	}
	return &kit.Output{Files: files, Objects: objs, Narrowed: warns}, nil
}
