package controller

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/testkit"
	"github.com/etcd-charm/etcd-charm/sim/model"
)

// listenHelper: when the test binary runs with JUJUSIM_TEST_LISTEN set (in
// a machine's namespace), it accepts connections on that address forever.
func init() {
	addr := os.Getenv("JUJUSIM_TEST_LISTEN")
	if addr == "" {
		return
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for {
		conn, err := l.Accept()
		if err != nil {
			os.Exit(1)
		}
		conn.Close()
	}
}

func needNetNS(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("netns isolation needs root")
	}
	ip, err := exec.LookPath("ip")
	if err != nil {
		t.Skip("netns isolation needs the ip command")
	}
	return ip
}

// With --isolation=netns every machine is a namespace on the controller's
// bridge; hooks run inside it; a partitioned unit's address is unreachable
// from the others until healed; destroy removes namespaces and bridge.
func TestNetNSPartition(t *testing.T) {
	ip := needNetNS(t)
	subnet := fmt.Sprintf("10.252.%d.0/24", os.Getpid()%250)
	c := startController(t, 1, func(cfg *Config) { cfg.Isolation = "netns"; cfg.Subnet = subnet })
	deploy(t, c, noopCharm(t), 2, nil)
	waitIdle(t, c, 60*time.Second)

	var m0, m1 model.Machine
	c.Model(func(m *model.Model) {
		m0 = *m.Machines[m.Units["noop/0"].Machine]
		m1 = *m.Machines[m.Units["noop/1"].Machine]
	})
	if !strings.HasPrefix(m0.Address, "10.252.") || m0.NetNS == "" {
		t.Fatalf("machine 0: %+v", m0)
	}
	rr, err := c.Exec("noop/0", "ip -o -4 addr show dev eth0; is-leader")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, 30*time.Second, "exec", func(m *model.Model) bool { return m.Actions[rr.Task].Status == "completed" })
	if a, _ := c.Task(rr.Task); !strings.Contains(fmt.Sprint(a.Results["stdout"]), m0.Address+"/24") ||
		!strings.HasSuffix(fmt.Sprint(a.Results["stdout"]), "\nTrue\n") {
		t.Errorf("exec does not run in the machine's namespace: %v", a.Results)
	}

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	addr := m0.Address + ":7070"
	listener := exec.Command(ip, "netns", "exec", m0.NetNS, self, "-test.run=^$")
	listener.Env = append(os.Environ(), "JUJUSIM_TEST_LISTEN="+addr)
	if err := listener.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { listener.Process.Kill(); listener.Wait() })
	reach := func() bool {
		cmd := exec.Command(ip, "netns", "exec", m1.NetNS, "bash", "-c", "timeout 1 bash -c 'echo > /dev/tcp/"+strings.Replace(addr, ":", "/", 1)+"'")
		return cmd.Run() == nil
	}
	if !testkit.Poll(10*time.Second, reach) {
		t.Fatalf("noop/0 not reachable from noop/1 before the partition")
	}
	if err := c.Fault("noop/0", true); err != nil {
		t.Fatal(err)
	}
	if reach() {
		t.Errorf("noop/0 reachable while partitioned")
	}
	if err := c.Fault("noop/0", false); err != nil {
		t.Fatal(err)
	}
	if !testkit.Poll(10*time.Second, reach) {
		t.Errorf("noop/0 not reachable after heal")
	}
	listener.Process.Kill()
	listener.Wait()

	br := c.bridgeName()
	if err := c.Destroy(); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command(ip, "netns", "list").CombinedOutput()
	if strings.Contains(string(out), m0.NetNS) || strings.Contains(string(out), m1.NetNS) {
		t.Errorf("namespaces left after destroy: %s", out)
	}
	if exec.Command(ip, "link", "show", br).Run() == nil {
		t.Errorf("bridge %s left after destroy", br)
	}
}

// Partitioning needs netns isolation.
func TestPartitionWithoutNetNS(t *testing.T) {
	c := startController(t, 1)
	deploy(t, c, noopCharm(t), 1, nil)
	if err := c.Fault("noop/0", true); err == nil || !strings.Contains(err.Error(), "--isolation=netns") {
		t.Errorf("partition without netns: %v", err)
	}
}

// Two live controllers never share a subnet; a restarted one keeps its own.
func TestSubnetsDoNotCollide(t *testing.T) {
	a := startController(t, 1)
	b := startController(t, 1)
	var sa, sb string
	a.Model(func(m *model.Model) { sa = m.Subnet })
	b.Model(func(m *model.Model) { sb = m.Subnet })
	if sa == sb || !strings.HasPrefix(sa, "127.0.") || !strings.HasPrefix(sb, "127.0.") {
		t.Errorf("subnets %s and %s", sa, sb)
	}
	if _, err := New(Config{Home: t.TempDir(), Subnet: sa}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("explicit subnet held by a live controller: %v", err)
	}
	home := a.cfg.Home
	a.Close()
	again, err := New(Config{Home: home})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	again.Model(func(m *model.Model) {
		if m.Subnet != sa {
			t.Errorf("restarted controller moved from %s to %s", sa, m.Subnet)
		}
	})
}
