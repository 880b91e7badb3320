// Package tui is busprobe's interactive interface, built on Bubble Tea v2.
//
// One root Model (app.go) holds a screen enum and one concretely typed
// model per screen: Connect, Scan, Devices, Device, Monitor and Export,
// plus a help overlay built from the key bindings. Shared state lives in
// one Common value passed to every constructor; the package has no
// globals. Every piece of bus and file I/O runs inside a tea.Cmd closure
// and comes back as a typed message tagged with a request ID, so a slow
// device never delays a key press and late answers of a screen left behind
// are dropped. Rendering is done by pure functions of data (render*.go,
// export_render.go), tested with golden files.
//
// Nothing here exits the process or logs: errors come back as ErrorMsg and
// are shown in the view.
package tui
