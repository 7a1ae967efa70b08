package push

// Public is public, for the external tests.
var Public = public
