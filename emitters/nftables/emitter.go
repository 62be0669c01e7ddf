package nftables

import (
	"fmt"

	"github.com/netpolc/netpolc/emitters/kit"
)

// name is the target's name and output folder.
const name = "nftables"

// Emitter is the nftables target's emitter. Its objects are a *Ruleset.
type Emitter struct{}

var _ kit.Emitter = Emitter{}

// Name is the target's name.
func (Emitter) Name() string { return name }

// Doc says what the target emits.
func (Emitter) Doc() string { return "an nft -f ruleset for the inventory's pod IPs" }

// Options: the nflog group of the staged ruleset.
func (Emitter) Options() []kit.Option {
	return []kit.Option{{Name: OptionNflogGroup, Kind: kit.OptionString, Examples: []string{"7"}, StagedOnly: true,
		Help: "nftables target: with --staged, the nflog group the ruleset logs what it would drop to (default 0)"}}
}

// Emit renders the IR as a ruleset for the concrete pod IPs of the
// inventory; with settings.Staged, its staged form (stage).
func (Emitter) Emit(in kit.Input) (*kit.Output, error) {
	res, err := BuildResult(in.Policy, in.Inventory, in.AllowApproximate)
	if err != nil {
		return nil, err
	}
	if in.Settings.IsStaged() {
		group, err := nflogGroup(in)
		if err != nil {
			return nil, err
		}
		if err := stage(res.Ruleset, group); err != nil {
			return nil, err
		}
		res.Warnings = append(res.Warnings, kit.Warning{Message: fmt.Sprintf("staged: the ruleset drops nothing; it accepts "+
			"and logs to nflog group %d (prefix \"netpolc <chain>: <intent> \") every packet the enforcing ruleset would drop", group)})
	}
	return &kit.Output{Files: Files(res.Ruleset), Objects: res.Ruleset, Narrowed: res.Narrowed, Warnings: res.Warnings}, nil
}
