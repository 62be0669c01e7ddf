package proof

import (
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/limits"
)

// connectionsLimit bounds the connections a proof compares: it holds each
// side's matrix, every allowed pair, about 120 bytes a pair at the peak
// (5,000 workloads that all reach each other: 25 million pairs, 3 GiB).
// Intents that leave 20,000 workloads open to each other allow 400
// million; unbounded, a build or the pre-commit hook's verify of such a
// change ran out of memory instead of answering. Past the bound the proof
// fails, closed: nothing is written.
var connectionsLimit = limits.New("proof-connections", 50_000_000,
	"allowed connections between endpoints that a proof compares one by one")

// matrix is m's matrix, or an error when it has more connections than
// the bound allows, counted from the class tables before the list is
// built (except for a model with extra edges, which Model.Stream lists
// first to add them).
func matrix(m *enforcer.Model) (*enforcer.Connectivity, error) {
	s := m.Stream()
	bound, err := connectionsLimit.Value()
	if err != nil {
		return nil, err
	}
	if n := s.Pairs(); n > bound {
		return nil, diag.Errorf("isolate the namespaces (templates.#DefaultDeny) so that fewer pairs are allowed; "+connectionsLimit.Hint(n),
			"the intents allow %d connections between %d endpoints, more than a proof compares (%d)", n, s.Nodes(), bound)
	}
	return s.Connectivity(), nil
}

// matrices is matrix of each model, in order.
func matrices(ms ...*enforcer.Model) ([]*enforcer.Connectivity, error) {
	out := make([]*enforcer.Connectivity, len(ms))
	for i, m := range ms {
		c, err := matrix(m)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}
