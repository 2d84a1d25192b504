"""End-to-end tests of the mitmdump addon with real processes."""
