package modbus

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// obj encodes one device identification object as on the wire.
func obj(id byte, v string) []byte { return append([]byte{id, byte(len(v))}, v...) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func testObjects() []DeviceObject {
	// Deliberately out of order: the server sorts them.
	return []DeviceObject{
		{0x81, []byte("rev B")},
		{ObjVendorName, []byte("Acme")},
		{ObjProductCode, []byte("PX-100")},
		{ObjMajorMinorRevision, []byte("V1.02")},
		{ObjVendorURL, []byte("http://acme.example")},
		{ObjProductName, []byte("Pump")},
		{0x80, []byte("SN 123")},
	}
}

func TestDeviceIDBothDirections(t *testing.T) {
	basic := cat(obj(0, "Acme"), obj(1, "PX-100"), obj(2, "V1.02"))
	regular := cat(basic, obj(3, "http://acme.example"), obj(4, "Pump"))
	tests := []struct {
		name string
		code DeviceIDCode
		id   byte
		wire []byte
	}{
		{"basic from 0", DeviceIDBasic, 0, cat(hx(t, "2B 0E 01 83 00 00 03"), basic)},
		{"basic from 2", DeviceIDBasic, 2, cat(hx(t, "2B 0E 01 83 00 00 01"), obj(2, "V1.02"))},
		{"basic from regular id restarts", DeviceIDBasic, 4, cat(hx(t, "2B 0E 01 83 00 00 03"), basic)},
		{"regular from 0", DeviceIDRegular, 0, cat(hx(t, "2B 0E 02 83 00 00 05"), regular)},
		{"regular from 3", DeviceIDRegular, 3, cat(hx(t, "2B 0E 02 83 00 00 02"), obj(3, "http://acme.example"), obj(4, "Pump"))},
		{"regular from unknown id restarts", DeviceIDRegular, 0x10, cat(hx(t, "2B 0E 02 83 00 00 05"), regular)},
		{"extended from 0", DeviceIDExtended, 0, cat(hx(t, "2B 0E 03 83 00 00 07"), regular, obj(0x80, "SN 123"), obj(0x81, "rev B"))},
		{"extended from 0x81", DeviceIDExtended, 0x81, cat(hx(t, "2B 0E 03 83 00 00 01"), obj(0x81, "rev B"))},
		{"specific 4", DeviceIDSpecific, 4, cat(hx(t, "2B 0E 04 83 00 00 01"), obj(4, "Pump"))},
		{"specific 0x80", DeviceIDSpecific, 0x80, cat(hx(t, "2B 0E 04 83 00 00 01"), obj(0x80, "SN 123"))},
		{"specific absent", DeviceIDSpecific, 5, hx(t, "AB 02")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reqPDU, err := ReadDeviceIDRequest(tt.code, tt.id)
			if err != nil {
				t.Fatal(err)
			}
			r, err := ParseRequest(reqPDU)
			if err != nil {
				t.Fatal(err)
			}
			resp := DeviceIDResponse(r, 0x83, testObjects())
			if got := resp.Bytes(); !bytes.Equal(got, tt.wire) {
				t.Fatalf("server reply\n got % X\nwant % X", got, tt.wire)
			}
			page, err := ParseDeviceID(reqPDU, rawPDU(tt.wire))
			if tt.wire[0]&0x80 != 0 {
				var ex *ExceptionError
				if !errors.As(err, &ex) || ex.Code != ExIllegalDataAddress || ex.Function != FuncEncapsulatedInterface {
					t.Fatalf("client got %v, want exception 02", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDeviceID: %v", err)
			}
			if page.Code != tt.code || page.Conformity != 0x83 || page.MoreFollows || page.NextObjectID != 0 {
				t.Errorf("page header %+v", page)
			}
			// The objects the client sees re-encode to the wire objects.
			var enc []byte
			for _, o := range page.Objects {
				enc = append(enc, obj(o.ID, string(o.Value))...)
			}
			if !bytes.Equal(enc, tt.wire[7:]) {
				t.Errorf("client objects\n got % X\nwant % X", enc, tt.wire[7:])
			}
		})
	}
}

// rawPDU splits bytes into a PDU without ParsePDU's size check.
func rawPDU(b []byte) PDU { return PDU{Function: FunctionCode(b[0]), Data: b[1:]} }

// readAllDeviceID runs the client's paging loop against the server builder.
func readAllDeviceID(t *testing.T, code DeviceIDCode, objects []DeviceObject) (pages []DeviceIDPage) {
	t.Helper()
	next := byte(0)
	for range 10 {
		reqPDU, err := ReadDeviceIDRequest(code, next)
		if err != nil {
			t.Fatal(err)
		}
		r, err := ParseRequest(reqPDU)
		if err != nil {
			t.Fatal(err)
		}
		resp := DeviceIDResponse(r, 0x83, objects)
		if n := len(resp.Bytes()); n > MaxPDUSize {
			t.Fatalf("page of %d bytes exceeds %d", n, MaxPDUSize)
		}
		// Through the RTU framing too, as a real device would send it.
		frame := EncodeRTU(1, resp)
		if n := RTUResponseLength(reqPDU, frame); n != len(frame) {
			t.Fatalf("RTUResponseLength = %d, frame is %d", n, len(frame))
		}
		_, got, err := DecodeRTU(frame)
		if err != nil {
			t.Fatal(err)
		}
		page, err := ParseDeviceID(reqPDU, got)
		if err != nil {
			t.Fatalf("ParseDeviceID: %v", err)
		}
		pages = append(pages, page)
		if !page.MoreFollows {
			return pages
		}
		next = page.NextObjectID
	}
	t.Fatal("device ID paging does not end")
	return nil
}

func TestDeviceIDMoreFollows(t *testing.T) {
	objects := []DeviceObject{
		{0, []byte("Acme")}, {1, []byte("PX-100")}, {2, []byte("V1.02")},
		{0x80, bytes.Repeat([]byte{'a'}, 100)},
		{0x81, bytes.Repeat([]byte{'b'}, 100)},
		{0x82, bytes.Repeat([]byte{'c'}, 100)},
	}
	pages := readAllDeviceID(t, DeviceIDExtended, objects)
	if len(pages) != 2 {
		t.Fatalf("%d pages, want 2", len(pages))
	}
	// 7 header bytes + 21 basic + 2*102 = 232; a third 102-byte object does not fit 253.
	if p := pages[0]; !p.MoreFollows || p.NextObjectID != 0x82 || len(p.Objects) != 5 {
		t.Errorf("page 1: more %v next %02X, %d objects", p.MoreFollows, p.NextObjectID, len(p.Objects))
	}
	if p := pages[1]; p.MoreFollows || p.NextObjectID != 0 || len(p.Objects) != 1 || p.Objects[0].ID != 0x82 {
		t.Errorf("page 2: %+v", p)
	}
	var all []DeviceObject
	for _, p := range pages {
		all = append(all, p.Objects...)
	}
	if !reflect.DeepEqual(all, objects) {
		t.Errorf("objects read back differ from the device's:\n got %v\nwant %v", all, objects)
	}
	// The wire form of page 1's header: more follows FF, next object 82, 5 objects.
	r := Request{Function: FuncEncapsulatedInterface, DeviceIDCode: DeviceIDExtended}
	if got := DeviceIDResponse(r, 0x83, objects).Bytes()[:7]; !bytes.Equal(got, hx(t, "2B 0E 03 83 FF 82 05")) {
		t.Errorf("page 1 header % X", got)
	}
}

func TestDeviceIDBoundaries(t *testing.T) {
	long := func(n int) []byte { return bytes.Repeat([]byte{'x'}, n) }
	// Exactly 253 bytes: 7 + (2+100) + (2+142).
	fits := []DeviceObject{{0, long(100)}, {1, long(142)}}
	if pages := readAllDeviceID(t, DeviceIDBasic, fits); len(pages) != 1 || len(pages[0].Objects) != 2 {
		t.Errorf("253-byte reply split: %d pages", len(pages))
	}
	// One byte more: the second object moves to a second page.
	over := []DeviceObject{{0, long(100)}, {1, long(143)}}
	pages := readAllDeviceID(t, DeviceIDBasic, over)
	if len(pages) != 2 || pages[0].NextObjectID != 1 || len(pages[1].Objects) != 1 || len(pages[1].Objects[0].Value) != 143 {
		t.Errorf("254-byte reply: %+v", pages)
	}
	// A lone object too big for any PDU is cut to fit (244 = 253 - 7 - 2).
	huge := []DeviceObject{{0, []byte("Acme")}, {0x80, long(300)}, {0x81, []byte("z")}}
	pages = readAllDeviceID(t, DeviceIDExtended, huge)
	if len(pages) != 3 {
		t.Fatalf("%d pages, want 3", len(pages))
	}
	if o := pages[1].Objects; len(o) != 1 || o[0].ID != 0x80 || len(o[0].Value) != 244 || !pages[1].MoreFollows {
		t.Errorf("page with the oversized object: %+v", pages[1])
	}
	if o := pages[2].Objects; len(o) != 1 || o[0].ID != 0x81 {
		t.Errorf("last page: %+v", pages[2])
	}
	// Specific access to the oversized object: cut, never more follows.
	r := Request{Function: FuncEncapsulatedInterface, DeviceIDCode: DeviceIDSpecific, ObjectID: 0x80}
	p := DeviceIDResponse(r, 0x83, huge)
	if len(p.Bytes()) != MaxPDUSize || p.Data[3] != 0 || p.Data[7] != 244 {
		t.Errorf("specific oversized: % X", p.Bytes()[:10])
	}
	// A device without objects answers an empty page rather than nothing.
	r = Request{Function: FuncEncapsulatedInterface, DeviceIDCode: DeviceIDBasic}
	if got := DeviceIDResponse(r, 0x01, nil).Bytes(); !bytes.Equal(got, hx(t, "2B 0E 01 01 00 00 00")) {
		t.Errorf("no objects: % X", got)
	}
}

func TestParseDeviceIDRejects(t *testing.T) {
	req := first(t)(ReadDeviceIDRequest(DeviceIDBasic, 0))
	tests := []struct{ name, wire string }{
		{"too short for header", "2B 0E 01 01 00 00"},
		{"empty", "2B"},
		{"object count exceeds data", "2B 0E 01 01 00 00 02 00 01 41"},
		{"object length exceeds data", "2B 0E 01 01 00 00 01 00 05 41 42"},
		{"trailing bytes", "2B 0E 01 01 00 00 01 00 01 41 42"},
		{"object header cut", "2B 0E 01 01 00 00 01 00"},
		{"wrong MEI type", "2B 0D 01 01 00 00 01 00 01 41"},
		{"more-follows neither 00 nor FF", "2B 0E 01 01 01 00 01 00 01 41"},
		{"objects overrun the PDU", "2B 0E 01 01 00 00 02 00 F0" + strings.Repeat(" 41", 0xF0) + " 01 10" + strings.Repeat(" 42", 0x10)},
		{"other function", "2C 0E 01 01 00 00 00"},
	}
	for _, tt := range tests {
		_, err := ParseDeviceID(req, rawPDU(hx(t, tt.wire)))
		if err == nil {
			t.Errorf("%s: accepted", tt.name)
			continue
		}
		var fe *FrameError
		var ue *UnexpectedFunctionError
		if !errors.As(err, &fe) && !errors.As(err, &ue) {
			t.Errorf("%s: %T %v, want *FrameError", tt.name, err, err)
		}
	}
	names := map[byte]string{0: "VendorName", 1: "ProductCode", 2: "MajorMinorRevision", 3: "VendorUrl",
		4: "ProductName", 5: "ModelName", 6: "UserApplicationName", 7: "object 0x07", 0x80: "object 0x80"}
	for id, want := range names {
		if got := ObjectName(id); got != want {
			t.Errorf("ObjectName(%02X) = %q, want %q", id, got, want)
		}
	}
}
