package probes

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// SerialPort is one serial port of this machine, with what the system tells
// about the adapter behind it.
type SerialPort struct {
	Path         string   `json:"path"`            // /dev/ttyUSB0
	ByID         []string `json:"by_id,omitempty"` // /dev/serial/by-id/… links to it
	Driver       string   `json:"driver,omitempty"`
	VendorID     string   `json:"vendor_id,omitempty"`  // USB idVendor, e.g. 0403
	ProductID    string   `json:"product_id,omitempty"` // USB idProduct, e.g. 6001
	Manufacturer string   `json:"manufacturer,omitempty"`
	Product      string   `json:"product,omitempty"`
	Serial       string   `json:"serial,omitempty"`
}

// SerialPorts lists the serial ports that exist: /dev/ttyUSB*, /dev/ttyACM*
// and those /dev/ttyS* that have a UART behind them (the kernel creates
// ttyS0-31 whether or not one exists), with their /dev/serial/by-id names
// and, for USB adapters, vendor and product from sysfs. root is "/" on a
// live system; tests pass a fake tree.
func SerialPorts(root string) ([]SerialPort, error) {
	dev := filepath.Join(root, "dev")
	var paths []string
	for _, pat := range []string{"ttyUSB*", "ttyACM*", "ttyS*", "ttyAMA*", "ttyXRUSB*"} {
		m, err := filepath.Glob(filepath.Join(dev, pat))
		if err != nil {
			return nil, err
		}
		paths = append(paths, m...)
	}
	byID := map[string][]string{}
	links, _ := filepath.Glob(filepath.Join(dev, "serial", "by-id", "*"))
	for _, l := range links {
		t, err := os.Readlink(l)
		if err != nil {
			continue
		}
		if !filepath.IsAbs(t) {
			t = filepath.Join(filepath.Dir(l), t)
		}
		t = filepath.Clean(t)
		byID[t] = append(byID[t], "/dev/serial/by-id/"+filepath.Base(l))
	}
	var out []SerialPort
	for _, p := range paths {
		name := filepath.Base(p)
		sys := filepath.Join(root, "sys", "class", "tty", name)
		if strings.HasPrefix(name, "ttyS") && !realUART(sys) {
			continue
		}
		sp := SerialPort{Path: "/dev/" + name, ByID: byID[filepath.Clean(p)]}
		sort.Strings(sp.ByID)
		usbInfo(&sp, sys)
		out = append(out, sp)
	}
	sort.Slice(out, func(i, j int) bool { return portLess(out[i].Path, out[j].Path) })
	return out, nil
}

// realUART reports whether a ttyS port has a UART: its type is not 0
// (PORT_UNKNOWN), or it has a device of its own.
func realUART(sys string) bool {
	if b, err := os.ReadFile(filepath.Join(sys, "type")); err == nil {
		return strings.TrimSpace(string(b)) != "0"
	}
	_, err := os.Stat(filepath.Join(sys, "device"))
	return err == nil
}

// usbInfo fills the driver and, for USB adapters, the USB descriptors: the
// tty's device directory (the usb-serial port or the interface) has the USB
// device a level or two above it.
func usbInfo(sp *SerialPort, sys string) {
	devDir, err := filepath.EvalSymlinks(filepath.Join(sys, "device"))
	if err != nil {
		return
	}
	if drv, err := filepath.EvalSymlinks(filepath.Join(devDir, "driver")); err == nil {
		sp.Driver = filepath.Base(drv)
	}
	dir := devDir
	for range 4 {
		if b, err := os.ReadFile(filepath.Join(dir, "idVendor")); err == nil {
			sp.VendorID = strings.TrimSpace(string(b))
			read := func(f string) string {
				b, _ := os.ReadFile(filepath.Join(dir, f))
				return strings.TrimSpace(string(b))
			}
			sp.ProductID, sp.Manufacturer, sp.Product, sp.Serial = read("idProduct"), read("manufacturer"), read("product"), read("serial")
			return
		}
		dir = filepath.Dir(dir)
	}
}

// portLess orders ports by kind, then number: ttyACM0 < ttyACM1 < ttyACM10.
func portLess(a, b string) bool {
	pa, na := splitNum(a)
	pb, nb := splitNum(b)
	if pa != pb {
		return pa < pb
	}
	return na < nb
}

func splitNum(s string) (string, int) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	n := 0
	for _, c := range s[i:] {
		n = n*10 + int(c-'0')
	}
	return s[:i], n
}
