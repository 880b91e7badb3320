//go:build linux

package sim

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
)

func TestSniffValidation(t *testing.T) {
	tests := []struct {
		name string
		bus  Bus
		want string // "" means valid
	}{
		{"rtu pty", Bus{Name: "b", Kind: BusRTU, Sniff: true, Line: &LineConfig{Baud: 9600}}, ""},
		{"rtu none", Bus{Name: "b", Kind: BusRTU, Sniff: true, Serve: ServeNone, Line: &LineConfig{Baud: 9600}}, "sniff applies only"},
		{"tcp", Bus{Name: "b", Kind: BusTCP, Sniff: true, Listen: "127.0.0.1:0"}, "sniff applies only"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Plant{Buses: []Bus{tc.bus}}
			err := p.validate(buildOptions(nil))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// TestSniffPty: a client polls the bus's pty; the sniff pty shows the
// request, then after the turnaround the reply, byte for byte; a request to
// an absent unit shows alone.
func TestSniffPty(t *testing.T) {
	plant := Plant{Buses: []Bus{{Name: "rs485", Kind: BusRTU, Sniff: true, Line: &LineConfig{Baud: 19200},
		Devices: []DeviceConfig{{Unit: 1, Turnaround: 5 * time.Millisecond,
			HoldingRegisters: []RegBlock{{Address: 0, Values: []int{7, 8}}}}}}}}
	running, err := Start(context.Background(), plant)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = running.Close() })
	ep, _ := running.Endpoint("rs485")
	if ep.SniffPath == "" || !strings.HasPrefix(ep.SniffURL, "rtu://") || ep.SniffPath == ep.Address {
		t.Fatalf("endpoint %+v lacks its sniff pty", ep)
	}
	sniffer := openClient(t, ep.SniffPath, 19200)
	client := openClient(t, ep.Address, 19200)
	tr := modbus.NewRTUTransport(client, modbus.RTUConfig{Timeout: 200 * time.Millisecond})
	c := modbus.NewClient(tr, 200*time.Millisecond)
	ctx := context.Background()
	if _, err := c.ReadHoldingRegisters(ctx, 1, 0, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadHoldingRegisters(ctx, 9, 0, 1); err == nil {
		t.Fatal("absent unit 9 answered")
	}
	req1, _ := modbus.ReadRequest(modbus.FuncReadHoldingRegisters, 0, 2)
	req9, _ := modbus.ReadRequest(modbus.FuncReadHoldingRegisters, 0, 1)
	want := bytes.Join([][]byte{
		modbus.EncodeRTU(1, req1),
		modbus.EncodeRTU(1, modbus.PDU{Function: modbus.FuncReadHoldingRegisters, Data: []byte{4, 0, 7, 0, 8}}),
		modbus.EncodeRTU(9, req9),
	}, nil)
	var got []byte
	buf := make([]byte, 256)
	for range 100 {
		n, err := sniffer.ReadTimeout(buf, 20*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, buf[:n]...)
		if len(got) >= len(want) {
			break
		}
	}
	if !bytes.Equal(got, want) {
		t.Errorf("sniff pty carried\n% X\nwant\n% X", got, want)
	}
}
