package modbus

import (
	"fmt"
	"sort"
)

// Standard device identification object IDs (function 43/14).
const (
	ObjVendorName          byte = 0x00
	ObjProductCode         byte = 0x01
	ObjMajorMinorRevision  byte = 0x02
	ObjVendorURL           byte = 0x03
	ObjProductName         byte = 0x04
	ObjModelName           byte = 0x05
	ObjUserApplicationName byte = 0x06
)

// ObjectName returns the specification's name of a device identification object
// ("VendorName", …) or "object 0xNN" for private objects.
func ObjectName(id byte) string {
	switch id {
	case ObjVendorName:
		return "VendorName"
	case ObjProductCode:
		return "ProductCode"
	case ObjMajorMinorRevision:
		return "MajorMinorRevision"
	case ObjVendorURL:
		return "VendorUrl"
	case ObjProductName:
		return "ProductName"
	case ObjModelName:
		return "ModelName"
	case ObjUserApplicationName:
		return "UserApplicationName"
	}
	return fmt.Sprintf("object 0x%02X", id)
}

// DeviceObject is one device identification object.
type DeviceObject struct {
	ID    byte
	Value []byte
}

// DeviceIDPage is one reply to a read device identification request. A
// device whose objects do not fit one reply sets MoreFollows and names the
// object to ask for next.
type DeviceIDPage struct {
	Code         DeviceIDCode
	Conformity   byte
	MoreFollows  bool
	NextObjectID byte
	Objects      []DeviceObject
}

// ParseDeviceID decodes the reply to a function 43/14 request.
func ParseDeviceID(req, resp PDU) (DeviceIDPage, error) {
	if err := CheckResponse(req, resp); err != nil {
		return DeviceIDPage{}, err
	}
	if req.Function != FuncEncapsulatedInterface {
		return DeviceIDPage{}, fmt.Errorf("%s is not a read device identification", req.Function)
	}
	n, err := deviceIDLength(resp.Data)
	if err != nil {
		return DeviceIDPage{}, err
	}
	if n < 0 || n != len(resp.Data) {
		return DeviceIDPage{}, frameErr(resp.Bytes(), "device identification reply is %d bytes, its objects say %d", len(resp.Data), n)
	}
	d := resp.Data
	if d[0] != MEITypeReadDeviceID {
		return DeviceIDPage{}, frameErr(resp.Bytes(), "MEI type %02X, expected 0E", d[0])
	}
	page := DeviceIDPage{Code: DeviceIDCode(d[1]), Conformity: d[2], MoreFollows: d[3] == 0xFF, NextObjectID: d[4]}
	if d[3] != 0x00 && d[3] != 0xFF {
		return DeviceIDPage{}, frameErr(resp.Bytes(), "more-follows byte %02X is neither 00 nor FF", d[3])
	}
	for i, pos := 0, 6; i < int(d[5]); i++ {
		l := int(d[pos+1])
		page.Objects = append(page.Objects, DeviceObject{ID: d[pos], Value: append([]byte(nil), d[pos+2:pos+2+l]...)})
		pos += 2 + l
	}
	return page, nil
}

// deviceIDLength returns the length of a 43/14 reply's data (after the
// function code) from its header and object lengths, or -1 when b is too
// short to tell yet.
func deviceIDLength(b []byte) (int, error) {
	const maxData = MaxPDUSize - 1 // the function code takes the PDU's first byte
	if len(b) < 6 {
		return -1, nil
	}
	if 6+2*int(b[5]) > maxData { // even empty objects would not fit
		return 0, frameErr(b[:min(len(b), 16)], "%d device identification objects cannot fit one PDU", b[5])
	}
	pos := 6
	for range int(b[5]) {
		// An object header that cannot fit is an overrun too, not a reason
		// to wait for bytes that a valid reply can never carry.
		if pos+2 > maxData {
			return 0, frameErr(b[:min(len(b), 16)], "device identification objects overrun the PDU")
		}
		if len(b) < pos+2 {
			return -1, nil
		}
		pos += 2 + int(b[pos+1])
		if pos > maxData {
			return 0, frameErr(b[:min(len(b), 16)], "device identification objects overrun the PDU")
		}
	}
	return pos, nil
}

// DeviceIDResponse builds the server's reply to a 43/14 request from the
// device's objects: objects of the requested category from objectID on, as
// many as fit one PDU, with MoreFollows and NextObjectID set when more remain.
// An unknown objectID restarts at the category's first object, as the
// specification asks; a specific request (code 4) for an absent object is
// exception 02.
func DeviceIDResponse(req Request, conformity byte, objects []DeviceObject) PDU {
	objs := append([]DeviceObject(nil), objects...)
	sort.Slice(objs, func(i, j int) bool { return objs[i].ID < objs[j].ID })
	lo, hi := byte(0x00), byte(0x02)
	switch req.DeviceIDCode {
	case DeviceIDRegular:
		hi = 0x7F
	case DeviceIDExtended:
		hi = 0xFF
	}
	var in []DeviceObject
	for _, o := range objs {
		if req.DeviceIDCode == DeviceIDSpecific {
			if o.ID == req.ObjectID {
				in = append(in, o)
			}
			continue
		}
		if o.ID >= lo && o.ID <= hi {
			in = append(in, o)
		}
	}
	if req.DeviceIDCode == DeviceIDSpecific {
		if len(in) == 0 {
			return ExceptionPDU(FuncEncapsulatedInterface, ExIllegalDataAddress)
		}
	} else {
		start := 0
		for start < len(in) && in[start].ID < req.ObjectID {
			start++
		}
		if start == len(in) || in[start].ID != req.ObjectID {
			start = 0
		}
		in = in[start:]
	}
	data := []byte{MEITypeReadDeviceID, byte(req.DeviceIDCode), conformity, 0x00, 0x00, 0x00}
	count := 0
	for i, o := range in {
		val := o.Value
		if len(val) > MaxPDUSize-1-len(data)-2 && count == 0 {
			val = val[:MaxPDUSize-1-len(data)-2] // a lone oversized object is cut to fit
		}
		if 1+len(data)+2+len(val) > MaxPDUSize {
			data[3], data[4] = 0xFF, in[i].ID
			break
		}
		data = append(data, o.ID, byte(len(val)))
		data = append(data, val...)
		count++
	}
	data[5] = byte(count)
	return PDU{Function: FuncEncapsulatedInterface, Data: data}
}
