package sim

import (
	"sort"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// identityObjects turns an Identity into 43/14 objects sorted by ID and the
// conformity level to report.
func identityObjects(id *Identity) ([]modbus.DeviceObject, byte) {
	var objs []modbus.DeviceObject
	add := func(oid byte, s string) {
		if s != "" {
			objs = append(objs, modbus.DeviceObject{ID: oid, Value: []byte(s)})
		}
	}
	add(modbus.ObjVendorName, id.VendorName)
	add(modbus.ObjProductCode, id.ProductCode)
	add(modbus.ObjMajorMinorRevision, id.Revision)
	add(modbus.ObjVendorURL, id.VendorURL)
	add(modbus.ObjProductName, id.ProductName)
	add(modbus.ObjModelName, id.ModelName)
	add(modbus.ObjUserApplicationName, id.UserApplicationName)
	for k, s := range id.Extended {
		add(byte(k), s)
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].ID < objs[j].ID })
	if id.Conformity != 0 {
		return objs, byte(id.Conformity)
	}
	level := byte(0x81) // basic, stream and individual access
	for _, o := range objs {
		switch {
		case o.ID >= 0x80:
			level = 0x83
		case o.ID > modbus.ObjMajorMinorRevision && level < 0x82:
			level = 0x82
		}
	}
	return objs, level
}
