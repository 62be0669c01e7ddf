//go:build !linux

package kerneltest

import (
	"errors"
	"net/netip"
	"testing"
	"time"
)

// Outside Linux there are no network namespaces: Require skips (or fails
// in CI) before anything else is reached.

func check() error { return errors.New("not Linux (network namespaces and nftables are Linux-only)") }

// SCTPSupported reports false outside Linux.
func SCTPSupported() bool { return false }

// HelperListener does nothing outside Linux.
func HelperListener() {}

// Cluster cannot exist outside Linux.
type Cluster struct{}

// New skips or fails the test via Require.
func New(t testing.TB, pods []PodSpec, ports []Port) *Cluster {
	t.Helper()
	Require(t)
	t.Fatal("kerneltest: unreachable outside Linux")
	return nil
}

// CheckSyntax skips or fails the test via Require.
func CheckSyntax(t testing.TB, rulesets map[string]string) {
	t.Helper()
	Require(t)
}

// Load is unreachable outside Linux.
func (c *Cluster) Load(string) error { return errors.ErrUnsupported }

// List is unreachable outside Linux.
func (c *Cluster) List() (string, error) { return "", errors.ErrUnsupported }

// Probe is unreachable outside Linux.
func (c *Cluster) Probe([]Probe, time.Duration) []Outcome { return nil }

// Verify is unreachable outside Linux.
func (c *Cluster) Verify(testing.TB, Want) int { return 0 }

// Route is unreachable outside Linux.
func (c *Cluster) Route(netip.Prefix, netip.Addr) {}

// Check is unreachable outside Linux.
func (c *Cluster) Check(testing.TB, []Probe, func(Probe) bool) int { return 0 }

// Ports is unreachable outside Linux.
func (c *Cluster) Ports() []Port { return nil }

// AddNodeAddr is unreachable outside Linux.
func (c *Cluster) AddNodeAddr(netip.Prefix) {}

// WantByFamily is Want for one address family.
type WantByFamily func(src, dst int, p Port, v6 bool) bool

// VerifyByFamily is unreachable outside Linux.
func (c *Cluster) VerifyByFamily(testing.TB, WantByFamily) int { return 0 }

// NFLog cannot exist outside Linux.
type NFLog struct{}

// ListenNFLog is unreachable outside Linux.
func (c *Cluster) ListenNFLog(uint16) (*NFLog, error) { return nil, errors.ErrUnsupported }

// Stop is unreachable outside Linux.
func (l *NFLog) Stop() ([]Logged, error) { return nil, errors.ErrUnsupported }

// Conntrack is unreachable outside Linux.
func (c *Cluster) Conntrack() ([]Flow, error) { return nil, errors.ErrUnsupported }

// ProbeFlow is unreachable outside Linux.
func (c *Cluster) ProbeFlow(Probe) (Flow, bool) { return Flow{}, false }

// Probes is unreachable outside Linux.
func (c *Cluster) Probes() []Probe { return nil }

// VerifyOutcomes is unreachable outside Linux.
func (c *Cluster) VerifyOutcomes(testing.TB, WantByFamily) ([]Probe, []Outcome) { return nil, nil }

// FlushConntrack is unreachable outside Linux.
func (c *Cluster) FlushConntrack() error { return errors.ErrUnsupported }
