//go:build race

package classify

// raceEnabled is true when the tests run under the race detector, which
// makes the evaluations on the shared data sets ten times slower; they run
// without it as a separate CI step (see .ci/run).
const raceEnabled = true
