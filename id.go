package childmatch

import (
	"bytes"
	"encoding/hex"
	"time"

	"github.com/google/uuid"
)

// ID identifies a case, photo, face or other record. IDs are made by the server, never taken from client
// input for storage keys. They are UUIDv7: time-ordered, so listing object keys returns records in creation
// order, and random in their low bits, so they cannot be guessed. 16 bytes, so the index holds them inline.
type ID [16]byte

// NewID returns a fresh time-ordered random ID.
func NewID() ID {
	u, err := uuid.NewV7()
	if err != nil {
		// uuid.NewV7 fails only when the system's random source does, and nothing safe can go on then.
		panic("childmatch: no randomness for a new id: " + err.Error())
	}
	return ID(u)
}

// ParseID parses the canonical textual form of an ID. Anything else is an EInvalid error naming field.
func ParseID(field, s string) (ID, error) {
	u, err := uuid.Parse(s)
	if err != nil || len(s) != 36 {
		return ID{}, FieldError(field, "is not a valid id")
	}
	return ID(u), nil
}

// IDAt returns the smallest ID of the given millisecond: every ID made later sorts after it, so it marks
// a moment in time-ordered keys (a position in the change feed).
func IDAt(t time.Time) ID {
	var id ID
	ms := uint64(max(0, t.UnixMilli()))
	for i := 0; i < 6; i++ {
		id[i] = byte(ms >> (40 - 8*i))
	}
	id[6], id[8] = 0x70, 0x80 // version 7, RFC 4122 variant
	return id
}

// Time returns the millisecond an ID was made in.
func (id ID) Time() time.Time {
	var ms int64
	for i := 0; i < 6; i++ {
		ms = ms<<8 | int64(id[i])
	}
	return time.UnixMilli(ms)
}

// IsZero reports whether id is the zero ID.
func (id ID) IsZero() bool { return id == ID{} }

// Compare orders ids by their bytes, which for these version-7 ids is the order they were made in.
func (id ID) Compare(o ID) int { return bytes.Compare(id[:], o[:]) }

func (id ID) String() string { return uuid.UUID(id).String() }

// Hex returns the ID as 32 hex digits, for places where dashes are unwelcome.
func (id ID) Hex() string { return hex.EncodeToString(id[:]) }

func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

func (id *ID) UnmarshalText(b []byte) error {
	v, err := ParseID("id", string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}
