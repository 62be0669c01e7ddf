package nftables

import (
	"fmt"

	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
	"github.com/netpolc/netpolc/enforcer"
)

// Interpreter reads a *nftapi.Ruleset on the inventory's addresses.
type Interpreter struct{}

var _ enforcer.Interpreter = Interpreter{}

// Interpret evaluates the ruleset for every pair of endpoints and external
// peers.
func (Interpreter) Interpret(objects any, in enforcer.InterpretInput) (*enforcer.Reading, error) {
	rs, ok := objects.(*nftapi.Ruleset)
	if !ok {
		return nil, fmt.Errorf("nftables interpreter: got %T, want *nftapi.Ruleset", objects)
	}
	opts := []Option{WithExternalPeers(in.ExternalPeers...)}
	if in.Settings.IsStaged() {
		opts = append(opts, WithStaged())
	}
	conn, err := Interpret(rs, in.Inventory, opts...)
	if err != nil {
		return nil, err
	}
	return &enforcer.Reading{Connectivity: conn}, nil
}
