// Command tcpscan benchmarks busprobe's TCP scan against nmap's
// modbus-discover script, side by side in one run: a /24 of loopback
// addresses (127.0.X.0/24, every address reaches this machine) with 5
// simulated gateways listening on port 502 (the only port modbus-discover
// probes), each routing a few devices; absent units answer exception 0x0B.
//
//	ours        probes.ScanTCP of the /24, units 1-247, with identification
//	nmap        nmap -sT -Pn -n -p 502 --script modbus-discover 127.0.X.0/24
//	nmap aggr.  the same with --script-args modbus-discover.aggressive=true
//
// nmap is parsed for the (host, sid) pairs it reports without an error; the
// default mode stops at the first sid that answers at all (an exception
// included), the aggressive one walks sids 1-246 with report server ID (17).
// The figure is our time ÷ nmap's, with both device lists compared.
// Binding port 502 needs root; without it the benchmark says so and skips.
// It prints a table and, last, one line of JSON. Run `go run ./bench/tcpscan`.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/sim"
)

type run struct {
	Name    string   `json:"name"`
	Seconds float64  `json:"seconds"`
	Found   []string `json:"found"` // host/unit
	Ratio   float64  `json:"ours_over_this,omitempty"`
	Same    bool     `json:"same_devices_as_plant"`
	Skipped string   `json:"skipped,omitempty"`
}

func main() {
	octet := flag.Int("net", 77, "X of the 127.0.X.0/24 range")
	_ = flag.Bool("quick", false, "accepted for bench/run; the benchmark is short either way")
	noNmap := flag.Bool("no-nmap", false, "skip the nmap runs")
	flag.Parse()
	report := map[string]any{"bench": "tcpscan"}
	if os.Geteuid() != 0 {
		fmt.Println("tcpscan: skipped: simulated gateways must listen on port 502, which needs root (run as root, or in the CI container)")
		report["skipped"] = "not root"
		line, _ := json.Marshal(report)
		fmt.Println(string(line))
		return
	}
	cidr := fmt.Sprintf("127.0.%d.0/24", *octet)
	gws := []int{10, 20, 30, 40, 50}
	unitsPer := [][]int{{1}, {1, 2, 3}, {5, 17}, {100, 200}, {247 - 1}}
	var buses []sim.Bus
	var want []string
	for i, h := range gws {
		var devs []sim.DeviceConfig
		for _, u := range unitsPer[i] {
			devs = append(devs, sim.DeviceConfig{Unit: u,
				HoldingRegisters: []sim.RegBlock{{Address: 0, Values: []int{u, 230}}},
				Identity: &sim.Identity{VendorName: "Bench", ProductCode: fmt.Sprintf("GW%d-U%d", i+1, u), Revision: "1.0",
					ServerID: &sim.ServerID{ID: u, Running: true, Data: fmt.Sprintf("bench gw%d unit %d", i+1, u)}}})
			want = append(want, fmt.Sprintf("127.0.%d.%d/%d", *octet, h, u))
		}
		buses = append(buses, sim.Bus{Name: fmt.Sprintf("gw%d", i+1), Kind: sim.BusTCP, Listen: fmt.Sprintf("127.0.%d.%d:502", *octet, h),
			Absent: sim.AbsentException, MaxConnections: 4, Devices: devs})
	}
	sort.Strings(want)
	plant, err := sim.Start(context.Background(), sim.Plant{Name: "tcpscan bench", Buses: buses})
	if err != nil {
		fmt.Println("tcpscan: cannot start the plant:", err)
		os.Exit(1)
	}
	defer plant.Close()

	lib, _ := profiles.Embedded()
	t0 := time.Now()
	res, err := probes.ScanTCP(context.Background(), probes.TCPScanConfig{Targets: []string{cidr}, Library: lib}, nil)
	ourT := time.Since(t0)
	if err != nil {
		fmt.Println("tcpscan: scan failed:", err)
		os.Exit(1)
	}
	var ourFound []string
	for _, d := range res.Devices {
		ourFound = append(ourFound, fmt.Sprintf("%s/%d", d.Host, d.Unit))
	}
	sort.Strings(ourFound)
	runs := []run{{Name: "busprobe scan tcp (units 1-247, identify)", Seconds: ourT.Seconds(), Found: ourFound, Same: equal(ourFound, want)}}

	if !*noNmap {
		for _, aggr := range []bool{false, true} {
			name := "nmap modbus-discover"
			args := []string{"-sT", "-Pn", "-n", "-p", "502", "--script", "modbus-discover", cidr}
			if aggr {
				name += " aggressive"
				args = append(args, "--script-args", "modbus-discover.aggressive=true")
			}
			r := run{Name: name}
			if _, err := exec.LookPath("nmap"); err != nil {
				r.Skipped = "nmap not installed (apt-get install nmap)"
				runs = append(runs, r)
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
			t1 := time.Now()
			out, err := exec.CommandContext(ctx, "nmap", args...).Output()
			r.Seconds = time.Since(t1).Seconds()
			cancel()
			if err != nil {
				r.Skipped = "nmap failed: " + err.Error()
			}
			r.Found = parseNmap(out)
			r.Same = equal(r.Found, want)
			if r.Seconds > 0 {
				r.Ratio = ourT.Seconds() / r.Seconds
			}
			runs = append(runs, r)
		}
	}

	fmt.Printf("TCP scan of %s: 5 simulated gateways on :502, %d devices, absent units answer 0x0B\n\n", cidr, len(want))
	fmt.Printf("%-44s %10s %7s %6s  %s\n", "tool", "time", "found", "same", "ours ÷ this")
	for _, r := range runs {
		if r.Skipped != "" && r.Seconds == 0 {
			fmt.Printf("%-44s %s\n", r.Name, r.Skipped)
			continue
		}
		ratio := "-"
		if r.Ratio > 0 {
			ratio = fmt.Sprintf("%.3f", r.Ratio)
		}
		fmt.Printf("%-44s %9.2fs %7d %6v  %s\n", r.Name, r.Seconds, len(r.Found), r.Same, ratio)
	}
	fmt.Printf("\nplant:  %s\n", strings.Join(want, " "))
	for _, r := range runs {
		if !r.Same {
			fmt.Printf("%s found: %s\n", r.Name, strings.Join(r.Found, " "))
		}
	}
	fmt.Printf("busprobe: %d probes, %d devices identified\n", res.Probes, len(res.Devices))
	report["plant"] = want
	report["runs"] = runs
	report["probes"] = res.Probes
	line, _ := json.Marshal(report)
	fmt.Println(string(line))
}

var (
	reHost = regexp.MustCompile(`^Nmap scan report for (\S+)`)
	reSid  = regexp.MustCompile(`^\|[_ ]\s+sid 0x([0-9a-fA-F]+):`)
	reErr  = regexp.MustCompile(`^\|[_ ]\s+error:`)
)

// parseNmap returns "host/unit" for every sid nmap reports without an error.
func parseNmap(out []byte) []string {
	var found []string
	host, sid := "", -1
	flush := func(ok bool) {
		if sid >= 0 && ok {
			found = append(found, fmt.Sprintf("%s/%d", host, sid))
		}
		sid = -1
	}
	pendingOK := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		l := sc.Text()
		if m := reHost.FindStringSubmatch(l); m != nil {
			flush(pendingOK)
			host = m[1]
			continue
		}
		if m := reSid.FindStringSubmatch(l); m != nil {
			flush(pendingOK)
			n, _ := strconv.ParseInt(m[1], 16, 32)
			sid, pendingOK = int(n), true
			continue
		}
		if reErr.MatchString(l) {
			pendingOK = false
		}
	}
	flush(pendingOK)
	sort.Strings(found)
	return found
}

func equal(a, b []string) bool {
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
