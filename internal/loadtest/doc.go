// Package loadtest holds the end-to-end load test of the channel pipeline:
// webhook messages through a real server process, killed with SIGKILL
// midway and restarted. It has no code outside its tests.
package loadtest
