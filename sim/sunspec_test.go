package sim

import (
	"testing"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// TestSunSpecInverterDevice checks the register image's landmarks: the
// marker, the model headers, a string, the end marker and the holes.
func TestSunSpecInverterDevice(t *testing.T) {
	d, err := NewDevice(SunSpecInverterDevice(7))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		addr uint16
		want []uint16
		ex   modbus.ExceptionCode
	}{
		{"marker", 40000, []uint16{0x5375, 0x6E53, 1, 66}, 0},
		{"manufacturer", 40004, []uint16{0x6275, 0x7370, 0x726F, 0x6265, 0}, 0}, // "busprobe"
		{"DA", 40068, []uint16{7}, 0},
		{"model 103", 40070, []uint16{103, 50, 4350}, 0},
		{"St", 40108, []uint16{4}, 0},
		{"vendor model", 40122, []uint16{64000, 4, 1, 2, 3, 4}, 0},
		{"end", 40128, []uint16{0xFFFF, 0}, 0},
		{"past the end", 40129, []uint16{0, 0}, modbus.ExIllegalDataAddress},
		{"50000", 50000, []uint16{0, 0}, modbus.ExIllegalDataAddress},
		{"0", 0, []uint16{0, 0}, modbus.ExIllegalDataAddress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := must(modbus.ReadRequest(modbus.FuncReadHoldingRegisters, tt.addr, uint16(len(tt.want))))
			resp, _ := d.Handle(req)
			if got := exCode(resp); got != tt.ex {
				t.Fatalf("exception %v, want %v", got, tt.ex)
			}
			if tt.ex != 0 {
				return
			}
			regs, err := modbus.ParseRegisters(req, resp)
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.want {
				if regs[i] != tt.want[i] {
					t.Errorf("%d: %04X, want %04X", tt.addr+uint16(i), regs[i], tt.want[i])
				}
			}
		})
	}
}
