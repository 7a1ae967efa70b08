// Command childmatch runs the service: it reads the configuration from the environment (config.go),
// opens MinIO, loads the face models, opens the index (from a snapshot and the change feed after it, else
// from every record; package follow) and serves HTTP until told to stop, then writes the index snapshot.
// `childmatch eval` measures match quality on a folder of photos instead (eval.go), `childmatch calibrate`
// refits the evidence's calibration on a running service (calibrate.go), and `childmatch sweep` runs one
// sweep of unreferenced blobs (service/sweep.go), which the service also runs every
// CHILDMATCH_SWEEP_INTERVAL; `childmatch dedupe` compares every face with every other and proposes the
// pairs for review, resumably (dedupe.go). main.go only wires the packages together.
package main
