// Package kerneltest runs network policy enforcement in a real Linux
// kernel, for tests: one "node" network namespace with a bridge, one
// namespace per pod with a veth into the bridge, a listener in every pod,
// an nftables ruleset loaded in the node namespace, and a prober that
// measures which pod × pod × port × protocol connections get through.
//
// Everything lives in namespaces the test creates and deletes (including on
// failure); addresses come from the caller and exist only inside them.
// Nothing touches the root namespace's links, addresses, routes or
// rulesets.
//
// A test package using Cluster must declare the listener helper, which the
// cluster starts in each pod namespace by re-executing the test binary:
//
//	func TestHelperListener(t *testing.T) { kerneltest.HelperListener() }
package kerneltest

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netpolc/netpolc/internal/portset"
)

// skipEnv, set to "off", skips the kernel tests on purpose.
const skipEnv = "NETPOLC_KERNELTEST"

// Require checks that the environment can run kernel tests: root, the ip
// and nft commands, network namespaces. When it cannot, the test is skipped
// with a loud reason, except in CI (CI=true), where a missing tool or
// privilege fails the test, so CI proves the kernel test ran.
func Require(t testing.TB) {
	t.Helper()
	if os.Getenv(skipEnv) == "off" {
		t.Skipf("KERNEL TEST SKIPPED: %s=off", skipEnv)
	}
	if err := check(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("KERNEL TEST CANNOT RUN IN CI: %v", err)
		}
		t.Skipf("\n*** KERNEL TEST SKIPPED: %v ***\n*** (it runs as root with nftables and iproute2 installed; CI=true makes this a failure) ***", err)
	}
}

// Unavailable skips t, loudly, because a kernel facility beyond what
// Require checks (nfnetlink_log, ctnetlink) is missing here, or fails it
// in CI (CI=true), as Require does.
func Unavailable(t testing.TB, what string, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("KERNEL TEST CANNOT RUN IN CI: %s: %v", what, err)
	}
	t.Skipf("\n*** KERNEL TEST SKIPPED: %s: %v ***\n*** (CI=true makes this a failure) ***", what, err)
}

// bridgeNF is where br_netfilter's per-namespace switches live.
const bridgeNF = "/proc/sys/net/bridge/bridge-nf-call-"

// prefix starts the name of every namespace this package creates.
const prefix = "npk"

// helperTest is the test a package using Cluster declares; the cluster
// re-executes the test binary with -test.run selecting it.
const helperTest = "TestHelperListener"

// listenEnv carries the ports to listen on to the re-executed binary.
const listenEnv = "NETPOLC_KERNELTEST_LISTEN"

// Port is a protocol and port number.
type Port struct {
	Proto portset.Protocol
	Num   int32
}

// String renders the port as "TCP/80".
func (p Port) String() string { return fmt.Sprintf("%s/%d", p.Proto, p.Num) }

func encodePorts(ports []Port) string {
	parts := make([]string, len(ports))
	for i, p := range ports {
		parts[i] = p.String()
	}
	return strings.Join(parts, ",")
}

func decodePorts(s string) ([]Port, error) {
	var out []Port
	for _, part := range strings.Split(s, ",") {
		proto, num, _ := strings.Cut(part, "/")
		p, err := portset.ParseProtocol(proto)
		if err != nil {
			return nil, err
		}
		n, err := strconv.Atoi(num)
		if err != nil {
			return nil, err
		}
		out = append(out, Port{p, int32(n)})
	}
	return out, nil
}

// Outcome is what one probe saw.
type Outcome uint8

// Outcomes. Reachable and Closed both mean the ruleset let the connection
// through (Closed: the port answered that nothing listens); Dropped means
// silence until the timeout.
const (
	Reachable Outcome = iota
	Closed
	Dropped
	Failed
)

// Allowed reports whether the ruleset let the connection through.
func (o Outcome) Allowed() bool { return o == Reachable || o == Closed }

// char is the outcome in probe tables.
func (o Outcome) char() byte { return ".cX!"[o] }

// Probe is one connection attempt from a pod to an address.
type Probe struct {
	From int // pod index
	To   netip.Addr
	Port Port
}

// Timeouts: a first pass with a short wait, and a retry with a long one
// for every probe that disagreed with the model (see Cluster.Verify).
const (
	probeTimeout = 250 * time.Millisecond
	retryTimeout = 2 * time.Second
)

// Want tells whether the model allows a connection from pod src to pod
// dst (indexes into the cluster's pods) on a port.
type Want func(src, dst int, p Port) bool

// PodSpec is one pod: its name in probe reports and its addresses with
// the on-link prefix length (all pods share one subnet per family).
type PodSpec struct {
	Name  string
	Addrs []netip.Prefix
	// Node makes the pod the node itself, as a host-network pod on the
	// node is: its addresses go on the node's bridge (pods reach them
	// on-link) and its listener and probes run in the node's namespace.
	Node bool
}

// Status is why the kernel tests would be skipped here, or nil when they
// run: make test prints it, because go test hides a passing package's
// skip messages.
func Status() error {
	if os.Getenv(skipEnv) == "off" {
		return fmt.Errorf("%s=off", skipEnv)
	}
	return check()
}
