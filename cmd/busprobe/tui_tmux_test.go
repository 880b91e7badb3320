package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/busprobe/busprobe/internal/peertest"
)

// Bounds of the real-terminal test, generous for `go test -race` on a
// loaded two-core CI machine.
const (
	tmuxBuildTimeout = 3 * time.Minute
	tmuxWait         = 30 * time.Second // each screen must show within this
	tmuxPoll         = 200 * time.Millisecond
)

// tmuxSession is one busprobe run in a detached tmux server of its own.
type tmuxSession struct {
	t      *testing.T
	tmux   string
	socket string
}

func (s *tmuxSession) cmd(args ...string) *exec.Cmd {
	c := exec.Command(s.tmux, append([]string{"-L", s.socket, "-f", "/dev/null"}, args...)...)
	c.Env = append(os.Environ(), "TMUX=") // never talk to the tmux this test may run in
	return c
}

func (s *tmuxSession) run(args ...string) string {
	s.t.Helper()
	out, err := s.cmd(args...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// capture returns the pane's text ("" once the session has ended).
func (s *tmuxSession) capture() string {
	out, err := s.cmd("capture-pane", "-p", "-t", "bp").Output()
	if err != nil {
		return ""
	}
	return string(out)
}

// waitScreen polls the pane until every want shows, or fails with the last screen.
func (s *tmuxSession) waitScreen(what string, ok func(string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(tmuxWait)
	var screen string
	for time.Now().Before(deadline) {
		screen = s.capture()
		if ok(screen) {
			return screen
		}
		time.Sleep(tmuxPoll)
	}
	s.t.Fatalf("after %s the screen does not show %s:\n%s", tmuxWait, what, screen)
	return ""
}

func containsAll(want ...string) func(string) bool {
	return func(screen string) bool {
		for _, w := range want {
			if !strings.Contains(screen, w) {
				return false
			}
		}
		return true
	}
}

// buildBusprobe builds this command into dir.
func buildBusprobe(t *testing.T, dir string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(dir, "busprobe")
	ctx, cancel := context.WithTimeout(context.Background(), tmuxBuildTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// valueWithVolts is a decoded voltage in the device table: "232.071 V".
var valueWithVolts = regexp.MustCompile(`\d+(\.\d+)? V\b`)

// TestTUIInTmux runs `busprobe demo` in a real terminal (tmux, 80×24): the
// plant's devices appear without a key pressed, enter opens the first one
// and its live values show with units, esc goes back, 6 shows the export
// preview, q quits with exit 0.
func TestTUIInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("builds busprobe and runs it in tmux")
	}
	tmux := peertest.RequireTool(t, "tmux", "tmux")
	dir := t.TempDir()
	bin := buildBusprobe(t, dir)
	exitFile := filepath.Join(dir, "exit")
	s := &tmuxSession{t: t, tmux: tmux, socket: fmt.Sprintf("busprobe-test-%d-%d", os.Getpid(), time.Now().UnixNano())}
	t.Cleanup(func() { _ = s.cmd("kill-server").Run() })

	// XDG_CONFIG_HOME keeps the recent targets of this run out of the user's.
	shell := fmt.Sprintf("XDG_CONFIG_HOME='%s' '%s' demo --listen 127.0.0.1:0; echo EXIT=$? > '%s'", dir, bin, exitFile)
	s.run("new-session", "-d", "-s", "bp", "-x", "80", "-y", "24", shell)

	screen := s.waitScreen("the demo plant's devices", containsAll("[2 Scan]", "eastron-sdm630", "advantech-adam-6024", "sht20-xy-md02"))
	if !strings.Contains(screen, "127.0.0.1:") {
		t.Errorf("the devices do not say where they are:\n%s", screen)
	}

	s.run("send-keys", "-t", "bp", "Enter") // the cursor is on the first device: the SDM630
	s.waitScreen("the SDM630's live values", func(screen string) bool {
		return strings.Contains(screen, "[4 Device]") && strings.Contains(screen, "voltage_l1") && valueWithVolts.MatchString(screen)
	})

	s.run("send-keys", "-t", "bp", "Escape")
	s.waitScreen("the devices screen", containsAll("[3 Devices]", "eastron-sdm630"))

	s.run("send-keys", "-t", "bp", "6")
	s.waitScreen("the export preview", containsAll("[6 Export]", "native YAML", "schema_version: 1"))

	s.run("send-keys", "-t", "bp", "q")
	deadline := time.Now().Add(tmuxWait)
	for {
		b, err := os.ReadFile(exitFile)
		if err == nil && strings.HasSuffix(string(b), "\n") {
			if got := strings.TrimSpace(string(b)); got != "EXIT=0" {
				t.Fatalf("busprobe ended with %s, want EXIT=0", got)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("busprobe did not quit within %s of q; screen:\n%s", tmuxWait, s.capture())
		}
		time.Sleep(tmuxPoll)
	}
}
