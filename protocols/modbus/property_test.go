package modbus

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"testing"
)

const propertyRounds = 3000

func newRand(t *testing.T) *rand.Rand {
	t.Helper()
	return rand.New(rand.NewPCG(0xB05, uint64(len(t.Name()))))
}

// randRange returns an address and count with 1 <= count <= limit that fit below 65536.
func randRange(r *rand.Rand, limit int) (uint16, int) {
	n := 1 + r.IntN(limit)
	if r.IntN(8) == 0 {
		n = limit
	}
	return uint16(r.IntN(0x10000 - n + 1)), n
}

func randBits(r *rand.Rand, n int) []bool {
	b := make([]bool, n)
	for i := range b {
		b[i] = r.IntN(2) == 1
	}
	return b
}

func randRegs(r *rand.Rand, n int) []uint16 {
	v := make([]uint16, n)
	for i := range v {
		v[i] = uint16(r.Uint32())
	}
	return v
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// exchange carries one request through RTU framing to the server, builds the
// reply there, and carries it back; it checks the framing lengths on the way.
func exchange(t *testing.T, unit byte, req PDU, serve func(Request) PDU) (Request, PDU) {
	t.Helper()
	reqFrame := EncodeRTU(unit, req)
	checkPrefixLengths(t, reqFrame, func(head []byte) int { return RTURequestLength(head) }, req.Function == FuncDiagnostics)
	u, got, err := DecodeRTU(reqFrame)
	if err != nil || u != unit || !bytes.Equal(got.Bytes(), req.Bytes()) {
		t.Fatalf("RTU request round trip: %d %v %v", u, got, err)
	}
	r, err := ParseRequest(got)
	if err != nil {
		t.Fatalf("ParseRequest(%v): %v", req, err)
	}
	resp := serve(r)
	respFrame := EncodeRTU(unit, resp)
	checkPrefixLengths(t, respFrame, func(head []byte) int { return RTUResponseLength(req, head) }, false)
	_, back, err := DecodeRTU(respFrame)
	if err != nil {
		t.Fatal(err)
	}
	// And through MBAP, the other framing.
	tid := uint16(len(respFrame) * 31)
	h, viaTCP, err := DecodeMBAP(EncodeMBAP(tid, unit, back))
	if err != nil || h.Transaction != tid || h.Unit != unit || !bytes.Equal(viaTCP.Bytes(), resp.Bytes()) {
		t.Fatalf("MBAP round trip: %+v %v %v", h, viaTCP, err)
	}
	return r, viaTCP
}

// checkPrefixLengths feeds every prefix of frame to a length function: it
// must say "too short" (-1) until it knows, then the frame's exact length.
func checkPrefixLengths(t *testing.T, frame []byte, length func([]byte) int, unknowable bool) {
	t.Helper()
	known := false
	for k := 0; k <= len(frame); k++ {
		got := length(frame[:k])
		switch {
		case unknowable && got == 0, !known && got == -1:
		case got == len(frame):
			known = true
		default:
			t.Fatalf("length of % X from its first %d bytes = %d (frame is %d)", frame, k, got, len(frame))
		}
	}
	if !known && !unknowable {
		t.Fatalf("length of % X never known", frame)
	}
}

func TestPropertyReads(t *testing.T) {
	r := newRand(t)
	fcs := []FunctionCode{FuncReadCoils, FuncReadDiscreteInputs, FuncReadHoldingRegisters, FuncReadInputRegisters}
	for range propertyRounds {
		fc := fcs[r.IntN(len(fcs))]
		limit := MaxReadRegisters
		if isBitFunction(fc) {
			limit = MaxReadBits
		}
		addr, n := randRange(r, limit)
		unit := byte(1 + r.IntN(247))
		req, err := ReadRequest(fc, addr, uint16(n))
		if err != nil {
			t.Fatalf("ReadRequest(%v, %d, %d): %v", fc, addr, n, err)
		}
		bits, regs := randBits(r, n), randRegs(r, n)
		parsed, resp := exchange(t, unit, req, func(q Request) PDU {
			if isBitFunction(q.Function) {
				return BitsResponse(q.Function, bits)
			}
			return RegistersResponse(q.Function, regs)
		})
		if want := (Request{Function: fc, Address: addr, Count: uint16(n)}); !reflect.DeepEqual(parsed, want) {
			t.Fatalf("server parsed %+v, client sent %+v", parsed, want)
		}
		if isBitFunction(fc) {
			got, err := ParseBits(req, resp)
			if err != nil || !reflect.DeepEqual(got, bits) {
				t.Fatalf("ParseBits: %v (%d bits)", err, n)
			}
		} else {
			got, err := ParseRegisters(req, resp)
			if err != nil || !reflect.DeepEqual(got, regs) {
				t.Fatalf("ParseRegisters: %v (%d registers)", err, n)
			}
		}
	}
}

func TestPropertyWrites(t *testing.T) {
	r := newRand(t)
	for i := range propertyRounds {
		var req PDU
		var want Request
		var err error
		switch i % 5 {
		case 0:
			addr, on := uint16(r.Uint32()), r.IntN(2) == 1
			req = WriteSingleCoilRequest(addr, on)
			want = Request{Function: FuncWriteSingleCoil, Address: addr, Count: 1, Bits: []bool{on}}
		case 1:
			addr, v := uint16(r.Uint32()), uint16(r.Uint32())
			req = WriteSingleRegisterRequest(addr, v)
			want = Request{Function: FuncWriteSingleRegister, Address: addr, Count: 1, Values: []uint16{v}}
		case 2:
			addr, n := randRange(r, MaxWriteBits)
			bits := randBits(r, n)
			req, err = WriteMultipleCoilsRequest(addr, bits)
			want = Request{Function: FuncWriteMultipleCoils, Address: addr, Count: uint16(n), Bits: bits}
		case 3:
			addr, n := randRange(r, MaxWriteRegisters)
			vals := randRegs(r, n)
			req, err = WriteMultipleRegistersRequest(addr, vals)
			want = Request{Function: FuncWriteMultipleRegisters, Address: addr, Count: uint16(n), Values: vals}
		case 4:
			waddr, wn := randRange(r, MaxRWWriteRegisters)
			raddr, rn := randRange(r, MaxReadRegisters)
			vals, regs := randRegs(r, wn), randRegs(r, rn)
			req, err = ReadWriteMultipleRequest(raddr, uint16(rn), waddr, vals)
			if err != nil {
				t.Fatal(err)
			}
			parsed, resp := exchange(t, 1, req, func(Request) PDU { return RegistersResponse(FuncReadWriteMultipleRegisters, regs) })
			want = Request{Function: FuncReadWriteMultipleRegisters, Address: raddr, Count: uint16(rn), WriteAddress: waddr, Values: vals}
			if !reflect.DeepEqual(parsed, want) {
				t.Fatalf("server parsed %+v, client sent %+v", parsed, want)
			}
			if got, err := ParseRegisters(req, resp); err != nil || !reflect.DeepEqual(got, regs) {
				t.Fatalf("ParseRegisters(23): %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		parsed, resp := exchange(t, byte(r.IntN(256)), req, WriteResponse)
		if !reflect.DeepEqual(parsed, want) {
			t.Fatalf("server parsed %+v, client sent %+v", parsed, want)
		}
		if err := ParseWrite(req, resp); err != nil {
			t.Fatalf("ParseWrite(%v, %v): %v", req, resp, err)
		}
	}
}

func TestPropertyEcho(t *testing.T) {
	r := newRand(t)
	for range propertyRounds / 10 {
		data := randBytes(r, r.IntN(MaxPDUSize-2))
		req, err := EchoRequest(data)
		if err != nil {
			t.Fatal(err)
		}
		parsed, resp := exchange(t, 1, req, EchoResponse)
		if parsed.SubFunction != DiagReturnQueryData || !bytes.Equal(parsed.EchoData, data) {
			t.Fatalf("server parsed %+v", parsed)
		}
		if err := ParseEcho(req, resp); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPropertyFraming(t *testing.T) {
	r := newRand(t)
	for range propertyRounds {
		p := PDU{Function: FunctionCode(r.IntN(256)), Data: randBytes(r, r.IntN(MaxPDUSize))}
		unit, tid := byte(r.IntN(256)), uint16(r.Uint32())

		frame := EncodeRTU(unit, p)
		if len(frame) != len(p.Data)+4 {
			t.Fatalf("RTU frame of %d bytes for %d data bytes", len(frame), len(p.Data))
		}
		u, got, err := DecodeRTU(frame)
		if err != nil || u != unit || got.Function != p.Function || !bytes.Equal(got.Data, p.Data) {
			t.Fatalf("DecodeRTU(EncodeRTU(%d, %v)) = %d %v %v", unit, p, u, got, err)
		}
		i := r.IntN(len(frame))
		frame[i] ^= byte(1 + r.IntN(255)) // CRC-16 catches any corruption of one byte
		if _, _, err := DecodeRTU(frame); err == nil {
			t.Fatalf("corrupted byte %d of % X went unnoticed", i, frame)
		}

		m := EncodeMBAP(tid, unit, p)
		h, got, err := DecodeMBAP(m)
		if err != nil || h.Transaction != tid || h.Unit != unit || int(h.Length) != 2+len(p.Data) || !bytes.Equal(got.Bytes(), p.Bytes()) {
			t.Fatalf("DecodeMBAP(EncodeMBAP(%d, %d, %v)) = %+v %v %v", tid, unit, p, h, got, err)
		}
		frame2, h2, got2, err := ReadMBAP(bytes.NewReader(m))
		if err != nil || h2 != h || !bytes.Equal(frame2, m) || !bytes.Equal(got2.Bytes(), p.Bytes()) {
			t.Fatalf("ReadMBAP: %v", err)
		}
	}
}

func TestPropertyPackBits(t *testing.T) {
	r := newRand(t)
	for range propertyRounds {
		bits := randBits(r, r.IntN(MaxReadBits+1))
		packed := packBits(bits)
		if len(packed) != (len(bits)+7)/8 {
			t.Fatalf("%d bits packed into %d bytes", len(bits), len(packed))
		}
		if got := unpackBits(packed, len(bits)); !reflect.DeepEqual(got, bits) {
			t.Fatalf("unpack(pack(%d bits)) differs", len(bits))
		}
		if n := len(bits) % 8; n != 0 && packed[len(packed)-1]>>n != 0 {
			t.Fatalf("padding bits set: %08b for %d bits", packed[len(packed)-1], len(bits))
		}
	}
}
