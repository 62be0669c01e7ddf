package kerneltest

import (
	"fmt"
	"strings"
	"testing"
)

// Verify probes every ordered pair of distinct pods, at every address of
// the destination, on every port the listeners serve, and fails t unless
// what gets through is exactly what want allows. On a mismatch it prints
// the probe table next to the model's, per port and address family. It
// returns the number of probes.
func (c *Cluster) Verify(t testing.TB, want Want) int {
	t.Helper()
	return c.VerifyByFamily(t, func(s, d int, p Port, _ bool) bool { return want(s, d, p) })
}

// WantByFamily is Want for one address family (v6 or IPv4): a pod whose
// addresses a ruleset treats differently per family (one it does not
// list) may get different answers.
type WantByFamily func(src, dst int, p Port, v6 bool) bool

// VerifyByFamily is Verify with a want per address family.
func (c *Cluster) VerifyByFamily(t testing.TB, want WantByFamily) int {
	t.Helper()
	probes, _ := c.VerifyOutcomes(t, want)
	return len(probes)
}

// Probes lists every probe Verify runs: each ordered pair of distinct
// pods, every address of the destination, every port.
func (c *Cluster) Probes() []Probe {
	var probes []Probe
	for s := range c.pods {
		for d, dst := range c.pods {
			if s == d {
				continue
			}
			for _, a := range dst.spec.Addrs {
				for _, p := range c.ports {
					probes = append(probes, Probe{From: s, To: a.Addr(), Port: p})
				}
			}
		}
	}
	return probes
}

// VerifyOutcomes is VerifyByFamily returning the probes (Probes) and what
// each saw.
func (c *Cluster) VerifyOutcomes(t testing.TB, want WantByFamily) ([]Probe, []Outcome) {
	t.Helper()
	probes := c.Probes()
	wants := func(pr Probe) bool { return want(pr.From, c.podOf(pr), pr.Port, pr.To.Is6()) }
	got := c.settle(probes, func(i int) bool { return wants(probes[i]) })
	bad := 0
	for i, pr := range probes {
		if got[i].Allowed() != wants(pr) || got[i] == Failed {
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d probes disagree with the model:\n%s", bad, len(probes), c.tables(probes, got, want))
	}
	return probes, got
}

// podOf finds the destination pod of a probe.
func (c *Cluster) podOf(pr Probe) int {
	for i, p := range c.pods {
		for _, a := range p.spec.Addrs {
			if a.Addr() == pr.To {
				return i
			}
		}
	}
	return -1
}

// tables prints, per port and family, the probe outcomes (rows sources,
// columns destinations; '.' reachable, 'c' closed, 'X' dropped, '!'
// failed, '*' after a cell that disagrees) and the model's verdicts.
func (c *Cluster) tables(probes []Probe, got []Outcome, want WantByFamily) string {
	type key struct {
		port Port
		v6   bool
	}
	cells := map[key]map[[2]int]Outcome{}
	var keys []key
	for i, pr := range probes {
		k := key{pr.Port, pr.To.Is6()}
		if cells[k] == nil {
			cells[k] = map[[2]int]Outcome{}
			keys = append(keys, k)
		}
		cells[k][[2]int{pr.From, c.podOf(pr)}] = got[i]
	}
	width := 0
	for _, p := range c.pods {
		width = max(width, len(p.spec.Name))
	}
	var b strings.Builder
	for _, k := range keys {
		fam := "IPv4"
		if k.v6 {
			fam = "IPv6"
		}
		fmt.Fprintf(&b, "%s %s: probed (model)\n", k.port, fam)
		for s, sp := range c.pods {
			var probed, model strings.Builder
			for d := range c.pods {
				o, ok := cells[k][[2]int{s, d}]
				w := s != d && want(s, d, k.port, k.v6)
				switch {
				case s == d || !ok:
					probed.WriteString("- ")
				case o.Allowed() != w || o == Failed:
					probed.WriteString(string(o.char()) + "*")
				default:
					probed.WriteString(string(o.char()) + " ")
				}
				switch {
				case s == d:
					model.WriteByte('-')
				case w:
					model.WriteByte('.')
				default:
					model.WriteByte('X')
				}
			}
			fmt.Fprintf(&b, "  %-*s %s  (%s)\n", width, sp.spec.Name, probed.String(), model.String())
		}
	}
	b.WriteString("  columns: ")
	for _, p := range c.pods {
		b.WriteString(p.spec.Name + " ")
	}
	b.WriteString("\n")
	return b.String()
}
