package nftables

import (
	"fmt"

	"github.com/netpolc/netpolc/emitters/nftables/nftapi"
)

// WithStaged reads a staged ruleset (build --staged) as the enforcement
// it stages: a rule that logs and accepts reads as a drop, and the
// ruleset must drop nothing itself (it is checked to, or Interpret
// fails). Without it, a rule that logs is refused: an enforcing ruleset
// netpolc writes never logs.
func WithStaged() Option { return func(o *options) { o.staged = true } }

// checkStaged checks what a staged reading (WithStaged) rests on: the
// ruleset drops nothing — no rule, map element or base-chain policy
// drops — so loading it changes no packet's fate, and each rule that
// logs accepts, so it stands for exactly one drop of the ruleset it
// stages. An enforcing reading refuses rules that log: the reading would
// have to guess what they mean.
func checkStaged(rs *nftapi.Ruleset, staged bool) error {
	for _, c := range rs.Chains {
		if staged && c.Base != nil && c.Base.Policy != nftapi.Accept {
			return fmt.Errorf("%w: staged ruleset: chain %s has policy %s", ErrInvalid, c.Name, c.Base.Policy)
		}
		for i, r := range c.Rules {
			switch {
			case r.Log != nil && !staged:
				return fmt.Errorf("%w: chain %s rule %d logs: only a staged ruleset (build --staged) logs", ErrUnsupported, c.Name, i)
			case r.Log != nil && (r.Verdict.Kind != nftapi.Accept || len(r.Log.Prefix) > nftapi.MaxLogPrefix):
				return fmt.Errorf("%w: staged ruleset: chain %s rule %d logs and then %s (want accept, a prefix of at most %d bytes)",
					ErrInvalid, c.Name, i, r.Verdict.Kind, nftapi.MaxLogPrefix)
			case staged && r.Verdict.Kind == nftapi.Drop:
				return fmt.Errorf("%w: staged ruleset: chain %s rule %d drops", ErrInvalid, c.Name, i)
			}
		}
	}
	if !staged {
		return nil
	}
	for _, m := range rs.Maps {
		for _, e := range m.Elements {
			if e.Verdict.Kind == nftapi.Drop {
				return fmt.Errorf("%w: staged ruleset: map %s drops %s", ErrInvalid, m.Name, e.Key)
			}
		}
	}
	return nil
}
