package sim

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
)

func gatewayBus(absent Absent) Bus {
	return Bus{
		Name: "gw", Kind: BusTCP, Listen: "127.0.0.1:0", Absent: absent,
		Devices: []DeviceConfig{
			{Unit: 1, HoldingRegisters: []RegBlock{{Address: 0, Values: []int{11, 22}}}},
			{Unit: 5, InputRegisters: []RegBlock{{Address: 0, Values: []int{55}}}},
		},
	}
}

func startGateway(t *testing.T, b Bus) (*Running, string) {
	t.Helper()
	r, err := Start(context.Background(), Plant{Buses: []Bus{b}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	ep, _ := r.Endpoint(b.Name)
	return r, ep.Address
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// mbap sends req to unit and returns the reply PDU, or ok=false when none
// arrives within timeout.
func mbap(t *testing.T, c net.Conn, tid uint16, unit byte, req modbus.PDU, timeout time.Duration) (modbus.PDU, bool) {
	t.Helper()
	if _, err := c.Write(modbus.EncodeMBAP(tid, unit, req)); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(timeout))
	_, h, p, err := modbus.ReadMBAP(c)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return modbus.PDU{}, false
	}
	if err != nil {
		t.Fatal(err)
	}
	if h.Transaction != tid || h.Unit != unit {
		t.Fatalf("reply header %+v, want tid %d unit %d", h, tid, unit)
	}
	return p, true
}

func TestGatewayRouting(t *testing.T) {
	read := must(modbus.ReadRequest(modbus.FuncReadHoldingRegisters, 0, 2))
	readIn := must(modbus.ReadRequest(modbus.FuncReadInputRegisters, 0, 1))
	tests := []struct {
		name   string
		absent Absent
		unit   byte
		req    modbus.PDU
		silent bool
		ex     modbus.ExceptionCode
	}{
		{"unit 1", AbsentException, 1, read, false, 0},
		{"unit 5", AbsentException, 5, readIn, false, 0},
		{"hole on unit 5", AbsentException, 5, read, false, modbus.ExIllegalDataAddress},
		{"absent 0x0B", AbsentException, 9, read, false, modbus.ExGatewayTargetNoResponse},
		{"default is 0x0B", "", 200, read, false, modbus.ExGatewayTargetNoResponse},
		{"absent 0x0A", AbsentPath, 9, read, false, modbus.ExGatewayPathUnavailable},
		{"absent silent", AbsentSilent, 9, read, true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, addr := startGateway(t, gatewayBus(tc.absent))
			c := dial(t, addr)
			p, ok := mbap(t, c, 77, tc.unit, tc.req, 200*time.Millisecond)
			if ok == tc.silent {
				t.Fatalf("reply %v, want silent=%v", p, tc.silent)
			}
			if !tc.silent && exCode(p) != tc.ex {
				t.Fatalf("reply %v, want exception %v", p, tc.ex)
			}
			if tc.silent { // the connection still serves other units
				if _, ok := mbap(t, c, 78, 1, read, time.Second); !ok {
					t.Fatal("no reply after a silent unit")
				}
				if s, _ := r.Stats("gw"); s.Absent != 1 {
					t.Fatalf("stats %+v", s)
				}
			}
		})
	}
}

func TestGatewayConnectionLimit(t *testing.T) {
	b := gatewayBus(AbsentException)
	b.MaxConnections = 2
	r, addr := startGateway(t, b)
	read := must(modbus.ReadRequest(modbus.FuncReadHoldingRegisters, 0, 1))
	c1, c2 := dial(t, addr), dial(t, addr)
	for i, c := range []net.Conn{c1, c2} {
		if _, ok := mbap(t, c, 1, 1, read, time.Second); !ok {
			t.Fatalf("connection %d not served", i+1)
		}
	}
	c3 := dial(t, addr)
	c3.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := c3.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !isReset(err) {
		t.Fatalf("third connection: %v, want it closed", err)
	}
	c1.Close()
	// The freed slot is taken again once the gateway has noticed.
	served := false
	for i := 0; i < 50 && !served; i++ {
		c := dial(t, addr)
		c.Write(modbus.EncodeMBAP(2, 1, read))
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		_, _, _, err := modbus.ReadMBAP(c)
		served = err == nil
	}
	if !served {
		t.Fatal("no connection served after one was closed")
	}
	if s, _ := r.Stats("gw"); s.Refused < 1 || s.Connections < 3 {
		t.Fatalf("stats %+v", s)
	}
}

func isReset(err error) bool {
	var ne *net.OpError
	return errors.As(err, &ne) && !ne.Timeout()
}

func TestGatewayRTUFraming(t *testing.T) {
	b := gatewayBus(AbsentException)
	b.Framing = FramingRTU
	b.Line = &LineConfig{Baud: 19200}
	r, addr := startGateway(t, b)
	if ep, _ := r.Endpoint("gw"); ep.URL != "rtuovertcp://"+addr {
		t.Fatalf("URL %q", ep.URL)
	}
	c := dial(t, addr)
	req := must(modbus.ReadRequest(modbus.FuncReadHoldingRegisters, 0, 2))
	for _, tc := range []struct {
		unit byte
		ex   modbus.ExceptionCode
	}{{1, 0}, {9, modbus.ExGatewayTargetNoResponse}} {
		start := time.Now()
		c.Write(modbus.EncodeRTU(tc.unit, req))
		got, _ := collect(t, connLine{c}, req, start, time.Second)
		unit, p, err := modbus.DecodeRTU(got)
		if err != nil || unit != tc.unit || exCode(p) != tc.ex {
			t.Fatalf("unit %d: reply % X (%v)", tc.unit, got, err)
		}
	}
}

// connLine reads a TCP connection as a modbus.Line for collect.
type connLine struct{ net.Conn }

func (l connLine) Settings() modbus.LineSettings { return modbus.LineSettings{} }

func (l connLine) ReadTimeout(b []byte, d time.Duration) (int, error) {
	l.SetReadDeadline(time.Now().Add(d))
	n, err := l.Read(b)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return n, nil
	}
	return n, err
}

func TestGatewayTruncateClosesConnection(t *testing.T) {
	b := gatewayBus(AbsentException)
	b.Faults = Faults{Truncate: 1}
	r, addr := startGateway(t, b)
	c := dial(t, addr)
	c.Write(modbus.EncodeMBAP(1, 1, must(modbus.ReadRequest(modbus.FuncReadHoldingRegisters, 0, 2))))
	c.SetReadDeadline(time.Now().Add(time.Second))
	got, err := io.ReadAll(c)
	if err != nil || len(got) == 0 || len(got) >= 13 {
		t.Fatalf("read % X, %v: want a cut reply then EOF", got, err)
	}
	if s, _ := r.Stats("gw"); s.Truncated != 1 {
		t.Fatalf("stats %+v", s)
	}
}
