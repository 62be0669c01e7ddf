package proof

import (
	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/diag"
	"github.com/netpolc/netpolc/internal/limits"
)

// connectionsLimit bounds the connections a proof lists one by one: a
// matrix materialised (every allowed pair, about 120 bytes a pair at the
// peak: 5,000 workloads that all reach each other, 25 million pairs, 3
// GiB), or the flows where a target differs from the intents. Proofs
// compare class tables (compareStreams), so intents that leave 20,000
// workloads open to each other (400 million pairs) are proven without
// either; the bound keeps what still lists pairs (a target's own matrix,
// endpoints only a target knows, a delta) from running out of memory
// instead of answering. Past it the proof fails, closed: nothing is
// written.
var connectionsLimit = limits.New("proof-connections", 50_000_000,
	"allowed connections between endpoints that a proof compares one by one")

// Matrix is m's matrix, every allowed pair, or an error past the
// proof-connections bound: for what compares matrices pair by pair
// (verify's diff of two snapshots, a target's own matrix).
func Matrix(m *enforcer.Model) (*enforcer.Connectivity, error) { return connectivity(m.Stream()) }

// connectivity lists every pair of s, or is an error when it has more
// than the bound allows, counted from the class tables before the list
// is built.
func connectivity(s *enforcer.Stream) (*enforcer.Connectivity, error) {
	bound, err := connectionsLimit.Value()
	if err != nil {
		return nil, err
	}
	if n := s.Pairs(); n > bound {
		return nil, diag.Errorf("isolate the namespaces (templates.#DefaultDeny) so that fewer pairs are allowed; "+connectionsLimit.Hint(n),
			"the intents allow %d connections between %d endpoints, more than a proof compares one by one (%d)", n, s.Nodes(), bound)
	}
	return s.Connectivity(), nil
}

// compareStreams is the delta from a to b: by class tables when they
// name the same nodes, else pair by pair (within the bound).
func compareStreams(a, b *enforcer.Stream) (*enforcer.Delta, error) {
	if sd, ok := enforcer.DiffStreams(a, b); ok {
		return streamDelta(sd)
	}
	ca, err := connectivity(a)
	if err != nil {
		return nil, err
	}
	cb, err := connectivity(b)
	if err != nil {
		return nil, err
	}
	return enforcer.Diff(ca, cb), nil
}

// streamDelta lists a difference, or is an error when it holds more
// flows than the bound allows.
func streamDelta(sd *enforcer.StreamDiff) (*enforcer.Delta, error) {
	bound, err := connectionsLimit.Value()
	if err != nil {
		return nil, err
	}
	if n := sd.Pairs(); n > bound {
		what := "fewer"
		if sd.Wider() {
			what = "more"
		}
		return nil, diag.Errorf(connectionsLimit.Hint(n),
			"the target allows %s than the intents on %d flows, more than a proof lists (%d): nothing was written", what, n, bound)
	}
	return sd.Delta(), nil
}
