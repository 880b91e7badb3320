package peertest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// SocatPair links two pseudo-terminals into a two-node "bus" with
// `socat pty,raw,echo=0,link=A pty,raw,echo=0,link=B` and returns the paths
// of the two links (in t.TempDir()), waiting until both exist and socat
// has entered its transfer loop. Bytes written
// to one end are read at the other. A pty carries no parity and no real baud
// rate; pymodbus and mbpoll talk over it at parity N (not E). socat is
// stopped when the test ends.
func SocatPair(t testing.TB) (a, b string) {
	t.Helper()
	socat := RequireTool(t, "socat", "socat")
	dir := t.TempDir()
	a, b = filepath.Join(dir, "A"), filepath.Join(dir, "B")
	cmd := exec.Command(socat, "-d", "-d",
		"pty,raw,echo=0,link="+a,
		"pty,raw,echo=0,link="+b)
	p, err := startProcess(t, "socat", cmd)
	if err != nil {
		t.Fatalf("peertest: %v", err)
	}
	err = p.waitReady(func() bool {
		_, errA := os.Stat(a)
		_, errB := os.Stat(b)
		return errA == nil && errB == nil &&
			strings.Contains(p.out.String(), "starting data transfer loop")
	})
	if err != nil {
		t.Fatalf("peertest: %v", err)
	}
	return a, b
}
