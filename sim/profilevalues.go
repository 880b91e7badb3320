package sim

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/busprobe/busprobe/profiles"
)

// tenYears bounds how far a counter is expected to run, to size scale factors.
const tenYears = 10 * 365 * 24 * 3600.0

// signal is a generated engineering value over device time: a constant, a
// slow sine around center, or (rate != 0) a counter rising from center.
type signal struct {
	center, amp float64
	rate        float64 // per second
	period      time.Duration
	phase       float64
}

// at returns the signal's value at device time t.
func (s signal) at(t time.Duration) float64 {
	switch {
	case s.rate != 0:
		return s.center + s.rate*t.Seconds()
	case s.amp == 0 || s.period <= 0:
		return s.center
	}
	return s.center + s.amp*math.Sin(2*math.Pi*float64(t)/float64(s.period)+s.phase)
}

// peak is the largest magnitude the signal reaches within ten years.
func (s signal) peak() float64 {
	if s.rate != 0 {
		return math.Abs(s.center) + math.Abs(s.rate)*tenYears
	}
	return math.Abs(s.center) + math.Abs(s.amp)
}

// constant is a signal that stays at v.
func constant(v float64) signal { return signal{center: v} }

// planPoint returns the generator of a point's value (the input of
// Point.Encode) at device time t:
//
//   - strings: "SunS" for a SunSpec marker, a serial number, a firmware
//     version, the vendor or (otherwise) the model name, cut to fit;
//   - bools and bit fields: 0 (no alarm, no event);
//   - enums: one valid value, preferring names like run/MPPT/normal;
//   - energies and other counters (acc32, units Wh, kWh, varh, …): rise
//     slowly and monotonically from a plausible reading;
//   - serial numbers, status/state words, device addresses (the unit ID)
//     and writable settings (mid-range): constant;
//   - other measurements: a slow sine (periods of about a minute) around a
//     nominal value (230 V or 400 V line-to-line, 50 Hz, 21.5 °C, 45 %RH,
//     a tenth of full scale for currents and powers, a power factor of
//     0.95, else mid-range) kept inside the point's range and fingerprint
//     range, and inside what its raw type, scale and scale factor can
//     represent, one resolution step clear of the ends.
//
// sunssf points are handled by the caller (scaleFactors).
func planPoint(prof *profiles.Profile, pt *profiles.Point, idx, unit int, sfs map[string]int) func(time.Duration) any {
	switch {
	case pt.Type == profiles.TypeString:
		s := textFor(prof, pt, unit)
		return func(time.Duration) any { return s }
	case pt.Type == profiles.TypeBool:
		return func(time.Duration) any { return false }
	case pt.Type == profiles.TypeBits:
		return func(time.Duration) any { return uint64(0) }
	case len(pt.Enum) > 0:
		k := enumChoice(pt)
		return func(time.Duration) any { return k }
	}
	var sf *int
	if v, ok := sfs[pt.ScaleFactor]; ok && pt.ScaleFactor != "" {
		sf = &v
	}
	sig := numericSignal(prof, pt, idx, unit)
	fit := fitter(pt, sf)
	return func(t time.Duration) any { return fit(sig.at(t)) }
}

// numericSignal plans a numeric point's engineering value; see planPoint.
func numericSignal(prof *profiles.Profile, pt *profiles.Point, idx, unit int) signal {
	name := strings.ToLower(pt.Name)
	lo, hi := planBounds(pt)
	span := hi - lo
	switch {
	case isCounter(pt):
		base := lo + math.Min(span*1e-3, 123456.7)
		return signal{center: base, rate: math.Max(base, 1) * 1e-6}
	case has(name, "serial"):
		return constant(math.Min(math.Max(float64(12345678+unit), lo), hi))
	case has(name, "address", "node", "unit_id", "slave_id") && float64(unit) >= lo && float64(unit) <= hi:
		return constant(float64(unit))
	case has(name, "status", "state", "fault", "alarm", "error", "warning", "event"):
		return constant(math.Min(math.Max(0, lo), hi))
	case writable(pt):
		mid := lo + span/2
		if span >= 2 {
			mid = math.Round(mid)
		}
		return constant(mid)
	}
	flo, fhi := lo, hi
	for _, fp := range prof.Identify.Fingerprints {
		if fp.Point == pt.Name {
			flo, fhi = math.Max(lo, fp.Range.Min), math.Min(hi, fp.Range.Max)
		}
	}
	if flo > fhi {
		flo, fhi = lo, hi
	}
	c := math.Min(math.Max(nominal(pt, name, lo, hi), flo), fhi)
	amp := 0.05 * math.Abs(c)
	switch {
	case pt.Unit == "V" || pt.Unit == "Hz":
		amp = 0.01 * c
	case c == 0:
		amp = 0.01 * span
	}
	amp = math.Max(0, math.Min(amp, math.Min(c-flo, fhi-c)))
	return signal{center: c, amp: amp, period: time.Duration(45+7*(idx%11)) * time.Second, phase: float64(idx)}
}

// nominal is a point's typical engineering value inside [lo, hi].
func nominal(pt *profiles.Point, name string, lo, hi float64) float64 {
	v := lo + (hi-lo)/2
	switch u := strings.ToLower(pt.Unit); {
	case u == "v" && has(name, "l1_l2", "l2_l3", "l3_l1", "_ll", "ll_", "_ab", "_bc", "_ca"):
		v = 400
	case u == "v":
		v = 230
	case u == "hz":
		v = 50
	case u == "°c" || u == "degc" || u == "c":
		v = 21.5
	case u == "%rh":
		v = 45
	case has(name, "power_factor", "cos_phi") && hi > 0:
		v = 0.95 * hi
	case has(name, "thd", "distortion"):
		v = 3
	case u == "a" && hi > 0:
		v = math.Min(0.1*hi, 10)
	case (u == "w" || u == "va" || u == "var") && hi > 0:
		v = math.Min(0.1*hi, 2300)
	case lo < 0 && hi > 0:
		v = 0.1 * hi
	}
	if v < lo || v > hi {
		v = lo + (hi-lo)/2
	}
	return v
}

// isCounter reports whether a point accumulates (energy, acc32).
func isCounter(pt *profiles.Point) bool {
	switch strings.ToLower(pt.Unit) {
	case "wh", "kwh", "mwh", "varh", "kvarh", "mvarh", "vah", "kvah":
		return true
	}
	return pt.Type == profiles.TypeAcc32 || has(strings.ToLower(pt.Name), "energy", "counter", "hours")
}

// has reports whether s contains any of subs.
func has(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// planBounds is the engineering interval a point's value is planned in:
// its range, or without one what its raw type holds (0..1000 for floats).
func planBounds(pt *profiles.Point) (float64, float64) {
	if pt.Range != nil {
		return pt.Range.Min, pt.Range.Max
	}
	if pt.Type.IsFloat() {
		return 0, 1000
	}
	rlo, rhi := rawBounds(pt.Type)
	return engBounds(pt, rlo, rhi, 1)
}

// fitter returns the function that brings a generated value inside the
// point's range (if any) and what its raw type can hold at its scale or
// scale factor, so that the value decodes inside the range: a value that
// would round (or, for f32, narrow) past an end moves one step inward.
// Raw types exclude their extreme values, where SunSpec puts its
// not-implemented sentinels.
func fitter(pt *profiles.Point, sf *int) func(float64) float64 {
	lo, hi := -1e30, 1e30
	mult := 1.0
	if !pt.Type.IsFloat() {
		if sf != nil {
			mult = math.Pow(10, float64(*sf))
		}
		rlo, rhi := rawBounds(pt.Type)
		lo, hi = engBounds(pt, rlo, rhi, mult)
	}
	if r := pt.Range; r != nil {
		lo, hi = math.Max(lo, r.Min), math.Min(hi, r.Max)
	}
	step := math.Abs(pt.Scale * mult)
	decoded := func(v float64) float64 { // the value as it will decode
		if pt.Type == profiles.TypeF32 {
			return float64(float32(v))
		}
		if pt.Type.IsFloat() {
			return v
		}
		return math.Round((v-pt.Offset)/(pt.Scale*mult))*pt.Scale*mult + pt.Offset
	}
	return func(v float64) float64 {
		v = math.Min(math.Max(v, lo), hi)
		for range 3 {
			d := decoded(v)
			switch {
			case d < lo && pt.Type.IsFloat():
				v = math.Nextafter(float64(float32(v)), math.Inf(1)) + 1e-7*math.Abs(v)
			case d > hi && pt.Type.IsFloat():
				v = math.Nextafter(float64(float32(v)), math.Inf(-1)) - 1e-7*math.Abs(v)
			case d < lo:
				v += step
			case d > hi:
				v -= step
			}
		}
		return v
	}
}

// engBounds converts raw bounds to engineering bounds of the point.
func engBounds(pt *profiles.Point, rlo, rhi, mult float64) (float64, float64) {
	a, b := rlo*pt.Scale*mult+pt.Offset, rhi*pt.Scale*mult+pt.Offset
	return math.Min(a, b), math.Max(a, b)
}

// rawBounds is the raw integer interval of a type, one clear of the ends
// (where SunSpec puts its not-implemented sentinels).
func rawBounds(t profiles.Type) (float64, float64) {
	switch t {
	case profiles.TypeI16, profiles.TypeSunSSF:
		return math.MinInt16 + 1, math.MaxInt16 - 1
	case profiles.TypeI32:
		return math.MinInt32 + 1, math.MaxInt32 - 1
	case profiles.TypeI64:
		return -(1 << 62), 1 << 62
	case profiles.TypeU32:
		return 1, math.MaxUint32 - 1
	case profiles.TypeAcc32:
		return 1, math.MaxUint32 - 1
	case profiles.TypeU64:
		return 1, 1 << 62
	case profiles.TypeBCD16:
		return 0, 9999
	case profiles.TypeBCD32:
		return 0, 99999999
	}
	return 0, math.MaxUint16 - 1
}

// scaleFactors chooses every sunssf point's value: the finest power of
// ten (from 10^-2, within the point's range) at which every point scaled
// by it stays representable in its raw type, counters for ten years
// included. A scale factor nothing refers to is 0 (or its range's nearest end).
func scaleFactors(prof *profiles.Profile) map[string]int {
	sfs := map[string]int{}
	for i := range prof.Points {
		s := &prof.Points[i]
		if s.Type != profiles.TypeSunSSF {
			continue
		}
		lo, hi := -10, 10
		if s.Range != nil {
			lo, hi = int(math.Ceil(s.Range.Min)), int(math.Floor(s.Range.Max))
		}
		chosen := min(max(0, lo), hi)
		var deps []int
		for j := range prof.Points {
			if prof.Points[j].ScaleFactor == s.Name {
				deps = append(deps, j)
			}
		}
		if len(deps) > 0 {
			chosen = hi
			for sf := max(lo, -2); sf <= hi; sf++ {
				if fitsAll(prof, deps, sf) {
					chosen = sf
					break
				}
			}
		}
		sfs[s.Name] = chosen
	}
	return sfs
}

// fitsAll reports whether the points deps stay representable at scale factor sf.
func fitsAll(prof *profiles.Profile, deps []int, sf int) bool {
	for _, j := range deps {
		pt := &prof.Points[j]
		if pt.Type.IsFloat() {
			continue
		}
		peak := numericSignal(prof, pt, j, 247).peak()
		rlo, rhi := rawBounds(pt.Type)
		if _, hi := engBounds(pt, rlo, rhi, math.Pow(10, float64(sf))); peak > hi {
			return false
		}
	}
	return true
}

// preferredEnum matches enum names of a healthy, running device.
var preferredEnum = regexp.MustCompile(`(?i)\b(mppt|run|running|on|normal|ok|ready|operating)\b`)

// enumChoice picks the raw value of an enum point: in its range, a
// "running" name first, else the smallest value.
func enumChoice(pt *profiles.Point) int64 {
	var keys []int64
	for k := range pt.Enum {
		if pt.Range == nil || pt.Range.Contains(float64(k)) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		for k := range pt.Enum {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if preferredEnum.MatchString(pt.Enum[k]) {
			return k
		}
	}
	return keys[0]
}

// textFor is the text a string point serves, cut to the point's size.
func textFor(prof *profiles.Profile, pt *profiles.Point, unit int) string {
	name := strings.ToLower(pt.Name)
	s := prof.Model
	switch {
	case name == "sunspec_id" || strings.Contains(pt.Description, "SunS"):
		s = "SunS"
	case has(name, "serial"):
		s = fmt.Sprintf("BPS%07d", 4200000+unit)
	case has(name, "version", "firmware", "revision"):
		s = "1.0.4"
	case has(name, "manufacturer", "vendor"):
		s = prof.Vendor
	case has(name, "option"):
		s = "busprobe sim"
	}
	if n := 2 * pt.Size(); len(s) > n {
		s = s[:n]
	}
	return s
}
