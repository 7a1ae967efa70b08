// Package evaluation measures match quality on a folder of photos laid out one sub-folder per person:
// detection rate, identification rank (CMC), verification true-accept rates at fixed false-accept rates,
// and the distance distributions of genuine and impostor pairs. It runs the same face pipeline and index
// the service uses. The age-gap mode (agegap.go) reports the same figures per time between the photos and
// per age at the first one; the gallery sizes (gallery.go) add distractors to the registered people.
package evaluation
