//go:build linux

package sim

import (
	"context"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// settle waits (bounded) for the goroutine count to drop to want or below.
func settle(want int) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 100 && n > want; i++ {
		time.Sleep(10 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

func TestDemoPlant(t *testing.T) {
	before := runtime.NumGoroutine()
	r, err := Start(context.Background(), DemoPlant(""))
	if err != nil {
		t.Fatal(err)
	}
	gw, ok1 := r.Endpoint(DemoGateway)
	field, ok2 := r.Endpoint(DemoRTU)
	if !ok1 || !ok2 || !strings.HasPrefix(gw.URL, "tcp://127.0.0.1:") || strings.HasSuffix(gw.URL, ":0") {
		t.Fatalf("endpoints %+v", r.Endpoints())
	}
	if !strings.HasPrefix(field.URL, "rtu:///dev/pts/") || field.Line.String() != "9600 8N1" || len(field.Units) < 3 {
		t.Fatalf("rtu endpoint %+v", field)
	}

	c, err := net.DialTimeout("tcp", gw.Address, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	basic := must(modbus.ReadDeviceIDRequest(modbus.DeviceIDBasic, 0))
	tests := []struct {
		name string
		unit byte
		req  modbus.PDU
		ex   modbus.ExceptionCode
	}{
		{"meter identity", 1, basic, 0},
		{"meter voltages", 1, must(modbus.ReadRequest(modbus.FuncReadInputRegisters, 0, 12)), 0},
		{"meter hole", 1, must(modbus.ReadRequest(modbus.FuncReadHoldingRegisters, 0, 5)), modbus.ExIllegalDataAddress},
		{"io identity", 2, basic, 0},
		{"io protected write", 2, modbus.WriteSingleRegisterRequest(0, 1), modbus.ExIllegalDataAddress},
		{"io analog output write", 2, modbus.WriteSingleRegisterRequest(10, 1234), 0},
		{"sensor server id", 3, modbus.ReportServerIDRequest(), 0},
		{"sensor max registers", 3, must(modbus.ReadRequest(modbus.FuncReadInputRegisters, 0, 5)), modbus.ExIllegalDataValue},
		{"absent unit", 4, basic, modbus.ExGatewayTargetNoResponse},
	}
	for i, tc := range tests {
		p, ok := mbap(t, c, uint16(i), tc.unit, tc.req, time.Second)
		if !ok || exCode(p) != tc.ex {
			t.Fatalf("%s: reply %v, want exception %v", tc.name, p, tc.ex)
		}
	}
	c.Close()

	cl := openClient(t, field.Address, 9600)
	req := modbus.ReportServerIDRequest()
	for _, unit := range field.Units {
		got, _ := transact(t, cl, unit, req, time.Second)
		if u, p, err := modbus.DecodeRTU(got); err != nil || u != unit || p.Function != modbus.FuncReportServerID {
			t.Fatalf("rtu unit %d: % X %v", unit, got, err)
		}
	}
	cl.Close()

	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if n := settle(before); n > before {
		t.Fatalf("%d goroutines after Close, %d before", n, before)
	}
	if c, err := net.DialTimeout("tcp", gw.Address, 200*time.Millisecond); err == nil {
		c.Close()
		t.Fatal("gateway still listening after Close")
	}
}

func TestPlantClosesOnContext(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	r, err := Start(ctx, DemoPlant(""))
	if err != nil {
		t.Fatal(err)
	}
	gw, _ := r.Endpoint(DemoGateway)
	// An open connection and a held-back reply must not keep the plant alive.
	c, err := net.Dial("tcp", gw.Address)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cancel()
	if n := settle(before); n > before {
		t.Fatalf("%d goroutines after cancel, %d before", n, before)
	}
	r.Close()
}

func TestStartRejectsInvalidPlant(t *testing.T) {
	_, err := Start(context.Background(), Plant{Buses: []Bus{{Name: "x", Kind: "bogus"}}})
	if err == nil || !strings.Contains(err.Error(), `kind "bogus"`) {
		t.Fatalf("err %v", err)
	}
	// A bus that fails to start releases the buses started before it.
	before := runtime.NumGoroutine()
	p := DemoPlant("")
	p.Buses = append(p.Buses, Bus{Name: "bad", Kind: BusTCP, Listen: "256.0.0.1:1"})
	if _, err := Start(context.Background(), p); err == nil {
		t.Fatal("start succeeded with a bad listen address")
	}
	if n := settle(before); n > before {
		t.Fatalf("%d goroutines after a failed start, %d before", n, before)
	}
}
