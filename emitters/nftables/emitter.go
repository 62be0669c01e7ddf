package nftables

import "github.com/netpolc/netpolc/emitters/kit"

// name is the target's name and output folder.
const name = "nftables"

// Emitter is the nftables target's emitter. Its objects are a *Ruleset.
type Emitter struct{}

var _ kit.Emitter = Emitter{}

// Name is the target's name.
func (Emitter) Name() string { return name }

// Doc says what the target emits.
func (Emitter) Doc() string { return "an nft -f ruleset for the inventory's pod IPs" }

// Options: nftables has none of its own.
func (Emitter) Options() []kit.Option { return nil }

// Emit renders the IR as a ruleset for the concrete pod IPs of the
// inventory.
func (Emitter) Emit(in kit.Input) (*kit.Output, error) {
	res, err := BuildResult(in.Policy, in.Inventory, in.AllowApproximate)
	if err != nil {
		return nil, err
	}
	return &kit.Output{Files: Files(res.Ruleset), Objects: res.Ruleset, Narrowed: res.Narrowed, Warnings: res.Warnings}, nil
}
