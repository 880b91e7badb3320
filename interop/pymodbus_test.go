package interop

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/busprobe/busprobe/internal/peertest"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// pyUnit is the unit the pymodbus peer serves.
const pyUnit = 3

// pyIdentity is what the pymodbus peer reports through FC43/14 and FC17.
var pyIdentity = map[string]string{
	"VendorName":         "Busprobe Interop",
	"ProductCode":        "PY-30",
	"MajorMinorRevision": "3.0",
	"VendorUrl":          "https://example.invalid/py",
	"ProductName":        "pymodbus peer",
	"ModelName":          "M-7",
}

func pymodbusConfig() peertest.PymodbusConfig {
	return peertest.PymodbusConfig{
		PymodbusData: peertest.PymodbusData{
			Holding:  map[uint16]uint16{0: 555, 1: 0xBEEF, 2: 7, 100: 1, 101: 2},
			Input:    map[uint16]uint16{10: 1234, 11: 0, 12: 65535},
			Coils:    map[uint16]bool{0: true, 2: true, 9: true},
			Discrete: map[uint16]bool{1: true, 7: true, 8: true},
		},
		Units:    []byte{pyUnit},
		Identity: pyIdentity,
	}
}

// TestPymodbus runs our client against a pymodbus 3.0 server over Modbus/TCP
// and over RTU on a socat pty pair (8N1 at 19200).
func TestPymodbus(t *testing.T) {
	t.Parallel()
	transports := []struct {
		name  string
		start func(t *testing.T) (url string)
	}{
		{"tcp", func(t *testing.T) string {
			return "tcp://" + peertest.PymodbusTCP(t, pymodbusConfig())
		}},
		{"rtu", func(t *testing.T) string {
			server, client := peertest.SocatPair(t)
			peertest.PymodbusRTU(t, pymodbusConfig(), server)
			return "rtu://" + client + "?baud=19200&parity=N&stop=1"
		}},
	}
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			url := tr.start(t)
			ctx := testCtx(t)
			c := dial(t, ctx, url, modbus.DialOptions{Timeout: time.Second})
			checkPymodbus(t, ctx, c)
		})
	}
}

func checkPymodbus(t *testing.T, ctx context.Context, c *modbus.Client) {
	t.Helper()
	// FC01, FC02: bit reads, values as configured (unset bits false).
	bitReads := []struct {
		name string
		read func() ([]bool, error)
		want []bool
	}{
		{"FC01 coils 0..9", func() ([]bool, error) { return c.ReadCoils(ctx, pyUnit, 0, 10) },
			[]bool{true, false, true, false, false, false, false, false, false, true}},
		{"FC02 discrete 0..8", func() ([]bool, error) { return c.ReadDiscreteInputs(ctx, pyUnit, 0, 9) },
			[]bool{false, true, false, false, false, false, false, true, true}},
	}
	for _, r := range bitReads {
		got, err := r.read()
		if err != nil || !slices.Equal(got, r.want) {
			t.Errorf("%s: %v, %v; want %v", r.name, got, err, r.want)
		}
	}
	// FC03, FC04: register reads.
	regReads := []struct {
		name string
		read func() ([]uint16, error)
		want []uint16
	}{
		{"FC03 holding 0..2", func() ([]uint16, error) { return c.ReadHoldingRegisters(ctx, pyUnit, 0, 3) }, u16s(555, 0xBEEF, 7)},
		{"FC03 holding 100..101", func() ([]uint16, error) { return c.ReadHoldingRegisters(ctx, pyUnit, 100, 2) }, u16s(1, 2)},
		{"FC04 input 10..12", func() ([]uint16, error) { return c.ReadInputRegisters(ctx, pyUnit, 10, 3) }, u16s(1234, 0, 65535)},
	}
	for _, r := range regReads {
		got, err := r.read()
		if err != nil || !slices.Equal(got, r.want) {
			t.Errorf("%s: %v, %v; want %v", r.name, got, err, r.want)
		}
	}
	// FC06 then read back.
	if err := c.WriteSingleRegister(ctx, pyUnit, 2, 0x1234); err != nil {
		t.Errorf("FC06 write 2=0x1234: %v", err)
	} else if got, err := c.ReadHoldingRegisters(ctx, pyUnit, 2, 1); err != nil || !slices.Equal(got, u16s(0x1234)) {
		t.Errorf("FC03 after FC06: %v, %v; want [4660]", got, err)
	}
	// FC16 then read back.
	want := u16s(11, 22, 33, 0xFFFF)
	if err := c.WriteMultipleRegisters(ctx, pyUnit, 200, want); err != nil {
		t.Errorf("FC16 write 200..203: %v", err)
	} else if got, err := c.ReadHoldingRegisters(ctx, pyUnit, 200, 4); err != nil || !slices.Equal(got, want) {
		t.Errorf("FC03 after FC16: %v, %v; want %v", got, err, want)
	}
	// FC43/14 basic and regular.
	objs := []struct {
		id   byte
		name string
	}{
		{modbus.ObjVendorName, "VendorName"},
		{modbus.ObjProductCode, "ProductCode"},
		{modbus.ObjMajorMinorRevision, "MajorMinorRevision"},
		{modbus.ObjVendorURL, "VendorUrl"},
		{modbus.ObjProductName, "ProductName"},
		{modbus.ObjModelName, "ModelName"},
	}
	for _, code := range []modbus.DeviceIDCode{modbus.DeviceIDBasic, modbus.DeviceIDRegular} {
		id, err := c.ReadDeviceIdentification(ctx, pyUnit, code)
		if err != nil {
			t.Errorf("FC43/14 code %d: %v", code, err)
			continue
		}
		n := 3
		if code == modbus.DeviceIDRegular {
			n = len(objs)
		}
		for _, o := range objs[:n] {
			if v, ok := id.Object(o.id); !ok || string(v) != pyIdentity[o.name] {
				t.Errorf("FC43/14 code %d object %s: %q (present %v); want %q", code, o.name, v, ok, pyIdentity[o.name])
			}
		}
		if code == modbus.DeviceIDBasic && len(id.Objects) != 3 {
			t.Errorf("FC43/14 basic: %d objects %v; want 3", len(id.Objects), id.Objects)
		}
	}
	// FC17: pymodbus sends the basic objects joined by "-", then run indicator FF.
	sid, err := c.ReportServerID(ctx, pyUnit)
	wantRaw := append([]byte(pyIdentity["VendorName"]+"-"+pyIdentity["ProductCode"]+"-"+pyIdentity["MajorMinorRevision"]), 0xFF)
	if err != nil || !bytes.Equal(sid.Raw, wantRaw) {
		t.Errorf("FC17: % X, %v; want % X", sid.Raw, err, wantRaw)
	} else if run, ok := sid.RunIndicator(); !ok || !run {
		t.Errorf("FC17 run indicator: running %v ok %v; want running", run, ok)
	}
	// FC08 sub-function 0: echo.
	if err := c.Echo(ctx, pyUnit, []byte{0xA5, 0x5A}); err != nil {
		t.Errorf("FC08 echo: %v", err)
	}
	// A unit pymodbus does not serve gets no reply: a typed timeout, and
	// the next request to the served unit still gets its own answer.
	_, err = c.WithTimeout(300*time.Millisecond).ReadHoldingRegisters(ctx, pyUnit+1, 0, 1)
	var te *modbus.TimeoutError
	if !errors.As(err, &te) || !errors.Is(err, modbus.ErrTimeout) || te.Unit != pyUnit+1 {
		t.Errorf("FC03 to unserved unit %d: %v; want a *TimeoutError", pyUnit+1, err)
	}
	if got, err := c.ReadHoldingRegisters(ctx, pyUnit, 0, 1); err != nil || !slices.Equal(got, u16s(555)) {
		t.Errorf("FC03 after the timeout: %v, %v; want [555]", got, err)
	}
}
