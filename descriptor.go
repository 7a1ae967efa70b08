package childmatch

import "math"

// DescriptorLen is the length of a dlib face descriptor.
const DescriptorLen = 128

// Descriptor is the 128-d embedding dlib's ResNet model gives a face. Two photos of the same adult usually
// lie closer than 0.6 in Euclidean distance (see limits.go for what that number does and does not mean).
type Descriptor [DescriptorLen]float32

// SquaredDistance returns the squared Euclidean distance to o. It is what the index ranks by: the square
// root is monotonic, so it is taken only for the hits that are returned.
func (d *Descriptor) SquaredDistance(o *Descriptor) float32 {
	var s0, s1, s2, s3 float32
	for i := 0; i < DescriptorLen; i += 4 {
		a0, a1, a2, a3 := d[i]-o[i], d[i+1]-o[i+1], d[i+2]-o[i+2], d[i+3]-o[i+3]
		s0 += a0 * a0
		s1 += a1 * a1
		s2 += a2 * a2
		s3 += a3 * a3
	}
	return (s0 + s1) + (s2 + s3)
}

// Distance returns the Euclidean distance to o.
func (d *Descriptor) Distance(o *Descriptor) float32 {
	return float32(math.Sqrt(float64(d.SquaredDistance(o))))
}

// Valid reports whether every component is a finite number; a NaN would poison every comparison.
func (d *Descriptor) Valid() bool {
	for _, v := range d {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return false
		}
	}
	return true
}
