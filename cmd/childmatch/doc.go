// Command childmatch runs the service: it reads the configuration from the environment (config.go),
// opens MinIO, loads the face models, opens the index (from a snapshot and the change feed after it, else
// from every record; package follow) and serves HTTP until told to stop, then writes the index snapshot.
// `childmatch eval` measures match quality on a folder of photos instead (eval.go). main.go only wires the
// packages together.
package main
