package sim

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// fakeClock is a clock a test steps by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func testDevice() DeviceConfig {
	return DeviceConfig{
		Unit: 7, MaxRegisters: 10, MaxBits: 16,
		Coils:          []BitBlock{{Address: 0, Count: 8, Values: []bool{true}}, {Address: 8, Count: 2, ReadOnly: true}},
		DiscreteInputs: []BitBlock{{Address: 0, Values: []bool{true, false, true}}},
		InputRegisters: []RegBlock{
			{Address: 0, Values: []int{1, 2, 3, -1}},
			{Address: 10, Wave: &Wave{Kind: WaveCounter, Offset: 65534, Step: 1, Period: time.Second, Words: 2}},
			{Address: 12, Wave: &Wave{Kind: WaveSine, Offset: 100, Amplitude: 50, Period: 4 * time.Second}},
		},
		HoldingRegisters: []RegBlock{
			{Address: 0, Count: 20, Values: []int{10, 11, 12}},
			{Address: 20, Values: []int{99}, ReadOnly: true},
			{Address: 30, Wave: &Wave{Kind: WaveRamp, Amplitude: 10, Period: time.Second}},
		},
		Holes: []Hole{{Table: TableHolding, Address: 5, Count: 2}},
		Identity: &Identity{
			VendorName: "busprobe sim", ProductCode: "T1", Revision: "0.1", ProductName: "test device",
			Extended: map[int]string{0x80: "private"},
			ServerID: &ServerID{ID: 0x42, Running: true, Data: "hi"},
		},
	}
}

// must returns a request PDU built by the codec; a build error is a bug in the test.
func must(p modbus.PDU, err error) modbus.PDU {
	if err != nil {
		panic(err)
	}
	return p
}

func exCode(p modbus.PDU) modbus.ExceptionCode {
	if !p.Function.IsException() || len(p.Data) != 1 {
		return 0
	}
	return modbus.ExceptionCode(p.Data[0])
}

func TestDeviceHandle(t *testing.T) {
	read := func(fc modbus.FunctionCode, a, n uint16) modbus.PDU {
		p, _ := modbus.ReadRequest(fc, a, n)
		return p
	}
	wmr := func(a uint16, v ...uint16) modbus.PDU { p, _ := modbus.WriteMultipleRegistersRequest(a, v); return p }
	rw := func(ra, rn, wa uint16, v ...uint16) modbus.PDU {
		p, _ := modbus.ReadWriteMultipleRequest(ra, rn, wa, v)
		return p
	}
	echo, _ := modbus.EchoRequest([]byte{1, 2, 3})
	tests := []struct {
		name string
		req  modbus.PDU
		ex   modbus.ExceptionCode
		want []byte // expected data when no exception
	}{
		{"read holding", read(modbus.FuncReadHoldingRegisters, 0, 3), 0, []byte{6, 0, 10, 0, 11, 0, 12}},
		{"read input negative", read(modbus.FuncReadInputRegisters, 3, 1), 0, []byte{2, 0xFF, 0xFF}},
		{"read coils", read(modbus.FuncReadCoils, 0, 8), 0, []byte{1, 0x01}},
		{"read discrete", read(modbus.FuncReadDiscreteInputs, 0, 3), 0, []byte{1, 0x05}},
		{"hole in block", read(modbus.FuncReadHoldingRegisters, 4, 2), modbus.ExIllegalDataAddress, nil},
		{"undefined address", read(modbus.FuncReadHoldingRegisters, 500, 1), modbus.ExIllegalDataAddress, nil},
		{"past a block end", read(modbus.FuncReadInputRegisters, 2, 5), modbus.ExIllegalDataAddress, nil},
		{"beyond max registers", read(modbus.FuncReadHoldingRegisters, 0, 11), modbus.ExIllegalDataValue, nil},
		{"beyond max bits", read(modbus.FuncReadCoils, 0, 17), modbus.ExIllegalDataValue, nil},
		{"write single", modbus.WriteSingleRegisterRequest(1, 77), 0, []byte{0, 1, 0, 77}},
		{"write read-only", modbus.WriteSingleRegisterRequest(20, 1), modbus.ExIllegalDataAddress, nil},
		{"write multiple", wmr(0, 1), 0, []byte{0, 0, 0, 1}},
		{"write measured wave", wmr(30, 1), modbus.ExIllegalDataAddress, nil},
		{"write into hole", wmr(4, 1, 2), modbus.ExIllegalDataAddress, nil},
		{"write too many", wmr(0, make([]uint16, 11)...), modbus.ExIllegalDataValue, nil},
		{"write coil", modbus.WriteSingleCoilRequest(3, true), 0, []byte{0, 3, 0xFF, 0}},
		{"write protected coil", modbus.WriteSingleCoilRequest(8, true), modbus.ExIllegalDataAddress, nil},
		{"read/write", rw(0, 2, 10, 5), 0, []byte{4, 0, 1, 0, 77}}, // earlier rows wrote 1 and 77
		{"read/write bad read", rw(5, 1, 10, 5), modbus.ExIllegalDataAddress, nil},
		{"echo", echo, 0, []byte{0, 0, 1, 2, 3}},
		{"server id", modbus.ReportServerIDRequest(), 0, []byte{4, 0x42, 0xFF, 'h', 'i'}},
		{"unknown function", modbus.PDU{Function: 0x41}, modbus.ExIllegalFunction, nil},
		{"malformed", modbus.PDU{Function: modbus.FuncReadHoldingRegisters, Data: []byte{0}}, modbus.ExIllegalDataValue, nil},
	}
	d, err := NewDevice(testDevice())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, ok := d.Handle(tc.req)
			if !ok {
				t.Fatal("device stayed silent")
			}
			if got := exCode(resp); got != tc.ex {
				t.Fatalf("exception %v, want %v (reply %v)", got, tc.ex, resp)
			}
			if tc.ex == 0 && !bytes.Equal(resp.Data, tc.want) {
				t.Fatalf("reply data % X, want % X", resp.Data, tc.want)
			}
		})
	}
}

func TestDeviceWriteThenRead(t *testing.T) {
	d, _ := NewDevice(testDevice())
	if resp, _ := d.Handle(must(modbus.WriteMultipleRegistersRequest(2, []uint16{0xBEEF, 0xCAFE}))); exCode(resp) != 0 {
		t.Fatalf("write: %v", resp)
	}
	resp, _ := d.Handle(must(modbus.ReadRequest(modbus.FuncReadHoldingRegisters, 2, 2)))
	if want := []byte{4, 0xBE, 0xEF, 0xCA, 0xFE}; !bytes.Equal(resp.Data, want) {
		t.Fatalf("read back % X, want % X", resp.Data, want)
	}
	// FC23 writes before it reads.
	resp, _ = d.Handle(must(modbus.ReadWriteMultipleRequest(3, 1, 3, []uint16{7})))
	if want := []byte{2, 0, 7}; !bytes.Equal(resp.Data, want) {
		t.Fatalf("FC23 read % X, want % X", resp.Data, want)
	}
}

func TestDeviceProtectException04(t *testing.T) {
	cfg := testDevice()
	cfg.ProtectException = 4
	d, _ := NewDevice(cfg)
	resp, _ := d.Handle(modbus.WriteSingleRegisterRequest(20, 1))
	if exCode(resp) != modbus.ExServerDeviceFailure {
		t.Fatalf("got %v, want exception 04", resp)
	}
}

func TestDeviceBusy(t *testing.T) {
	cfg := testDevice()
	cfg.BusyRate = 0.5
	cfg.Seed = 3
	d, _ := NewDevice(cfg)
	req := must(modbus.ReadRequest(modbus.FuncReadHoldingRegisters, 0, 1))
	const n = 400
	busy := 0
	for range n {
		resp, _ := d.Handle(req)
		if exCode(resp) == modbus.ExServerDeviceBusy {
			busy++
		}
	}
	if busy < n*35/100 || busy > n*65/100 {
		t.Fatalf("%d busy replies of %d at rate 0.5", busy, n)
	}
	if s := d.Stats(); s.Busy != uint64(busy) || s.Requests != n {
		t.Fatalf("stats %+v, want %d busy of %d", s, busy, n)
	}
	cfg.BusyRate = 1
	d, _ = NewDevice(cfg)
	if resp, _ := d.Handle(req); exCode(resp) != modbus.ExServerDeviceBusy {
		t.Fatalf("rate 1: got %v, want exception 06", resp)
	}
}

func TestDeviceIdentity(t *testing.T) {
	d, _ := NewDevice(testDevice())
	tests := []struct {
		code modbus.DeviceIDCode
		ids  []byte
	}{
		{modbus.DeviceIDBasic, []byte{0, 1, 2}},
		{modbus.DeviceIDRegular, []byte{0, 1, 2, 4}},
		{modbus.DeviceIDExtended, []byte{0, 1, 2, 4, 0x80}},
	}
	for _, tc := range tests {
		req := must(modbus.ReadDeviceIDRequest(tc.code, 0))
		resp, _ := d.Handle(req)
		page, err := modbus.ParseDeviceID(req, resp)
		if err != nil {
			t.Fatalf("code %d: %v", tc.code, err)
		}
		var ids []byte
		for _, o := range page.Objects {
			ids = append(ids, o.ID)
		}
		if !bytes.Equal(ids, tc.ids) || page.Conformity != 0x83 {
			t.Fatalf("code %d: objects % X conformity %02X, want % X and 83", tc.code, ids, page.Conformity, tc.ids)
		}
	}
	noID, _ := NewDevice(DeviceConfig{Unit: 1, HoldingRegisters: []RegBlock{{Address: 0, Count: 1}}})
	for _, req := range []modbus.PDU{must(modbus.ReadDeviceIDRequest(modbus.DeviceIDBasic, 0)), modbus.ReportServerIDRequest()} {
		if resp, _ := noID.Handle(req); exCode(resp) != modbus.ExIllegalFunction {
			t.Fatalf("no identity: %v, want exception 01", resp)
		}
	}
}

func TestDeviceIgnoreAndBroadcast(t *testing.T) {
	cfg := testDevice()
	cfg.IgnoreFunctions = []int{43}
	d, _ := NewDevice(cfg)
	if _, ok := d.Handle(must(modbus.ReadDeviceIDRequest(modbus.DeviceIDBasic, 0))); ok {
		t.Fatal("ignored function answered")
	}
	d.Broadcast(modbus.WriteSingleRegisterRequest(0, 4321))
	resp, _ := d.Handle(must(modbus.ReadRequest(modbus.FuncReadHoldingRegisters, 0, 1)))
	if !bytes.Equal(resp.Data, []byte{2, 0x10, 0xE1}) {
		t.Fatalf("broadcast write not applied: % X", resp.Data)
	}
}

func TestDeviceWavesFollowClock(t *testing.T) {
	clk := &fakeClock{now: time.Unix(1000, 0)}
	d, _ := NewDevice(testDevice(), WithClock(clk.Now))
	read := func() []uint16 {
		req := must(modbus.ReadRequest(modbus.FuncReadInputRegisters, 10, 3))
		resp, _ := d.Handle(req)
		regs, err := modbus.ParseRegisters(req, resp)
		if err != nil {
			t.Fatal(err)
		}
		return regs
	}
	tests := []struct {
		step time.Duration
		want []uint16
	}{
		{0, []uint16{0, 65534, 100}},                  // counter 65534, sine at 0
		{time.Second, []uint16{0, 65535, 150}},        // counter +1, sine at a quarter period
		{time.Second, []uint16{1, 0, 100}},            // counter carries into the high word
		{1500 * time.Millisecond, []uint16{1, 1, 65}}, // 3.5 s: sine 100-35.36
	}
	for i, tc := range tests {
		clk.Add(tc.step)
		if got := read(); !equalU16(got, tc.want) {
			t.Fatalf("step %d: %v, want %v", i, got, tc.want)
		}
	}
}

func TestDeviceTurnaroundJitter(t *testing.T) {
	cfg := testDevice()
	cfg.Turnaround, cfg.Jitter, cfg.Seed = 10*time.Millisecond, 5*time.Millisecond, 9
	a, _ := NewDevice(cfg)
	b, _ := NewDevice(cfg)
	for range 50 {
		ta, tb := a.Turnaround(), b.Turnaround()
		if ta != tb {
			t.Fatalf("same seed, different turnarounds %v %v", ta, tb)
		}
		if ta < 10*time.Millisecond || ta >= 15*time.Millisecond {
			t.Fatalf("turnaround %v outside [10ms, 15ms)", ta)
		}
	}
}

func equalU16(a, b []uint16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
