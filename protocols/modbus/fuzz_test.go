package modbus

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// Fuzz targets. Invariants: nothing panics; errors have the documented
// types; whatever decodes re-encodes to the same bytes; and a reply a client
// parser accepts is one RTUResponseLength frames whole, so a transport never
// cuts a good reply short. Seeds live in testdata/fuzz/<FuzzName>/.

// fuzzPDU makes a PDU of fuzz bytes as a transport would (via ParsePDU).
func fuzzPDU(b []byte) (PDU, bool) {
	p, err := ParsePDU(b)
	return p, err == nil
}

func FuzzDecodeRTU(f *testing.F) {
	f.Fuzz(func(t *testing.T, frame []byte) {
		unit, p, err := DecodeRTU(frame)
		if err != nil {
			if !errors.As(err, new(*CRCError)) && !errors.As(err, new(*FrameError)) {
				t.Fatalf("DecodeRTU error %T: %v", err, err)
			}
			return
		}
		if got := EncodeRTU(unit, p); !bytes.Equal(got, frame) {
			t.Fatalf("EncodeRTU(DecodeRTU(% X)) = % X", frame, got)
		}
		// A request the server accepts is one RTURequestLength cuts whole
		// (function 8 excepted: its echo data has no length field).
		if _, err := ParseRequest(p); err == nil {
			n := RTURequestLength(frame)
			if n != len(frame) && (p.Function != FuncDiagnostics || n != 0) {
				t.Fatalf("RTURequestLength(% X) = %d for a %d-byte request", frame, n, len(frame))
			}
		}
	})
}

func FuzzDecodeMBAP(f *testing.F) {
	f.Fuzz(func(t *testing.T, frame []byte) {
		h, p, err := DecodeMBAP(frame)
		if err != nil {
			if !errors.As(err, new(*FrameError)) {
				t.Fatalf("DecodeMBAP error %T: %v", err, err)
			}
			return
		}
		if got := EncodeMBAP(h.Transaction, h.Unit, p); !bytes.Equal(got, frame) {
			t.Fatalf("EncodeMBAP(DecodeMBAP(% X)) = % X", frame, got)
		}
	})
}

func FuzzReadMBAP(f *testing.F) {
	f.Fuzz(func(t *testing.T, stream []byte) {
		r := bytes.NewReader(stream)
		for r.Len() > 0 {
			before := r.Len()
			frame, h, p, err := ReadMBAP(r)
			if err != nil {
				return
			}
			if used := before - r.Len(); used != len(frame) || !bytes.Equal(frame, stream[len(stream)-before:][:used]) {
				t.Fatalf("ReadMBAP consumed %d bytes, returned % X", used, frame)
			}
			h2, p2, err := DecodeMBAP(frame)
			if err != nil || h2 != h || !bytes.Equal(p2.Bytes(), p.Bytes()) {
				t.Fatalf("ReadMBAP and DecodeMBAP disagree on % X: %v", frame, err)
			}
			if got := EncodeMBAP(h.Transaction, h.Unit, p); !bytes.Equal(got, frame) {
				t.Fatalf("re-encoded % X, read % X", got, frame)
			}
		}
	})
}

// rebuild is the client's builder for a request the server parsed.
func rebuild(r Request) (PDU, error) {
	switch r.Function {
	case FuncReadCoils, FuncReadDiscreteInputs, FuncReadHoldingRegisters, FuncReadInputRegisters:
		return ReadRequest(r.Function, r.Address, r.Count)
	case FuncWriteSingleCoil:
		return WriteSingleCoilRequest(r.Address, r.Bits[0]), nil
	case FuncWriteSingleRegister:
		return WriteSingleRegisterRequest(r.Address, r.Values[0]), nil
	case FuncWriteMultipleCoils:
		return WriteMultipleCoilsRequest(r.Address, r.Bits)
	case FuncWriteMultipleRegisters:
		return WriteMultipleRegistersRequest(r.Address, r.Values)
	case FuncReadWriteMultipleRegisters:
		return ReadWriteMultipleRequest(r.Address, r.Count, r.WriteAddress, r.Values)
	case FuncDiagnostics:
		return EchoRequest(r.EchoData)
	case FuncReportServerID:
		return ReportServerIDRequest(), nil
	case FuncEncapsulatedInterface:
		return ReadDeviceIDRequest(r.DeviceIDCode, r.ObjectID)
	}
	return PDU{}, errors.New("no builder")
}

func FuzzParseRequest(f *testing.F) {
	objects := testObjects()
	f.Fuzz(func(t *testing.T, b []byte) {
		p, ok := fuzzPDU(b)
		if !ok {
			return
		}
		r, err := ParseRequest(p)
		if err != nil {
			var ex *ExceptionError
			if !errors.As(err, &ex) || (ex.Code != ExIllegalFunction && ex.Code != ExIllegalDataValue) || ex.Function != p.Function.Base() {
				t.Fatalf("ParseRequest(% X) error %v", b, err)
			}
			return
		}
		again, err := rebuild(r)
		if err != nil {
			// Only an address range past 65535 is the server's to judge (exception 02).
			end := int(r.Address) + max(int(r.Count), len(r.Values))
			if r.Function == FuncReadWriteMultipleRegisters {
				end = max(int(r.Address)+int(r.Count), int(r.WriteAddress)+len(r.Values))
			}
			if end <= 0x10000 {
				t.Fatalf("ParseRequest accepted % X (%+v) that the client cannot build: %v", b, r, err)
			}
			return
		}
		want := p.Bytes()
		if r.Function == FuncWriteMultipleCoils && r.Count%8 != 0 {
			want[len(want)-1] &= byte(1)<<(r.Count%8) - 1 // unused bits of the last byte
		}
		if got := again.Bytes(); !bytes.Equal(got, want) {
			t.Fatalf("request % X parsed as %+v rebuilds as % X", b, r, got)
		}
		// The server's reply to it is one the client accepts and can frame.
		var resp PDU
		var perr error
		switch r.Function {
		case FuncReadCoils, FuncReadDiscreteInputs:
			resp = BitsResponse(r.Function, make([]bool, r.Count))
			_, perr = ParseBits(p, resp)
		case FuncReadHoldingRegisters, FuncReadInputRegisters, FuncReadWriteMultipleRegisters:
			resp = RegistersResponse(r.Function, make([]uint16, r.Count))
			_, perr = ParseRegisters(p, resp)
		case FuncWriteSingleCoil, FuncWriteSingleRegister, FuncWriteMultipleCoils, FuncWriteMultipleRegisters:
			resp = WriteResponse(r)
			perr = ParseWrite(p, resp)
		case FuncDiagnostics:
			resp = EchoResponse(r)
			perr = ParseEcho(p, resp)
		case FuncReportServerID:
			resp = ServerIDResponse([]byte("id\xFFmodel"))
			_, perr = ParseServerID(p, resp)
		case FuncEncapsulatedInterface:
			resp = DeviceIDResponse(r, 0x83, objects)
			_, perr = ParseDeviceID(p, resp)
			if errors.As(perr, new(*ExceptionError)) {
				perr = nil
			}
		}
		if perr != nil {
			t.Fatalf("client rejects the server's reply % X to % X: %v", resp.Bytes(), b, perr)
		}
		checkFramed(t, p, resp)
	})
}

// checkFramed asserts that RTUResponseLength frames an accepted reply whole.
func checkFramed(t *testing.T, req, resp PDU) {
	t.Helper()
	if len(resp.Bytes()) > MaxPDUSize {
		t.Fatalf("accepted reply of %d bytes exceeds the PDU limit", len(resp.Bytes()))
	}
	frame := EncodeRTU(1, resp)
	if n := RTUResponseLength(req, frame); n != len(frame) {
		t.Fatalf("RTUResponseLength(% X, % X) = %d, frame is %d", req.Bytes(), frame, n, len(frame))
	}
}

// clientFuzz runs a client parser on a fuzzed request and reply.
func clientFuzz(f *testing.F, check func(t *testing.T, req, resp PDU)) {
	f.Fuzz(func(t *testing.T, rb, pb []byte) {
		req, ok1 := fuzzPDU(rb)
		resp, ok2 := fuzzPDU(pb)
		if ok1 && ok2 {
			check(t, req, resp)
		}
	})
}

func FuzzParseBits(f *testing.F) {
	clientFuzz(f, func(t *testing.T, req, resp PDU) {
		bits, err := ParseBits(req, resp)
		if err != nil {
			return
		}
		if n := int(u16(req.Data[2:])); len(bits) != n {
			t.Fatalf("%d bits for a request of %d", len(bits), n)
		}
		again := BitsResponse(resp.Function, bits)
		if got, _ := ParseBits(req, again); !reflect.DeepEqual(got, bits) || len(again.Data) != len(resp.Data) {
			t.Fatalf("bits % X re-encode as % X", resp.Bytes(), again.Bytes())
		}
		checkFramed(t, req, resp)
	})
}

func FuzzParseRegisters(f *testing.F) {
	clientFuzz(f, func(t *testing.T, req, resp PDU) {
		regs, err := ParseRegisters(req, resp)
		if err != nil {
			return
		}
		if got := RegistersResponse(resp.Function, regs); !bytes.Equal(got.Bytes(), resp.Bytes()) {
			t.Fatalf("registers % X re-encode as % X", resp.Bytes(), got.Bytes())
		}
		checkFramed(t, req, resp)
	})
}

func FuzzParseWrite(f *testing.F) {
	clientFuzz(f, func(t *testing.T, req, resp PDU) {
		if ParseWrite(req, resp) != nil {
			return
		}
		if r, err := ParseRequest(req); err == nil {
			if got := WriteResponse(r); !bytes.Equal(got.Bytes(), resp.Bytes()) {
				t.Fatalf("accepted reply % X, the server would send % X", resp.Bytes(), got.Bytes())
			}
		}
		checkFramed(t, req, resp)
	})
}

func FuzzParseEcho(f *testing.F) {
	clientFuzz(f, func(t *testing.T, req, resp PDU) {
		if ParseEcho(req, resp) != nil {
			return
		}
		if !bytes.Equal(req.Bytes(), resp.Bytes()) {
			t.Fatalf("echo % X accepted for % X", resp.Bytes(), req.Bytes())
		}
		checkFramed(t, req, resp)
	})
}

func FuzzParseServerID(f *testing.F) {
	clientFuzz(f, func(t *testing.T, req, resp PDU) {
		id, err := ParseServerID(req, resp)
		if err != nil {
			return
		}
		if got := ServerIDResponse(id.Raw); !bytes.Equal(got.Bytes(), resp.Bytes()) {
			t.Fatalf("server ID % X re-encodes as % X", resp.Bytes(), got.Bytes())
		}
		id.RunIndicator()
		for _, c := range []byte(id.Text()) {
			if c < 0x20 || c >= 0x7F {
				t.Fatalf("Text() of % X holds %02X", id.Raw, c)
			}
		}
		if req.Function == FuncReportServerID {
			checkFramed(t, req, resp)
		}
	})
}

func FuzzParseDeviceID(f *testing.F) {
	clientFuzz(f, func(t *testing.T, req, resp PDU) {
		page, err := ParseDeviceID(req, resp)
		if err != nil {
			return
		}
		more := byte(0)
		if page.MoreFollows {
			more = 0xFF
		}
		again := []byte{byte(resp.Function), MEITypeReadDeviceID, byte(page.Code), page.Conformity, more, page.NextObjectID, byte(len(page.Objects))}
		for _, o := range page.Objects {
			again = append(again, o.ID, byte(len(o.Value)))
			again = append(again, o.Value...)
		}
		if !bytes.Equal(again, resp.Bytes()) {
			t.Fatalf("device ID % X re-encodes as % X", resp.Bytes(), again)
		}
		checkFramed(t, req, resp)
	})
}

func FuzzRTUResponseLength(f *testing.F) {
	f.Fuzz(func(t *testing.T, rb, head []byte) {
		req, ok := fuzzPDU(rb)
		if !ok {
			return
		}
		n := RTUResponseLength(req, head)
		if n < -1 || (n > 0 && n < 5) {
			t.Fatalf("RTUResponseLength(% X) = %d", head, n)
		}
		// Once the length is known, more bytes do not change it.
		for k := range len(head) {
			if m := RTUResponseLength(req, head[:k]); m != -1 && m != n {
				t.Fatalf("length from %d bytes is %d, from %d bytes %d (% X)", k, m, len(head), n, head)
			}
		}
	})
}

func FuzzRTURequestLength(f *testing.F) {
	f.Fuzz(func(t *testing.T, head []byte) {
		n := RTURequestLength(head)
		if n < -1 || (n > 0 && n < 4) {
			t.Fatalf("RTURequestLength(% X) = %d", head, n)
		}
		for k := range len(head) {
			if m := RTURequestLength(head[:k]); m != -1 && m != n {
				t.Fatalf("length from %d bytes is %d, from %d bytes %d (% X)", k, m, len(head), n, head)
			}
		}
	})
}
