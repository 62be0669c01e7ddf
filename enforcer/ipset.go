package enforcer

import (
	"fmt"

	"github.com/netpolc/netpolc/internal/netset"
)

// parseCIDR reads a policy's CIDR as the model does (netset.ParseCIDR).
func parseCIDR(cidr string) (netset.Range, error) {
	r, err := netset.ParseCIDR(cidr)
	if err != nil {
		return r, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return r, nil
}

// blockSet is cidr minus the excepts.
func blockSet(cidr string, except []string) (netset.Set, error) {
	s, err := netset.Block(cidr, except)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return s, nil
}
