package peertest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// Bounds on every wait in this package. Peers start in well under a second on
// an idle machine; the generous limits absorb a loaded CI machine running
// `go test -race` on two cores.
const (
	startTimeout = 15 * time.Second // a peer must be ready within this
	stopTimeout  = 5 * time.Second  // a killed peer must be reaped within this
	pollInterval = 20 * time.Millisecond
)

// InCI reports whether the tests run under CI (environment CI == "true"),
// where a missing peer is a failure rather than a skip.
func InCI() bool { return os.Getenv("CI") == "true" }

// missing reports a peer that cannot run: t.Fatal under CI, t.Skip elsewhere.
func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if InCI() {
		t.Fatalf("peertest: %s (CI=true: peers are required; .ci/run installs them)", msg)
	}
	t.Skipf("peertest: %s", msg)
}

// RequireTool returns the path of the executable name (looked up on PATH
// unless it contains a slash). When it is missing the test fails under
// CI=true and is skipped otherwise, with a message naming the Debian package
// debianPkg that provides it.
func RequireTool(t testing.TB, name, debianPkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		missing(t, "%s not found (%v): apt-get install %s", name, err, debianPkg)
	}
	return p
}

// syncBuffer is a bytes.Buffer safe for a process writing and a test reading.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// process is a peer running for the duration of one test.
type process struct {
	name string
	cmd  *exec.Cmd
	out  *syncBuffer // stdout and stderr interleaved
	done chan struct{}
	err  error // valid after done is closed
}

// startProcess starts a peer and registers its cleanup: kill, bounded reap,
// and its output in the test log when the test failed.
func startProcess(t testing.TB, name string, cmd *exec.Cmd) (*process, error) {
	t.Helper()
	p := &process{name: name, cmd: cmd, out: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout = p.out
	cmd.Stderr = p.out
	cmd.WaitDelay = stopTimeout
	setParentDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop(t)
		if t.Failed() {
			t.Logf("peertest: %s output:\n%s", name, p.out.String())
		}
	})
	return p, nil
}

// stop kills the process and waits a bounded time for it.
func (p *process) stop(t testing.TB) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	select {
	case <-p.done:
	case <-time.After(stopTimeout + time.Second):
		t.Errorf("peertest: %s (pid %d) not reaped within %v", p.name, p.cmd.Process.Pid, stopTimeout)
	}
}

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitReady polls ready until it returns true, the process exits, or
// startTimeout passes. The error carries the process's output.
func (p *process) waitReady(ready func() bool) error {
	deadline := time.Now().Add(startTimeout)
	for {
		if ready() {
			return nil
		}
		if p.exited() {
			return fmt.Errorf("%s exited before it was ready (%v); output:\n%s", p.name, p.err, p.out.String())
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready within %v; output:\n%s", p.name, startTimeout, p.out.String())
		}
		time.Sleep(pollInterval)
	}
}

// waitOutput waits until the process's output contains marker.
func (p *process) waitOutput(marker string) error {
	return p.waitReady(func() bool { return strings.Contains(p.out.String(), marker) })
}

// waitDial waits until a TCP connection to addr succeeds, then closes it.
func (p *process) waitDial(addr string) error {
	return p.waitReady(func() bool {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return false
		}
		_ = c.Close()
		return true
	})
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago. A
// peer given it may still lose a race for it; callers retry.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("peertest: pick a free port: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	return port
}

// startAttempts bounds retries of a peer that lost the race for its port.
const startAttempts = 3
