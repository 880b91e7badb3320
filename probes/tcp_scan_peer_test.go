package probes

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/busprobe/busprobe/internal/peertest"
)

func splitHostPort(t *testing.T, addr string) (string, int) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return h, n
}

// pymodbus answers only its configured units: a scan of units 1-10 finds
// unit 6 and nothing else, and identification gets its FC43 strings.
func TestScanTCPPymodbus(t *testing.T) {
	addr := peertest.PymodbusTCP(t, peertest.PymodbusConfig{
		Units:        []byte{6},
		PymodbusData: peertest.PymodbusData{Holding: map[uint16]uint16{0: 1234}},
		Identity:     map[string]string{"VendorName": "PyVendor", "ProductCode": "PY-42", "MajorMinorRevision": "3.0", "ModelName": "PyModel"},
	})
	host, port := splitHostPort(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := ScanTCP(ctx, TCPScanConfig{Targets: []string{host}, Ports: []int{port}, Units: []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Devices) != 1 || res.Devices[0].Unit != 6 || res.Devices[0].Framing != FramingMBAP {
		t.Fatalf("devices %+v, notes %v", res.Devices, res.Notes)
	}
	id := res.Devices[0].Identity
	if id == nil || id.Objects["VendorName"] != "PyVendor" || id.Objects["ProductCode"] != "PY-42" || id.Objects["ModelName"] != "PyModel" {
		t.Errorf("identity %+v", id)
	}
	t.Logf("pymodbus scan: %.1f ms, %d probes", res.DurationMS, res.Probes)
	if n, lines := openConns(t, port); n != 0 {
		time.Sleep(500 * time.Millisecond)
		if n, lines = openConns(t, port); n != 0 {
			t.Errorf("connections left open:\n%s", lines)
		}
	}
}

// libmodbus's unit-test-server answers every unit ID alike (exception 02 at
// holding 0): one device, flagged, over its single allowed connection.
func TestScanTCPLibmodbus(t *testing.T) {
	addr := peertest.LibmodbusServer(t)
	host, port := splitHostPort(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := ScanTCP(ctx, TCPScanConfig{Targets: []string{host}, Ports: []int{port}, Units: []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Devices) != 1 || res.Devices[0].Unit != 1 || !strings.Contains(strings.Join(res.Devices[0].Notes, " "), "every unit ID") {
		t.Fatalf("devices %+v, notes %v", res.Devices, res.Notes)
	}
	t.Logf("libmodbus scan: %.1f ms, %d probes, notes %v", res.DurationMS, res.Probes, res.Devices[0].Notes)
}
