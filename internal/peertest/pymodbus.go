package peertest

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// pythonPath is Debian's interpreter. Not "python3" from PATH: a pyenv
// python may come first there and it does not see Debian's packages.
const pythonPath = "/usr/bin/python3"

// pymodbusPkgs are the Debian packages the pymodbus peers need. pymodbus's
// server module imports pyserial-asyncio unconditionally, and Debian lists it
// only as a recommendation, which --no-install-recommends skips.
const pymodbusPkgs = "python3-pymodbus python3-serial-asyncio"

// PymodbusData is what one unit serves, keyed by PDU address: the 0-based
// address on the wire (holding register 40001 is 0). The helper hides
// pymodbus's off-by-one, see PymodbusConfig.
type PymodbusData struct {
	Holding  map[uint16]uint16 `json:"holding,omitempty"`
	Input    map[uint16]uint16 `json:"input,omitempty"`
	Coils    map[uint16]bool   `json:"coils,omitempty"`
	Discrete map[uint16]bool   `json:"discrete,omitempty"`
}

// PymodbusConfig describes the device a pymodbus 3.0 server plays.
//
// Behaviour of that server, as found in its source and on the wire:
//   - Data blocks are offset by one in pymodbus's default mode (PDU address 0
//     reads block index 1). The helper runs it with zero_mode=True and keys
//     all data by PDU address, so PymodbusData means what a client reads.
//   - Without Sparse every address of every table exists and reads 0 (or
//     false) unless set; with Sparse only the addresses set exist and any
//     read touching another answers exception 02 (illegal data address).
//   - With Units empty, one context answers every unit ID, 0 included (0 is
//     not treated as broadcast). With Units set, requests to any other unit
//     get no reply at all; but if Units contains 0 or 255, unknown units are
//     let through and answer exception 0B (gateway target failed to respond).
//   - It answers FC43/14 (device identification, from Identity; basic
//     read code 01 gives conformity level 0x83 and objects 0-2), FC8
//     (diagnostics; sub-function 0 echoes) and FC17 (report server ID).
//     Its FC17 reply has no server-ID byte: byte count, then the basic
//     identity objects joined by "-" (e.g. "Acme-X-1-2.5"; "Pymodbus" when
//     Identity is empty), then the run indicator FF.
//   - Under the RTU framer it ignores frames with a bad CRC (no reply).
//   - It logs "Handler for stream ... has been canceled" at ERROR level on
//     every client disconnect; that is noise, not a failure.
type PymodbusConfig struct {
	// PymodbusData is served by every unit not listed in UnitData.
	PymodbusData
	// Units are the unit IDs served; empty means all.
	Units []byte
	// UnitData overrides the data of single units listed in Units.
	UnitData map[byte]PymodbusData
	// Sparse makes unset addresses answer exception 02 instead of 0.
	Sparse bool
	// Identity holds the FC43/14 objects by pymodbus name: VendorName,
	// ProductCode, MajorMinorRevision, VendorUrl, ProductName, ModelName,
	// UserApplicationName.
	Identity map[string]string
	// Baud, Parity ("N", "E", "O") and StopBits of the RTU server;
	// defaults 19200, "N", 1. Over a socat pty pair use parity N.
	Baud     int
	Parity   string
	StopBits int
	// Debug turns on pymodbus's debug log (hex of every frame), shown in
	// the test log when the test fails.
	Debug bool
}

// identityNames are the object names pymodbus 3.0 accepts in Identity.
func identityNames() []string {
	return []string{"VendorName", "ProductCode", "MajorMinorRevision", "VendorUrl",
		"ProductName", "ModelName", "UserApplicationName"}
}

// pyWireConfig is the JSON the script reads.
type pyWireConfig struct {
	PymodbusData
	Mode     string                  `json:"mode"`
	Host     string                  `json:"host,omitempty"`
	Port     int                     `json:"port,omitempty"`
	Device   string                  `json:"device,omitempty"`
	Baud     int                     `json:"baud,omitempty"`
	Parity   string                  `json:"parity,omitempty"`
	StopBits int                     `json:"stopbits,omitempty"`
	Units    []int                   `json:"units,omitempty"`
	UnitData map[string]PymodbusData `json:"unit_data,omitempty"`
	Sparse   bool                    `json:"sparse,omitempty"`
	Identity map[string]string       `json:"identity,omitempty"`
	Debug    bool                    `json:"debug,omitempty"`
}

// wire checks cfg and converts it for the script.
func (cfg PymodbusConfig) wire(t testing.TB) pyWireConfig {
	t.Helper()
	w := pyWireConfig{
		PymodbusData: cfg.PymodbusData,
		Baud:         cfg.Baud,
		Parity:       cfg.Parity,
		StopBits:     cfg.StopBits,
		Sparse:       cfg.Sparse,
		Identity:     cfg.Identity,
		Debug:        cfg.Debug,
	}
	for k := range cfg.Identity {
		if !slices.Contains(identityNames(), k) {
			t.Fatalf("peertest: unknown pymodbus identity object %q (want one of %v)", k, identityNames())
		}
	}
	for _, u := range cfg.Units {
		if u > 247 && u != 255 {
			t.Fatalf("peertest: pymodbus serves unit IDs 0-247 only, not %d", u)
		}
		w.Units = append(w.Units, int(u))
	}
	for u, d := range cfg.UnitData {
		if !slices.Contains(cfg.Units, u) {
			t.Fatalf("peertest: UnitData for unit %d which is not in Units %v", u, cfg.Units)
		}
		if w.UnitData == nil {
			w.UnitData = map[string]PymodbusData{}
		}
		w.UnitData[strconv.Itoa(int(u))] = d
	}
	return w
}

// startPymodbus writes the script and its config to a fresh temp dir and
// starts the server, waiting for its ready line.
func startPymodbus(t testing.TB, w pyWireConfig) (*process, error) {
	t.Helper()
	python := RequireTool(t, pythonPath, "python3")
	dir := t.TempDir()
	script := filepath.Join(dir, "peer.py")
	conf := filepath.Join(dir, "peer.json")
	js, err := json.Marshal(w)
	if err != nil {
		t.Fatalf("peertest: %v", err)
	}
	if err := os.WriteFile(script, []byte(pymodbusScript), 0o644); err != nil {
		t.Fatalf("peertest: %v", err)
	}
	if err := os.WriteFile(conf, js, 0o644); err != nil {
		t.Fatalf("peertest: %v", err)
	}
	cmd := exec.Command(python, "-u", script, conf)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	p, err := startProcess(t, "pymodbus "+w.Mode+" server", cmd)
	if err != nil {
		return nil, err
	}
	err = p.waitOutput("PEERTEST-READY")
	if err != nil && strings.Contains(p.out.String(), "PEERTEST-MISSING") {
		missing(t, "pymodbus not importable by %s: apt-get install %s\n%s", pythonPath, pymodbusPkgs, p.out.String())
	}
	return p, err
}

// PymodbusTCP starts a pymodbus Modbus/TCP server playing cfg on a free port
// of 127.0.0.1 and returns its host:port once a TCP dial succeeds. The
// server stops when the test ends; its log is shown if the test failed.
func PymodbusTCP(t testing.TB, cfg PymodbusConfig) (addr string) {
	t.Helper()
	var last error
	for range startAttempts {
		w := cfg.wire(t)
		w.Mode, w.Host, w.Port = "tcp", "127.0.0.1", freePort(t)
		p, err := startPymodbus(t, w)
		if err == nil {
			addr = net.JoinHostPort(w.Host, strconv.Itoa(w.Port))
			if err = p.waitDial(addr); err == nil {
				return addr
			}
		}
		last = err
		if p == nil || !strings.Contains(p.out.String(), "in use") {
			break
		}
		p.stop(t)
	}
	t.Fatalf("peertest: %v", last)
	return ""
}

// PymodbusRTU starts a pymodbus RTU server playing cfg on the serial device
// ptyPath (typically one end of SocatPair) and returns once it has opened
// the device. The server stops when the test ends.
func PymodbusRTU(t testing.TB, cfg PymodbusConfig, ptyPath string) {
	t.Helper()
	w := cfg.wire(t)
	w.Mode, w.Device = "rtu", ptyPath
	if w.Baud == 0 {
		w.Baud = 19200
	}
	if w.Parity == "" {
		w.Parity = "N"
	}
	if w.StopBits == 0 {
		w.StopBits = 1
	}
	if _, err := startPymodbus(t, w); err != nil {
		t.Fatalf("peertest: %v", fmt.Errorf("pymodbus RTU on %s: %w", ptyPath, err))
	}
}
