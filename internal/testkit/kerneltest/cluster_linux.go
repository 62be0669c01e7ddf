package kerneltest

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/netpolc/netpolc/internal/portset"
)

// Cluster is a node namespace with a bridge and one namespace per pod, a
// listener in each pod. New registers its teardown with t.Cleanup.
type Cluster struct {
	t        testing.TB
	node     string
	pods     []*pod
	ports    []Port
	nextPort atomic.Uint32 // see sourcePort
}

type pod struct {
	spec PodSpec
	ns   string
	fd   int // the namespace, for setns; -1 when not open
	cmd  *exec.Cmd
	done chan struct{} // closed when the listener has been reaped
}

// New builds the cluster and starts a listener on ports in every pod.
// Setup errors fail the test; whatever was created is removed at cleanup.
func New(t testing.TB, pods []PodSpec, ports []Port) *Cluster {
	t.Helper()
	removeStale(t)
	if !SCTPSupported() {
		var kept []Port
		for _, p := range ports {
			if p.Proto != portset.SCTP {
				kept = append(kept, p)
			}
		}
		if len(kept) < len(ports) {
			t.Logf("\n*** SCTP NOT SUPPORTED BY THIS KERNEL: SCTP ports are not probed ***")
		}
		ports = kept
	}
	id := prefix + strconv.Itoa(os.Getpid())
	c := &Cluster{t: t, node: id + "-node", ports: ports}
	t.Cleanup(c.teardown)
	c.run("ip", "netns", "add", c.node)
	c.ip(c.node, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0")
	c.ip(c.node, "link", "set", "br0", "up")
	// Bridged packets go through the inet hooks (the default in a new
	// namespace; set it anyway).
	c.run("ip", "netns", "exec", c.node, "sh", "-c",
		"echo 1 > "+bridgeNF+"iptables && echo 1 > "+bridgeNF+"ip6tables")
	c.ip(c.node, "link", "set", "lo", "up")
	for i, spec := range pods {
		p := &pod{spec: spec, ns: fmt.Sprintf("%s-p%d", id, i), fd: -1}
		c.pods = append(c.pods, p)
		if spec.Node {
			p.ns = c.node
			c.addAddrs(p.ns, "br0", spec.Addrs)
		} else {
			c.addPod(p, i)
		}
		fd, err := syscall.Open("/var/run/netns/"+p.ns, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			t.Fatalf("open namespace %s: %v", p.ns, err)
		}
		p.fd = fd
	}
	for _, p := range c.pods {
		c.startListener(p)
	}
	return c
}

// addPod creates pod i's namespace with a veth into the bridge.
func (c *Cluster) addPod(p *pod, i int) {
	c.t.Helper()
	c.run("ip", "netns", "add", p.ns)
	veth := fmt.Sprintf("v%d", i)
	c.ip(c.node, "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", p.ns)
	c.ip(c.node, "link", "set", veth, "master", "br0", "up")
	c.ip(p.ns, "link", "set", "lo", "up")
	c.addAddrs(p.ns, "eth0", p.spec.Addrs)
	c.ip(p.ns, "link", "set", "eth0", "up")
}

// addAddrs puts addresses on a link of namespace ns.
func (c *Cluster) addAddrs(ns, link string, addrs []netip.Prefix) {
	c.t.Helper()
	for _, a := range addrs {
		args := []string{"addr", "add", a.String(), "dev", link}
		if a.Addr().Is6() {
			args = append(args, "nodad")
		}
		c.ip(ns, args...)
	}
}

// run executes a command, failing the test on error.
func (c *Cluster) run(name string, args ...string) {
	c.t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		c.t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
}

// ip runs an ip command inside namespace ns.
func (c *Cluster) ip(ns string, args ...string) {
	c.t.Helper()
	c.run("ip", append([]string{"-n", ns}, args...)...)
}

// startListener re-executes the test binary as the pod's listener and
// waits until it is ready.
func (c *Cluster) startListener(p *pod) {
	c.t.Helper()
	exe, err := os.Executable() // resolved here: /proc/self/exe would name ip
	if err != nil {
		c.t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", p.ns, exe, "-test.run=^"+helperTest+"$")
	cmd.Env = append(os.Environ(), listenEnv+"="+encodePorts(c.ports))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		c.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		c.t.Fatalf("start listener in %s: %v", p.ns, err)
	}
	p.cmd, p.done = cmd, make(chan struct{})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		for sc.Scan() {
		}
		cmd.Wait()
		close(p.done)
	}()
	select {
	case line := <-lines:
		if line != "ready" {
			c.t.Fatalf("listener in %s (%s): %q %s", p.ns, p.spec.Name, line, stderr.String())
		}
	case <-time.After(15 * time.Second):
		c.t.Fatalf("listener in %s (%s) not ready after 15s: %s", p.ns, p.spec.Name, stderr.String())
	}
}

// Load replaces the node's ruleset with an `nft -f` transaction.
func (c *Cluster) Load(ruleset string) error {
	cmd := exec.Command("ip", "netns", "exec", c.node, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(ruleset)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("nft -f: %v: %s", err, out)
	}
	return nil
}

// List returns the node's ruleset as nft prints it.
func (c *Cluster) List() (string, error) {
	out, err := exec.Command("ip", "netns", "exec", c.node, "nft", "list", "ruleset").CombinedOutput()
	return string(out), err
}

// teardown stops the listeners and deletes every namespace, whatever
// state setup reached.
func (c *Cluster) teardown() {
	for _, p := range c.pods {
		if p.cmd != nil && p.cmd.Process != nil {
			p.cmd.Process.Kill()
			select {
			case <-p.done:
			case <-time.After(3 * time.Second):
				if !zombie(p.cmd.Process.Pid) {
					c.t.Logf("listener %d in %s did not exit after kill", p.cmd.Process.Pid, p.ns)
				}
			}
		}
		if p.fd >= 0 {
			syscall.Close(p.fd)
		}
		if p.ns != c.node {
			exec.Command("ip", "netns", "del", p.ns).Run()
		}
	}
	exec.Command("ip", "netns", "del", c.node).Run()
}

// zombie reports whether pid has exited and only awaits reaping (or is
// gone): either way it is no longer running.
func zombie(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// The state follows the command name, which is in parentheses.
	i := bytes.LastIndexByte(data, ')')
	return i >= 0 && i+2 < len(data) && (data[i+2] == 'Z' || data[i+2] == 'X')
}

// removeStale deletes namespaces left by earlier runs of this package
// whose process is gone (a run killed before its cleanup).
func removeStale(t testing.TB) {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		pidStr, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid == os.Getpid() {
			continue
		}
		if _, err := os.Stat("/proc/" + pidStr); err == nil {
			continue // still running
		}
		t.Logf("removing stale namespace %s", name)
		exec.Command("ip", "netns", "del", name).Run()
	}
}

// CheckSyntax runs `nft -c -f` (parse and validate against the kernel,
// change nothing) on each ruleset, inside a throwaway namespace. It
// needs what Require needs, and skips or fails the same way.
func CheckSyntax(t testing.TB, rulesets map[string]string) {
	t.Helper()
	Require(t)
	ns := fmt.Sprintf("%s%d-nftcheck", prefix, os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	defer exec.Command("ip", "netns", "del", ns).Run()
	for name, text := range rulesets {
		cmd := exec.Command("ip", "netns", "exec", ns, "nft", "-c", "-f", "-")
		cmd.Stdin = strings.NewReader(text)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: nft -c: %v: %s\n%s", name, err, out, text)
		}
	}
}
