package main

import (
	"context"
	"strings"
	"testing"

	"github.com/busprobe/busprobe/sim"
)

// TestRootWithoutTerminalPrintsHelp: `busprobe` with no arguments opens the
// interface only on a terminal; a pipe gets the help and exit 0.
func TestRootWithoutTerminalPrintsHelp(t *testing.T) {
	code, out, errOut := runCLI(t, context.Background())
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "Usage:") || !strings.Contains(out, "demo") {
		t.Errorf("no help:\n%s", out)
	}
	if code, _, _ := runCLI(t, context.Background(), "nonsense"); code != exitUsage && code != exitError {
		t.Errorf("an unknown command exits %d", code)
	}
}

// TestDemoNoTUIKeepsTheTour: --no-tui (and no terminal) prints the text tour.
func TestDemoNoTUIKeepsTheTour(t *testing.T) {
	code, out, errOut := runCLI(t, context.Background(), "demo", "--no-tui", "--exit", "--listen", "127.0.0.1:0")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "eastron-sdm630") {
		t.Errorf("no tour:\n%s", out)
	}
}

// TestDemoScanRequestCoversThePlant: the TUI's demo scan covers the
// gateway over TCP and the RTU bus on its pty.
func TestDemoScanRequestCoversThePlant(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := sim.Start(ctx, sim.DemoPlant("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	req, err := demoScanRequest(r.Endpoints())
	if err != nil {
		t.Fatal(err)
	}
	var tcp, serial int
	for _, j := range req.Jobs {
		switch {
		case j.TCP != nil:
			tcp++
			if len(j.TCP.Targets) != 1 || len(j.TCP.Ports) != 1 || j.TCP.Ports[0] == 0 {
				t.Errorf("tcp job %+v", j.TCP)
			}
		case j.Serial != nil:
			serial++
			if !strings.HasPrefix(j.Serial.Port, "/dev/") {
				t.Errorf("serial job on %q", j.Serial.Port)
			}
		}
	}
	if tcp != 1 || serial != 1 {
		t.Errorf("%d tcp and %d serial jobs, want 1 and 1", tcp, serial)
	}
}
